#!/usr/bin/env bash
# Runs on the GPU machine from the repository root, after tools/gpucheck/publish.sh: builds the shim
# against the local PyTorch's libtorch, runs the engine tests and the operator check, and, when
# .publish/gpu/model exists, generates on CPU and CUDA (TF32 on and off) and compares the NIfTIs.
# Logs go to the folder given as $1 (default: .publish/gpu/out).
set -u
root=$PWD; G=$root/.publish/gpu; B=$root/.publish/x/bundle; O=${1:-$G/out}
mkdir -p "$O"
exec > >(tee -a "$O/main.log") 2>&1
step() { echo; echo "=== $*"; }
nvidia-smi -L
T=$(python3 -c "import torch, os; print(os.path.dirname(torch.__file__))") || exit 1
python3 -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'available', torch.cuda.is_available())"
step build the shim
cmake -S native -B /tmp/braingen-native -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$T" > "$O/build.log" 2>&1 &&
  cmake --build /tmp/braingen-native >> "$O/build.log" 2>&1 || { tail -30 "$O/build.log"; exit 1; }
mkdir -p "$root/.publish/x" && tar xJf "$G/bundle.tar.xz" -C "$root/.publish/x" && cp /tmp/braingen-native/libbraingen_torch.so "$B/"
step engine tests
"$B/xrun" BrainGen.Torch.Tests > "$O/tests.log" 2>&1; grep -E "^FAIL|^SKIP|passed" -A1 "$O/tests.log"
step operators
"$B/xrun" ops > "$O/ops.log" 2>&1; head -4 "$O/ops.log"
[ -d "$G/model" ] || exit 0
step generate on CPU and CUDA
gen() { "$B/braingen" generate --model "$G/model" --n 2 --age 70 --sex F --steps 20 --seed 5 --no-preview "$@" 2>&1 | grep -a -E "generated|rror"; }
gen -o /tmp/braingen-gen/cpu --device cpu
gen -o /tmp/braingen-gen/cuda --device cuda
NVIDIA_TF32_OVERRIDE=0 gen -o /tmp/braingen-gen/cuda-notf32 --device cuda
f=sub-00001/anat/sub-00001_T1w.nii.gz
pairs=("cuda_vs_cpu=/tmp/braingen-gen/cpu/$f,/tmp/braingen-gen/cuda/$f" "cuda_notf32_vs_cpu=/tmp/braingen-gen/cpu/$f,/tmp/braingen-gen/cuda-notf32/$f")
[ -f "$G/local/gen-ddim/$f" ] && pairs+=("cpu_vs_local_cpu=$G/local/gen-ddim/$f,/tmp/braingen-gen/cpu/$f")
python3 "$G/nicompare.py" "${pairs[@]}" | tee "$O/compare.jsonl"
