package hll

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"
)

// TestPackWords: the kernel's output against Pack of HashInt64 and HashFloat64 one by one, on
// every length up to 40 (the vector tail) and random words, with the doubles' special values (±0,
// NaNs with payloads, ±Inf, subnormals); it writes nothing past the n values. (AddInt64s and
// AddFloat64s, which use it, are checked on both paths by TestAddWords.)
func TestPackWords(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 DQ/CD here: the portable loop is TestAddWords'")
	}
	r := rand.New(rand.NewPCG(9, 9))
	special := []float64{0, math.Copysign(0, -1), math.NaN(), math.Float64frombits(0x7ff0000000000001),
		math.Float64frombits(0xfff8000000000123), math.Inf(1), math.Inf(-1), 5e-324, -5e-324, 1, -1}
	for n := range 41 {
		ints := make([]uint64, n+1)
		floats := make([]float64, n+1)
		for i := range n {
			ints[i] = r.Uint64() >> r.IntN(64)
			if r.IntN(3) == 0 {
				floats[i] = special[r.IntN(len(special))]
			} else {
				floats[i] = math.Float64frombits(r.Uint64())
			}
		}
		out := make([]uint64, n+1)
		out[n] = 12345 // one word past the end: the tail must not write it
		packWordsAVX512(&ints[0], n, &out[0], false)
		for i, v := range ints[:n] {
			if want := Pack(HashInt64(int64(v))); out[i] != want {
				t.Fatalf("n=%d: word %d (%d) packs to %#x, want %#x", n, i, v, out[i], want)
			}
		}
		packWordsAVX512((*uint64)(unsafe.Pointer(&floats[0])), n, &out[0], true)
		for i, v := range floats[:n] {
			if want := Pack(HashFloat64(v)); out[i] != want {
				t.Fatalf("n=%d: double %d (%#x) packs to %#x, want %#x", n, i, math.Float64bits(v), out[i], want)
			}
		}
		if out[n] != 12345 {
			t.Fatalf("n=%d: wrote past the end", n)
		}
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

// BenchmarkAddWords: AddInt64s on 4,096 words, eight at a time and one by one.
func BenchmarkAddWords(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	vs := make([]int64, 4096)
	for i := range vs {
		vs[i] = r.Int64N(1e9)
	}
	for _, avx := range []bool{false, true} {
		if avx && !useAVX512 {
			continue
		}
		b.Run(fmt.Sprintf("avx512=%v", avx), func(b *testing.B) {
			defer func(was bool) { useAVX512 = was }(useAVX512)
			useAVX512 = avx
			var s Sketch
			b.SetBytes(8 * int64(len(vs)))
			for b.Loop() {
				s.AddInt64s(vs)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vs)), "ns/value")
		})
	}
}
