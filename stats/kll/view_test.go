package kll

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestView checks every View query against the naive oracles of kll_test.go on sketches of every
// test distribution, with duplicates, signed zeros, infinities and NaN items, and ranges that
// ascend, are empty (min = max), descend (the empty Spark state: min > max) or hold NaN.
func TestView(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var sketches []*Sketch
	for _, d := range dists {
		for _, n := range []int{0, 1, 37, 3000, 60000} {
			sketches = append(sketches, build(DefaultK, DefaultC, gen(d, n, r)))
		}
	}
	// NaN items (FromLevels takes any doubles) on several levels, with ±0 and ±Inf.
	sketches = append(sketches, FromLevels([][]float64{
		{math.NaN(), 3, math.Copysign(0, -1), 0, math.Inf(1), 3},
		{1, math.NaN(), 2},
		{math.Inf(-1), 0, 5},
	}, DefaultK, DefaultC))
	for si, s := range sketches {
		levels := s.Levels()
		v := s.View()
		if got, want := v.Count(), s.Count(); got != want {
			t.Fatalf("sketch %d: Count = %d, want %d", si, got, want)
		}
		queries := []float64{math.Inf(-1), math.Inf(1), math.NaN(), 0, math.Copysign(0, -1), 3}
		for _, l := range levels {
			for _, x := range l {
				queries = append(queries, x, math.Nextafter(x, math.Inf(1)), math.Nextafter(x, math.Inf(-1)))
			}
		}
		for _, q := range queries {
			if got, want := v.Rank(q), rankSlow(levels, q); got != want {
				t.Fatalf("sketch %d: Rank(%v) = %d, want %d", si, q, got, want)
			}
			if got, want := v.RankExclusive(q), rankExclusiveSlow(levels, q); got != want {
				t.Fatalf("sketch %d: RankExclusive(%v) = %d, want %d", si, q, got, want)
			}
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, l := range levels {
			for _, x := range l {
				if !math.IsInf(x, 0) && x == x {
					lo, hi = math.Min(lo, x), math.Max(hi, x)
				}
			}
		}
		ranges := [][2]float64{{lo, hi}, {lo, lo}, {hi, lo}, {math.MaxInt32, math.MinInt32},
			{lo + (hi-lo)/3, hi - (hi-lo)/3}, {math.NaN(), hi}, {lo, math.NaN()}, {-1, 1}}
		for _, rg := range ranges {
			for _, n := range []int{1, 2, 10, 2000} {
				got, want := v.Buckets(rg[0], rg[1], n), bucketsSlow(levels, rg[0], rg[1], n)
				if err := sameBuckets(got, want); err != nil {
					t.Fatalf("sketch %d: Buckets(%v, %v, %d): %v", si, rg[0], rg[1], n, err)
				}
			}
		}
		// Several queries on one View give the same answers in any order (nothing is consumed).
		if err := sameBuckets(v.Buckets(lo, hi, 10), s.Buckets(lo, hi, 10)); err != nil {
			t.Fatalf("sketch %d: Buckets again: %v", si, err)
		}
	}
	for i := 0; i+1 < len(sketches); i += 3 {
		a, b := sketches[i], sketches[i+1]
		la, lb := a.Levels(), b.Levels()
		va, vb := a.View(), b.View()
		if got, want := va.LInfinity(vb), linfDeequSlow(la, lb); !sameFloat(got, want) {
			t.Errorf("sketches %d, %d: View.LInfinity = %v, Deequ transcription %v", i, i+1, got, want)
		}
		if got, want := va.LInfinityWeighted(vb), linfWeightedSlow(la, lb); !sameFloat(got, want) {
			t.Errorf("sketches %d, %d: View.LInfinityWeighted = %v, brute force %v", i, i+1, got, want)
		}
		if got, want := va.RankMapTotal(), a.RankMapTotal(); got != want {
			t.Errorf("sketch %d: View.RankMapTotal = %d, Sketch.RankMapTotal %d", i, got, want)
		}
		// The rank map is built from the view and must leave it intact.
		if got, want := va.Rank(math.Inf(1)), rankSlow(la, math.Inf(1)); got != want {
			t.Errorf("sketch %d: Rank(+Inf) after LInfinity = %d, want %d", i, got, want)
		}
	}
}

// TestViewSnapshot: a View answers for the sketch as it was when taken.
func TestViewSnapshot(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	s := build(DefaultK, DefaultC, gen("normal", 5000, r))
	levels := s.Levels()
	v := s.View()
	for _, x := range gen("normal", 20000, r) {
		s.Update(x)
	}
	if got, want := v.Rank(0), rankSlow(levels, 0); got != want {
		t.Errorf("Rank(0) after updates = %d, want the snapshot's %d", got, want)
	}
}

func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}

func sameBuckets(got, want []Bucket) error {
	if len(got) != len(want) || got == nil {
		return fmt.Errorf("%d buckets, want %d (non-nil)", len(got), len(want))
	}
	for i := range want {
		if !sameFloat(got[i].Lower, want[i].Lower) || !sameFloat(got[i].Upper, want[i].Upper) || got[i].Count != want[i].Count {
			return fmt.Errorf("bucket %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	return nil
}

// BenchmarkView measures taking a View of a sketch of 1e6 values (13 levels, ~5,500 items, like
// a column of the 1 GB baseline) and the queries the HTML report makes on it: a 2,000-step
// Buckets grid and Deequ's L∞ distance to a second sketch.
//
//	go test -run '^$' -bench 'BenchmarkView' -benchmem -count 10 ./stats/kll/ | tee new.txt
//	benchstat old.txt new.txt
func BenchmarkView(b *testing.B) {
	s := build(DefaultK, DefaultC, benchData[:1_000_000])
	o := build(DefaultK, DefaultC, benchData[1_000_000-100_000:])
	lo, hi := stateMinMax(benchData[:1_000_000])
	b.Run("take", func(b *testing.B) {
		b.SetBytes(int64(8 * s.itemCount()))
		b.ReportAllocs()
		for b.Loop() {
			s.View()
		}
	})
	b.Run("buckets2000", func(b *testing.B) {
		v := s.View()
		b.ReportAllocs()
		for b.Loop() {
			v.Buckets(lo, hi, 2000)
		}
	})
	b.Run("linf", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			s.View().LInfinity(o.View())
		}
	})
}
