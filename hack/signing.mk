# Signing: the pinned cosign and notation CLIs that check what kubectl
# flux-oci signs. Included by the top-level Makefile (`-include hack/signing.mk`).
#
#   make cosign-tool        # build hack/tools/cosign into bin/tools/cosign (~5 min cold)
#   make notation-tool      # build hack/tools/notation into bin/tools/notation (~10 s warm)
#   make signing-interop    # both CLIs <-> pkg/signing, every format, both directions

TOOLS_BIN ?= $(CURDIR)/bin/tools
COSIGN_TOOL := $(TOOLS_BIN)/cosign
NOTATION_TOOL := $(TOOLS_BIN)/notation

.PHONY: cosign-tool notation-tool signing-interop

cosign-tool: $(COSIGN_TOOL) ## Build the pinned cosign CLI (hack/tools/cosign) into bin/tools/.

# Rebuilt only when the tools module changes. GOWORK=off keeps the tools
# module's versions apart from the plugin's.
$(COSIGN_TOOL): hack/tools/cosign/go.mod hack/tools/cosign/go.sum
	cd hack/tools/cosign && GOWORK=off GOFLAGS=-p=2 $(GO) build -trimpath \
		-ldflags "-s -w -X sigs.k8s.io/release-utils/version.gitVersion=$$(GOWORK=off $(GO) list -m -f '{{.Version}}' github.com/sigstore/cosign/v3)" \
		-o $(COSIGN_TOOL) github.com/sigstore/cosign/v3/cmd/cosign

notation-tool: $(NOTATION_TOOL) ## Build the pinned notation CLI (hack/tools/notation) into bin/tools/.

# notation v1.3.2 builds only from a module that requires it (its own
# go.mod pins what `go install` would refuse), hence the tools module.
$(NOTATION_TOOL): hack/tools/notation/go.mod hack/tools/notation/go.sum
	cd hack/tools/notation && GOWORK=off GOFLAGS=-p=2 $(GO) build -trimpath \
		-ldflags "-s -w -X github.com/notaryproject/notation/internal/version.BuildMetadata=" \
		-o $(NOTATION_TOOL) github.com/notaryproject/notation/cmd/notation

signing-interop: cosign-tool notation-tool ## The cosign and notation CLIs verify what we sign, and we verify what they sign (offline).
	COSIGN=$(COSIGN_TOOL) NOTATION=$(NOTATION_TOOL) $(GO) test -count=1 -run 'Cosign|NotationCLI|WeVerifyNotation' -v ./pkg/signing/
