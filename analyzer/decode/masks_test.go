package decode

import (
	"math/rand/v2"
	"testing"
)

// maskImpls runs f once with the AVX-512 kernels (separators, record check, column sums, line
// counts) where the CPU has them, once with the AVX2 ones only (byte bitmaps, validity bits)
// where it has AVX2, and always once with the portable code.
func maskImpls(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	have, have512 := useAVX2, useAVX512
	defer func() { useAVX2, useAVX512 = have, have512 }()
	if have512 {
		t.Run("avx512", f)
	} else {
		t.Log("no AVX-512 (F, BW) here (or not amd64): sepsAVX512 is not tested")
	}
	useAVX512 = false
	if have {
		t.Run("avx2", f)
	} else {
		t.Log("no AVX2 here (or not amd64): only the portable code is tested")
	}
	useAVX2 = false
	t.Run("portable", f)
}

// TestByteMasks checks each implementation's bitmaps and ASCII flag against a byte loop, on
// random blocks made of the two classes, their neighbours, bytes that differ from them only in
// the high bit, and non-ASCII bytes, at lengths from 0 to 9 blocks.
func TestByteMasks(t *testing.T) {
	maskImpls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 9))
		const alphabet = ",\n\r\"+-.\x0b\x00a\xac\x8a\xff\x7f0"
		for trial := range 5000 {
			n := r.IntN(10)
			b := make([]byte, 64*n)
			rare := trial%3 == 0 // mostly ASCII letters, as in real data
			for i := range b {
				if rare && r.IntN(16) != 0 {
					b[i] = 'a'
					continue
				}
				b[i] = alphabet[r.IntN(len(alphabet))]
			}
			c0, c1 := byte(','), byte('\n')
			if trial%2 == 1 {
				c0, c1 = '\n', '\r'
			}
			m0, m1 := make([]uint64, n+1), make([]uint64, n+1)
			m0[n], m1[n] = 42, 42 // past the blocks: must stay untouched
			got := byteMasks(b, c0, c1, m0, m1)
			want := false
			for k := range n {
				var w0, w1 uint64
				for i, c := range b[64*k : 64*k+64] {
					if c == c0 {
						w0 |= 1 << i
					}
					if c == c1 {
						w1 |= 1 << i
					}
					want = want || c >= 0x80
				}
				if m0[k] != w0 || m1[k] != w1 {
					t.Fatalf("block %d of %q: masks %064b %064b, want %064b %064b", k, b[64*k:64*k+64], m0[k], m1[k], w0, w1)
				}
			}
			if got != want {
				t.Fatalf("%q: nonASCII %v, want %v", b, got, want)
			}
			if m0[n] != 42 || m1[n] != 42 {
				t.Fatal("byteMasks wrote past the blocks")
			}
		}
	})
}

// TestByteMasksLengths: byteMasks refuses a length that is not whole blocks, and bitmaps too
// short for them, rather than reading or writing out of bounds.
func TestByteMasksLengths(t *testing.T) {
	for _, tc := range []struct{ b, m0, m1 int }{{63, 1, 1}, {65, 2, 2}, {128, 1, 2}, {128, 2, 1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("byteMasks(%d bytes, %d and %d words) did not panic", tc.b, tc.m0, tc.m1)
				}
			}()
			byteMasks(make([]byte, tc.b), ',', '\n', make([]uint64, tc.m0), make([]uint64, tc.m1))
		}()
	}
}

// BenchmarkByteMasks measures the bitmaps of 64 KiB of the CSV benchmark table (in the L2 cache,
// as a window of a chunk is), with each implementation.
//
//	go test -run '^$' -bench ByteMasks ./analyzer/decode/
func BenchmarkByteMasks(b *testing.B) {
	benchData()
	data := benchCSV[:64<<10]
	m0, m1 := make([]uint64, len(data)/64), make([]uint64, len(data)/64)
	have := useAVX2
	defer func() { useAVX2 = have }()
	for _, impl := range []struct {
		name string
		avx2 bool
	}{{"avx2", true}, {"portable", false}} {
		if impl.avx2 && !have {
			continue
		}
		b.Run(impl.name, func(b *testing.B) {
			useAVX2 = impl.avx2
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				byteMasks(data, ',', '\n', m0, m1)
			}
		})
	}
}
