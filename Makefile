# kubectl flux-oci: build, test and benchmark.
SHELL := /usr/bin/env bash
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -s -w -X github.com/flux-oci/kubectl-flux-oci/pkg/version.Version=$(VERSION)
BIN := bin/kubectl-flux_oci

.PHONY: all build demo test unit check e2e bench fmt vet fuzz tools sandbox sandbox-down sandbox-status

all: build

build: ## Build the plugin into bin/.
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/kubectl-flux_oci

demo: build sandbox ## The quick start: sandbox, bootstrap, push a fleet, watch Flux apply it.
	hack/demo.sh

unit: ## Unit tests (in-process registry, no cluster).
	$(GO) test -count=1 ./...

# The cosign and notation CLIs come first so that the unit tests' interop
# cases run instead of skipping.
test: check manifests-check krew-check cosign-tool notation-tool unit e2e ## Every test: static checks, embedded manifests current, unit (with the cosign and notation CLIs), then end-to-end on the local sandbox.

check: ## gofmt and go vet must be clean.
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./hack/e2e/...

vet: check

# The fuzz targets' seeds run with `make unit`; this explores beyond them.
FUZZTIME ?= 2m
fuzz: ## Fuzz the DEFLATE decoder against compress/flate, FUZZTIME per target.
	$(GO) test -run '^$$' -fuzz '^FuzzMatchesCompressFlate$$' -fuzztime $(FUZZTIME) ./pkg/inflate
	$(GO) test -run '^$$' -fuzz '^FuzzRoundTrip$$' -fuzztime $(FUZZTIME) ./pkg/inflate

fmt:
	gofmt -l -w $$(git ls-files '*.go')

-include hack/testbed.mk
-include hack/manifests.mk
-include hack/signing.mk
-include hack/krew.mk
-include hack/bench.mk
