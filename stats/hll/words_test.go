package hll

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestHashWords: HashInt64s and HashFloat64s against HashInt64 and HashFloat64 one by one, on
// every length up to 40 (the vector path's tail) and random words, with the doubles' special
// values (±0, NaNs with payloads, ±Inf, subnormals), on the vector path and the portable one.
func TestHashWords(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	special := []float64{0, math.Copysign(0, -1), math.NaN(), math.Float64frombits(0x7ff0000000000001),
		math.Float64frombits(0xfff8000000000123), math.Inf(1), math.Inf(-1), 5e-324, -5e-324, 1, -1}
	for _, avx := range []bool{false, true} {
		if avx && !useAVX512 {
			t.Log("no AVX-512 DQ here: only the portable loop runs")
			continue
		}
		t.Run(fmt.Sprintf("avx512=%v", avx), func(t *testing.T) {
			defer func(was bool) { useAVX512 = was }(useAVX512)
			useAVX512 = avx
			for n := range 41 {
				ints := make([]int64, n)
				floats := make([]float64, n)
				for i := range n {
					ints[i] = int64(r.Uint64()) >> r.IntN(64)
					if r.IntN(3) == 0 {
						floats[i] = special[r.IntN(len(special))]
					} else {
						floats[i] = math.Float64frombits(r.Uint64())
					}
				}
				// One word past the end: the tail must not write it.
				out := make([]uint64, n+1)
				out[n] = 12345
				HashInt64s(ints, out)
				for i, v := range ints {
					if out[i] != HashInt64(v) {
						t.Fatalf("n=%d: HashInt64s[%d] of %d = %#x, want %#x", n, i, v, out[i], HashInt64(v))
					}
				}
				HashFloat64s(floats, out)
				for i, v := range floats {
					if out[i] != HashFloat64(v) {
						t.Fatalf("n=%d: HashFloat64s[%d] of %v (%#x) = %#x, want %#x", n, i, v, math.Float64bits(v), out[i], HashFloat64(v))
					}
				}
				if out[n] != 12345 {
					t.Fatalf("n=%d: wrote past the end", n)
				}
			}
		})
	}
}

// TestAddWords: AddInt64s and AddFloat64s leave the registers AddHash of HashInt64 and
// HashFloat64 one by one leaves, on lengths around the batch and the vector tail, on the vector
// path and the portable one.
func TestAddWords(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 10))
	special := []float64{0, math.Copysign(0, -1), math.NaN(), math.Float64frombits(0xfff8000000000123), math.Inf(1), 5e-324}
	for _, avx := range []bool{false, true} {
		if avx && !useAVX512 {
			t.Log("no AVX-512 here: only the portable loop runs")
			continue
		}
		t.Run(fmt.Sprintf("avx512=%v", avx), func(t *testing.T) {
			defer func(was bool) { useAVX512 = was }(useAVX512)
			useAVX512 = avx
			for _, n := range []int{0, 1, 7, 8, 9, 255, 256, 257, 1000, 3000} {
				ints := make([]int64, n)
				floats := make([]float64, n)
				var wi, wf, gi, gf Sketch
				for i := range n {
					ints[i] = int64(r.Uint64()) >> r.IntN(64)
					floats[i] = math.Float64frombits(r.Uint64())
					if r.IntN(4) == 0 {
						floats[i] = special[r.IntN(len(special))]
					}
					wi.AddHash(HashInt64(ints[i]))
					wf.AddHash(HashFloat64(floats[i]))
				}
				gi.AddInt64s(ints)
				gf.AddFloat64s(floats)
				if gi != wi {
					t.Fatalf("n=%d: AddInt64s registers differ from AddHash one by one", n)
				}
				if gf != wf {
					t.Fatalf("n=%d: AddFloat64s registers differ from AddHash one by one", n)
				}
			}
		})
	}
}

// BenchmarkHashWords: HashInt64s on 4,096 words, eight at a time and one by one.
func BenchmarkHashWords(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	vs := make([]int64, 4096)
	for i := range vs {
		vs[i] = r.Int64N(1e9)
	}
	out := make([]uint64, len(vs))
	for _, avx := range []bool{false, true} {
		if avx && !useAVX512 {
			continue
		}
		b.Run(fmt.Sprintf("avx512=%v", avx), func(b *testing.B) {
			defer func(was bool) { useAVX512 = was }(useAVX512)
			useAVX512 = avx
			b.SetBytes(8 * int64(len(vs)))
			for b.Loop() {
				HashInt64s(vs, out)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vs)), "ns/value")
		})
	}
}
