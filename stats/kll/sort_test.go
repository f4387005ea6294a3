package kll

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"testing"
)

// sortCase generates n keys of one distribution, in arrival order, from r.
type sortCase struct {
	name string
	gen  func(n int, r *rand.Rand) []uint64
}

// fromFloats maps a float64 generator to keys.
func fromFloats(f func(i, n int, r *rand.Rand) float64) func(n int, r *rand.Rand) []uint64 {
	return func(n int, r *rand.Rand) []uint64 {
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = javaKey(f(i, n, r))
		}
		return keys
	}
}

// sortCases are the distributions the level-0 sorts are checked on: continuous, decimal,
// heavily duplicated, skewed, clustered, with outliers at every special key, and presorted.
var sortCases = []sortCase{
	{"uniform", fromFloats(func(_, _ int, r *rand.Rand) float64 { return r.Float64() })},
	{"wide", fromFloats(func(_, _ int, r *rand.Rand) float64 { return (r.Float64() - 0.5) * 2e9 })},
	{"normal", fromFloats(func(_, _ int, r *rand.Rand) float64 { return r.NormFloat64() * 1000 })},
	{"lognormal", fromFloats(func(_, _ int, r *rand.Rand) float64 { return math.Exp(r.NormFloat64() * 3) })},
	{"exponential", fromFloats(func(_, _ int, r *rand.Rand) float64 { return r.ExpFloat64() })},
	{"price2dp", fromFloats(func(_, _ int, r *rand.Rand) float64 {
		return math.Round(math.Exp(3+r.NormFloat64())*100) / 100 // prices with 2 decimals
	})},
	{"age", fromFloats(func(_, _ int, r *rand.Rand) float64 { return float64(18 + r.IntN(73)) })}, // 18–90
	{"dup3", fromFloats(func(_, _ int, r *rand.Rand) float64 { return float64(r.IntN(3)) })},
	{"constant", fromFloats(func(_, _ int, _ *rand.Rand) float64 { return 42 })},
	{"twoclusters", fromFloats(func(_, _ int, r *rand.Rand) float64 {
		if r.IntN(2) == 0 {
			return 1 + r.Float64()*1e-9
		}
		return 1e12 + r.Float64()
	})},
	{"ascending", fromFloats(func(i, _ int, _ *rand.Rand) float64 { return float64(i) })},
	{"descending", fromFloats(func(i, n int, _ *rand.Rand) float64 { return float64(n - i) })},
	{"sawtooth", fromFloats(func(i, _ int, _ *rand.Rand) float64 { return float64(i % 37) })},
	{"extreme", fromFloats(func(_, _ int, r *rand.Rand) float64 {
		return []float64{math.Inf(1), math.Inf(-1), math.NaN(), math.MaxFloat64, -math.MaxFloat64,
			math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, 0, math.Copysign(0, -1),
			r.NormFloat64()}[r.IntN(10)]
	})},
	{"rawbits", func(n int, r *rand.Rand) []uint64 { // every uint64 is a key of some float64
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = r.Uint64()
		}
		return keys
	}},
	{"geometric", func(n int, r *rand.Rand) []uint64 { // one key per bit width: deepest recursion
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = 1<<(i%64) + uint64(r.IntN(2))
		}
		return keys
	}},
	// base + 32·i, i < m, with base just below a carry into byte 5, so that the keys differ in
	// 6 of their bytes (not a radix case) while only 2^5·m values are possible. They are keys of
	// no float64 but NaN, so the bucket map is the key-linear one; m = 1000 gives one bucket per
	// possible key (at n ≥ 2048), m = 3000 two per bucket.
	{"keyints1000", keyInts(1000)},
	{"keyints3000", keyInts(3000)},
	{"extremekeys", func(n int, r *rand.Rand) []uint64 { // 0 and MaxUint64 stretch the range fully
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = []uint64{0, math.MaxUint64, 1, math.MaxUint64 - 1, r.Uint64() >> 40}[r.IntN(5)]
		}
		return keys
	}},
}

// keyInts returns the generator of keys base + 32·i, i uniform below m (see sortCases).
func keyInts(m int) func(n int, r *rand.Rand) []uint64 {
	const base = 0x000000ffffff0000 - 32*500 // 0x10000 - 32·500 below 0x0000010000000000
	return func(n int, r *rand.Rand) []uint64 {
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = base + uint64(r.IntN(m))<<5
		}
		return keys
	}
}

// outliers are single keys planted among otherwise regular data: the javaKey of ±Inf, NaN, ±0,
// the subnormal extremes and ±MaxFloat64, plus the extreme uint64 values.
var outliers = []uint64{
	javaKey(math.Inf(1)), javaKey(math.Inf(-1)), javaKey(math.NaN()), javaKey(0),
	javaKey(math.Copysign(0, -1)), javaKey(math.SmallestNonzeroFloat64),
	javaKey(-math.SmallestNonzeroFloat64), javaKey(math.MaxFloat64), javaKey(-math.MaxFloat64),
	0, math.MaxUint64,
}

// sortSizes are 1 … 5000 with every power of two ± 1 up to 4096 and the level-0 sizes.
func sortSizes() []int {
	sizes := []int{1, 2, 3, 5, 7, 23, 24, 25, 26, 100, 1000, 2050, 2200, 2400, 3000, 5000}
	for p := 2; p <= 4096; p *= 2 {
		sizes = append(sizes, p-1, p, p+1)
	}
	slices.Sort(sizes)
	return slices.Compact(sizes)
}

// checkSorted sorts keys with sort (into keys or the returned tmp) and compares the result with
// slices.Sort of a copy: same length, same multiset, ascending.
func checkSorted(t *testing.T, name string, sort func(keys, tmp []uint64) []uint64, keys []uint64) {
	t.Helper()
	want := slices.Clone(keys)
	slices.Sort(want)
	tmp := make([]uint64, len(keys))
	for i := range tmp {
		tmp[i] = 0xdeadbeef // garbage the sort must not leak into its result
	}
	if got := sort(keys, tmp); !slices.Equal(got, want) {
		i := 0
		for i < min(len(got), len(want)) && got[i] == want[i] {
			i++
		}
		t.Fatalf("%s: n=%d, result differs from slices.Sort from index %d", name, len(keys), i)
	}
}

// TestBucketSort is the differential test of bucketSort (and radixSort) against slices.Sort.
func TestBucketSort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	sorts := []struct {
		name string
		sort func(keys, tmp []uint64) []uint64
	}{{"bucket", bucketSort}, {"radix", radixSort}, {"sortKeys", sortKeys}, {"sortKeysScalar", sortKeysScalar}}
	if useAVX512 {
		sorts = append(sorts, struct {
			name string
			sort func(keys, tmp []uint64) []uint64
		}{"quick", quickSort})
	}
	for _, s := range sorts {
		for _, c := range sortCases {
			for _, n := range sortSizes() {
				checkSorted(t, fmt.Sprintf("%s/%s", s.name, c.name), s.sort, c.gen(n, r))
			}
			// One outlier planted in level-0-sized data (odd and even n), first, last (where
			// sortKeys' unrolled min/max loop has its odd tail) or anywhere.
			for _, o := range outliers {
				for _, n := range []int{2200, 2201} {
					for _, at := range []int{0, n - 1, r.IntN(n)} {
						keys := c.gen(n, r)
						keys[at] = o
						checkSorted(t, fmt.Sprintf("%s/%s+outlier %#x at %d", s.name, c.name, o, at),
							s.sort, keys)
					}
				}
			}
		}
	}
}

// TestBucketSortExactEdge: keys spanning exactly 2^11 + 1 possible values (tz = 5), one more
// than the top-level buckets, must not take the one-bucket-per-key path.
func TestBucketSortExactEdge(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, span := range []int{1<<bucketTopBits - 1, 1 << bucketTopBits, 1<<bucketTopBits + 1} {
		keys := keyInts(span)(2200, r)
		keys[0], keys[1] = keyInts(1)(1, r)[0], keyInts(1)(1, r)[0]+uint64(span-1)<<5
		checkSorted(t, fmt.Sprintf("span=%d", span), bucketSort, keys)
	}
}

// TestSortBucket checks the recursive pass on its own: bucketSort's final insertion sort would
// hide a bucket it leaves unsorted (as a slowdown, not a wrong result).
func TestSortBucket(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, c := range sortCases {
		for _, n := range []int{insertionMax + 1, 100, 1000, 2200} {
			keys := c.gen(n, r)
			want := slices.Clone(keys)
			slices.Sort(want)
			var diff uint64
			for _, k := range keys {
				diff |= k ^ keys[0]
			}
			sortBucket(keys, make([]uint64, n), uint(bits.TrailingZeros64(diff)))
			if !slices.Equal(keys, want) {
				t.Fatalf("%s/n=%d: sortBucket differs from slices.Sort", c.name, n)
			}
		}
	}
}

// TestInsertionSortDuplicates checks the bucket finisher on all-equal and two-valued input.
func TestInsertionSortDuplicates(t *testing.T) {
	for n := range insertionMax + 2 {
		for _, a := range [][]uint64{make([]uint64, n), make([]uint64, n)} {
			for i := range a {
				a[i] = uint64(n-i) % 2
			}
			want := slices.Clone(a)
			slices.Sort(want)
			insertionSort(a)
			if !slices.Equal(a, want) {
				t.Fatalf("n=%d: insertionSort gave %v, want %v", n, a, want)
			}
		}
	}
}

// TestBucketSortAllocs: the level-0 sort allocates nothing (counters on the stack).
func TestBucketSortAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, c := range sortCases {
		src := c.gen(2200, r)
		keys, tmp := make([]uint64, len(src)), make([]uint64, len(src))
		if a := testing.AllocsPerRun(20, func() {
			copy(keys, src)
			bucketSort(keys, tmp)
		}); a != 0 {
			t.Errorf("%s: bucketSort allocates %.1f times per call", c.name, a)
		}
	}
}

// FuzzBucketSort: for any byte string read as little-endian uint64 keys (optionally narrowed to
// few distinct values, to exercise duplicates), bucketSort and sortKeys agree with slices.Sort.
func FuzzBucketSort(f *testing.F) {
	f.Add([]byte{}, uint8(0))
	f.Add([]byte("\x01\x00\x00\x00\x00\x00\x00\x80\x00\x00\x00\x00\x00\x00\x00\x80"), uint8(0))
	f.Add(make([]byte, 8*100), uint8(3))
	r := rand.New(rand.NewPCG(1, 1))
	for _, c := range sortCases {
		b := make([]byte, 0, 8*300)
		for _, k := range c.gen(300, r) {
			for s := 0; s < 64; s += 8 {
				b = append(b, byte(k>>s))
			}
		}
		f.Add(b, uint8(0))
	}
	f.Fuzz(func(t *testing.T, b []byte, narrow uint8) {
		keys := make([]uint64, len(b)/8)
		if len(keys) == 0 {
			return // bucketSort needs a key; sortKeys of nothing is covered by TestSortKeys
		}
		spread := uint64(b[0]) % 64
		for i := range keys {
			for s := range 8 {
				keys[i] |= uint64(b[8*i+s]) << (8 * s)
			}
			if narrow > 0 { // few distinct values at a random spread
				keys[i] = keys[i] % uint64(narrow) << spread
			}
		}
		// Repeat short inputs so that the bucket and recursion paths are reached.
		for len(keys) > 0 && len(keys) < 3000 {
			keys = append(keys, keys...)
		}
		for _, s := range []func(keys, tmp []uint64) []uint64{bucketSort, sortKeys, sortKeysScalar} {
			checkSorted(t, "fuzz", s, slices.Clone(keys))
		}
	})
}

// TestRoundedDecimals pins which data sortKeys sends to radixSort rather than bucketSort (a
// speed choice, BENCHMARKS.md): prices rounded to thousands do, continuous data and small
// integer columns (one bucket per value) do not.
func TestRoundedDecimals(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		dist string
		want bool
	}{
		{"price", true}, {"normal", false}, {"lognormal", false}, {"wide", false},
		{"age", false}, {"dup20", false}, {"constant", false},
	} {
		keys := make([]uint64, 2200)
		for i, x := range gen(tc.dist, len(keys), r) {
			keys[i] = javaKey(x)
		}
		if got := roundedDecimals(keys); got != tc.want {
			t.Errorf("%s: roundedDecimals = %v, want %v", tc.dist, got, tc.want)
		}
	}
}

// mergeInput concatenates len(lens) ascending runs of lens[r] keys drawn by key from r, and
// returns the keys and the index where each run starts (a valid starts for mergeRuns: each
// segment ascending, even where adjacent runs happen to continue each other).
func mergeInput(lens []int, key func(r *rand.Rand) uint64, r *rand.Rand) (keys []uint64, starts []int) {
	for _, l := range lens {
		starts = append(starts, len(keys))
		run := make([]uint64, l)
		for i := range run {
			run[i] = key(r)
		}
		slices.Sort(run)
		keys = append(keys, run...)
	}
	return keys, starts
}

// mergeKeyGens are the key distributions of TestMergeRuns: continuous, few distinct values
// (long streaks of equal keys), all equal, only the extreme keys 0 and MaxUint64, and a mix
// of the extremes with ordinary values.
var mergeKeyGens = []struct {
	name string
	key  func(r *rand.Rand) uint64
}{
	{"random", func(r *rand.Rand) uint64 { return r.Uint64() }},
	{"dup3", func(r *rand.Rand) uint64 { return uint64(r.IntN(3)) }},
	{"dup20", func(r *rand.Rand) uint64 { return javaKey(float64(r.IntN(20))) }},
	{"allequal", func(r *rand.Rand) uint64 { return 7 }},
	{"extremes", func(r *rand.Rand) uint64 { return []uint64{0, math.MaxUint64}[r.IntN(2)] }},
	{"extremesmix", func(r *rand.Rand) uint64 {
		return []uint64{0, math.MaxUint64, 1, math.MaxUint64 - 1, r.Uint64()}[r.IntN(5)]
	}},
}

// mergeShapes returns run-length lists: the shapes Update produces (a one-key tail before one
// or two level-sized runs, two equal runs), one long and one short run either way round, runs
// of one key (first, elsewhere, all), and 2 … maxMergeRuns runs of random lengths 1 … 300.
func mergeShapes(r *rand.Rand) [][]int {
	shapes := [][]int{
		{1, 1}, {1, 2}, {2, 1}, {1, 1100}, {1, 1000, 1000}, {1000, 1000}, {1301, 1},
		{1, 1300}, {1300, 1}, {1300, 3}, {3, 1300}, {1, 1, 1}, {5, 1, 5}, {1, 1, 500},
		{2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2},
		{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
		{1, 81, 81, 81, 81, 81, 81, 81, 81, 81, 81, 81, 81, 81, 81, 81},
	}
	for runs := 2; runs <= maxMergeRuns; runs++ {
		for range 8 {
			lens := make([]int, runs)
			for i := range lens {
				lens[i] = 1 + r.IntN(300)
			}
			shapes = append(shapes, lens)
		}
	}
	return shapes
}

// TestMergeRuns is the differential test of mergeRuns against slices.Sort: every shape of
// mergeShapes with every key distribution, through sortKeys (which finds the runs and counts
// equal neighbours itself) and through mergeRuns with the construction's run starts and the
// equal count forced both ways, so that the branch-free (mergeBidir) and the branchy
// (mergeTwo) merge each see every input.
func TestMergeRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, g := range mergeKeyGens {
		for _, lens := range mergeShapes(r) {
			keys, starts := mergeInput(lens, g.key, r)
			name := fmt.Sprintf("%s/%v", g.name, lens)
			checkSorted(t, name+"/sortKeys", sortKeys, slices.Clone(keys))
			for _, equal := range []int{0, len(keys)} { // 0: mergeBidir; n: mergeTwo
				checkSorted(t, fmt.Sprintf("%s/mergeRuns(equal=%d)", name, equal),
					func(k, tmp []uint64) []uint64 { return mergeRuns(k, tmp, starts, equal) },
					slices.Clone(keys))
			}
		}
	}
}

// TestMergeTwoWays checks both two-run merges on every pair of run lengths 0 … 40 (the bounds
// of mergeBidir's blocks and its mergeTwo tail), over 1, 2, 5 and 2^64 possible key values.
func TestMergeTwoWays(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, m := range []uint64{1, 2, 5, 0} { // 0: any uint64
		for la := range 41 {
			for lb := range 41 {
				s := make([]uint64, la+lb)
				for i := range s {
					s[i] = r.Uint64()
					if m != 0 {
						s[i] = math.MaxUint64 - s[i]%m // the top keys, MaxUint64 included
					}
				}
				slices.Sort(s[:la])
				slices.Sort(s[la:])
				want := slices.Sorted(slices.Values(s))
				got := make([]uint64, len(s))
				mergeBidir(got, s, la)
				if !slices.Equal(got, want) {
					t.Fatalf("mergeBidir m=%d la=%d lb=%d: got %v, want %v", m, la, lb, got, want)
				}
				clear(got)
				mergeTwo(got, s[:la], s[la:])
				if !slices.Equal(got, want) {
					t.Fatalf("mergeTwo m=%d la=%d lb=%d: got %v, want %v", m, la, lb, got, want)
				}
				clear(got)
				mergeDistinct(got, s, la)
				if !slices.Equal(got, want) {
					t.Fatalf("mergeDistinct (AVX-512 %v) m=%d la=%d lb=%d: got %v, want %v", useAVX512, m, la, lb, got, want)
				}
			}
		}
	}
}

// TestMergeVec checks the AVX-512 merge against slices.Sort on runs of 8 to 600 keys, of equal
// and very unequal lengths, interleaved, disjoint (all of one run first) and clustered, over 3
// and 2^64 possible key values.
func TestMergeVec(t *testing.T) {
	needAVX512(t)
	r := rand.New(rand.NewPCG(5, 5))
	lengths := []int{8, 9, 15, 16, 17, 24, 31, 64, 65, 100, 333, 600}
	shapes := map[string]func(run, i int) uint64{
		"random":   func(run, i int) uint64 { return r.Uint64() },
		"three":    func(run, i int) uint64 { return uint64(r.IntN(3)) },
		"disjoint": func(run, i int) uint64 { return uint64(run)<<40 | uint64(r.IntN(1<<20)) },
		"clusters": func(run, i int) uint64 { return uint64(r.IntN(4))<<40 | uint64(r.IntN(16)) },
		"extremes": func(run, i int) uint64 { return []uint64{0, 1, math.MaxUint64 - 1, math.MaxUint64}[r.IntN(4)] },
	}
	for name, gen := range shapes {
		for _, la := range lengths {
			for _, lb := range lengths {
				for _, swap := range []bool{false, true} {
					s := make([]uint64, la+lb)
					for i := range s {
						run := 0
						if i >= la != swap {
							run = 1
						}
						s[i] = gen(run, i)
					}
					slices.Sort(s[:la])
					slices.Sort(s[la:])
					want := slices.Sorted(slices.Values(s))
					buf := make([]uint64, len(s)+2) // a guard before the output and one after
					buf[0], buf[len(s)+1] = 42, 42
					got := buf[1 : len(s)+1]
					mergeVec(got, s, la)
					if !slices.Equal(got, want) || buf[0] != 42 || buf[len(s)+1] != 42 {
						t.Fatalf("%s la=%d lb=%d swap=%v: merged wrong or outside the output", name, la, lb, swap)
					}
				}
			}
		}
	}
}

// TestMergeRunsAllocs: sorting a level (runs merged) allocates nothing.
func TestMergeRunsAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, g := range mergeKeyGens {
		src, _ := mergeInput([]int{1, 650, 650, 300}, g.key, r)
		keys, tmp := make([]uint64, len(src)), make([]uint64, len(src))
		if a := testing.AllocsPerRun(20, func() {
			copy(keys, src)
			sortKeys(keys, tmp)
		}); a != 0 {
			t.Errorf("%s: sortKeys of a level allocates %.1f times per call", g.name, a)
		}
	}
}

// TestCountRuns: countRuns with the AVX-512 scan finds the runs, their starts and the equal
// neighbours the scalar loop finds, on lengths around the eight-key blocks and run counts around
// maxMergeRuns (where both stop; equal is compared only when they did not).
func TestCountRuns(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 here: countRuns is the scalar loop")
	}
	r := rand.New(rand.NewPCG(21, 21))
	for round := range 3000 {
		n := r.IntN(160)
		keys := make([]uint64, n)
		// Ascending runs of random lengths (a restart every 2–20 keys, so that the run count
		// passes maxMergeRuns in some rounds) over a small range (equal neighbours are common).
		restart := 2 + r.IntN(19)
		for i := range keys {
			if i > 0 && r.IntN(restart) != 0 {
				keys[i] = keys[i-1] + uint64(r.IntN(3))
			} else {
				keys[i] = uint64(r.IntN(50))
			}
		}
		var gs, ws [maxMergeRuns + 1]int
		gr, ge := countRuns(keys, &gs)
		useAVX512 = false
		wr, we := countRuns(keys, &ws)
		useAVX512 = true
		if gr != wr || gs != ws || (wr <= maxMergeRuns && ge != we) {
			t.Fatalf("round %d, n=%d: runs %d starts %v equal %d; scalar %d %v %d", round, n, gr, gs, ge, wr, ws, we)
		}
	}
}
