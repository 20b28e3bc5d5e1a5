#!/usr/bin/env python3
"""Dumps every operator schema registered in the libtorch that native/ was built against.

usage: dump_schemas.py [path/to/libbraingen_torch.so] > schemas-<version>.txt
The generator (generate_ops.py) reads this file; commit it next to the generated Ops.g.cs.
"""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1] if len(sys.argv) > 1 else "native/build/libbraingen_torch.so")
lib.bg_all_schemas.restype = ctypes.c_void_p
lib.bg_torch_version.restype = ctypes.c_char_p
lib.bg_free.argtypes = [ctypes.c_void_p]
ptr = lib.bg_all_schemas()
if not ptr:
    sys.exit("bg_all_schemas failed")
text = ctypes.string_at(ptr).decode()
lib.bg_free(ptr)
print(f"# libtorch {lib.bg_torch_version().decode()}")
for line in sorted(set(text.splitlines())):
    print(line)
