# Embedded Flux component manifests: regenerate and check them.
# Included by the top-level Makefile. See pkg/components/manifests/<flux>/SOURCES.md.
# Needs only the Go module proxy: flux2's overlays, the controllers' config/
# and api modules, and controller-gen all come from it.

GO ?= go
TOOLS_BIN ?= $(CURDIR)/bin/tools
MANIFESTS_DIR ?= pkg/components/manifests
CONTROLLER_GEN := $(TOOLS_BIN)/controller-gen
MANIFESTS_GEN := $(GO) run ./hack/manifests -versions hack/manifests/versions.yaml -controller-gen $(CONTROLLER_GEN)

.PHONY: manifests manifests-check

# controller-gen has its own module so its dependencies do not move the
# plugin's; go build's cache makes a rebuild after a go.sum change cheap.
$(CONTROLLER_GEN): hack/tools/controller-gen/go.mod hack/tools/controller-gen/go.sum
	cd hack/tools/controller-gen && GOWORK=off $(GO) build -trimpath -o $(CONTROLLER_GEN) sigs.k8s.io/controller-tools/cmd/controller-gen

manifests: $(CONTROLLER_GEN) ## Regenerate the embedded Flux manifests (hack/manifests/versions.yaml).
	$(MANIFESTS_GEN) -out $(MANIFESTS_DIR)

manifests-check: $(CONTROLLER_GEN) ## Fail with a diff if the embedded Flux manifests are stale.
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(MANIFESTS_GEN) -out "$$tmp" && \
	status=0 && for dir in "$$tmp"/*/; do \
		v=$$(basename "$$dir"); \
		diff -ruN "$(MANIFESTS_DIR)/$$v" "$$tmp/$$v" || status=1; \
	done; \
	if [ $$status -ne 0 ]; then echo "✗ $(MANIFESTS_DIR) is stale: run make manifests" >&2; exit 1; fi; \
	echo "✔ $(MANIFESTS_DIR) is current" >&2
