// Pins the flux CLI benchmark peer. No tool directive: the module zip lacks the
// generated cmd/flux/manifests/*.yaml that cmd/flux embeds, so it cannot be
// loaded from the module cache. hack/tools/build.sh builds it from a copy of
// the module (under bin/build/) with one placeholder YAML; artifact verbs work,
// install/bootstrap do not. Kept apart from ../peers so MVS leaves crane/oras alone.
// `go mod tidy` would drop the unused require: bump with `go get github.com/fluxcd/flux2/v2@vX`.
module github.com/flux-oci/kubectl-flux-oci/hack/tools/flux

go 1.26

require github.com/fluxcd/flux2/v2 v2.9.5
