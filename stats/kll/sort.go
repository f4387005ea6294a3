package kll

import (
	"math"
	"math/bits"
	"slices"
)

const (
	signBit = 1 << 63
	// canonicalNaN is Java's Double.doubleToLongBits(NaN): every NaN compares equal to every
	// other NaN and greater than +Inf under Double.compare.
	canonicalNaN = 0x7ff8000000000000
	// bucketMin is the run length from which sortKeys uses bucketSort instead of pdqsort on
	// unsorted input: on fresh arrival-order data bucketSort is ≥ 2× faster than pdqsort from
	// 64 keys up (thread CPU time, BENCHMARKS.md); shorter inputs were not measured.
	bucketMin = 64
)

// javaKey maps x to a uint64 whose unsigned order is Java's Double.compare order, the order
// Scala 2.12's Array[Double].sorted uses in NonSampleCompactor.compact (a boxed sort with
// Ordering.Double.compare): -Inf < … < -0.0 < 0.0 < … < +Inf < NaN. Negative numbers have all
// bits flipped, non-negative ones only the sign bit. Every NaN maps to the key of canonicalNaN
// (so its payload is lost; the analyzer never produces NaN).
//
// Both directions are branch-free (a mask from the sign bit): a column of mixed signs would
// otherwise mispredict a branch on every other value of every compaction.
func javaKey(x float64) uint64 {
	b := math.Float64bits(x)
	if x != x { // never taken in practice, so always predicted
		b = canonicalNaN
	}
	return b ^ (uint64(int64(b)>>63) | signBit)
}

// toKeys sets keys[i] = javaKey(xs[i]) for every i < len(xs) (len(keys) ≥ len(xs)), eight at a
// time with AVX-512.
func toKeys(keys []uint64, xs []float64) {
	i := 0
	if useAVX512 {
		i = len(xs) &^ 7
		toKeysAVX512(keys[:i], xs[:i])
	}
	keys, xs = keys[i:len(xs)], xs[i:]
	for j, x := range xs {
		keys[j] = javaKeyBits(math.Float64bits(x))
	}
}

// javaKeyBits is javaKey of the float64 with bits b, without a branch (javaKey stays the
// readable form and the tests' oracle): the scalar toKeys ran at ~1.06 ns a value with javaKey's
// NaN test and bounds checks, ~0.90 ns with this (BenchmarkKeyConversions, 2,050 values).
func javaKeyBits(b uint64) uint64 {
	// NaN: the magnitude above +Inf's; then the subtraction wraps and sets the top bit.
	nan := -((0x7ff0000000000000 - b&^signBit) >> 63)
	b = b&^nan | canonicalNaN&nan
	return b ^ (uint64(int64(b)>>63) | signBit)
}

// fromEvenKeys sets out[i] = fromJavaKey(keys[2i]) for every i < len(out) (len(keys) ≥
// 2·len(out) - 1): the half of a sorted level that a compaction keeps, back to values.
func fromEvenKeys(out []float64, keys []uint64) {
	i := 0
	if useAVX512 {
		i = min(len(out), len(keys)/2) &^ 7 // the vector loop reads 16 keys per 8 values
		fromEvenKeysAVX512(out[:i], keys[:2*i])
	}
	out, keys = out[i:], keys[2*i:]
	for j := range out {
		out[j] = fromJavaKey(keys[2*j])
	}
}

// fromJavaKey inverts javaKey. It is monotone on the keys of non-NaN values (k1 ≤ k2 implies
// fromJavaKey(k1) ≤ fromJavaKey(k2), with -0.0 = 0.0), which bucketSort's value-linear map relies
// on.
func fromJavaKey(k uint64) float64 {
	return math.Float64frombits(k ^ (k>>63 - 1 | signBit))
}

// sortKeys sorts keys ascending and returns the sorted slice, which is keys or tmp
// (len(tmp) ≥ len(keys)); the other one is clobbered. It does not allocate.
//
// Levels above 0 are a compaction tail followed by a few sorted runs (one per compaction of the
// level below), so sortKeys first counts the ascending runs, stopping at maxMergeRuns + 1, and
// records where they start and how many adjacent keys are equal (mergeRuns uses both, so it
// needs no pass of its own): at most maxMergeRuns of them are merged in O(n·log runs).
// Otherwise (level 0 is in arrival order; the count stops after a few dozen keys) a processor
// with AVX-512 uses quickSort, 1.3–3× faster than the scalar sorts on every shape measured
// (BENCHMARKS.md, "An AVX-512 sort for level 0"); without it, inputs shorter than bucketMin use
// pdqsort (slices.Sort), decimals rounded to a coarse step (roundedDecimals) radixSort, and the
// rest bucketSort.
func sortKeys(keys, tmp []uint64) []uint64 {
	n := len(keys)
	var starts [maxMergeRuns + 1]int // starts[r] is the index of run r's first key
	runs, equal := countRuns(keys, &starts)
	switch {
	case runs == 1:
		return keys
	case runs <= maxMergeRuns:
		return mergeRuns(keys, tmp, starts[:runs], equal)
	case useAVX512:
		return quickSort(keys, tmp)
	case n < bucketMin:
		slices.Sort(keys)
		return keys
	case roundedDecimals(keys):
		return radixSort(keys, tmp)
	default:
		return bucketSort(keys, tmp)
	}
}

// countRuns counts the ascending runs of keys, stopping once there are more than maxMergeRuns,
// records where runs 1, 2, … start in starts (run 0 starts at 0), and counts the adjacent equal
// keys (exact only when it did not stop).
func countRuns(keys []uint64, starts *[maxMergeRuns + 1]int) (runs, equal int) {
	n := len(keys)
	runs, i := 1, 1
	if useAVX512 && n > 8 {
		// Eight keys a step (the scalar loop took ~4 % of the CSV job, BENCHMARKS.md, "Runs
		// counted eight keys at a time"); the loop below does the rest.
		runs, equal, i = scanRunsAVX512(&keys[0], n, starts, maxMergeRuns)
	}
	for ; i < n && runs <= maxMergeRuns; i++ {
		k, prev := keys[i], keys[i-1]
		if k < prev { // rare above level 0, so predicted
			starts[runs] = i
			runs++
		}
		eq := 0 // a flag, not a branch: on integer columns about one key in ten differs
		if k == prev {
			eq = 1
		}
		equal += eq
	}
	return runs, equal
}

// roundedDecimals reports whether mapSamples evenly spaced keys look like decimals rounded to
// a coarse step (prices rounded to thousands): their low 16 bits agree, they differ in ≥ 3
// bytes, and they span too many possible keys for bucketSort's one-bucket-per-key path. On
// such data radixSort (4–5 scatter passes) beats bucketSort including its statistics pass
// (BENCHMARKS.md). A wrong guess costs time, never correctness.
func roundedDecimals(keys []uint64) bool {
	k0 := keys[0]
	lo, hi, diff := k0, k0, uint64(0)
	step := max(1, len(keys)/mapSamples)
	for i := 0; i < len(keys); i += step {
		k := keys[i]
		lo, hi = min(lo, k), max(hi, k)
		diff |= k ^ k0
	}
	tz := bits.TrailingZeros64(diff)
	return tz >= 16 && tz < 64 && varyingBytes(diff) >= 3 && (hi-lo)>>tz >= 1<<bucketTopBits
}

// maxMergeRuns is the largest number of ascending runs sortKeys merges rather than sorts:
// log2(16) = 4 linear merge passes still beat a sort of level-sized inputs (BENCHMARKS.md).
const maxMergeRuns = 16

// mergeRuns sorts keys, made of the 2 … maxMergeRuns ascending runs that begin at starts
// (starts[0] = 0, ascending), with equal the number of adjacent equal keys, and returns keys or
// tmp, whichever holds the result. It does not allocate.
//
//   - A first run of one key (the odd item a level keeps at a compaction is always first) is
//     inserted into the second by a binary search and a shift (memmove), not merged: that saves
//     a merge pass on the common shape tail + 1 run, and a pass and a copy on tail + 2 runs.
//   - The remaining runs are merged pairwise, adjacent ones, ping-ponging between keys and tmp,
//     an odd run out copied over, ⌈log2 runs⌉ passes.
//   - Each pairwise merge is mergeBidir (branch-free, from both ends) unless at least 7/8 of the
//     adjacent keys are equal (integer columns with few distinct values: long streaks of equal
//     keys make the branchy mergeTwo predictable, and faster; BENCHMARKS.md, "Fourth round").
func mergeRuns(keys, tmp []uint64, starts []int, equal int) []uint64 {
	n := len(keys)
	var bufA, bufB [maxMergeRuns + 1]int
	bounds := append(bufA[:0], starts...)
	if bounds[1] == 1 {
		end := n
		if len(bounds) > 2 {
			end = bounds[2]
		}
		k := keys[0]
		q, _ := slices.BinarySearch(keys[1:end], k) // keys[1 : q+1] < k ≤ keys[q+1 : end]
		copy(keys[:q], keys[1:q+1])
		keys[q] = k
		bounds = append(bounds[:1], bounds[2:]...)
		if len(bounds) == 1 {
			return keys
		}
	}
	bounds = append(bounds, n)
	branchy := 8*equal >= 7*n
	src, dst := keys, tmp[:n]
	next := bufB[:0]
	for len(bounds) > 2 {
		next = next[:0]
		j := 0
		for ; j+2 < len(bounds); j += 2 {
			lo, mid, hi := bounds[j], bounds[j+1], bounds[j+2]
			if branchy {
				mergeTwo(dst[lo:hi], src[lo:mid], src[mid:hi])
			} else {
				mergeDistinct(dst[lo:hi], src[lo:hi], mid-lo)
			}
			next = append(next, lo)
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

// mergeTwo merges the ascending slices a and b into out (len(out) = len(a) + len(b)): one
// data-dependent branch per key, mispredicted about every other key on continuous data but
// rarely on long streaks of equal keys. Not inlined: inside mergeRuns its loop kept its state on
// the stack (perf annotate: two stack loads and a store in its loop).
//
//go:noinline
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

// mergeDistinct merges the ascending runs s[:mid] and s[mid:] into out (len(out) = len(s)) on
// mostly distinct keys: with AVX-512 and eight keys in each run by mergeVec, else by
// mergeBidir.
func mergeDistinct(out, s []uint64, mid int) {
	if useAVX512 && mid >= 8 && len(s)-mid >= 8 {
		mergeVec(out, s, mid)
		return
	}
	mergeBidir(out, s, mid)
}

// mergeVec is mergeDistinct's AVX-512 merge: mergeAVX512 merges blocks of eight while both runs
// have eight keys left, then the eight keys it holds, the shorter rest (under eight keys) and
// the longer rest are merged by mergeTwo, the first two into a buffer on the stack.
func mergeVec(out, s []uint64, mid int) {
	n := len(s)
	out = out[:n]
	var h [8]uint64
	ia, ib := mergeAVX512(&out[0], &s[0], &s[mid], mid, n-mid, &h)
	short, long := s[ia:mid], s[mid+ib:]
	if len(short) > len(long) {
		short, long = long, short
	}
	var buf [16]uint64
	t := buf[:8+len(short)]
	mergeTwo(t, h[:], short)
	mergeTwo(out[ia+ib-8:], t, long)
}

// mergeBidir merges the ascending runs s[:mid] and s[mid:] into out (len(out) = len(s)) without
// a data-dependent branch per key, from both ends at once: a front chain emits the smallest
// remaining key (a's on ties) at the front, a back chain the largest (b's on ties) at the back,
// each advancing its index into a or b by the outcome of its comparison (SETcc and CMOV, no
// jump). The two chains are independent, which halves the loop-carried latency (load, compare,
// index update) of a one-ended branch-free merge. With that tie rule the front has emitted
// the first f keys of the stable merge and the back the last g, so the unmerged keys are always
// s[i : ie+1] and s[j : je+1].
//
// The inner loop has no end-of-run tests: it runs c steps of both chains at a time, c the
// largest count for which every index stays inside its run and f + g ≤ len(s). When c drops to
// 0, one of the two remaining parts is empty or a single key is left, and mergeTwo finishes
// (a copy). On two random runs of equal length the first block covers the whole merge.
//
// Two runs of 1000 normal keys, fresh input each time, thread CPU time: 2.0 ns/key against
// 5.9 for the third round's branchy pairwise merge (both including the run count; BENCHMARKS.md,
// "Fourth round").
func mergeBidir(out, s []uint64, mid int) {
	n := len(s)
	out = out[:n]
	i, j := 0, mid       // front heads of a = s[:mid] and b = s[mid:]
	ie, je := mid-1, n-1 // back heads
	for {
		// Keys emitted so far: front f = i + j - mid, back g = n - (ie + je + 2 - mid).
		c := min(mid-i, n-j, ie+1, je+1-mid, (ie+je-i-j+2)/2)
		if c <= 0 {
			break
		}
		for range c {
			x, y := s[i], s[j]
			t := 0
			if y < x {
				t = 1
			}
			out[i+j-mid] = min(x, y)
			i += 1 - t
			j += t
			xe, ye := s[ie], s[je]
			u := 0
			if xe > ye {
				u = 1
			}
			out[ie+je+1-mid] = max(xe, ye)
			ie -= u
			je -= 1 - u
		}
	}
	mergeTwo(out[i+j-mid:ie+je+2-mid], s[i:ie+1], s[j:je+1])
}

// radixSort is a least-significant-digit radix sort with 8-bit digits: one counting pass for all
// eight digits, then one stable scatter pass per digit, skipping digits on which all keys agree
// (common for integer-valued or narrow-range data). It returns keys or tmp, whichever holds the
// result; len(keys) must be > 0 and len(tmp) ≥ len(keys). sortKeys uses it for rounded decimals
// only (roundedDecimals); on continuous data bucketSort is 1.2–1.3× faster (BENCHMARKS.md).
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

// radixSortDigits is radixSort restricted to the bytes that are non-zero in diff (the OR of
// k ^ keys[0] over all keys): one counting pass and one scatter pass per such byte, least
// significant first, none for the others. It returns keys or tmp, whichever holds the result.
func radixSortDigits(keys, tmp []uint64, diff uint64) []uint64 {
	src, dst := keys, tmp[:len(keys)]
	for shift := uint(0); shift < 64; shift += 8 {
		if byte(diff>>shift) == 0 {
			continue
		}
		var count [256]uint32
		for _, k := range src {
			count[byte(k>>shift)]++
		}
		prefixSums(count[:])
		for _, k := range src {
			c := &count[byte(k>>shift)]
			dst[*c] = k
			*c++
		}
		src, dst = dst, src
	}
	return src
}

const (
	// bucketTopBits caps the number of top-level buckets of bucketSort at 2^11 = 2048, about one
	// per key at level-0 size (2050–2400 keys).
	bucketTopBits = 11
	// bucketSubBits caps the number of buckets of a recursive pass at 2^8 = 256.
	bucketSubBits = 8
	// insertionMax is the largest bucket finished by the bubble and insertion passes; larger
	// ones go to sortBucket. At most insertionMax²/4 moves per bucket, however many keys are equal.
	insertionMax = 24
	// radixDigitsMaxBytes: bucketSort hands keys that differ in at most this many of their 8
	// bytes to radixSortDigits (integer columns with few distinct values, e.g. 0–19: 1.2× faster
	// than radixSort there).
	radixDigitsMaxBytes = 2
	// mapSamples keys, evenly spaced, decide between bucketSort's two bucket maps.
	mapSamples = 64
)

// bucketSort is a most-significant-digit bucket sort that adapts to the data, for level-0 runs
// in arrival order. One branch-free pass finds lo = min, hi = max and diff, the bits in which
// the keys differ (tz = its trailing zeros: every key has the same low tz bits). Then, with
// nb = 2^b buckets, b = min(bucketTopBits, ⌊log2 n⌋) (n/2 … n buckets):
//
//   - if (hi - lo) >> tz < nb (an integer column such as ages 18–90), one bucket per possible
//     key, (k - lo) >> tz: one counting and one scatter pass and the keys are sorted;
//   - else if the keys differ in ≤ radixDigitsMaxBytes bytes (few integers far apart, e.g.
//     0–19: 0 is far from 1 in key space), radixSortDigits, one pass pair per varying byte;
//   - else the keys are scattered into tmp by one of two monotone maps, whichever spreads
//     mapSamples evenly spaced keys over more bins (valueMapSpreads): value-linear,
//     ⌊(x - xlo)·nb/(xhi - xlo)⌋ on the float64 values (normal, uniform data; only when the
//     range and scale are finite), or key-linear, (k - lo) >> s with s = bits.Len64(hi-lo) - b,
//     roughly logarithmic in |x| since the exponent is in the key's high bits (log-normal
//     data, clusters). Buckets of more than insertionMax keys are then sorted by sortBucket
//     (the key-linear scheme again on the bucket's own range: it ends at once on equal keys and
//     re-splits a skewed bucket, e.g. one stretched by an outlier), and the small ones without
//     a data-dependent branch per bucket: a forward and a backward branch-free bubble pass over
//     all of tmp sort every bucket of ≤ 3 keys, and a final insertion sort pass the few larger
//     ones. None of these passes moves a key out of its bucket, and both maps are monotone in
//     the key order, so the result is the ascending order of the keys.
//
// Every level of sortBucket resolves ≥ 4 more bits of the key, so the recursion depth is
// ≤ 16 and the work O(n·16) in the worst case; insertion sort never sees more than
// insertionMax keys of one bucket, so equal keys cost no quadratic time. It returns keys or
// tmp, whichever holds the result; len(keys) must be > 0 and len(tmp) ≥ len(keys). It does not
// allocate (the counters live on the stack).
func bucketSort(keys, tmp []uint64) []uint64 {
	n := len(keys)
	// lo, hi and diff = the OR of k ^ keys[0]; two interleaved minima and maxima halve the
	// loop-carried compare-and-move chains.
	k0 := keys[0]
	lo, hi, lo2, hi2, diff := k0, k0, k0, k0, uint64(0)
	i := 1
	for ; i+1 < n; i += 2 {
		k, k2 := keys[i], keys[i+1]
		lo, lo2 = min(lo, k), min(lo2, k2)
		hi, hi2 = max(hi, k), max(hi2, k2)
		diff |= (k ^ k0) | (k2 ^ k0)
	}
	if i < n {
		k := keys[i]
		lo, hi = min(lo, k), max(hi, k)
		diff |= k ^ k0
	}
	lo, hi = min(lo, lo2), max(hi, hi2)
	if diff == 0 {
		return keys
	}
	tz := uint(bits.TrailingZeros64(diff)) // every key has the same low tz bits
	b := uint(min(bucketTopBits, bits.Len(uint(n))-1))
	nb := 1 << b
	shift := uint(max(0, bits.Len64(hi-lo)-int(b)))
	if (hi-lo)>>tz < uint64(nb) {
		// Few possible keys in a narrow range (an integer column): one bucket per possible key.
		shift = tz
	} else if varyingBytes(diff) <= radixDigitsMaxBytes {
		return radixSortDigits(keys, tmp, diff)
	}
	var count [1 << bucketTopBits]uint32
	dst := tmp[:n]
	xlo := fromJavaKey(lo)
	scale := float64(nb) / (fromJavaKey(hi) - xlo)
	exact := false       // every bucket holds one key value
	binBits := min(b, 6) // valueMapSpreads compares the maps on 2^binBits bins
	if shift > tz && scale > 0 && scale <= math.MaxFloat64 &&
		valueMapSpreads(keys, lo, shift+b-binBits, xlo, scale/float64(uint(1)<<(b-binBits))) {
		last := uint(nb - 1)
		for _, k := range keys {
			count[min(uint((fromJavaKey(k)-xlo)*scale), last)]++
		}
		prefixSums(count[:nb])
		for _, k := range keys {
			c := &count[min(uint((fromJavaKey(k)-xlo)*scale), last)]
			dst[*c] = k
			*c++
		}
	} else {
		nb = int((hi-lo)>>shift) + 1 // ≤ 2^b
		// Keys in one bucket differ by < 2^shift and agree in their low tz bits: equal if shift ≤ tz.
		exact = shift <= tz
		for _, k := range keys {
			count[((k-lo)>>shift)&(1<<bucketTopBits-1)]++
		}
		prefixSums(count[:nb])
		for _, k := range keys {
			c := &count[((k-lo)>>shift)&(1<<bucketTopBits-1)]
			dst[*c] = k
			*c++
		}
	}
	if exact {
		return dst
	}
	// count[i] is now the end of bucket i. Sort the buckets larger than insertionMax on their
	// own (rare, so the test is predictable). The small ones are finished without a
	// data-dependent branch per bucket: two branch-free bubble passes over all of dst (forward,
	// then backward) sort every bucket of ≤ 3 keys, then one insertion sort pass over dst
	// fixes the few larger buckets; all three only move keys within their bucket. (Insertion
	// sort alone, per bucket or over dst, spent most of the time in branch mispredictions.)
	start := uint32(0)
	for _, end := range count[:nb] {
		if end-start > insertionMax {
			sortBucket(dst[start:end], keys[start:end], tz)
		}
		start = end
	}
	bubbleUp(dst)
	bubbleDown(dst)
	insertionSort(dst)
	return dst
}

// varyingBytes returns how many of the 8 bytes of diff are non-zero.
func varyingBytes(diff uint64) int {
	v := 0
	for ; diff != 0; diff >>= 8 {
		if byte(diff) != 0 {
			v++
		}
	}
	return v
}

// valueMapSpreads reports whether the value-linear map ⌊(x - xlo)·unit⌋ spreads mapSamples
// evenly spaced keys over at least as many of its (≤ 64) bins as the key-linear map
// (k - lo) >> keyShift does (ties go to the value map).
func valueMapSpreads(keys []uint64, lo uint64, keyShift uint, xlo, unit float64) bool {
	var byValue, byKey uint64 // bitmaps of occupied bins
	step := max(1, len(keys)/mapSamples)
	for i := 0; i < len(keys); i += step {
		k := keys[i]
		byValue |= 1 << min(uint((fromJavaKey(k)-xlo)*unit), 63)
		byKey |= 1 << ((k - lo) >> keyShift & 63)
	}
	return bits.OnesCount64(byValue) >= bits.OnesCount64(byKey)
}

// prefixSums replaces each count by the sum of those before it.
func prefixSums(count []uint32) {
	var sum uint32
	for i, v := range count {
		count[i] = sum
		sum += v
	}
}

// finishBucket sorts a (len(a) ≥ 2) in place, using scratch (len(scratch) = len(a)) as
// workspace: insertion sort when short, sortBucket otherwise. The keys agree in their low tz bits.
func finishBucket(a, scratch []uint64, tz uint) {
	if len(a) <= insertionMax {
		insertionSort(a)
		return
	}
	sortBucket(a, scratch, tz)
}

// sortBucket is one recursive pass of bucketSort on a bucket: up to 2^bucketSubBits buckets by
// the top bits of k - min(a) (key-linear), scattered into scratch, each finished by
// finishBucket unless every bucket holds a single key value (shift ≤ tz, as in bucketSort), then
// copied back into a.
func sortBucket(a, scratch []uint64, tz uint) {
	n := len(a)
	lo, hi := a[0], a[0]
	for _, k := range a {
		lo = min(lo, k)
		hi = max(hi, k)
	}
	if lo == hi {
		return
	}
	var count [1 << bucketSubBits]uint32
	b := uint(min(bucketSubBits, bits.Len(uint(n))-1))
	shift := uint(max(0, bits.Len64(hi-lo)-int(b)))
	nb := int((hi-lo)>>shift) + 1
	scratch = scratch[:n]
	for _, k := range a {
		count[byte((k-lo)>>shift)]++
	}
	prefixSums(count[:nb])
	for _, k := range a {
		c := &count[byte((k-lo)>>shift)]
		scratch[*c] = k
		*c++
	}
	if shift > tz {
		start := uint32(0)
		for _, end := range count[:nb] {
			if end-start > 1 {
				finishBucket(scratch[start:end], a[start:end], tz)
			}
			start = end
		}
	}
	copy(a, scratch)
}

// insertionSort sorts a in place: O(len(a) + inversions), so it is meant for short slices and
// for bucketSort's final pass over keys that are out of order only within small buckets.
func insertionSort(a []uint64) {
	for i := 1; i < len(a); i++ {
		k := a[i]
		j := i
		for ; j > 0 && a[j-1] > k; j-- {
			a[j] = a[j-1]
		}
		a[j] = k
	}
}

// bubbleUp is one branch-free bubble sort pass over a (len(a) ≥ 1): the running maximum moves
// right. On keys grouped in ascending buckets, it moves each bucket's largest key to the
// bucket's end and nothing across buckets.
func bubbleUp(a []uint64) {
	c := a[0]
	for i := 1; i < len(a); i++ {
		k := a[i]
		a[i-1] = min(c, k)
		c = max(c, k)
	}
	a[len(a)-1] = c
}

// bubbleDown is bubbleUp backwards: the running minimum moves left, to its bucket's start.
func bubbleDown(a []uint64) {
	c := a[len(a)-1]
	for i := len(a) - 2; i >= 0; i-- {
		k := a[i]
		a[i+1] = max(c, k)
		c = min(c, k)
	}
	a[0] = c
}
