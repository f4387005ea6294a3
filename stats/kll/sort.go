package kll

import (
	"math"
	"slices"
)

const (
	signBit = 1 << 63
	// canonicalNaN is Java's Double.doubleToLongBits(NaN): every NaN compares equal to every
	// other NaN and greater than +Inf under Double.compare.
	canonicalNaN = 0x7ff8000000000000
	// radixMin is the run length from which compact uses LSD radix sort instead of pdqsort;
	// below it pdqsort is faster (thread CPU time, see BENCHMARKS.md).
	radixMin = 1024
)

// javaKey maps x to a uint64 whose unsigned order is Java's Double.compare order, the order
// Scala 2.12's Array[Double].sorted uses in NonSampleCompactor.compact (a boxed sort with
// Ordering.Double.compare): -Inf < … < -0.0 < 0.0 < … < +Inf < NaN. Negative numbers have all
// bits flipped, non-negative ones only the sign bit. Every NaN maps to the key of canonicalNaN
// (so its payload is lost; the analyzer never produces NaN).
func javaKey(x float64) uint64 {
	b := math.Float64bits(x)
	if x != x {
		b = canonicalNaN
	}
	if b&signBit != 0 {
		return ^b
	}
	return b | signBit
}

// fromJavaKey inverts javaKey.
func fromJavaKey(k uint64) float64 {
	if k&signBit != 0 {
		return math.Float64frombits(k &^ signBit)
	}
	return math.Float64frombits(^k)
}

// sortKeys sorts keys ascending and returns the sorted slice, which is keys or tmp
// (len(tmp) ≥ len(keys)); the other one is clobbered. It does not allocate.
//
// Levels above 0 are a compaction tail followed by a few sorted runs (one per compaction of the
// level below), so sortKeys first counts the ascending runs: at most maxMergeRuns of them are
// merged in O(n·log runs); otherwise (level 0 is in arrival order) short inputs use pdqsort
// (slices.Sort) and long ones radixSort.
func sortKeys(keys, tmp []uint64) []uint64 {
	n := len(keys)
	runs := 1
	for i := 1; i < n; i++ {
		if keys[i] < keys[i-1] {
			runs++
		}
	}
	switch {
	case runs == 1:
		return keys
	case runs <= maxMergeRuns:
		return mergeRuns(keys, tmp)
	case n < radixMin:
		slices.Sort(keys)
		return keys
	default:
		return radixSort(keys, tmp)
	}
}

// maxMergeRuns is the largest number of ascending runs sortKeys merges rather than sorts:
// log2(16) = 4 linear merge passes still beat a sort of level-sized inputs (BENCHMARKS.md).
const maxMergeRuns = 16

// mergeRuns sorts keys, made of 2 … maxMergeRuns ascending runs, by merging adjacent runs
// pairwise, ping-ponging between keys and tmp; it returns the one holding the result.
func mergeRuns(keys, tmp []uint64) []uint64 {
	n := len(keys)
	var bufA, bufB [maxMergeRuns + 1]int
	bounds := bufA[:0]
	bounds = append(bounds, 0)
	for i := 1; i < n; i++ {
		if keys[i] < keys[i-1] {
			bounds = append(bounds, i)
		}
	}
	bounds = append(bounds, n)
	src, dst := keys, tmp[:n]
	next := bufB[:0]
	for len(bounds) > 2 {
		next = next[:0]
		j := 0
		for ; j+2 < len(bounds); j += 2 {
			mergeTwo(dst[bounds[j]:bounds[j+2]], src[bounds[j]:bounds[j+1]], src[bounds[j+1]:bounds[j+2]])
			next = append(next, bounds[j])
		}
		if j+1 < len(bounds) { // an odd run out: carry it over
			copy(dst[bounds[j]:bounds[j+1]], src[bounds[j]:bounds[j+1]])
			next = append(next, bounds[j])
		}
		next = append(next, n)
		bounds, next = next, bounds
		src, dst = dst, src
	}
	return src
}

// mergeTwo merges the ascending slices a and b into out (len(out) = len(a) + len(b)).
func mergeTwo(out, a, b []uint64) {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if b[j] < a[i] {
			out[k] = b[j]
			j++
		} else {
			out[k] = a[i]
			i++
		}
		k++
	}
	k += copy(out[k:], a[i:])
	copy(out[k:], b[j:])
}

// radixSort is a least-significant-digit radix sort with 8-bit digits: one counting pass for all
// eight digits, then one stable scatter pass per digit, skipping digits on which all keys agree
// (common for integer-valued or narrow-range data). It returns keys or tmp, whichever holds the
// result; len(keys) must be > 0 and len(tmp) ≥ len(keys).
func radixSort(keys, tmp []uint64) []uint64 {
	n := len(keys)
	var count [8][256]uint32
	for _, k := range keys {
		count[0][byte(k)]++
		count[1][byte(k>>8)]++
		count[2][byte(k>>16)]++
		count[3][byte(k>>24)]++
		count[4][byte(k>>32)]++
		count[5][byte(k>>40)]++
		count[6][byte(k>>48)]++
		count[7][byte(k>>56)]++
	}
	src, dst := keys, tmp[:n]
	for d := range 8 {
		shift := uint(8 * d)
		c := &count[d]
		if c[byte(src[0]>>shift)] == uint32(n) {
			continue // every key has the same digit: the pass would not move anything
		}
		var sum uint32
		for i, v := range c {
			c[i] = sum
			sum += v
		}
		for _, k := range src {
			b := byte(k >> shift)
			dst[c[b]] = k
			c[b]++
		}
		src, dst = dst, src
	}
	return src
}
