# Local end-to-end test bed: pinned tools, the sandbox cluster and e2e tests.
# Included by the top-level Makefile. See hack/sandbox/README.md.

TOOLS_BIN ?= $(CURDIR)/bin/tools
# Tool groups the sandbox needs (peers and flux are for benchmarks only).
SANDBOX_TOOLS ?= kubernetes etcd registry kwok source-controller kustomize-controller
# Groups `make tools` builds; e.g. `make tools TOOLS="peers registry"`.
TOOLS ?= all
# The driver is built, not `go run`: its supervisors re-execute this binary.
SANDBOX_BIN := bin/sandbox
SANDBOX := SANDBOX_TOOLS_BIN=$(TOOLS_BIN) $(SANDBOX_BIN)
E2E_TIMEOUT ?= 40m

.PHONY: sandbox-driver
sandbox-driver:
	$(GO) build -o $(SANDBOX_BIN) ./hack/sandbox/cmd/sandbox

tools: ## Build the pinned test-bed tools into bin/tools/ (cached by input hash).
	TOOLS_BIN=$(TOOLS_BIN) hack/tools/build.sh $(TOOLS)

sandbox: sandbox-driver ## Build the sandbox's tools, then start (or check) the local sandbox.
	TOOLS_BIN=$(TOOLS_BIN) hack/tools/build.sh $(SANDBOX_TOOLS)
	$(SANDBOX) up

sandbox-down: sandbox-driver ## Stop every process of the local sandbox.
	$(SANDBOX) down

sandbox-status: sandbox-driver ## Show each sandbox component, its pid, port and health.
	$(SANDBOX) status

sandbox-env: sandbox-driver ## Print the sandbox env file (eval or source it).
	@$(SANDBOX) env

e2e: ## End-to-end tests: the plugin through kubectl against the sandbox.
	$(MAKE) build
	TOOLS_BIN=$(TOOLS_BIN) hack/tools/build.sh $(SANDBOX_TOOLS)
	SANDBOX_TOOLS_BIN=$(TOOLS_BIN) $(GO) test -tags e2e -count=1 -timeout $(E2E_TIMEOUT) ./hack/e2e/...
