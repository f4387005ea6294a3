#!/usr/bin/env python3
"""kll_driver.py REFDIR IN OUT: run the reference oracle REFDIR/kll.py (shared/spec/reference)
over the cases in IN, written by oracle_test.go, and write every resulting sketch to OUT.

Binary formats, little-endian:
  IN : u32 cases; per case: u32 k, f64 c, u32 parts; per part: u32 n, then n f64 values.
  OUT: per case, per part: the part's sketch after its updates; then the sketch obtained by
       merging the parts, in order, into a fresh sketch (Spark's final aggregation).
       A sketch is u32 levels; per level: u32 n, then n f64 items (kll.py's data()).

Two additions to kll.py, both from the contract (sections 5.5) and Deequ's source:
  * Compaction sorts with Java's Double.compare, where -0.0 < 0.0. kll.py calls the builtin
    sorted, which treats -0.0 == 0.0 and keeps arrival order; we rebind the name sorted inside
    the kll module to a Java-ordered sort. Data without -0.0 is unaffected.
  * merge (QuantileNonSample.merge), which kll.py does not implement.
"""
import math
import struct
import sys

sys.path.insert(0, sys.argv[1])
import kll  # noqa: E402


def java_key(x):
    # Double.compare: NaN above everything, -0.0 below 0.0, otherwise numeric order.
    return (math.isnan(x), 0.0 if math.isnan(x) else x, math.copysign(1.0, x))


kll.sorted = lambda xs: sorted(xs, key=java_key)


def merge(this, that):
    while len(this.comp) < len(that.comp):
        this.expand()
    for i, c in enumerate(that.comp):
        this.comp[i].buf = this.comp[i].buf + list(c.buf)
    this.actual = sum(len(c.buf) for c in this.comp)
    while this.actual >= this.total:
        before = this.actual
        this.condense()
        if this.actual == before:  # no level to compact: cannot happen, never loop forever
            break


def main():
    _, _, inp, outp = sys.argv
    data = open(inp, "rb").read()
    pos = 0

    def take(fmt):
        nonlocal pos
        v = struct.unpack_from(fmt, data, pos)
        pos += struct.calcsize(fmt)
        return v

    out = bytearray()

    def put(sketch):
        levels = sketch.data()
        out.extend(struct.pack("<I", len(levels)))
        for lv in levels:
            out.extend(struct.pack("<I%dd" % len(lv), len(lv), *lv))

    (cases,) = take("<I")
    for _ in range(cases):
        k, c, parts = take("<IdI")
        sketches = []
        for _ in range(parts):
            (n,) = take("<I")
            s = kll.KLL(k, c)
            for x in take("<%dd" % n):
                s.update(x)
            sketches.append(s)
            put(s)
        final = kll.KLL(k, c)
        for s in sketches:
            merge(final, s)
        put(final)
    open(outp, "wb").write(out)


main()
