#!/usr/bin/env bash
# Installs what BrainGen needs on Debian 12 (apt packages), once; later runs only check.
# The native shim itself is built by `dotnet build` (src/BrainGen.Torch/BrainGen.Torch.csproj).
set -euo pipefail

# Runtime and build: libtorch (engine), OpenBLAS (its BLAS), CMake and g++ (native shim),
# mricron-data (Colin27 templates: the bundled default brain for demos and the phantom cohort).
packages=(libtorch-dev libopenblas0-pthread cmake g++ make mricron-data)
# Only for regenerating golden fixtures and running benchmarks against the references.
if [[ "${1:-}" == "--reference" ]]; then
  packages+=(python3-torch python3-nibabel python3-numpy python3-scipy)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
(( ${#missing[@]} == 0 )) && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=""
if (( EUID != 0 )); then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >&2
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
