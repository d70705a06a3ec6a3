# Signing: the pinned cosign CLI that checks what kubectl flux-oci signs.
# Included by the top-level Makefile (`-include hack/signing.mk`).
#
#   make cosign-tool        # build hack/tools/cosign into bin/tools/cosign (~5 min cold)
#   make signing-interop    # cosign CLI <-> pkg/signing, both formats, both directions

TOOLS_BIN ?= $(CURDIR)/bin/tools
COSIGN_TOOL := $(TOOLS_BIN)/cosign

.PHONY: cosign-tool signing-interop

cosign-tool: $(COSIGN_TOOL) ## Build the pinned cosign CLI (hack/tools/cosign) into bin/tools/.

# Rebuilt only when the tools module changes. GOWORK=off keeps the tools
# module's versions apart from the plugin's.
$(COSIGN_TOOL): hack/tools/cosign/go.mod hack/tools/cosign/go.sum
	cd hack/tools/cosign && GOWORK=off GOFLAGS=-p=2 $(GO) build -trimpath \
		-ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=$$(GOWORK=off $(GO) list -m -f '{{.Version}}' github.com/sigstore/cosign/v3)" \
		-o $(COSIGN_TOOL) github.com/sigstore/cosign/v3/cmd/cosign

signing-interop: cosign-tool ## The cosign CLI verifies what we sign, and we verify what it signs (offline, key-based).
	COSIGN=$(COSIGN_TOOL) $(GO) test -count=1 -run 'Cosign' -v ./pkg/signing/
