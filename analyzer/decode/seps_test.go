package decode

import (
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

// TestSepsAVX512 checks the separator kernel against a byte loop: random blocks from an alphabet
// of the two separators, their neighbours and non-ASCII bytes at several densities (none, every
// byte, typical), output arrays from just too small to roomy, with sentinels past len(seps) that
// must stay untouched, and the stop rule: blocks are taken while k ≤ limit.
func TestSepsAVX512(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512 (F, BW) here (or not amd64): the kernel cannot run")
	}
	r := rand.New(rand.NewPCG(4, 4))
	const sentinel = -7
	passed := 0 // trials with whole records checked and accepted
	for trial := range 4000 {
		blocks := r.IntN(12)
		d := make([]byte, 64*blocks)
		alphabet := ",\n+-\x0b\x2ca0\x8a\xac"
		switch trial % 5 {
		case 0:
			alphabet = "ab" // no separator
		case 1:
			alphabet = ",\n" // only separators
		case 2:
			alphabet = "0123456789.,,\n" // like numeric CSV
		}
		for i := range d {
			d[i] = alphabet[r.IntN(len(alphabet))]
		}
		ncol := 1 + r.IntN(70)
		k0 := r.IntN(3)
		if trial%5 == 3 {
			// Whole records of ncol fields from d's start, so that the check passes; every
			// other time one byte is then flipped between a comma, a line break and a digit.
			k0 = 1
			d = d[:0]
			for len(d) < 64*blocks {
				for f := range ncol {
					d = append(d, "0123456789"[:r.IntN(6)]...)
					d = append(d, ",\n"[b2i(f == ncol-1)])
				}
			}
			d = d[:64*blocks]
			if len(d) > 0 && trial%10 == 8 {
				d[r.IntN(len(d))] = ",\n5"[r.IntN(3)]
			}
		}
		var want []int32
		for i, c := range d {
			if c == ',' || c == '\n' {
				want = append(want, int32(i))
			}
		}
		size := k0 + 64 + r.IntN(len(want)+2)
		buf := make([]int32, size+80)
		for i := range buf {
			buf[i] = sentinel
		}
		seps := buf[:size]
		limit := len(seps) - 64
		expect, mods := recordTables(ncol)
		next, done, h, bad := sepsAVX512(unsafe.SliceData(d), blocks, unsafe.SliceData(seps), k0, limit, ',', '\n',
			unsafe.SliceData(expect), unsafe.SliceData(mods), k0%ncol)
		// The blocks it must have done: while k ≤ limit.
		k, wantDone := k0, 0
		for wantDone < blocks && k <= limit {
			for _, c := range d[64*wantDone : 64*wantDone+64] {
				if c == ',' || c == '\n' {
					k++
				}
			}
			wantDone++
		}
		if done != wantDone || next != k {
			t.Fatalf("trial %d: %d blocks, next %d; want %d blocks, next %d", trial, done, next, wantDone, k)
		}
		if got := seps[k0:next]; !slices.Equal(got, want[:next-k0]) {
			t.Fatalf("trial %d: positions %v, want %v", trial, got, want[:next-k0])
		}
		// The record check: a separator at index j (from k0 on) must be a line break exactly
		// when j is a multiple of ncol.
		wantBad := false
		for j := k0; j < next; j++ {
			wantBad = wantBad || (d[seps[j]] == '\n') != (j%ncol == 0)
		}
		if (bad != 0) != wantBad {
			t.Fatalf("trial %d (ncol %d, k0 %d): bad %#x, want %v", trial, ncol, k0, bad, wantBad)
		}
		if !wantBad && next > k0+ncol {
			passed++
		}
		for i := range k0 {
			if seps[i] != sentinel {
				t.Fatalf("trial %d: seps[%d] before k written", trial, i)
			}
		}
		for i := len(seps); i < len(buf); i++ {
			if buf[i] != sentinel {
				t.Fatalf("trial %d: wrote past len(seps) at %d", trial, i)
			}
		}
		var wantHigh bool
		for _, c := range d[:64*done] {
			wantHigh = wantHigh || c >= 0x80
		}
		if (h != 0) != wantHigh {
			t.Fatalf("trial %d: high %#x, want %v", trial, h, wantHigh)
		}
	}
	if passed < 100 {
		t.Fatalf("only %d trials with records accepted by the check", passed)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestColumnSums checks columnSums against a loop over the rows, with the AVX-512 kernel and
// without: row lengths 1 … 40 and around the kernel's limits (periods of 1 to over
// maxSumPeriod), 0 … 300 rows, values from -1 (seps[0]) to past 2^22 (chunk positions), so
// that sums leave the int32 range.
func TestColumnSums(t *testing.T) {
	maskImpls(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 5))
		var widths []int
		for w := 1; w <= 40; w++ {
			widths = append(widths, w)
		}
		widths = append(widths, 48, 64, 65, 100, 511, 512, 513, 1000, 1001, 2048)
		for _, ncol := range widths {
			for trial := range 6 {
				rows := r.IntN(300)
				if trial == 0 {
					rows = 0
				}
				m := make([]int32, rows*ncol)
				for i := range m {
					m[i] = int32(r.IntN(1<<23)) - 1
				}
				if trial == 1 {
					for i := range m {
						m[i] = 1<<31 - 1 // every sum past the int32 range
					}
				}
				want := make([]int64, ncol)
				for i, v := range m {
					want[i%ncol] += int64(v)
				}
				got := make([]int64, ncol)
				for i := range got {
					got[i] = 99 // columnSums must clear them
				}
				columnSums(got, m)
				if !slices.Equal(got, want) {
					t.Fatalf("ncol %d, rows %d: sums %v, want %v", ncol, rows, got, want)
				}
			}
		}
	})
}
