package hll

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/driftwatch/driftwatch/internal/wire"
)

// encodeCases are sketches from empty (sparse) to full (dense), including the largest register.
func encodeCases() map[string]Sketch {
	r := rand.New(rand.NewPCG(3, 3))
	cases := map[string]Sketch{"empty": {}}
	for _, n := range []int{1, 10, 150, 400, 100000} {
		var s Sketch
		for range n {
			s.AddHash(r.Uint64())
		}
		cases["n="+strconv.Itoa(n)] = s
	}
	var top Sketch
	top.AddHash(0)               // register 0 gets the largest rank, MaxRegister
	top.AddHash(^uint64(0) >> 1) // an index in the middle
	cases["extremes"] = top
	return cases
}

// TestEncodeRoundTrip: registers survive, the layout is the shorter one, and the bytes depend on
// the registers only.
func TestEncodeRoundTrip(t *testing.T) {
	for name, s := range encodeCases() {
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var d Sketch
		if err := d.UnmarshalBinary(b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if d != s {
			t.Errorf("%s: registers differ after a round trip", name)
		}
		if d.Estimate() != s.Estimate() {
			t.Errorf("%s: estimate %d, want %d", name, d.Estimate(), s.Estimate())
		}
		if len(b) > 2+NumRegisters {
			t.Errorf("%s: %d bytes, more than the dense layout", name, len(b))
		}
		nz := 0
		for _, v := range s.Registers() {
			if v != 0 {
				nz++
			}
		}
		if nz < 100 && b[1] != layoutSparse {
			t.Errorf("%s: %d registers set, dense layout chosen", name, nz)
		}
	}
	if b, _ := (&Sketch{}).MarshalBinary(); !slices.Equal(b, []byte{encodingVersion, layoutSparse, 0}) {
		t.Errorf("empty sketch encodes as %v", b)
	}
}

func TestUnmarshalRejectsCorruption(t *testing.T) {
	full := encodeCases()["n=100000"]
	dense, _ := full.MarshalBinary()
	over := slices.Clone(dense)
	over[2+7] = MaxRegister + 1
	for name, b := range map[string][]byte{
		"empty":           {},
		"version":         {2, layoutSparse, 0},
		"layout":          {1, 7},
		"dense truncated": dense[:100],
		"dense register":  over,
		"sparse zero":     {1, layoutSparse, 1, 1, 0},
		"sparse beyond":   {1, layoutSparse, 2, 0x80, 0x04, 3, 1, 3}, // index 511 (gap 512 from -1), then 512
		"sparse gap 0":    {1, layoutSparse, 2, 1, 3, 0, 3},
		"sparse count":    {1, layoutSparse, 3, 1, 3},
		"trailing":        {1, layoutSparse, 0, 0},
	} {
		d := full
		err := d.UnmarshalBinary(b)
		if !errors.Is(err, wire.ErrCorrupt) {
			t.Errorf("%s: error %v, want wire.ErrCorrupt", name, err)
		}
		if d != full {
			t.Errorf("%s: the target changed on error", name)
		}
	}
}

// TestUnmarshalLastRegister: the largest index is reachable in the sparse layout.
func TestUnmarshalLastRegister(t *testing.T) {
	var d Sketch
	if err := d.UnmarshalBinary([]byte{1, layoutSparse, 1, 0x80, 0x04, 3}); err != nil || d.Registers()[NumRegisters-1] != 3 {
		t.Errorf("register 511 = 3 not decoded: %v", err)
	}
}

func FuzzUnmarshalBinary(f *testing.F) {
	for _, s := range encodeCases() {
		b, _ := s.MarshalBinary()
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Sketch
		if err := d.UnmarshalBinary(b); err != nil {
			return
		}
		again, _ := d.MarshalBinary()
		var e Sketch
		if err := e.UnmarshalBinary(again); err != nil || e != d {
			t.Fatalf("re-encoding does not round-trip: %v", err)
		}
		_ = d.Estimate()
	})
}
