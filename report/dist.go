package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/driftwatch/driftwatch/stats/kll"
)

const (
	// histBins: bins of the common histogram; 20 shows shape at a glance, twice the 10 buckets of
	// statistics.json (contract §5.5).
	histBins = 20
	// cdfPoints: plotted points of each CDF after the first (x = min); 100 keep the curve smooth
	// at the chart's width (~700 px) and cost ~1.5 kB per side.
	cdfPoints = 100
	// gridSteps: the fine grid both sides are evaluated on, one kll.Buckets call per sketch. The
	// largest CDF gap is searched on all of it; histBins and cdfPoints must divide it.
	gridSteps = histBins * cdfPoints
	// topCategories: values shown per categorical feature before "other".
	topCategories = 10
	// otherLabel names the bar of all values outside the top ones (parenthesised so that it is not
	// mistaken for a value called "other").
	otherLabel = "(all other values)"
)

// sketchSide is one side's numeric distribution: a sorted view of its KLL sketch (taken once: the
// charts and the distance query it many times) and its exact extremes.
type sketchSide struct {
	v        *kll.View
	n        int64
	min, max float64
}

// sketchOf rebuilds the KLL sketch of a numeric feature (distribution.kll.sketch), or says why it
// cannot.
func sketchOf(ns *numericalStat) (*sketchSide, string) {
	if ns == nil {
		return nil, ""
	}
	if ns.Min == nil || ns.Max == nil || !ns.Min.finite() || !ns.Max.finite() {
		return nil, "no finite min and max"
	}
	d := ns.Distribution.KLL
	if d == nil || d.Sketch == nil {
		return nil, "no KLL sketch"
	}
	k, c := float64(d.Sketch.Parameters.K), float64(d.Sketch.Parameters.C)
	if k != math.Trunc(k) || kll.ValidParams(int(k), c) != nil {
		return nil, fmt.Sprintf("invalid KLL sketch parameters k = %v, c = %v", k, c)
	}
	levels := make([][]float64, len(d.Sketch.Data))
	for i, l := range d.Sketch.Data {
		levels[i] = make([]float64, len(l))
		for j, x := range l {
			if !x.finite() {
				return nil, "a KLL sketch item is not finite"
			}
			levels[i][j] = float64(x)
		}
	}
	v := kll.FromLevels(levels, int(k), c).View()
	n := v.Count()
	if n == 0 {
		return nil, "empty KLL sketch"
	}
	return &sketchSide{v: v, n: n, min: float64(*ns.Min), max: float64(*ns.Max)}, ""
}

// tailShare: the share of values at each end that numericCharts may leave outside the plotted
// range (they still count, in the first and last bins). 0.5 %: a few outliers then no longer
// squeeze 99 % of the values into one bin, as they do for prices.
const tailShare = 0.005

// sideGrid is one side evaluated on a grid of gridSteps equal-width steps over a range: below is
// the estimated number of values below the range, cum[i] the number below the upper bound of
// step i (below included; the last one is every value ≤ the range's end), above the rest.
type sideGrid struct {
	n            float64
	below, above float64
	cum          []float64
}

// evalGrid evaluates s on gridSteps steps over [lo, hi] with kll.Buckets (Deequ's histogram,
// contract §5.5) and returns the steps' bounds with the side's counts.
func evalGrid(s *sketchSide, lo, hi float64) ([]kll.Bucket, sideGrid) {
	bk := s.v.Buckets(lo, hi, gridSteps)
	g := sideGrid{n: float64(s.n), cum: make([]float64, gridSteps)}
	if lo > s.min {
		g.below = float64(s.v.RankExclusive(lo))
	}
	run := g.below
	for i, b := range bk {
		run += b.Count
		g.cum[i] = run
	}
	// Deequ's last upper bound can round below hi and lose the values equal to it (kll.Buckets):
	// they are above only if hi is below the side's max.
	if hi < s.max {
		g.above = g.n - float64(s.v.Rank(hi))
	}
	g.cum[gridSteps-1] = g.n - g.above
	return bk, g
}

// quantileStep returns the upper bound of the first grid step where the share of values below
// reaches p.
func (g *sideGrid) quantileStep(bk []kll.Bucket, p float64) (lower, upper float64) {
	for i, c := range g.cum {
		if c/g.n >= p {
			return bk[i].Lower, bk[i].Upper
		}
	}
	return bk[len(bk)-1].Lower, bk[len(bk)-1].Upper
}

// numericCharts overlays both sides' distributions on one plotted range [vlo, vhi]: the union of
// their [min, max], narrowed to the union of their central 1 − 2·tailShare of values when that
// halves it or more (the values outside then count in the first and last bins, and Histogram.Open
// says so). Both sides are evaluated on gridSteps equal-width steps over that range with
// kll.Buckets, and it returns:
//
//   - the histogram on histBins common bins: per side, the percentage of its values in each bin;
//   - the CDF at cdfPoints+1 points: per side, 100·(estimated number of values < x)/n, ending at
//     the share ≤ vhi (100 unless the range was narrowed);
//   - the largest gap between the two CDFs, max |F_b(x) − F_c(x)| over the grid points of both
//     the full and the plotted range: an L∞ distance on a grid, so never above the sketches'
//     exact L∞ distance. The plotted range always includes its x.
//
// Either side may be nil (a baseline job has no baseline). When min = max on every side (every
// value equal), the histogram has one bin and there is no CDF.
func numericCharts(b, c *sketchSide) (*Histogram, *CDF) {
	sides := []*sketchSide{b, c}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range sides {
		if s != nil {
			lo, hi = math.Min(lo, s.min), math.Max(hi, s.max)
		}
	}
	h := &Histogram{}
	if b != nil {
		h.BaselineN = b.n
	}
	if c != nil {
		h.CurrentN = c.n
	}
	if lo == hi {
		h.Bounds = []float64{lo, hi}
		if b != nil {
			h.Baseline = []float64{100}
		}
		if c != nil {
			h.Current = []float64{100}
		}
		return h, nil
	}

	// The full range: where the tails end, and the largest gap.
	var full [2]*sideGrid
	var fullBk []kll.Bucket
	qlo, qhi := math.Inf(1), math.Inf(-1)
	for si, s := range sides {
		if s == nil {
			continue
		}
		bk, g := evalGrid(s, lo, hi)
		fullBk, full[si] = bk, &g
		l, _ := g.quantileStep(bk, tailShare)
		_, u := g.quantileStep(bk, 1-tailShare)
		qlo, qhi = math.Min(qlo, l), math.Max(qhi, u)
	}
	gapAt := func(bk []kll.Bucket, gb, gc *sideGrid) (float64, float64, float64, float64) {
		best, at := -1.0, 0
		for i := range gridSteps {
			if d := math.Abs(gb.cum[i]/gb.n - gc.cum[i]/gc.n); d > best {
				best, at = d, i
			}
		}
		return best, bk[at].Upper, gb.cum[at] / gb.n, gc.cum[at] / gc.n
	}
	var gap *[4]float64
	if b != nil && c != nil {
		d, x, fb, fc := gapAt(fullBk, full[0], full[1])
		gap = &[4]float64{d, x, fb, fc}
	}
	vlo, vhi := lo, hi
	if qhi > qlo && qhi-qlo <= (hi-lo)/2 {
		vlo, vhi = qlo, qhi
		if gap != nil {
			vlo, vhi = math.Min(vlo, gap[1]-(hi-lo)/gridSteps), math.Max(vhi, gap[1])
		}
		h.Open = vlo > lo || vhi < hi
	}

	// The plotted range.
	round := roundForRange(vlo, vhi)
	h.Bounds = make([]float64, histBins+1)
	for i := range h.Bounds {
		h.Bounds[i] = round(vlo + float64((vhi-vlo)*float64(i))/histBins)
	}
	h.Bounds[histBins] = round(vhi)
	cdf := &CDF{X: make([]float64, cdfPoints+1)}
	var view [2]*sideGrid
	var bk []kll.Bucket
	for si, s := range sides {
		if s == nil {
			continue
		}
		var g sideGrid
		bk, g = evalGrid(s, vlo, vhi)
		view[si] = &g
		hist := make([]float64, histBins)
		prev := 0.0
		for i, cu := range g.cum {
			hist[i/(gridSteps/histBins)] += cu - prev
			prev = cu
		}
		hist[histBins-1] += g.above // hist[0] has the values below: cum starts with them
		ys := make([]float64, cdfPoints+1)
		ys[0] = roundSig(100 * g.below / g.n)
		for j := 1; j <= cdfPoints; j++ {
			ys[j] = roundSig(100 * g.cum[j*(gridSteps/cdfPoints)-1] / g.n)
		}
		for i := range hist {
			hist[i] = roundSig(100 * hist[i] / g.n)
		}
		if si == 0 {
			h.Baseline, cdf.Baseline = hist, ys
		} else {
			h.Current, cdf.Current = hist, ys
		}
	}
	cdf.X[0] = round(vlo)
	for j := 1; j <= cdfPoints; j++ {
		cdf.X[j] = round(bk[j*(gridSteps/cdfPoints)-1].Upper)
	}
	cdf.X[cdfPoints] = round(vhi)
	if gap != nil {
		if d, x, fb, fc := gapAt(bk, view[0], view[1]); d > gap[0] {
			gap = &[4]float64{d, x, fb, fc}
		}
		cdf.MaxGap = &Gap{X: round(gap[1]), Distance: roundSig(gap[0]),
			Baseline: roundSig(100 * gap[2]), Current: roundSig(100 * gap[3])}
	}
	return h, cdf
}

// roundForRange returns a function that rounds x to a tenth of the grid step of [lo, hi] (a power
// of ten), so chart data carries no more digits than the chart can show.
func roundForRange(lo, hi float64) func(float64) float64 {
	step := (hi - lo) / gridSteps
	e := int(math.Floor(math.Log10(step))) - 1
	if math.IsInf(step, 0) || math.IsNaN(step) || step == 0 {
		return func(x float64) float64 { return x }
	}
	if e >= 0 {
		q := math.Pow(10, float64(e))
		return func(x float64) float64 {
			if r := math.Round(x/q) * q; !math.IsInf(r, 0) {
				return r
			}
			return x
		}
	}
	return func(x float64) float64 {
		r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'f', -e, 64), 64)
		if err != nil {
			return x
		}
		return r
	}
}

// roundSig rounds x to 4 significant digits: chart data, not statistics.
func roundSig(x float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(x, 'g', 4, 64), 64)
	if err != nil {
		return x
	}
	return r
}

// catCounts is one side's categorical frequencies (distribution.categorical.buckets).
type catCounts struct {
	count map[string]int64
	n     int64
}

func catCountsOf(ss *stringStat) *catCounts {
	if ss == nil || ss.Distribution.Categorical == nil || len(ss.Distribution.Categorical.Buckets) == 0 {
		return nil
	}
	cc := &catCounts{count: map[string]int64{}}
	for _, b := range ss.Distribution.Categorical.Buckets {
		cc.count[b.Value] += b.Count
		cc.n += b.Count
	}
	if cc.n <= 0 {
		return nil
	}
	return cc
}

func (cc *catCounts) share(v string) float64 {
	if cc == nil {
		return 0
	}
	return float64(cc.count[v]) / float64(cc.n)
}

// categoryChart keeps the topCategories values with the largest share on either side (ties by
// value) and sums the rest, per side, into otherLabel. Shares are percentages of each side's
// counted values (nulls are counted as the value "NullValue", as statistics.json does).
func categoryChart(b, c *catCounts) *Categories {
	if b == nil && c == nil {
		return nil
	}
	var values []string
	seen := map[string]bool{}
	for _, cc := range []*catCounts{b, c} {
		if cc == nil {
			continue
		}
		for v := range cc.count {
			if !seen[v] {
				seen[v] = true
				values = append(values, v)
			}
		}
	}
	top := func(v string) float64 { return math.Max(b.share(v), c.share(v)) }
	slices.SortFunc(values, func(x, y string) int {
		if c := cmp.Compare(top(y), top(x)); c != 0 {
			return c
		}
		return cmp.Compare(x, y)
	})
	out := &Categories{}
	rest := values
	if len(values) > topCategories {
		values, rest = values[:topCategories], values[topCategories:]
		out.Other = true
	} else {
		rest = nil
	}
	out.Values = slices.Clone(values)
	if out.Other {
		out.Values = append(out.Values, otherLabel)
	}
	for si, cc := range []*catCounts{b, c} {
		if cc == nil {
			continue
		}
		ys := make([]float64, 0, len(out.Values))
		for _, v := range values {
			ys = append(ys, roundSig(100*cc.share(v)))
		}
		if out.Other {
			var o int64
			for _, v := range rest {
				o += cc.count[v]
			}
			ys = append(ys, roundSig(100*float64(o)/float64(cc.n)))
		}
		if si == 0 {
			out.Baseline, out.BaselineN = ys, cc.n
		} else {
			out.Current, out.CurrentN = ys, cc.n
		}
	}
	return out
}

// categoricalLInf is the L∞ distance between two frequency distributions,
// max over values v of |p_b(v) − p_c(v)|, in [0, 1]: Deequ's categorical distance without the
// robust correction (Distance.categoricalDistance, contract §8.3).
func categoricalLInf(b, c *catCounts) float64 {
	d := 0.0
	for _, cc := range []*catCounts{b, c} {
		for v := range cc.count {
			d = math.Max(d, math.Abs(b.share(v)-c.share(v)))
		}
	}
	return d
}
