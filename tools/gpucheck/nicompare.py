#!/usr/bin/env python3
# Compares NIfTI files pairwise by hand (gzip + numpy; no nibabel): max/mean abs difference and scale.
import gzip, json, sys, struct
import numpy as np

DT = {2: np.uint8, 4: np.int16, 8: np.int32, 16: np.float32, 64: np.float64, 256: np.int8, 512: np.uint16, 768: np.uint32}

def read(path):
    raw = gzip.open(path).read() if path.endswith('.gz') else open(path, 'rb').read()
    end = '<' if struct.unpack('<i', raw[:4])[0] == 348 else '>'
    dim = struct.unpack(end + '8h', raw[40:56])
    code = struct.unpack(end + 'h', raw[70:72])[0]
    off = int(struct.unpack(end + 'f', raw[108:112])[0])
    slope, inter = struct.unpack(end + '2f', raw[112:120])
    shape = dim[1:1 + dim[0]]
    a = np.frombuffer(raw, dtype=np.dtype(DT[code]).newbyteorder(end), count=int(np.prod(shape)), offset=off).astype(np.float64)
    if slope not in (0.0, 1.0) or inter != 0.0:
        a = a * (slope if slope != 0 else 1.0) + inter
    return a.reshape(shape, order='F')

out = []
for pair in sys.argv[1:]:
    label, a, b = pair.split('=', 1)[0], *pair.split('=', 1)[1].split(',')
    x, y = read(a), read(b)
    d = np.abs(x - y)
    out.append(dict(what=label, shape=list(x.shape), max_abs_diff=float(d.max()), mean_abs_diff=float(d.mean()),
                    max_abs_value=float(np.abs(x).max()), mean_value=float(x.mean()), std_value=float(x.std()),
                    corr=float(np.corrcoef(x.ravel(), y.ravel())[0, 1]) if x.std() > 0 and y.std() > 0 else None))
    print(json.dumps(out[-1]))
