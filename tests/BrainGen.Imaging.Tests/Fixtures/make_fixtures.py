#!/usr/bin/python3
"""Regenerates nibabel_reference.json (and generated/*.nii*) with nibabel, the reference reader.

Run: /usr/bin/python3 tests/BrainGen.Imaging.Tests/Fixtures/make_fixtures.py
Needs nibabel (python3-nibabel) and numpy; the C# tests only read the committed outputs.
For every file it records what nibabel reports: shape, dtype, best affine, qform/sform and codes,
axis codes, zooms, and SHA-256 of the first 3D volume as float32 (Fortran order, little-endian),
plus the same after nibabel.as_closest_canonical. Files nibabel cannot load are listed with its error.
"""
import glob, hashlib, json, os, struct, sys
import numpy as np
import nibabel as nib

HERE = os.path.dirname(os.path.abspath(__file__))
MRICRON = "/usr/share/mricron/templates"


def sha_f32(arr):
    return hashlib.sha256(np.asarray(arr, dtype="<f4").tobytes(order="F")).hexdigest()


def first_volume(data):
    data = np.asarray(data)
    while data.ndim < 3:
        data = data[..., np.newaxis]
    return data.reshape(data.shape[:3] + (-1,), order="F")[..., 0]


def describe(path, header_only=False):
    rec = {"file": os.path.basename(path)}
    try:
        cls = nib.Nifti2Image if nib.Nifti2Header.may_contain_header(open(path, "rb").read(544) if not path.endswith(".gz") else __import__("gzip").open(path).read(544)) else None
        img = nib.load(path) if cls is None else (nib.Nifti2Pair if path.endswith(".hdr") else nib.Nifti2Image).from_filename(path)
    except Exception as e:  # nibabel rejects it: the C# reader must too
        rec["error"] = f"{type(e).__name__}: {e}"
        return rec
    h = img.header
    if not isinstance(h, nib.Nifti1Header):
        rec["error"] = f"not NIfTI: {type(h).__name__}"
        return rec
    rec.update(
        shape=[int(s) for s in img.shape],
        dtype=str(h.get_data_dtype().newbyteorder("=").name if h.get_data_dtype().fields is None else "rgb24"),
        big_endian=h.endianness == ">",
        version=2 if isinstance(h, nib.Nifti2Header) else 1,
        affine=np.asarray(img.affine, float).ravel().tolist(),
        qform_code=int(h["qform_code"]), sform_code=int(h["sform_code"]),
        qform=np.asarray(h.get_qform(), float).ravel().tolist(),
        sform=np.asarray(h.get_sform(), float).ravel().tolist(),
        axcodes="".join(nib.aff2axcodes(img.affine)),
        zooms=[float(z) for z in h.get_zooms()[:3]],
    )
    if header_only:
        return rec
    # get_fdata() scales in float64 (nibabel's default); one rounding to float32, as BrainGen does
    vol = first_volume(img.get_fdata()).astype(np.float32)
    rec["sha256_first_volume"] = sha_f32(vol)
    rec["sum_first_volume"] = float(np.nansum(vol, dtype=np.float64))  # NaN voxels skipped
    can = nib.as_closest_canonical(img)
    rec["canonical_shape"] = [int(s) for s in can.shape[:3]]
    rec["canonical_affine"] = np.asarray(can.affine, float).ravel().tolist()
    rec["canonical_sha256_first_volume"] = sha_f32(first_volume(can.get_fdata()).astype(np.float32))
    return rec


def write_raw(path, hdr, data, endian):
    """Header from nibabel, data laid out by hand, so scaling and byte order are exactly as chosen."""
    hdr = hdr.as_byteswapped(endian) if hdr.endianness != endian else hdr
    with open(path, "wb") as f:
        f.write(hdr.binaryblock)
        f.write(b"\0\0\0\0")
        f.write(np.asarray(data).astype(hdr.get_data_dtype()).tobytes(order="F"))


def generated():
    """Small files covering every datatype, both byte orders and scaling; values recorded from nibabel."""
    out = []
    shape = (5, 4, 3)
    rng = np.random.RandomState(20240501)
    affine = np.array([[-1.5, 0, 0, 30], [0, 2, 0, -20], [0, 0, 2.5, 10], [0, 0, 0, 1]])
    for dt in ["uint8", "int8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"]:
        info = np.iinfo(dt) if dt[0] in "ui" else None
        for endian in "<>":
            lo, hi = (max(info.min, -1000), min(info.max, 1000)) if info else (-1000, 1000)
            data = rng.uniform(lo, hi, shape)
            data = np.round(data) if info else data
            h = nib.Nifti1Header()
            h.set_data_dtype(np.dtype(dt))
            h.set_data_shape(shape)
            h.set_qform(affine, 1)
            h.set_sform(affine, 1)
            h["vox_offset"] = 352  # nibabel's default 0 would make nibabel itself read from byte 0
            scaled = dt in ("int16", "uint8", "float64")
            if scaled:
                h["scl_slope"], h["scl_inter"] = 0.5, -3.0
            name = f"{dt}_{'le' if endian == '<' else 'be'}{'_scaled' if scaled else ''}.nii"
            path = os.path.join(HERE, "generated", name)
            write_raw(path, h, data, endian)
            img = nib.load(path)
            out.append({"file": name, "dtype": dt, "big_endian": endian == ">",
                        "values": img.get_fdata().ravel(order="F").tolist(),
                        "affine": img.affine.ravel().tolist()})
    # RGB24: nibabel reads a structured (R, G, B) array; the test checks the bytes and its luminance.
    h = nib.Nifti1Header()
    h.set_data_dtype(np.dtype([("R", "u1"), ("G", "u1"), ("B", "u1")]))
    h.set_data_shape((3, 2, 2))
    h.set_sform(np.eye(4), 2)
    h["vox_offset"] = 352
    rgb = rng.randint(0, 256, (3, 2, 2, 3)).astype("u1")
    path = os.path.join(HERE, "generated", "rgb24.nii")
    with open(path, "wb") as f:
        f.write(h.binaryblock + b"\0\0\0\0" + np.ascontiguousarray(rgb.transpose(2, 1, 0, 3)).tobytes())
    img = nib.load(path)
    arr = np.asanyarray(img.dataobj)
    out.append({"file": "rgb24.nii", "dtype": "rgb24", "big_endian": False,
                "rgb": [[int(v["R"]), int(v["G"]), int(v["B"])] for v in arr.ravel(order="F")],
                "affine": img.affine.ravel().tolist()})
    return out


def main():
    files = sorted(glob.glob(os.path.join(MRICRON, "*.nii.gz")))
    mricron = [describe(f) for f in files]
    ours = sorted(glob.glob(os.path.join(HERE, "nibabel", "*")))
    nibabel_files = [describe(f, header_only=f.endswith(".hdr")) for f in ours]
    ref = {"nibabel_version": nib.__version__, "mricron": mricron, "nibabel": nibabel_files, "generated": generated()}
    with open(os.path.join(HERE, "nibabel_reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
    print(f"{len(mricron)} mricron, {len(nibabel_files)} nibabel test files, {len(ref['generated'])} generated")


if __name__ == "__main__":
    main()
