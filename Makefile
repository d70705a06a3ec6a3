# kubectl flux-oci: build, test and benchmark.
SHELL := /usr/bin/env bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/flux-oci/kubectl-flux-oci/pkg/version.Version=$(VERSION)
BIN := bin/kubectl-flux_oci

.PHONY: all build test unit e2e bench fmt vet tools sandbox sandbox-down sandbox-status

all: build

build: ## Build the plugin into bin/.
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kubectl-flux_oci

unit: ## Unit tests (in-process registry, no cluster).
	$(GO) test ./...

test: unit e2e ## Every test: unit, then end-to-end on the local sandbox.

vet:
	$(GO) vet ./...

fmt:
	gofmt -l -w $$(git ls-files '*.go')

-include hack/testbed.mk
-include hack/bench.mk
