//go:build amd64 && !purego

package kll

import "golang.org/x/sys/cpu"

// useAVX512 selects the AVX-512 kernels (sort_amd64.s: the level-0 quicksort, the merge of runs,
// the key conversions and the run scan); tests turn it off to run the portable code. Besides
// AVX-512 F they use POPCNT and TZCNT (BMI1), which every processor with AVX-512 has.
var useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasPOPCNT && cpu.X86.HasBMI1

// partitionAVX512 stores the keys of src that are < pivot at the start of dst and the others
// at its end (len(dst) ≥ len(src) > 0), each group in no particular order, and returns how many
// are < pivot.
//
//go:noescape
func partitionAVX512(src, dst []uint64, pivot uint64) int

// partPerm[m] is the VPERMQ index vector (as bytes) that moves the lanes set in the 8-bit mask m
// first and the others after them, each in lane order: partitionAVX512's permutation for a
// compare mask m.
var partPerm = func() (t [256][8]uint8) {
	for m := range t {
		k := 0
		for _, set := range []bool{true, false} {
			for lane := range 8 {
				if (m>>lane&1 == 1) == set {
					t[m][k] = uint8(lane)
					k++
				}
			}
		}
	}
	return t
}()

// sort32AVX512 sorts the n ≤ 32 keys at src into dst (which may be src).
//
//go:noescape
func sort32AVX512(src, dst *uint64, n int)

// mergeAVX512 merges the ascending runs a[:na] and b[:nb] (both ≥ 8 keys) into out eight keys
// at a time while both have eight keys left: out[:ia+ib-8] is then merged, h holds the next eight
// keys (sorted), and a[ia:], b[ib:] (one of them shorter than eight) are left (mergeVec).
//
//go:noescape
func mergeAVX512(out, a, b *uint64, na, nb int, h *[8]uint64) (ia, ib int)

// toKeysAVX512 sets keys[i] = javaKey(xs[i]) for i < len(xs) &^ 7 (len(keys) ≥ that).
//
//go:noescape
func toKeysAVX512(keys []uint64, xs []float64)

// fromEvenKeysAVX512 sets out[i] = fromJavaKey(keys[2i]) for i < len(out) &^ 7 (len(keys) ≥
// twice that).
//
//go:noescape
func fromEvenKeysAVX512(out []float64, keys []uint64)

// scanRunsAVX512 is sortKeys' run count over the whole blocks of eight keys from index 1: it
// records the starts of runs 1, 2, … in starts while runs ≤ max, and returns the runs (counting
// the first), the equal neighbours and the index the caller's scalar loop goes on from.
//
//go:noescape
func scanRunsAVX512(keys *uint64, n int, starts *[maxMergeRuns + 1]int, max int) (runs, equal, next int)
