package ints

import (
	"math/rand/v2"
	"testing"
)

// TestMaxUnsigned: the unsigned maximum of 0–20 values, the largest (or a negative one) at
// every position, against one loop.
func TestMaxUnsigned(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 3))
	for n := range 21 {
		for at := range n {
			for _, top := range []int32{1000, -1} {
				idx := make([]int32, n)
				for i := range idx {
					idx[i] = r.Int32N(1000)
				}
				idx[at] = top
				want := uint32(0)
				for _, ix := range idx {
					want = max(want, uint32(ix))
				}
				if got := MaxUnsigned(idx); got != want {
					t.Fatalf("n=%d, %d at %d: %d, want %d", n, top, at, got, want)
				}
			}
		}
	}
	if MaxUnsigned(nil) != 0 {
		t.Error("no values: not 0")
	}
}
