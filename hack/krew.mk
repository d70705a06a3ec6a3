# Release archives and the krew plugin manifest.
# Included by the top-level Makefile. See hack/krew/dist.sh and hack/krew/.

GO ?= go
# The release the archives and plugins/flux-oci.yaml are for, stamped into
# the binary: the tag of HEAD when there is one (so CI on a release tag checks
# that the manifest was rendered for it), else the version plugins/ already
# holds (shallow CI clones have no other tags), else v0.1.0, the first.
RELEASE_TAG ?= $(or $(shell git describe --tags --exact-match 2>/dev/null),$(shell sed -n 's/^  version: \(v.*\)$$/\1/p' plugins/flux-oci.yaml 2>/dev/null),v0.1.0)
ALL_PLATFORMS := linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64
# e.g. `make dist PLATFORMS=linux/amd64` for a quick local archive.
PLATFORMS ?= $(ALL_PLATFORMS)
DIST_DIR ?= dist
KREW_MANIFEST := plugins/flux-oci.yaml
KREW_RENDER := $(GO) run ./hack/krew -template .krew.yaml -tag $(RELEASE_TAG)
DIST := RELEASE_TAG=$(RELEASE_TAG) DIST_DIR=$(DIST_DIR) GO=$(GO) hack/krew/dist.sh

.PHONY: dist krew-manifest krew-check

dist: ## Reproducible release archives and .sha256 files in dist/ (PLATFORMS=os/arch … for a subset).
	PLATFORMS="$(PLATFORMS)" $(DIST)

# Always every platform: a manifest whose sums mix builds would install one
# platform's archive from this build and another's from an older one.
krew-manifest: ## Build every archive, then render plugins/flux-oci.yaml for RELEASE_TAG.
	PLATFORMS="$(ALL_PLATFORMS)" $(DIST)
	$(KREW_RENDER) -dist $(DIST_DIR) -o $(KREW_MANIFEST)

# The check compares everything but the sha256 lines. The sums are those of
# the archives of the release commit: every later commit changes the binary,
# so a check that rebuilt the archives would fail on any code change (and
# cross-compile six platforms, minutes on two cores, for nothing). What it
# proves is that the manifest is the template rendered for RELEASE_TAG (URIs,
# platforms, bin, descriptions) and that real sums were filled in; krew itself
# refuses an archive whose sum differs.
krew-check: ## Fail with a diff if plugins/flux-oci.yaml is not .krew.yaml rendered for RELEASE_TAG.
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(KREW_RENDER) -dist "$$tmp" -allow-missing -o "$$tmp/flux-oci.yaml" && \
	mask() { sed -E 's/^( *sha256: ).*/\1<sum>/' "$$1"; } && \
	if ! diff -u <(mask $(KREW_MANIFEST)) <(mask "$$tmp/flux-oci.yaml"); then \
		echo "✗ $(KREW_MANIFEST) is not .krew.yaml rendered for $(RELEASE_TAG): run make krew-manifest" >&2; exit 1; \
	fi; \
	if grep -Eq 'sha256: (f{64})?$$' $(KREW_MANIFEST); then \
		echo "✗ $(KREW_MANIFEST) lacks real sha256 sums: run make krew-manifest" >&2; exit 1; \
	fi; \
	echo "✔ $(KREW_MANIFEST) is .krew.yaml rendered for $(RELEASE_TAG)" >&2
