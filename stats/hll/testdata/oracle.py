#!/usr/bin/env python3
"""oracle.py REFDIR IN.json OUT.json — runs shared/spec/reference/hll.py over the cases that
hll's TestOracle writes and reports its hashes and estimates, so the Go package can be compared
with the verified Python oracle.

IN.json:  {"cases": [{"name": str, "kind": "str" | "long" | "double" | "hashfile",
                      "values": [...], "path": str, "return_hashes": bool}]}
  str:      values are strings, hashed with hll.h_str (UTF-8 bytes)
  long:     values are integers, hashed with hll.h_long
  double:   values are IEEE-754 bit patterns (uint64), unpacked to floats, hashed with hll.h_double
  hashes:   values are uint64 hashes used as they are
  hashfile: path names a file of little-endian uint64 hashes used as they are
OUT.json: [{"name": str, "estimate": int, "hashes": [int, ...] (only if return_hashes)}]
"""
import array
import json
import struct
import sys

sys.path.insert(0, sys.argv[1])
import hll  # noqa: E402


def hashes(case):
    kind = case["kind"]
    values = case.get("values") or []  # Go encodes an empty slice as null
    if kind == "str":
        return [hll.h_str(v) for v in values]
    if kind == "long":
        return [hll.h_long(v) for v in values]
    if kind == "double":
        return [hll.h_double(struct.unpack("<d", struct.pack("<Q", b))[0]) for b in values]
    if kind == "hashfile":
        a = array.array("Q")
        with open(case["path"], "rb") as f:
            a.frombytes(f.read())
        if sys.byteorder != "little":
            a.byteswap()
        return a
    if kind == "hashes":
        return values
    raise ValueError("unknown kind " + kind)


with open(sys.argv[2]) as f:
    req = json.load(f)
out = []
for case in req["cases"]:
    hs = hashes(case)
    res = {"name": case["name"], "estimate": hll.hll_count(hs)}
    if case.get("return_hashes"):
        res["hashes"] = list(hs)
    out.append(res)
with open(sys.argv[3], "w") as f:
    json.dump(out, f)
