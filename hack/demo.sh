#!/usr/bin/env bash
# The quick start: a local sandbox (Kubernetes, two registries, the Flux
# controllers), then `kubectl flux-oci bootstrap`, a fleet pushed with
# `kubectl flux-oci push`, and Flux applying it. Run by `make demo`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# shellcheck disable=SC1091
. .sandbox/env
# The pinned kubectl, and the plugin as kubectl finds it: kubectl-flux_oci on PATH.
export PATH="$root/bin:$(dirname "$SANDBOX_KUBECTL"):$PATH"
reg="$SANDBOX_REGISTRY_TLS"
tag="demo"
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "kubectl flux-oci bootstrap (HTTPS registry with its own CA and basic auth)"
kubectl flux-oci bootstrap \
  --url "oci://$reg/flux-manifests:$tag" \
  --cluster-url "oci://$reg/fleet:$tag" --cluster-path clusters/sandbox \
  --username "$SANDBOX_REGISTRY_USER" --password-stdin --ca-file "$SANDBOX_REGISTRY_CA" \
  < "$SANDBOX_REGISTRY_PASSWORD_FILE"

say "kubectl flux-oci push testdata/fleet to the cluster artifact"
digest=$(kubectl flux-oci push "oci://$reg/fleet:$tag" --path testdata/fleet \
  --username "$SANDBOX_REGISTRY_USER" --password-stdin --ca-file "$SANDBOX_REGISTRY_CA" \
  < "$SANDBOX_REGISTRY_PASSWORD_FILE")
echo "$digest"

say "Flux pulls the new revision and applies it"
kubectl annotate --overwrite -n flux-system ocirepository/flux-system \
  "reconcile.fluxcd.io/requestedAt=$(date +%s%N)" >/dev/null
kubectl wait -n flux-system kustomization/flux-system --timeout=120s \
  --for="jsonpath={.status.lastAppliedRevision}=$tag@${digest##*@}"
kubectl wait -n podinfo deployment/podinfo --for=condition=Available --timeout=120s
kubectl get ocirepositories,kustomizations -n flux-system
kubectl get deployments -n podinfo

say "Done. Try it yourself:"
cat <<MSG
  . .sandbox/env && export PATH=$root/bin:\$(dirname \$SANDBOX_KUBECTL):\$PATH
  kubectl flux-oci list oci://$reg/fleet --ca-file \$SANDBOX_REGISTRY_CA --username \$SANDBOX_REGISTRY_USER --password-stdin < \$SANDBOX_REGISTRY_PASSWORD_FILE
  make sandbox-down    # stop everything
MSG
