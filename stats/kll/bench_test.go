package kll

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// benchData is 1<<20 values (8 MiB) drawn once with a fixed seed; benchmarks cycle through it.
var benchData = func() []float64 {
	r := rand.New(rand.NewPCG(1, 1))
	xs := gen("normal", 1<<20, r)
	// A quarter integer-valued with duplicates, like the housing columns.
	for i := 0; i < len(xs); i += 4 {
		xs[i] = float64(r.IntN(50))
	}
	return xs
}()

// BenchmarkUpdate measures one Update (8 bytes of input per op) on a sketch that is reset every
// `values` updates: Small never compacts, Medium and Large are in steady state (one level-0
// compaction per ~1000 updates plus the higher levels).
//
//	go test -run '^$' -bench 'BenchmarkUpdate' -benchmem -count 10 ./stats/kll/ | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkUpdate(b *testing.B) {
	for _, tier := range []struct {
		name   string
		values int
	}{{"Small", 1_000}, {"Medium", 100_000}, {"Large", 10_000_000}} {
		b.Run(tier.name, func(b *testing.B) {
			b.SetBytes(8)
			b.ReportAllocs()
			s := New()
			n := 0
			for i := 0; b.Loop(); i++ {
				if n == tier.values {
					b.StopTimer()
					s = New()
					n = 0
					b.StartTimer()
				}
				s.Update(benchData[i&(len(benchData)-1)])
				n++
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "values/s")
		})
	}
}

// BenchmarkMerge measures Spark's final aggregation of 4 partition sketches of 1e5 values each
// into a fresh sketch; bytes are the partition items merged.
//
//	go test -run '^$' -bench 'BenchmarkMerge' -benchmem -count 10 ./stats/kll/ | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkMerge(b *testing.B) {
	parts := make([]*Sketch, 4)
	items := 0
	for p := range parts {
		parts[p] = build(DefaultK, DefaultC, benchData[p*100_000:(p+1)*100_000])
		items += parts[p].itemCount()
	}
	b.SetBytes(int64(8 * items))
	b.ReportAllocs()
	for b.Loop() {
		final := New()
		for _, p := range parts {
			final.Merge(p)
		}
	}
}

// BenchmarkBuckets measures the 10 statistics.json buckets of a sketch (Small: 1e3 values,
// Medium: 1e5, Large: 1e6); bytes are the sketch items.
//
//	go test -run '^$' -bench 'BenchmarkBuckets' -benchmem -count 10 ./stats/kll/ | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkBuckets(b *testing.B) {
	for _, tier := range []struct {
		name   string
		values int
	}{{"Small", 1_000}, {"Medium", 100_000}, {"Large", 1_000_000}} {
		b.Run(tier.name, func(b *testing.B) {
			s := build(DefaultK, DefaultC, benchData[:tier.values])
			lo, hi := stateMinMax(benchData[:tier.values])
			b.SetBytes(int64(8 * s.itemCount()))
			b.ReportAllocs()
			for b.Loop() {
				s.Buckets(lo, hi, 10)
			}
		})
	}
}

// BenchmarkLInfinity measures the Deequ 2.0.2 drift distance of two 1e5-value sketches.
//
//	go test -run '^$' -bench 'BenchmarkLInfinity' -benchmem -count 10 ./stats/kll/ | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkLInfinity(b *testing.B) {
	x := build(DefaultK, DefaultC, benchData[:100_000])
	y := build(DefaultK, DefaultC, benchData[100_000:200_000])
	b.SetBytes(int64(8 * (x.itemCount() + y.itemCount())))
	b.ReportAllocs()
	for b.Loop() {
		LInfinity(x, y)
	}
}

// BenchmarkSortKeys compares the sorts compact can use, on runs of level-0 size, to justify
// bucketMin (see BENCHMARKS.md). The same keys are sorted at every iteration, which lets the
// branch predictor learn them and flatters pdqsort; sidebyside_linux_test.go avoids that.
//
//	go test -run '^$' -bench 'BenchmarkSortKeys' -benchmem -count 10 ./stats/kll/ | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkSortKeys(b *testing.B) {
	for _, n := range []int{256, 512, 1024, 2050} {
		keys := make([]uint64, n)
		for i := range keys {
			keys[i] = javaKey(benchData[i])
		}
		work, tmp := make([]uint64, n), make([]uint64, n)
		b.Run(fmt.Sprintf("radix/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				copy(work, keys)
				radixSort(work, tmp)
			}
		})
		b.Run(fmt.Sprintf("bucket/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			b.ReportAllocs()
			for b.Loop() {
				copy(work, keys)
				bucketSort(work, tmp)
			}
		})
		b.Run(fmt.Sprintf("pdq/n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				copy(work, keys)
				slices.Sort(work)
			}
		})
	}
}

// BenchmarkKeyConversions measures toKeys and fromEvenKeys on a level-0 buffer, with the AVX-512
// loops ("vector", where the processor has them) and without ("scalar": other processors,
// other architectures, -tags purego).
//
//	go test -run '^$' -bench KeyConversions -count 6 ./stats/kll/
func BenchmarkKeyConversions(b *testing.B) {
	const n = 2050
	xs := benchData[:n]
	keys, out := make([]uint64, n), make([]float64, n/2)
	for _, vector := range []bool{false, true} {
		if vector && !useAVX512 {
			continue
		}
		name := map[bool]string{false: "scalar", true: "vector"}[vector]
		for _, c := range []struct {
			conv string
			f    func()
		}{
			{"toKeys", func() { toKeys(keys, xs) }},
			{"fromEvenKeys", func() { fromEvenKeys(out, keys) }},
		} {
			b.Run(c.conv+"/"+name, func(b *testing.B) {
				defer func(v bool) { useAVX512 = v }(useAVX512)
				useAVX512 = vector
				b.SetBytes(8 * n)
				for b.Loop() {
					c.f()
				}
			})
		}
	}
}
