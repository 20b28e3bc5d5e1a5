#!/usr/bin/python3
"""nibabel counterpart of `BrainGen.Bench nifti`: median seconds to read and to write each file.

Read = nib.load(path).get_fdata(dtype=float32) (BrainGen's Nifti.Read also returns float32 voxels).
Write = nib.save of the file's own dtype as .nii.gz (nibabel's default gzip level 1, as BrainGen's).
Usage: /usr/bin/python3 bench/python/nifti_bench.py RUNS FILE... ; prints one JSON object.
"""
import json, os, statistics, sys, tempfile, time
import numpy as np
import nibabel as nib


def median_time(fn, runs):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main():
    runs = int(sys.argv[1])
    out = {"nibabel": nib.__version__, "numpy": np.__version__, "files": {}}
    tmp = tempfile.mkdtemp()
    for path in sys.argv[2:]:
        img = nib.load(path)
        raw = np.asanyarray(img.dataobj)
        target = os.path.join(tmp, "out.nii.gz")
        out["files"][os.path.basename(path)] = {
            "read": median_time(lambda: nib.load(path).get_fdata(dtype=np.float32), runs),
            "write": median_time(lambda: nib.save(nib.Nifti1Image(raw, img.affine, img.header), target), runs),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
