#!/usr/bin/env bash
# Builds the pinned test-bed tools into bin/tools/ (TOOLS_BIN overrides).
#
#   hack/tools/build.sh                 # every group
#   hack/tools/build.sh kube etcd ...   # a subset (names below, or "all")
#
# Groups: kubernetes (alias kube), etcd, registry, kwok, source-controller,
# kustomize-controller, krew, peers, flux.
#
# A group is skipped when its binaries exist and the hash of its inputs (the
# files of the group's module dir and this script) matches the stamp written by the last
# successful build, so a warm run costs well under a second. Groups build one
# at a time: the machine has two cores and other builds may share them.
set -euo pipefail

self="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname "${self}")/../.." && pwd)"
tools="${root}/hack/tools"
out="${TOOLS_BIN:-${root}/bin/tools}"
stamps="${out}/.stamps"
GO="${GO:-go}"
export GOFLAGS="${GOFLAGS:--p=2}"
mkdir -p "${stamps}"

k8s_version=v1.36.3
k8s_ldflags="-s -w -X k8s.io/component-base/version.gitVersion=${k8s_version}
 -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=36
 -X k8s.io/component-base/version.gitTreeState=clean"

# binaries of each group: the stamp is only trusted if all of them exist.
bins_of() {
  case "$1" in
    kubernetes) echo kube-apiserver kube-controller-manager kube-scheduler kubectl ;;
    etcd) echo etcd ;;
    registry) echo registry registry-htpasswd ;;
    kwok) echo kwok kwok-stages ;;
    source-controller) echo source-controller crds/source-controller ;;
    kustomize-controller) echo kustomize-controller crds/kustomize-controller ;;
    krew) echo krew validate-krew-manifest kubectl-krew ;;
    peers) echo crane oras ;;
    flux) echo flux ;;
    *) echo "unknown tool group: $1" >&2; return 1 ;;
  esac
}

# build_group runs inside the group's module directory.
build_group() {
  case "$1" in
    kubernetes)
      "$GO" build -trimpath -ldflags "${k8s_ldflags//$'\n'/}" -o "${out}/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl ;;
    etcd)
      "$GO" build -trimpath -ldflags "-s -w" -o "${out}/etcd" go.etcd.io/etcd/server/v3 ;;
    registry)
      "$GO" build -trimpath -ldflags "-s -w -X github.com/distribution/distribution/v3/version.version=$(module_version github.com/distribution/distribution/v3)" \
        -o "${out}/registry" github.com/distribution/distribution/v3/cmd/registry
      "$GO" build -trimpath -ldflags "-s -w" -o "${out}/registry-htpasswd" ./htpasswd ;;
    kwok)
      "$GO" build -trimpath -ldflags "-s -w" -o "${out}/kwok" sigs.k8s.io/kwok/cmd/kwok
      # kwok has no built-in stages and exits without them: take the upstream
      # ones of the pinned version for node init, lease heartbeat and pod life.
      local stages
      stages="$(module_dir sigs.k8s.io/kwok)/kustomize/stage"
      rm -rf "${out}/kwok-stages" && mkdir -p "${out}/kwok-stages"
      cp "${stages}/node/fast/node-initialize.yaml" \
        "${stages}/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
        "${stages}/pod/fast/pod-ready.yaml" "${stages}/pod/fast/pod-complete.yaml" \
        "${stages}/pod/fast/pod-delete.yaml" "${out}/kwok-stages/"
      chmod u+w "${out}"/kwok-stages/* ;;
    source-controller | kustomize-controller)
      "$GO" build -trimpath -ldflags "-s -w" -o "${out}/$1" "github.com/fluxcd/$1"
      # The sandbox installs the CRDs of exactly the controller version it runs.
      rm -rf "${out}/crds/$1" && mkdir -p "${out}/crds/$1"
      cp "$(module_dir "github.com/fluxcd/$1")"/config/crd/bases/*.yaml "${out}/crds/$1/"
      chmod u+w "${out}/crds/$1"/* ;;
    krew)
      "$GO" build -trimpath -ldflags "-s -w -X sigs.k8s.io/krew/internal/version.gitTag=$(module_version sigs.k8s.io/krew)" \
        -o "${out}/" sigs.k8s.io/krew/cmd/krew sigs.k8s.io/krew/cmd/validate-krew-manifest
      # krew must run as a kubectl plugin from outside KREW_ROOT (inside a fresh
      # KREW_ROOT/bin it reports "krew home outdated").
      ln -sf krew "${out}/kubectl-krew" ;;
    peers)
      "$GO" build -trimpath -ldflags "-s -w" -o "${out}/" \
        github.com/google/go-containerregistry/cmd/crane oras.land/oras/cmd/oras ;;
    flux) build_flux ;;
  esac
}

module_version() { "$GO" list -m -f '{{.Version}}' "$1"; }
module_dir() { "$GO" mod download -json "$1@$(module_version "$1")" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p'; }

# build_flux builds cmd/flux from a writable copy of the pinned module: the
# module zip lacks the generated manifests/*.yaml that cmd/flux embeds.
build_flux() {
  local version src work
  version="$(module_version github.com/fluxcd/flux2/v2)"
  src="$(module_dir github.com/fluxcd/flux2/v2)"
  work="${root}/bin/build/flux2-${version}"
  rm -rf "${work}"
  mkdir -p "$(dirname "${work}")"
  cp -r "${src}" "${work}"
  chmod -R u+w "${work}"
  mkdir -p "${work}/cmd/flux/manifests"
  printf '# placeholder: flux install/bootstrap are not used by the test bed\n' \
    >"${work}/cmd/flux/manifests/placeholder.yaml"
  (cd "${work}" && GOWORK=off "$GO" build -trimpath \
    -ldflags "-s -w -X main.VERSION=${version#v}" -o "${out}/flux" ./cmd/flux)
}

# inputs_hash covers every file of the group's module (go.mod, go.sum and
# helpers such as registry/htpasswd) plus this script.
inputs_hash() {
  (cd "${tools}/$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum <"${self}") | sha256sum | cut -d' ' -f1
}

up_to_date() {
  local group=$1 b
  [[ -f "${stamps}/${group}" && "$(cat "${stamps}/${group}")" == "$(inputs_hash "${group}")" ]] || return 1
  for b in $(bins_of "${group}"); do [[ -e "${out}/${b}" ]] || return 1; done
}

groups=("$@")
if [[ ${#groups[@]} -eq 0 || " ${groups[*]} " == *" all "* ]]; then
  groups=(kubernetes etcd registry kwok source-controller kustomize-controller krew peers flux)
fi

for group in "${groups[@]}"; do
  [[ "${group}" == kube ]] && group=kubernetes
  bins_of "${group}" >/dev/null
  if up_to_date "${group}"; then
    echo "tools: ${group} up to date"
    continue
  fi
  echo "tools: building ${group} ($(bins_of "${group}"))"
  start=$(date +%s)
  rm -f "${stamps}/${group}"
  (cd "${tools}/${group}" && GOWORK=off build_group "${group}")
  secs=$(($(date +%s) - start))
  inputs_hash "${group}" >"${stamps}/${group}"
  echo "${secs}" >"${stamps}/${group}.seconds"
  echo "tools: built ${group} in ${secs}s"
done
