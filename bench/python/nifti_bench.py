#!/usr/bin/python3
"""nibabel counterpart of `BrainGen.Bench nifti`: time reading and writing NIfTI files.

Read  = nib.load(path).get_fdata(dtype=float32): every voxel decoded to float32 in memory, as
        BrainGen's Nifti.Read returns (nibabel's proxy is not lazy past get_fdata).
Write = nib.save of the file's own stored voxels (uint8 for the mricron templates, slope 1) as
        .nii.gz; nibabel's Opener writes gzip at default_compresslevel (1), via Python's zlib.

Three modes:
  /usr/bin/python3 nifti_bench.py RUNS FILE...   standalone: prints one JSON object of medians
  /usr/bin/python3 nifti_bench.py --serve        used by the C# suite, which interleaves the two
        sides: one JSON command per stdin line, one JSON answer per stdout line.
        {"op": "read", "file": F}            -> {"wall": s, "cpu": s, "faults": n}
        {"op": "write", "file": F, "out": O} -> {"wall": s, "cpu": s, "faults": n, "bytes": n}
        {"op": "info"}                       -> versions
  /usr/bin/python3 nifti_bench.py --once FILE    the first read in this process, after the imports:
        prints {"wall": s, "cpu": s, "faults": n} (the C# suite's fresh-process row)
CPU time is time.process_time() (all threads of the process, user + system); faults are minor page
faults (resource.getrusage ru_minflt), i.e. first touches of memory.
"""
import json, os, resource, statistics, sys, tempfile, time, zlib
import numpy as np
import nibabel as nib
from nibabel.openers import Opener

_raw = {}


def _stored(path):
    """The file's stored voxels and image, loaded once (the write input, like BrainGen's volume)."""
    if path not in _raw:
        img = nib.load(path)
        _raw[path] = (img, np.asanyarray(img.dataobj))
    return _raw[path]


def read(path):
    return nib.load(path).get_fdata(dtype=np.float32)


def write(path, out):
    img, raw = _stored(path)
    nib.save(nib.Nifti1Image(raw, img.affine, img.header), out)


def timed(fn):
    f = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    c, t = time.process_time(), time.perf_counter()
    fn()
    wall, cpu = time.perf_counter() - t, time.process_time() - c
    return {"wall": wall, "cpu": cpu, "faults": resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f}


def info():
    return {"nibabel": nib.__version__, "numpy": np.__version__, "python": sys.version.split()[0],
            "zlib": zlib.ZLIB_RUNTIME_VERSION, "gzip_level": Opener.default_compresslevel}


def serve():
    for line in sys.stdin:
        cmd = json.loads(line)
        op = cmd["op"]
        if op == "info":
            ans = info()
        elif op == "read":
            ans = timed(lambda: read(cmd["file"]))
        elif op == "write":
            _stored(cmd["file"])
            ans = timed(lambda: write(cmd["file"], cmd["out"]))
            ans["bytes"] = os.path.getsize(cmd["out"])
        else:
            raise ValueError(f"unknown op {op}")
        sys.stdout.write(json.dumps(ans) + "\n")
        sys.stdout.flush()


def median_time(fn, runs):
    return statistics.median(timed(fn)["wall"] for _ in range(runs))


def main():
    if sys.argv[1:] == ["--serve"]:
        serve()
        return
    if len(sys.argv) == 3 and sys.argv[1] == "--once":
        print(json.dumps(timed(lambda: read(sys.argv[2]))))
        return
    runs = int(sys.argv[1])
    out = dict(info(), files={})
    tmp = tempfile.mkdtemp()
    for path in sys.argv[2:]:
        target = os.path.join(tmp, "out.nii.gz")
        read(path), write(path, target)  # warm-up
        out["files"][os.path.basename(path)] = {
            "read": median_time(lambda: read(path), runs),
            "write": median_time(lambda: write(path, target), runs),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
