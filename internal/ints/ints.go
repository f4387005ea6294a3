// Package ints holds small kernels over integer slices shared by the decoders and the
// statistics, which must not depend on each other.
package ints

// MaxUnsigned returns the largest of idx read as unsigned 32-bit values (0 for none): a check
// of dictionary indices against a dictionary of size n is MaxUnsigned(idx) < n, and catches
// negative indices too. Four maxima side by side, not one chain of conditional moves (perf on
// a Parquet job: the checks' share 2.3 → 1.4 %, BENCHMARKS.md ninth session).
func MaxUnsigned(idx []int32) uint32 {
	var t0, t1, t2, t3 uint32
	i := 0
	for ; i+4 <= len(idx); i += 4 {
		q := idx[i : i+4 : i+4]
		t0, t1, t2, t3 = max(t0, uint32(q[0])), max(t1, uint32(q[1])), max(t2, uint32(q[2])), max(t3, uint32(q[3]))
	}
	for _, ix := range idx[i:] {
		t0 = max(t0, uint32(ix))
	}
	return max(t0, t1, t2, t3)
}
