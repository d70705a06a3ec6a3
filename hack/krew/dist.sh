#!/usr/bin/env bash
# Builds the release archives kubectl-flux_oci_<tag>_<os>_<arch>.tar.gz and
# their .sha256 files into DIST_DIR, one per platform of PLATFORMS.
#
#   RELEASE_TAG=v0.1.0 hack/krew/dist.sh
#   RELEASE_TAG=v0.1.0 PLATFORMS=linux/amd64 DIST_DIR=/tmp/d hack/krew/dist.sh
#
# The archives are reproducible: the same sources and Go toolchain give
# byte-identical files, so a release can be rebuilt and checked against the
# published sha256. Hence -trimpath and CGO_ENABLED=0 (no build paths, no
# host C toolchain in the binary), and tar entries in a fixed order with fixed
# modes, owner and mtime, compressed by gzip -n (no name or time in the header).
# Nothing depends on the commit either (-buildvcs=false, an mtime that is not
# the commit time): plugins/flux-oci.yaml, which holds the archives' sums, is
# committed in the release commit, and that commit must still build the
# archives the manifest describes.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
tag="${RELEASE_TAG:?RELEASE_TAG must name the release tag, e.g. v0.1.0}"
platforms="${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64}"
out="${DIST_DIR:-${root}/dist}"
GO="${GO:-go}"
module=github.com/flux-oci/kubectl-flux-oci
# Every entry carries SOURCE_DATE_EPOCH, by default 2000-01-01T00:00:00Z.
epoch="${SOURCE_DATE_EPOCH:-946684800}"

mkdir -p "${out}"
out="$(cd "${out}" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "${stage}"' EXIT

for platform in ${platforms//,/ }; do
  os="${platform%/*}" arch="${platform#*/}"
  name="kubectl-flux_oci_${tag}_${os}_${arch}.tar.gz"
  exe=kubectl-flux_oci
  files=(LICENSE README.md)
  if [[ "${os}" == windows ]]; then
    exe+=.exe
  else
    # kubectl looks the completion helper up on PATH and runs it directly:
    # a POSIX shell script is of no use on Windows.
    files+=(kubectl_complete-flux_oci)
  fi
  files+=("${exe}")

  start=$(date +%s)
  rm -rf "${stage:?}"/*
  (cd "${root}" && CGO_ENABLED=0 GOOS="${os}" GOARCH="${arch}" "${GO}" build -trimpath -buildvcs=false \
    -ldflags "-s -w -X ${module}/pkg/version.Version=${tag}" -o "${stage}/${exe}" ./cmd/kubectl-flux_oci)
  # install -m sets the mode whatever the umask of the machine building.
  chmod 0755 "${stage}/${exe}"
  install -m 0644 "${root}/LICENSE" "${root}/README.md" "${stage}/"
  if [[ "${os}" != windows ]]; then
    install -m 0755 "${root}/hack/completion/kubectl_complete-flux_oci" "${stage}/"
  fi

  # Write next to the target and rename, so an interrupted run never leaves
  # a truncated archive that the manifest renderer would hash.
  mapfile -t sorted < <(printf '%s\n' "${files[@]}" | LC_ALL=C sort)
  tar --create --format=ustar --owner=0 --group=0 --numeric-owner \
    --mtime="@${epoch}" --directory="${stage}" "${sorted[@]}" |
    gzip -n -9 >"${out}/${name}.tmp"
  mv "${out}/${name}.tmp" "${out}/${name}"
  (cd "${out}" && sha256sum "${name}" >"${name}.sha256")
  echo "dist: ${name} ($(du -h "${out}/${name}" | cut -f1), $(($(date +%s) - start))s)" >&2
done
