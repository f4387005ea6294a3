package kll

import (
	"math"
	"slices"
	"sort"
)

// robustCAlpha is c(α) = 1.8 of the robust L∞ correction: Deequ's Distance.defaultCAlpha
// (Distance.scala), Knuth TAOCP vol. 2, 3rd ed., §3.3.1 eq. (15), α ≈ 0.003 (contract §8.3).
const robustCAlpha = 1.8

// Bucket is one equal-width histogram bucket of statistics.json "distribution.kll.buckets"
// (Deequ's BucketValue): the estimated number of values in [Lower, Upper) — [Lower, Upper] for
// the last bucket — written as a double.
type Bucket struct{ Lower, Upper, Count float64 }

// Buckets returns Deequ's KLLSketch.computeMetricFrom histogram (KLLSketch.scala, contract §5.5):
// n equal-width buckets over [min, max], where min and max are the Spark state extremes (they
// start at Int.MaxValue and Int.MinValue as doubles, so they are not always the data extremes).
// For i = 0 … n-1, in this exact floating-point order:
//
//	Lower_i = min + ((max − min)·i) / n
//	Upper_i = min + ((max − min)·(i+1)) / n
//	Count_i = RankExclusive(Upper_i) − RankExclusive(Lower_i)   for i < n−1
//	Count_i = Rank(Upper_i) − RankExclusive(Lower_i)            for i = n−1
//
// Deequ has no special case: when min = max all bounds equal min and only the last bucket counts
// anything. The last upper bound can round below max (e.g. min < 0 < max), and then the values
// equal to max are in no bucket; Deequ loses them too. n ≤ 0 gives no buckets. The items are sorted once (O(m log m) for m items), then each
// bound costs a binary search.
func (s *Sketch) Buckets(min, max float64, n int) []Bucket {
	if n <= 0 {
		return []Bucket{}
	}
	v := s.rankView()
	out := make([]Bucket, n)
	nf := float64(n)
	for i := range n {
		// float64(...) pins the rounding of each product (the Go spec lets a compiler fuse an
		// unconverted x*y+z into an FMA); Scala evaluates start + ((end - start) * i) / n.
		lo := min + float64((max-min)*float64(i))/nf
		hi := min + float64((max-min)*float64(i+1))/nf
		var c int64
		if i == n-1 {
			c = v.rank(hi) - v.rankExclusive(lo)
		} else {
			c = v.rankExclusive(hi) - v.rankExclusive(lo)
		}
		out[i] = Bucket{Lower: lo, Upper: hi, Count: float64(c)}
	}
	return out
}

// sortedItems returns every item with its weight 2^h, sorted in Java's Double.compare order with
// ties in Deequ's output order (lower level first): the order of a stable sort of Deequ's
// QuantileNonSample.output by item. It is a k-way merge of the levels, each sorted on its own.
func (s *Sketch) sortedItems() (vals []float64, wts []int64) {
	runs := make([][]uint64, len(s.levels))
	for h, l := range s.levels {
		r := make([]uint64, len(l.buf))
		for i, x := range l.buf {
			r[i] = javaKey(x)
		}
		slices.Sort(r) // equal keys within one level are identical values: stability is moot
		runs[h] = r
	}
	total := s.itemCount()
	vals = make([]float64, 0, total)
	wts = make([]int64, 0, total)
	for len(vals) < total {
		best := -1
		for h, r := range runs {
			if len(r) > 0 && (best < 0 || r[0] < runs[best][0]) {
				best = h // strict <: on ties the lowest level wins
			}
		}
		vals = append(vals, fromJavaKey(runs[best][0]))
		wts = append(wts, int64(1)<<best)
		runs[best] = runs[best][1:]
	}
	return vals, wts
}

// cumRanks is a sorted list of keys with the cumulative weight up to and including each key.
// NaN keys, if any, are last; m counts the others.
type cumRanks struct {
	keys []float64
	cum  []int64
	m    int
}

func newCumRanks(keys []float64, wts []int64) cumRanks {
	cum := make([]int64, len(wts))
	var run int64
	for i, w := range wts {
		run += w
		cum[i] = run
	}
	m := len(keys)
	for m > 0 && keys[m-1] != keys[m-1] {
		m--
	}
	return cumRanks{keys: keys, cum: cum, m: m}
}

// before returns the cumulative weight of keys[:i].
func (r *cumRanks) before(i int) int64 {
	if i == 0 {
		return 0
	}
	return r.cum[i-1]
}

func (r *cumRanks) total() int64 { return r.before(len(r.cum)) }

// rank is Deequ's inclusive rank: weight of the keys v with !(v > x) (IEEE), NaN keys included
// because NaN > x is false. On a rankView it equals Sketch.Rank; on a rankMap it equals
// QuantileNonSample.getRank(x, rankMap), which walks the sorted map and stops at the first key
// greater than x.
func (r *cumRanks) rank(x float64) int64 {
	i := sort.Search(r.m, func(i int) bool { return r.keys[i] > x })
	if i == r.m || x != x {
		return r.total() // no key above x: the walk reaches the end (NaN keys included)
	}
	return r.before(i)
}

// rankExclusive is Deequ's exclusive rank: weight of the keys v with v < x (IEEE).
func (r *cumRanks) rankExclusive(x float64) int64 {
	if x != x {
		return 0
	}
	return r.before(sort.Search(r.m, func(i int) bool { return !(r.keys[i] < x) }))
}

// rankView is every item of s with its full weight, for fast Rank/RankExclusive queries.
func (s *Sketch) rankView() cumRanks { return newCumRanks(s.sortedItems()) }

// rankMap reproduces Deequ 2.0.2's QuantileNonSample.getRankMap, which numericalDistance uses.
// getRankMap builds a ListMap from the output (item, weight) pairs sorted by item, so an item that
// occurs several times keeps only the weight of its last occurrence in that stable order (the one
// on the highest level) and loses the rest (deequ issue #392, fixed after 2.0.2 by PR #765). Keys
// are equal under Scala's ==, i.e. IEEE ==, so -0.0 and 0.0 are one key (weight of the last 0.0,
// or of the last -0.0 if there is no 0.0). The map holds the running sum of those weights.
func (s *Sketch) rankMap() cumRanks {
	vals, wts := s.sortedItems()
	keys, kw := vals[:0], wts[:0] // compact in place: writes never overtake reads
	for i, x := range vals {
		if len(keys) > 0 && keys[len(keys)-1] == x {
			keys[len(keys)-1], kw[len(kw)-1] = x, wts[i] // the last occurrence wins
			continue
		}
		keys, kw = append(keys, x), append(kw, wts[i])
	}
	return newCumRanks(keys, kw)
}

// RankMapTotal returns the total n that Deequ 2.0.2's numericalDistance divides by and passes to
// the robust correction: the largest value of getRankMap, i.e. Σ over distinct items v of 2^h(v),
// where h(v) is the highest level holding v (see LInfinity). It equals Count() when no item occurs
// twice in the sketch and is smaller otherwise. Use it as n, m of Robust to reproduce Deequ.
func (s *Sketch) RankMapTotal() int64 {
	r := s.rankMap()
	return r.total()
}

// LInfinity returns Deequ 2.0.2's Distance.numericalDistance(a, b, correctForLowNumberOfSamples =
// true) (Distance.scala, contract §8.3), the "simple" L∞ distance between the two sketched CDFs:
//
//	LInfinity(a, b) = max over x ∈ K_a ∪ K_b of | R_a(x)/N_a − R_b(x)/N_b |
//
// where K_s are the distinct items of sketch s (IEEE equality), w_s(v) = 2^h with h the highest
// level of s holding v, R_s(x) = Σ_{v ∈ K_s, v ≤ x} w_s(v) and N_s = Σ_{v ∈ K_s} w_s(v) (see
// RankMapTotal). Each quotient is a double division of the integer rank by the double total, as in
// Deequ. The result is in [0, 1]. Note the Deequ 2.0.2 quirk this reproduces (deequ issue #392):
// repeated items count once, with the weight of their highest copy, so for data with many
// duplicates (integer columns) the "CDF" is not the sketch's weighted CDF; LInfinityWeighted
// computes the latter. If either sketch is empty the result is NaN (Deequ throws: max of an empty
// collection).
func LInfinity(a, b *Sketch) float64 { return linf(a.rankMap(), b.rankMap()) }

// LInfinityWeighted is LInfinity on the sketches' true weighted CDFs, the formula the contract
// (§8.3) states and Deequ uses after PR #765: max over items x of both sketches of
// |Rank_a(x)/Count_a − Rank_b(x)/Count_b|. It equals LInfinity when neither sketch holds an item
// twice. NaN if either sketch is empty. Use Robust(d, a.Count(), b.Count()) with it.
func LInfinityWeighted(a, b *Sketch) float64 { return linf(a.rankView(), b.rankView()) }

func linf(ra, rb cumRanks) float64 {
	if len(ra.keys) == 0 || len(rb.keys) == 0 {
		return math.NaN()
	}
	n, m := float64(ra.total()), float64(rb.total())
	d := 0.0
	for _, keys := range [2][]float64{ra.keys, rb.keys} {
		for _, x := range keys {
			d = math.Max(d, math.Abs(float64(ra.rank(x))/n-float64(rb.rank(x))/m))
		}
	}
	return d
}

// Robust returns Deequ 2.0.2's linfRobust (Distance.selectMetrics with the default c(α) = 1.8),
// the L∞ distance d minus the two-sample Kolmogorov–Smirnov critical value:
//
//	Robust(d, n, m) = max(0, d − 1.8·sqrt((n + m) / (n·m)))
//
// with n and m converted to doubles first and every step in Deequ's order. It is 0 when the
// distance is explainable by sample size. If exactly one of n, m is 0 the root is +Inf and the
// result 0 (for finite d); n = m = 0 or a NaN d give NaN.
func Robust(d float64, n, m int64) float64 {
	nf, mf := float64(n), float64(m)
	return math.Max(0, d-float64(robustCAlpha*math.Sqrt((nf+mf)/(nf*mf))))
}
