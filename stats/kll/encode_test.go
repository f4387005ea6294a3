package kll

import (
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/driftwatch/driftwatch/internal/wire"
)

// encodeCases are sketches in the states a profile can hold: empty, below and above the first
// compaction, merged, with the special values Java's order distinguishes.
func encodeCases() map[string]*Sketch {
	r := rand.New(rand.NewPCG(1, 1))
	cases := map[string]*Sketch{"empty": New()}
	for _, n := range []int{1, 100, 2051, 20000, 300000} {
		s := New()
		for range n {
			s.Update(r.NormFloat64())
		}
		cases["n="+strconv.Itoa(n)] = s
	}
	m := New()
	for i := range 5 {
		p := New()
		for range 7000 + i*3000 {
			p.Update(r.ExpFloat64())
		}
		m.Merge(p)
	}
	cases["merged"] = m
	sp := New()
	for _, x := range []float64{math.Copysign(0, -1), 0, math.Inf(1), math.Inf(-1), math.NaN(), 5e-324} {
		sp.Update(x)
	}
	cases["special"] = sp
	small := NewWithParams(8, 0.5)
	for i := range 1000 {
		small.Update(float64(i % 37))
	}
	cases["k=8"] = small
	return cases
}

// sameState compares everything that decides a sketch's future: parameters, items bit for bit
// (so -0.0 and NaN count), counters and capacities.
func sameState(t *testing.T, what string, a, b *Sketch) {
	t.Helper()
	if a.k != b.k || a.c != b.c || a.totalCap != b.totalCap || a.actual != b.actual || !slices.Equal(a.caps, b.caps) || len(a.levels) != len(b.levels) {
		t.Fatalf("%s: shape differs: k %d/%d c %v/%v caps %v/%v actual %d/%d", what, a.k, b.k, a.c, b.c, a.caps, b.caps, a.actual, b.actual)
	}
	for h := range a.levels {
		la, lb := a.levels[h], b.levels[h]
		if la.numCompress != lb.numCompress || la.offset != lb.offset || len(la.buf) != len(lb.buf) {
			t.Fatalf("%s: level %d counters or length differ", what, h)
		}
		for i := range la.buf {
			if math.Float64bits(la.buf[i]) != math.Float64bits(lb.buf[i]) {
				t.Fatalf("%s: level %d item %d: %v vs %v", what, h, i, la.buf[i], lb.buf[i])
			}
		}
	}
}

// TestEncodeRoundTrip: a decoded sketch has the original's state, and the two stay identical
// through the same later updates and merges (what a partial profile's merge relies on).
func TestEncodeRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	for name, s := range encodeCases() {
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var d Sketch
		if err := d.UnmarshalBinary(b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		sameState(t, name, s, &d)
		again, _ := d.MarshalBinary()
		if !slices.Equal(b, again) {
			t.Errorf("%s: re-encoding differs", name)
		}
		orig := s.Clone()
		other := New()
		for range 9000 {
			x := r.NormFloat64()
			orig.Update(x)
			d.Update(x)
			other.Update(x * 2)
		}
		orig.Merge(other)
		d.Merge(other)
		sameState(t, name+" after updates and a merge", orig, &d)
	}
}

// TestUnmarshalRejectsCorruption: truncations, a wrong version, bad parameters, a bad offset and
// trailing bytes all fail with wire.ErrCorrupt and leave the target unchanged.
func TestUnmarshalRejectsCorruption(t *testing.T) {
	s := encodeCases()["n=20000"]
	good, _ := s.MarshalBinary()
	bad := map[string][]byte{
		"empty":                {},
		"version":              append([]byte{9}, good[1:]...),
		"k zero":               {1, 0, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 1, 0, 0, 0},
		"c NaN":                {1, 8, 1, 0, 0, 0, 0, 0, 0xF8, 0x7F, 1, 0, 0, 0},
		"levels 0":             {1, 8, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 0},
		"offset 2":             {1, 8, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 1, 0, 2, 0},
		"trailing":             append(slices.Clone(good), 0),
		"items beyond the end": {1, 8, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 1, 0, 0, 100, 1, 2, 3},
	}
	for i := 1; i < len(good); i += len(good) / 13 {
		bad["truncated at "+strconv.Itoa(i)] = good[:i]
	}
	for name, b := range bad {
		d := New()
		d.Update(42)
		before, _ := d.MarshalBinary()
		err := d.UnmarshalBinary(b)
		if !errors.Is(err, wire.ErrCorrupt) {
			t.Errorf("%s: error %v, want wire.ErrCorrupt", name, err)
		}
		if after, _ := d.MarshalBinary(); !slices.Equal(before, after) {
			t.Errorf("%s: the target changed on error", name)
		}
	}
}

// FuzzUnmarshalBinary: no input panics; what decodes re-encodes to something that decodes to the
// same state.
func FuzzUnmarshalBinary(f *testing.F) {
	for _, s := range encodeCases() {
		b, _ := s.MarshalBinary()
		if len(b) < 4096 {
			f.Add(b)
		}
	}
	f.Add([]byte{1, 8, 0, 0, 0, 0, 0, 0, 0xE0, 0x3F, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 3, 1, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		var d Sketch
		if err := d.UnmarshalBinary(b); err != nil {
			return
		}
		again, err := d.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		var e Sketch
		if err := e.UnmarshalBinary(again); err != nil {
			t.Fatalf("re-encoded sketch does not decode: %v", err)
		}
		sameState(t, "re-decoded", &d, &e)
		d.Update(1)
		d.Merge(&e)
		_ = d.Buckets(-1, 1, 10)
	})
}
