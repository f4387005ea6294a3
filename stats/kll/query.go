package kll

import (
	"math"
	"sync"
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
// equal to max are in no bucket; Deequ loses them too. n ≤ 0 gives no buckets. It sorts the items
// (O(m log m) for m items); for several queries on one sketch, take a View once.
func (s *Sketch) Buckets(min, max float64, n int) []Bucket { return s.View().Buckets(min, max, n) }

// View is a sorted snapshot of a sketch's items with their cumulative weights, for many queries on
// one sketch: building it sorts the items once (O(m log m) for m items); then Rank and
// RankExclusive cost a binary search and Buckets O(n log m). It answers exactly as the sketch's
// own methods did when the View was taken, and does not follow later updates or merges. A View
// is safe for concurrent use except for the first call of LInfinity or RankMapTotal, which
// builds Deequ 2.0.2's rank map on demand.
type View struct {
	all     cumRanks  // every item with its full weight (Sketch.Rank's view)
	rankMap *cumRanks // Deequ 2.0.2's getRankMap (see Sketch.rankMap), built on first use
}

// View returns a sorted snapshot of s for repeated queries (see View).
func (s *Sketch) View() *View { return &View{all: s.rankView()} }

// Count returns the total weight, Sketch.Count at the time the View was taken.
func (v *View) Count() int64 { return v.all.total() }

// Rank returns Sketch.Rank(x): the weight of the items v with !(v > x) (IEEE), NaN items included.
func (v *View) Rank(x float64) int64 { return v.all.rank(x) }

// RankExclusive returns Sketch.RankExclusive(x): the weight of the items v with v < x (IEEE).
func (v *View) RankExclusive(x float64) int64 { return v.all.rankExclusive(x) }

// Buckets returns Sketch.Buckets(min, max, n) (Deequ's histogram; see there), bit for bit, in
// O(m + n) when the bounds ascend (min ≤ max). Upper_i and Lower_{i+1} are the same expression,
// so each bound is ranked once, and the first key not below it only moves forward.
func (v *View) Buckets(min, max float64, n int) []Bucket {
	if n <= 0 {
		return []Bucket{}
	}
	out := make([]Bucket, n)
	nf := float64(n)
	r := &v.all
	// float64(...) pins the rounding of each product (the Go spec lets a compiler fuse an
	// unconverted x*y+z into an FMA); Scala evaluates start + ((end - start) * i) / n.
	lo := min + float64((max-min)*float64(0))/nf
	j := r.notBelow(lo) // first non-NaN key with !(key < lo): RankExclusive(lo) = before(j)
	for i := range n {
		hi := min + float64((max-min)*float64(i+1))/nf
		rlo := r.before(j)
		var c int64
		if i == n-1 {
			c = r.rank(hi) - rlo
		} else {
			if hi >= lo { // keys before j are below lo, so below hi; NaN bounds take the search
				for j < r.m && r.keys[j] < hi {
					j++
				}
			} else {
				j = r.notBelow(hi)
			}
			c = r.before(j) - rlo
		}
		out[i] = Bucket{Lower: lo, Upper: hi, Count: float64(c)}
		lo = hi
	}
	return out
}

// RankMapTotal returns Sketch.RankMapTotal of the sketch the View was taken of.
func (v *View) RankMapTotal() int64 { return v.deequRankMap().total() }

// LInfinity returns LInfinity(a, b) of the sketches the Views were taken of.
func (v *View) LInfinity(o *View) float64 { return linf(v.deequRankMap(), o.deequRankMap()) }

// LInfinityWeighted returns LInfinityWeighted(a, b) of the sketches the Views were taken of.
func (v *View) LInfinityWeighted(o *View) float64 { return linf(&v.all, &o.all) }

func (v *View) deequRankMap() *cumRanks {
	if v.rankMap == nil {
		r := rankMapOf(v.all.keys, v.all.cum)
		v.rankMap = &r
	}
	return v.rankMap
}

// sortedCum returns every item sorted in Java's Double.compare order with ties in Deequ's output
// order (lower level first), the order of a stable sort of Deequ's QuantileNonSample.output by
// item, and the cumulative weight up to and including each (an item on level h weighs 2^h). Each
// level is sorted on its own (sortKeys), then adjacent runs are merged pairwise, level order
// kept and the lower run first on ties, in ⌈log2 levels⌉ linear passes. The sort moves 9 bytes
// per item (key and level) in buffers reused through viewScratchPool; only the result is
// allocated: in a short process every fresh allocation touches fresh pages.
func (s *Sketch) sortedCum() (vals []float64, cum []int64) {
	total := s.itemCount()
	sc := viewScratchPool.Get().(*viewScratch)
	defer viewScratchPool.Put(sc)
	keys, tk := resize(sc.keys, total), resize(sc.tk, total)
	lv, tl := resize(sc.lv, total), resize(sc.tl, total)
	sc.keys, sc.tk, sc.lv, sc.tl = keys, tk, lv, tl
	bounds := make([]int, 1, len(s.levels)+1) // run r is [bounds[r], bounds[r+1])
	for h, l := range s.levels {
		lo, hi := bounds[len(bounds)-1], bounds[len(bounds)-1]+len(l.buf)
		for i, x := range l.buf {
			keys[lo+i] = javaKey(x)
		}
		if sorted := sortKeys(keys[lo:hi], tk[lo:hi]); hi > lo && &sorted[0] != &keys[lo] {
			copy(keys[lo:hi], sorted)
		}
		for i := lo; i < hi; i++ {
			lv[i] = uint8(h) // levels stay far below 256: 2^h is an int64 weight
		}
		bounds = append(bounds, hi)
	}
	for len(bounds) > 2 {
		next := make([]int, 1, len(bounds)/2+2)
		for r := 0; r+1 < len(bounds); r += 2 {
			lo, mid := bounds[r], bounds[r+1]
			hi := mid
			if r+2 < len(bounds) {
				hi = bounds[r+2]
			}
			mergeLeveled(tk[lo:hi], tl[lo:hi], keys[lo:mid], lv[lo:mid], keys[mid:hi], lv[mid:hi])
			next = append(next, hi)
		}
		keys, tk, lv, tl, bounds = tk, keys, tl, lv, next
	}
	vals, cum = make([]float64, total), make([]int64, total)
	var run int64
	for i, k := range keys {
		vals[i] = fromJavaKey(k)
		run += int64(1) << lv[i]
		cum[i] = run
	}
	return vals, cum
}

// viewScratch holds the buffers sortedCum sorts in.
type viewScratch struct {
	keys, tk []uint64
	lv, tl   []uint8
}

// viewScratchPool lends sortedCum its buffers: the check and the report take a View of every
// numeric feature's sketches one after the other, each the same size.
var viewScratchPool = sync.Pool{New: func() any { return new(viewScratch) }}

// resize returns b with length n, reallocated only when its capacity is short.
func resize[T any](b []T, n int) []T {
	if cap(b) < n {
		return make([]T, n)
	}
	return b[:n]
}

// mergeLeveled merges the sorted runs (ak, al) and (bk, bl) of keys with their levels into
// (ok, ol), taking a's item first on equal keys.
func mergeLeveled(ok []uint64, ol []uint8, ak []uint64, al []uint8, bk []uint64, bl []uint8) {
	i, j, o := 0, 0, 0
	for i < len(ak) && j < len(bk) {
		if bk[j] < ak[i] {
			ok[o], ol[o] = bk[j], bl[j]
			j++
		} else {
			ok[o], ol[o] = ak[i], al[i]
			i++
		}
		o++
	}
	copy(ol[o:], al[i:])
	o += copy(ok[o:], ak[i:])
	copy(ok[o:], bk[j:])
	copy(ol[o:], bl[j:])
}

// cumRanks is a sorted list of keys with the cumulative weight up to and including each key.
// NaN keys, if any, are last; m counts the others.
type cumRanks struct {
	keys []float64
	cum  []int64
	m    int
	// nanAlways: the NaN keys count in every inclusive rank, as in Sketch.Rank (NaN > x is
	// false); otherwise only when no other key is above x, as in Deequ's walk over a rank map.
	nanAlways bool
}

// newCumRanks wraps sorted keys (NaN last) and their cumulative weights.
func newCumRanks(keys []float64, cum []int64) cumRanks {
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

// rank is Deequ's inclusive rank: weight of the keys v with !(v > x) (IEEE). On a rankView it
// equals Sketch.Rank, NaN keys included because NaN > x is false; on a rankMap it equals
// QuantileNonSample.getRank(x, rankMap), which walks the sorted map and stops at the first key
// greater than x, so it reaches the NaN keys only when no other key is greater.
func (r *cumRanks) rank(x float64) int64 {
	if x != x {
		return r.total() // no key is above NaN: the walk reaches the end (NaN keys included)
	}
	return r.rankAt(r.above(x))
}

// rankAt is rank(x) for i = above(x): the weight before the first key greater than x (plus the
// NaN keys' if nanAlways), or every weight when there is none.
func (r *cumRanks) rankAt(i int) int64 {
	switch {
	case i == r.m:
		return r.total()
	case r.nanAlways:
		return r.before(i) + r.total() - r.before(r.m)
	}
	return r.before(i)
}

// above returns the index of the first non-NaN key greater than x (IEEE), r.m if none. x must not
// be NaN.
func (r *cumRanks) above(x float64) int {
	lo, hi := 0, r.m
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if r.keys[mid] > x {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// rankExclusive is Deequ's exclusive rank: weight of the keys v with v < x (IEEE).
func (r *cumRanks) rankExclusive(x float64) int64 { return r.before(r.notBelow(x)) }

// notBelow returns the index of the first non-NaN key v with !(v < x) (IEEE), r.m if none; 0 for
// a NaN x, below which no key is.
func (r *cumRanks) notBelow(x float64) int {
	lo, hi := 0, r.m
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if r.keys[mid] < x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// rankView is every item of s with its full weight, for fast Rank/RankExclusive queries.
func (s *Sketch) rankView() cumRanks {
	r := newCumRanks(s.sortedCum())
	r.nanAlways = true
	return r
}

// rankMap reproduces Deequ 2.0.2's QuantileNonSample.getRankMap, which numericalDistance uses.
// getRankMap builds a ListMap from the output (item, weight) pairs sorted by item, so an item that
// occurs several times keeps only the weight of its last occurrence in that stable order (the one
// on the highest level) and loses the rest (deequ issue #392, fixed after 2.0.2 by PR #765). Keys
// are equal under Scala's ==, i.e. IEEE ==, so -0.0 and 0.0 are one key (weight of the last 0.0,
// or of the last -0.0 if there is no 0.0). The map holds the running sum of those weights.
func (s *Sketch) rankMap() cumRanks {
	r := s.rankView()
	return rankMapOf(r.keys, r.cum)
}

// rankMapOf is rankMap from the sorted items and their cumulative weights (a rankView's keys and
// cum, which it leaves alone).
func rankMapOf(vals []float64, cum []int64) cumRanks {
	keys, kc := make([]float64, 0, len(vals)), make([]int64, 0, len(vals))
	var prev, run int64 // prev: vals' cumulative weight before i; run: the map's before the last key
	for i, x := range vals {
		w := cum[i] - prev
		prev = cum[i]
		if n := len(keys); n > 0 && keys[n-1] == x {
			keys[n-1], kc[n-1] = x, run+w // the last occurrence's weight wins
			continue
		}
		if n := len(kc); n > 0 {
			run = kc[n-1]
		}
		keys, kc = append(keys, x), append(kc, run+w)
	}
	return newCumRanks(keys, kc)
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
func LInfinity(a, b *Sketch) float64 {
	ra, rb := a.rankMap(), b.rankMap()
	return linf(&ra, &rb)
}

// LInfinityWeighted is LInfinity on the sketches' true weighted CDFs, the formula the contract
// (§8.3) states and Deequ uses after PR #765: max over items x of both sketches of
// |Rank_a(x)/Count_a − Rank_b(x)/Count_b|. It equals LInfinity when neither sketch holds an item
// twice. NaN if either sketch is empty. Use Robust(d, a.Count(), b.Count()) with it.
func LInfinityWeighted(a, b *Sketch) float64 {
	ra, rb := a.rankView(), b.rankView()
	return linf(&ra, &rb)
}

// linf is max over the keys x of both of |ra.rank(x)/n − rb.rank(x)/m|. The keys of each side are
// walked in ascending order, so the index of the first key above x only moves forward on both
// sides. NaN keys, last in each, add |total/n − total/m| = 0 and are skipped.
func linf(ra, rb *cumRanks) float64 {
	if len(ra.keys) == 0 || len(rb.keys) == 0 {
		return math.NaN()
	}
	n, m := float64(ra.total()), float64(rb.total())
	d := 0.0
	for _, keys := range [2][]float64{ra.keys[:ra.m], rb.keys[:rb.m]} {
		ia, ib := 0, 0
		for _, x := range keys {
			for ia < ra.m && !(ra.keys[ia] > x) {
				ia++
			}
			for ib < rb.m && !(rb.keys[ib] > x) {
				ib++
			}
			d = math.Max(d, math.Abs(float64(ra.rankAt(ia))/n-float64(rb.rankAt(ib))/m))
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
