package kll

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// sortKeysScalar is sortKeys with the AVX-512 sort turned off: what machines without AVX-512
// (and builds with -tags purego, and other architectures) run.
func sortKeysScalar(keys, tmp []uint64) []uint64 {
	defer func(v bool) { useAVX512 = v }(useAVX512)
	useAVX512 = false
	return sortKeys(keys, tmp)
}

// TestQuickSort checks the AVX-512 quicksort against slices.Sort on every length up to 300 and
// on level-0 sizes, for key shapes that stress its parts: distinct random keys (partitioning),
// few distinct values and all-equal runs (the equal-keys split), sorted and reversed input (the
// median of three), the extremes of the key range (the fill of the sorting network, p+1).
func TestQuickSort(t *testing.T) {
	needAVX512(t)
	rnd := rand.New(rand.NewPCG(7, 7))
	shapes := map[string]func(i, n int) uint64{
		"random":   func(i, n int) uint64 { return rnd.Uint64() },
		"few":      func(i, n int) uint64 { return uint64(rnd.IntN(5)) * 1000 },
		"equal":    func(i, n int) uint64 { return 42 },
		"sorted":   func(i, n int) uint64 { return uint64(i) },
		"reversed": func(i, n int) uint64 { return uint64(n - i) },
		"extremes": func(i, n int) uint64 { return []uint64{0, 1, 1<<64 - 2, 1<<64 - 1}[rnd.IntN(4)] },
		"keys":     func(i, n int) uint64 { return javaKey(rnd.NormFloat64() * 100) },
		"organ":    func(i, n int) uint64 { return uint64(min(i, n-i)) },
	}
	var lengths []int
	for n := 0; n <= 300; n++ {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 1023, 1024, 2050, 2400, 2647, 5000)
	for name, gen := range shapes {
		for _, n := range lengths {
			keys := make([]uint64, n)
			for i := range keys {
				keys[i] = gen(i, n)
			}
			want := slices.Clone(keys)
			slices.Sort(want)
			tmp := make([]uint64, n)
			got := quickSort(keys, tmp)
			if !slices.Equal(got, want) {
				t.Fatalf("%s, n=%d: quickSort differs from slices.Sort", name, n)
			}
		}
	}
}

// needAVX512 skips a test of the AVX-512 kernels where they cannot run: the product then uses
// the portable sorts, which the other tests cover.
func needAVX512(t *testing.T) {
	t.Helper()
	if !useAVX512 {
		t.Skip("no AVX-512 (and BMI2) on this machine, or not amd64: the quicksort is never used here")
	}
}

// smallKeys returns n keys drawn from 0 … k-1.
func smallKeys(rnd *rand.Rand, n, k int) []uint64 {
	keys := make([]uint64, n)
	for i := range keys {
		keys[i] = uint64(rnd.IntN(k))
	}
	return keys
}

// TestSort32 checks the sorting network alone, from one buffer into another and in place, and
// that it writes nothing past the n keys.
func TestSort32(t *testing.T) {
	needAVX512(t)
	rnd := rand.New(rand.NewPCG(8, 8))
	for n := 1; n <= quickLeaf; n++ {
		for range 2000 {
			src := smallKeys(rnd, quickLeaf+1, 6+n)
			src[rnd.IntN(quickLeaf+1)] = 1<<64 - 1
			want := slices.Clone(src[:n])
			slices.Sort(want)
			dst := make([]uint64, quickLeaf+1)
			dst[n] = 99
			sort32AVX512(&src[0], &dst[0], n)
			if !slices.Equal(dst[:n], want) || dst[n] != 99 {
				t.Fatalf("n=%d: %v -> %v, want %v and 99 after", n, src[:n], dst[:n+1], want)
			}
			sentinel := src[n]
			sort32AVX512(&src[0], &src[0], n)
			if !slices.Equal(src[:n], want) || src[n] != sentinel {
				t.Fatalf("n=%d in place: %v, want %v", n, src[:n+1], want)
			}
		}
	}
}

// TestPartition checks the partition kernel's split and that it loses or invents no key, on
// lengths that end in each of its loops (whole stores while 16 keys are left, masked stores,
// the masked load), with pivots below, inside and above the keys.
func TestPartition(t *testing.T) {
	needAVX512(t)
	rnd := rand.New(rand.NewPCG(9, 9))
	// Keys 0–9 with pivots 0–10, and keys near 2^63 and the ends of the range with pivots 0,
	// 2^63 and MaxUint64 (the compare is unsigned).
	high := []uint64{0, 1, 1<<63 - 1, 1 << 63, 1<<63 + 1, math.MaxUint64 - 1, math.MaxUint64}
	for n := 1; n <= 140; n++ {
		for round := range 240 {
			src := smallKeys(rnd, n, 10)
			p := uint64(rnd.IntN(11))
			if round >= 200 {
				for i := range src {
					src[i] = high[rnd.IntN(len(high))]
				}
				p = []uint64{0, 1 << 63, math.MaxUint64}[round%3]
			}
			buf := make([]uint64, n+2) // a guard before dst and one after
			buf[0], buf[n+1] = 77, 77
			dst := buf[1 : n+1]
			nl := partitionAVX512(src, dst, p)
			for i, k := range dst {
				if (i < nl) != (k < p) {
					t.Fatalf("n=%d p=%d: key %d at %d of %v (nl=%d)", n, p, k, i, dst, nl)
				}
			}
			a, b := slices.Clone(src), slices.Clone(dst)
			slices.Sort(a)
			slices.Sort(b)
			if !slices.Equal(a, b) || buf[0] != 77 || buf[n+1] != 77 {
				t.Fatal(fmt.Sprintf("n=%d: keys changed or written outside dst", n))
			}
		}
	}
}

// BenchmarkQuickSortShapes compares sortKeys without AVX-512 ("scalar": bucketSort or
// radixSort) with quickSort on level-0 runs of several shapes (BENCHMARKS.md, "An AVX-512 sort
// for level 0").
//
//	go test -run '^$' -bench QuickSortShapes -count 6 ./stats/kll/
func BenchmarkQuickSortShapes(b *testing.B) {
	if !useAVX512 {
		b.Skip("no AVX-512 on this machine (or not amd64)")
	}
	rnd := rand.New(rand.NewPCG(3, 3))
	n := 2600
	shapes := []struct {
		name string
		gen  func() float64
	}{
		{"normal", func() float64 { return rnd.NormFloat64() * 100 }},
		{"int100k", func() float64 { return float64(rnd.IntN(100000)) }},
		{"dec3", func() float64 { return float64(rnd.IntN(200000)-20000) / 1000 }},
		{"age", func() float64 { return float64(18 + rnd.IntN(70)) }},
		{"lognormal", func() float64 { return math.Exp(rnd.NormFloat64() * 2) }},
	}
	for _, sh := range shapes {
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = javaKey(sh.gen())
		}
		work, tmp := make([]uint64, n), make([]uint64, n)
		b.Run(sh.name+"/scalar", func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				copy(work, keys)
				sortKeysScalar(work, tmp)
			}
		})
		b.Run(sh.name+"/quick", func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				copy(work, keys)
				quickSort(work, tmp)
			}
		})
	}
}

// TestKeyConversions checks toKeys and fromEvenKeys (eight at a time with AVX-512, the rest one
// by one) against javaKey and fromJavaKey on every length up to 100, with the values whose keys
// are special: ±0, ±Inf, NaN (canonicalised), the smallest subnormals, the extremes.
func TestKeyConversions(t *testing.T) {
	rnd := rand.New(rand.NewPCG(10, 10))
	special := []float64{0, math.Copysign(0, -1), math.Inf(1), math.Inf(-1), math.NaN(),
		math.Float64frombits(0xfff8000000000001), math.Float64frombits(0x7ff0000000000001),
		math.Float64frombits(0xfff0000000000001), math.Float64frombits(0x7fffffffffffffff), 5e-324, -5e-324, math.MaxFloat64, -math.MaxFloat64, 1, -1}
	for _, vector := range []bool{false, useAVX512} {
		func() {
			defer func(v bool) { useAVX512 = v }(useAVX512)
			useAVX512 = vector
			for n := 0; n <= 100; n++ {
				xs := make([]float64, n)
				for i := range xs {
					if rnd.IntN(3) == 0 {
						xs[i] = special[rnd.IntN(len(special))]
					} else {
						xs[i] = rnd.NormFloat64() * math.Exp(rnd.NormFloat64()*20)
					}
				}
				keys := make([]uint64, n+1)
				keys[n] = 7
				toKeys(keys, xs)
				for i, x := range xs {
					if keys[i] != javaKey(x) {
						t.Fatalf("vector %v, n=%d: toKeys(%v) = %#x, want %#x", vector, n, x, keys[i], javaKey(x))
					}
				}
				if keys[n] != 7 {
					t.Fatalf("vector %v, n=%d: toKeys wrote past the end", vector, n)
				}
				for _, m := range []int{(n + 1) / 2, n / 2} {
					out := make([]float64, m+1)
					out[m] = 7
					fromEvenKeys(out[:m], keys[:n])
					for i := range m {
						if math.Float64bits(out[i]) != math.Float64bits(fromJavaKey(keys[2*i])) {
							t.Fatalf("vector %v, n=%d: fromEvenKeys[%d] = %v, want %v", vector, n, i, out[i], fromJavaKey(keys[2*i]))
						}
					}
					if out[m] != 7 {
						t.Fatalf("vector %v, n=%d: fromEvenKeys wrote past the end", vector, n)
					}
				}
			}
		}()
	}
}
