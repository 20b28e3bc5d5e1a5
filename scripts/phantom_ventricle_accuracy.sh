#!/usr/bin/env bash
# Ventricle/brain volume accuracy of `braingen volumes` on a phantom cohort with known truth.
# Usage: scripts/phantom_ventricle_accuracy.sh [SUBJECTS=20] [RESOLUTION=2] [DIR=/tmp/braingen-vent-accuracy] [SEED=1]
set -euo pipefail
n=${1:-20}; res=${2:-2}; dir=${3:-/tmp/braingen-vent-accuracy}; seed=${4:-1}
root=$(cd "$(dirname "$0")/.." && pwd)
export BRAINGEN_SKIP_NATIVE=1
dotnet build "$root/src/BrainGen.Cli" -c Release -v q >/dev/null
cli="$root/src/BrainGen.Cli/bin/Release/net10.0/braingen"
rm -rf "$dir"
"$cli" phantom -o "$dir" -n "$n" --seed "$seed" --followups 1 --resolution "$res" --modalities t1w --skull-strip --no-maps >/dev/null
"$cli" volumes $(ls "$dir"/sub-*/ses-*/anat/*_T1w.nii.gz) -o "$dir/measured.tsv"
python3 "$root/scripts/phantom_ventricle_accuracy.py" "$dir"
