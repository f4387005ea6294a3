package report

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"testing"

	"github.com/driftwatch/driftwatch/stats/kll"
)

// exactSide builds a side from values; with at most 2,050 values (level 0's capacity for k = 2048)
// the sketch never compacts, so its ranks are exact and the charts can be checked against the
// data themselves.
func exactSide(xs []float64) *sketchSide {
	s := kll.New()
	for _, x := range xs {
		s.Update(x)
	}
	return &sketchSide{v: s.View(), n: s.Count(), min: slices.Min(xs), max: slices.Max(xs)}
}

// below counts the values < x (strict) or ≤ x: the naive oracle of the sketch's ranks.
func below(sorted []float64, x float64, inclusive bool) int {
	if inclusive {
		return sort.Search(len(sorted), func(i int) bool { return sorted[i] > x })
	}
	return sort.SearchFloat64s(sorted, x)
}

// ksExact is the two-sample Kolmogorov–Smirnov statistic sup_x |F_a(x) − F_b(x)|, evaluated just
// below and at every data point.
func ksExact(a, b []float64) float64 {
	d := 0.0
	for _, x := range append(slices.Clone(a), b...) {
		for _, incl := range []bool{false, true} {
			fa := float64(below(a, x, incl)) / float64(len(a))
			fb := float64(below(b, x, incl)) / float64(len(b))
			d = math.Max(d, math.Abs(fa-fb))
		}
	}
	return d
}

func TestNumericChartsOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	normal := func(n int, mean float64) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = mean + r.NormFloat64()
		}
		return xs
	}
	for _, tc := range []struct {
		name     string
		base, cu []float64
		open     bool
	}{
		{"shifted", normal(1500, 0), normal(1200, 0.5), false},
		// Five outliers at 1,000 (a third of a percent) would squeeze everything into one bin.
		{"outliers", append(normal(1500, 0), 1000, 1000, 1000, 1000, 1000), normal(1200, 0.5), true},
		{"integers", []float64{0, 0, 0, 1, 1, 2, 2, 2, 2, 3}, []float64{1, 1, 2, 2, 3, 3, 3, 3, 3, 3}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, cdf := numericCharts(exactSide(tc.base), exactSide(tc.cu))
			if h.Open != tc.open {
				t.Fatalf("open = %v, want %v", h.Open, tc.open)
			}
			b, c := slices.Sorted(slices.Values(tc.base)), slices.Sorted(slices.Values(tc.cu))
			for si, side := range []struct {
				xs   []float64
				hist []float64
				cdf  []float64
			}{{b, h.Baseline, cdf.Baseline}, {c, h.Current, cdf.Current}} {
				n := float64(len(side.xs))
				// Bounds are rounded to a tenth of a grid step, so a value that close to an
				// edge may change bins: allow 2 values.
				tol := 100 * 2 / n
				for i := range side.hist {
					lo, hi := h.Bounds[i], h.Bounds[i+1]
					last := i == len(side.hist)-1
					want := below(side.xs, hi, last) - below(side.xs, lo, false)
					if h.Open && i == 0 {
						want = below(side.xs, hi, false)
					}
					if h.Open && last {
						want = len(side.xs) - below(side.xs, lo, false)
					}
					if got := side.hist[i]; math.Abs(got-100*float64(want)/n) > tol {
						t.Errorf("side %d bin %d [%v, %v): %v%%, want %v%%", si, i, lo, hi, got, 100*float64(want)/n)
					}
				}
				for j, x := range cdf.X {
					last := j == len(cdf.X)-1
					want := 100 * float64(below(side.xs, x, last)) / n
					if got := side.cdf[j]; math.Abs(got-want) > tol {
						t.Errorf("side %d CDF at %v: %v%%, want %v%%", si, x, got, want)
					}
				}
				lo, hi := slices.Min(append(b, c...)), slices.Max(append(b, c...))
				if !h.Open && (side.cdf[len(side.cdf)-1] != 100 || math.Abs(cdf.X[0]-lo) > (hi-lo)/gridSteps) {
					t.Errorf("side %d: CDF ends at %v%%, starts at x = %v", si, side.cdf[len(side.cdf)-1], cdf.X[0])
				}
			}
			g := cdf.MaxGap
			ks := ksExact(b, c)
			// The grid's gap can only miss the exact supremum by what one grid step holds.
			if g.Distance > ks+1e-3 || g.Distance < ks-0.01 {
				t.Errorf("largest gap %v, exact KS distance %v", g.Distance, ks)
			}
			if g.X < cdf.X[0] || g.X > cdf.X[len(cdf.X)-1] {
				t.Errorf("gap at %v outside the plotted range [%v, %v]", g.X, cdf.X[0], cdf.X[len(cdf.X)-1])
			}
			if d := math.Abs(g.Baseline-g.Current) / 100; math.Abs(d-g.Distance) > 1e-3 {
				t.Errorf("gap endpoints %v%% and %v%% do not give its distance %v", g.Baseline, g.Current, g.Distance)
			}
		})
	}
}

func TestCategoryChart(t *testing.T) {
	b := &catCounts{count: map[string]int64{}}
	c := &catCounts{count: map[string]int64{}}
	for i := range 15 {
		v := string(rune('a' + i))
		b.count[v], c.count[v] = int64(15-i), int64(1+i)
		b.n += int64(15 - i)
		c.n += int64(1 + i)
	}
	cat := categoryChart(b, c)
	if len(cat.Values) != topCategories+1 || !cat.Other || cat.Values[topCategories] != otherLabel {
		t.Fatalf("values %v", cat.Values)
	}
	// "a" is 15/120 of the baseline and "o" 15/120 of the current: the two largest shares, ties by value.
	if cat.Values[0] != "a" || cat.Values[1] != "o" {
		t.Errorf("order %v", cat.Values)
	}
	for _, side := range [][]float64{cat.Baseline, cat.Current} {
		sum := 0.0
		for _, p := range side {
			sum += p
		}
		if math.Abs(sum-100) > 0.01 {
			t.Errorf("shares sum to %v", sum)
		}
	}
	// L∞: the largest difference of shares, 14/120 for "a" (15 vs 1) and "o".
	if d := categoricalLInf(b, c); math.Abs(d-14.0/120) > 1e-12 {
		t.Errorf("L∞ = %v", d)
	}
}
