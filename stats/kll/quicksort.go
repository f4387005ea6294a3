package kll

import (
	"math/bits"
	"slices"
	"unsafe"
)

// quickLeaf is the largest partition quickSort finishes with one sorting network (sort32AVX512).
const quickLeaf = 32

// quickSort sorts keys ascending with the AVX-512 kernels (useAVX512 must be set) and returns
// keys; tmp (len(tmp) ≥ len(keys)) is clobbered. It is a quicksort whose partitions move
// between keys and tmp: each level partitions eight keys per instruction sequence without a
// branch on the data (partitionAVX512), and partitions of ≤ quickLeaf keys are sorted by a
// bitonic network in four registers (sort32AVX512), which also moves them to where the result
// belongs. Pivots are the median of three samples; a partition whose keys are all ≥ the pivot
// (the pivot is its minimum) is split again into the keys equal to the pivot, which are done,
// and the rest, so runs of equal keys cost linear time. Past 2·log2(n) levels (inputs that
// defeat the median of three), a partition falls back to pdqsort (slices.Sort).
func quickSort(keys, tmp []uint64) []uint64 {
	n := len(keys)
	if n > 1 {
		quickSortIn(keys, tmp[:n], true, 2*bits.Len(uint(n)))
	}
	return keys
}

// quickSortIn sorts the keys in a, using b (same length) as the other buffer; the result ends in
// a if inA, else in b. depth is the number of partitioning levels left before the fallback.
func quickSortIn(a, b []uint64, inA bool, depth int) {
	for {
		n := len(a)
		if n <= quickLeaf {
			if n == 0 {
				return
			}
			dst := a
			if !inA {
				dst = b
			}
			sort32AVX512(unsafe.SliceData(a), unsafe.SliceData(dst), n)
			return
		}
		if depth == 0 {
			if !inA {
				copy(b, a)
				a = b
			}
			slices.Sort(a)
			return
		}
		depth--
		p := median3(a[n/4], a[n/2], a[3*n/4])
		nl := partitionAVX512(a, b, p)
		// The keys are now in b: < p in b[:nl], ≥ p in b[nl:]; a is free. The result must end
		// where it was asked for, which from b's side is the other buffer: !inA.
		if nl == 0 {
			// p is the minimum: split the keys into = p (done) and > p.
			if p == 1<<64-1 {
				if inA {
					copy(a, b)
				}
				return
			}
			ne := partitionAVX512(b, a, p+1)
			// Now in a: = p in a[:ne], > p in a[ne:].
			if !inA {
				copy(b[:ne], a[:ne])
			}
			a, b = a[ne:], b[ne:]
			continue
		}
		quickSortIn(b[:nl], a[:nl], !inA, depth)
		a, b, inA = b[nl:], a[nl:], !inA
	}
}

// median3 returns the median of x, y and z.
func median3(x, y, z uint64) uint64 {
	return max(min(x, y), min(max(x, y), z))
}
