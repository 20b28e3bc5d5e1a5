#!/usr/bin/env bash
# Prepares a GPU check for a machine with PyTorch (CUDA) but no .NET (docs/engine.md, GPU): publishes
# the CLI and the engine tests (xrun) self-contained into one folder and packs it with the device
# script into .publish/gpu/ (ignored). Copy or carry that folder with the repository checkout, then
# run `bash .publish/gpu/device.sh OUT_DIR` there from the repository root.
# Optional: put a model folder at .publish/gpu/model (e.g. the demo's out/demo/train-diffusion/model)
# and this machine's CPU output of the same generate command at .publish/gpu/local/gen-ddim.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
out=.publish/gpu; bundle=.publish/bundle
rm -rf "$bundle" && mkdir -p "$out"
export BRAINGEN_SKIP_NATIVE=1
dotnet publish src/BrainGen.Cli -c Release -r linux-x64 --self-contained -p:PublishTrimmed=false -o "$bundle" --nologo -v q
dotnet publish tools/gpucheck -c Release -r linux-x64 --self-contained -p:PublishTrimmed=false -o "$bundle" --nologo -v q
rm -f "$bundle"/*.pdb "$bundle"/libbraingen_torch.so  # the shim is built on the GPU machine
tar cJf "$out/bundle.tar.xz" -C .publish bundle
cp tools/gpucheck/device.sh tools/gpucheck/nicompare.py "$out/"
du -sh "$out"
