package kll

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// ---- naive oracles (the "slow" twins of the fast paths) ----

// rankSlow is QuantileNonSample.getRank written out: every item, weight 1<<level, !(v > x).
func rankSlow(levels [][]float64, x float64) int64 {
	var r int64
	for h, l := range levels {
		for _, v := range l {
			if !(v > x) {
				r += 1 << h
			}
		}
	}
	return r
}

// rankExclusiveSlow is QuantileNonSample.getRankExclusive written out.
func rankExclusiveSlow(levels [][]float64, x float64) int64 {
	var r int64
	for h, l := range levels {
		for _, v := range l {
			if v < x {
				r += 1 << h
			}
		}
	}
	return r
}

// bucketsSlow is KLLSketch.computeMetricFrom's loop written out with the slow ranks.
func bucketsSlow(levels [][]float64, start, end float64, n int) []Bucket {
	var out []Bucket
	for i := 0; i < n; i++ {
		lo := start + (end-start)*float64(i)/float64(n)
		hi := start + (end-start)*float64(i+1)/float64(n)
		var c int64
		if i == n-1 {
			c = rankSlow(levels, hi) - rankExclusiveSlow(levels, lo)
		} else {
			c = rankExclusiveSlow(levels, hi) - rankExclusiveSlow(levels, lo)
		}
		out = append(out, Bucket{lo, hi, float64(c)})
	}
	return out
}

// javaCompare is java.lang.Double.compare.
func javaCompare(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	ab, bb := int64(math.Float64bits(a)), int64(math.Float64bits(b))
	if a != a {
		ab = canonicalNaN
	}
	if b != b {
		bb = canonicalNaN
	}
	switch {
	case ab < bb:
		return -1
	case ab > bb:
		return 1
	}
	return 0
}

type entry struct {
	item   float64
	weight int64
}

// rankMapSlow is Deequ 2.0.2's getRankMap transcribed step by step: output pairs (level order),
// stable sort by item, a ListMap built by "remove any equal key, then append", running sums.
func rankMapSlow(levels [][]float64) []entry {
	var out []entry
	for h, l := range levels {
		for _, v := range l {
			out = append(out, entry{v, 1 << h})
		}
	}
	slices.SortStableFunc(out, func(a, b entry) int { return javaCompare(a.item, b.item) })
	var lm []entry
	for _, e := range out {
		lm = slices.DeleteFunc(lm, func(o entry) bool { return o.item == e.item })
		lm = append(lm, e)
	}
	var run int64
	for i := range lm {
		run += lm[i].weight
		lm[i].weight = run
	}
	return lm
}

// rankWithMapSlow is getRank(item, rankMap): walk, stop at the first key > x.
func rankWithMapSlow(rm []entry, x float64) int64 {
	var cur int64
	for _, e := range rm {
		if e.item > x {
			break
		}
		cur = e.weight
	}
	return cur
}

// linfDeequSlow is Distance.numericalDistance(correctForLowNumberOfSamples = true) transcribed.
func linfDeequSlow(a, b [][]float64) float64 {
	ra, rb := rankMapSlow(a), rankMapSlow(b)
	var keys []float64
	for _, e := range append(slices.Clone(ra), rb...) {
		if !slices.ContainsFunc(keys, func(k float64) bool { return k == e.item }) {
			keys = append(keys, e.item)
		}
	}
	var n, m int64
	for _, e := range ra {
		n = max(n, e.weight)
	}
	for _, e := range rb {
		m = max(m, e.weight)
	}
	d := 0.0
	for _, k := range keys {
		d = math.Max(d, math.Abs(float64(rankWithMapSlow(ra, k))/float64(n)-float64(rankWithMapSlow(rb, k))/float64(m)))
	}
	return d
}

// linfWeightedSlow compares the weighted CDFs on the grid of all items of both sketches.
func linfWeightedSlow(a, b [][]float64) float64 {
	n, m := float64(rankSlow(a, math.Inf(1))), float64(rankSlow(b, math.Inf(1)))
	d := 0.0
	for _, ls := range [][][]float64{a, b} {
		for _, l := range ls {
			for _, x := range l {
				d = math.Max(d, math.Abs(float64(rankSlow(a, x))/n-float64(rankSlow(b, x))/m))
			}
		}
	}
	return d
}

// compactionErrorBound is Σ_h numCompress_h·2^h: one compaction of a sorted run of weight-w items
// changes every rank by 0 or ±w (a prefix of even length keeps exactly half its items at double
// weight, an odd prefix is off by one item of weight w), and nothing else changes ranks. So
// |Rank(x) − exact rank(x)| ≤ this bound for a sketch built by Update only; a merge adds the
// bounds of the merged sketches (their counters are dropped, their errors are not).
func compactionErrorBound(s *Sketch) int64 {
	var b int64
	for h, l := range s.levels {
		b += int64(l.numCompress) << h
	}
	return b
}

// ---- data ----

// gen returns n values of the named distribution; all use r, so a fixed seed fixes the data.
func gen(dist string, n int, r *rand.Rand) []float64 {
	out := make([]float64, n)
	for i := range out {
		var x float64
		switch dist {
		case "uniform":
			x = r.Float64()
		case "normal":
			x = r.NormFloat64() * 1000
		case "negative":
			x = -math.Abs(r.NormFloat64()) - 5
		case "dup20": // an integer column: 20 distinct values, heavy duplication
			x = float64(r.IntN(20))
		case "signedzero": // -0.0 and 0.0 mixed with a few other values
			x = []float64{math.Copysign(0, -1), 0, 1, -1, 0, math.Copysign(0, -1)}[r.IntN(6)]
			if r.IntN(10) == 0 {
				x = r.NormFloat64()
			}
		case "ascending":
			x = float64(i)
		case "descending":
			x = float64(n - i)
		case "constant":
			x = 42
		case "lognormal":
			x = math.Exp(r.NormFloat64() * 3)
		case "price": // rounded to thousands, like the housing price column
			x = math.Round(math.Exp(13+r.NormFloat64())/1000) * 1000
		case "age": // an integer column 18–90
			x = float64(18 + r.IntN(73))
		case "wide": // uniform over ±10^9: every key bit below the exponent varies
			x = (r.Float64() - 0.5) * 2e9
		case "extreme": // ±Inf, ±MaxFloat64, denormals, and the rest
			x = []float64{math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64,
				math.SmallestNonzeroFloat64, -math.SmallestNonzeroFloat64, r.NormFloat64()}[r.IntN(7)]
		default:
			panic("unknown distribution " + dist)
		}
		out[i] = x
	}
	return out
}

var dists = []string{"uniform", "normal", "negative", "dup20", "signedzero", "ascending",
	"descending", "constant", "lognormal", "price", "extreme"}

func build(k int, c float64, xs []float64) *Sketch {
	s := NewWithParams(k, c)
	for _, x := range xs {
		s.Update(x)
	}
	return s
}

func sameBits(a, b [][]float64) error {
	if len(a) != len(b) {
		return fmt.Errorf("%d levels, want %d", len(a), len(b))
	}
	for h := range a {
		if len(a[h]) != len(b[h]) {
			return fmt.Errorf("level %d: %d items, want %d", h, len(a[h]), len(b[h]))
		}
		for i := range a[h] {
			if math.Float64bits(a[h][i]) != math.Float64bits(b[h][i]) {
				return fmt.Errorf("level %d item %d: %v, want %v", h, i, a[h][i], b[h][i])
			}
		}
	}
	return nil
}

// sharedDir locates the shared/ folder (../../../shared from this package) or skips; under
// CI=true a missing folder fails the test instead.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared"))
	if err == nil {
		_, err = os.Stat(dir)
	}
	if err != nil {
		skipOrFail(t, "shared folder not available (%v)", err)
	}
	return dir
}

func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; required when CI=true")
	}
	t.Skip(msg)
}

// ---- unit tests ----

// TestCapacityExact checks capacity against the exact value of ⌈k·c^h/2⌉ for the double nearest
// to c, computed with big.Rat, wherever a last-bit difference of pow could not matter.
func TestCapacityExact(t *testing.T) {
	for _, tc := range []struct {
		k int
		c float64
	}{{DefaultK, DefaultC}, {8, 0.64}, {100, 0.5}, {200, 0.9}, {1, 1}, {4096, 0.7}} {
		t.Run(fmt.Sprintf("k=%d,c=%v", tc.k, tc.c), func(t *testing.T) {
			c := new(big.Rat).SetFloat64(tc.c)
			p := big.NewRat(int64(tc.k), 2)
			for h := range 60 {
				fl, _ := new(big.Float).SetPrec(200).SetRat(p).Float64()
				ceil := new(big.Int).Quo(new(big.Int).Add(p.Num(), new(big.Int).Sub(p.Denom(), big.NewInt(1))), p.Denom())
				frac := math.Abs(fl - math.Round(fl))
				if h == 0 || frac > 1e-9*math.Max(1, fl) { // away from integers, or exact (h = 0)
					if got, want := capacity(tc.k, tc.c, h), 2*(int(ceil.Int64())+1); got != want {
						t.Errorf("capacity(%d) = %d, want %d", h, got, want)
					}
				}
				p.Mul(p, c)
			}
		})
	}
}

func TestJavaKeyOrder(t *testing.T) {
	// Ascending in Java's Double.compare order.
	vals := []float64{math.Inf(-1), -math.MaxFloat64, -1, -math.SmallestNonzeroFloat64,
		math.Copysign(0, -1), 0, math.SmallestNonzeroFloat64, 1, math.MaxFloat64, math.Inf(1), math.NaN()}
	for i := range vals {
		if got := fromJavaKey(javaKey(vals[i])); math.Float64bits(got) != math.Float64bits(vals[i]) && !math.IsNaN(vals[i]) {
			t.Errorf("round trip of %v gave %v", vals[i], got)
		}
		for j := range vals {
			want := javaCompare(vals[i], vals[j])
			ki, kj := javaKey(vals[i]), javaKey(vals[j])
			got := 0
			if ki < kj {
				got = -1
			} else if ki > kj {
				got = 1
			}
			if got != want || want != cmpInt(i, j) {
				t.Errorf("order(%v, %v) = %d, Double.compare %d, position %d", vals[i], vals[j], got, want, cmpInt(i, j))
			}
		}
	}
	negNaN := math.Float64frombits(0xfff8000000000001)
	if javaKey(negNaN) != javaKey(math.NaN()) {
		t.Errorf("a negative NaN must sort like Java's canonical NaN")
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestSortKeys(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	check := func(name string, xs []float64) {
		t.Helper()
		keys := make([]uint64, len(xs))
		for i, x := range xs {
			keys[i] = javaKey(x)
		}
		want := slices.Clone(keys)
		slices.Sort(want)
		if got := sortKeys(slices.Clone(keys), make([]uint64, len(xs))); !slices.Equal(got, want) {
			t.Fatalf("%s: sortKeys differs from slices.Sort", name)
		}
		if got := sortKeysScalar(keys, make([]uint64, len(xs))); !slices.Equal(got, want) {
			t.Fatalf("%s: sortKeys without AVX-512 differs from slices.Sort", name)
		}
	}
	for _, dist := range dists {
		// Arrival order: pdqsort below bucketMin, bucket sort above.
		for _, n := range []int{0, 1, 2, bucketMin - 1, bucketMin, 2050, 5000} {
			check(fmt.Sprintf("%s/n=%d", dist, n), gen(dist, n, r))
		}
		// Level-like inputs: a tail item, then sorted runs (merged when there are few).
		for _, runs := range []int{1, 2, 3, maxMergeRuns - 1, maxMergeRuns, maxMergeRuns + 1, 40} {
			xs := gen(dist, 1, r)
			for range runs {
				run := gen(dist, r.IntN(300), r)
				slices.SortFunc(run, javaCompare)
				xs = append(xs, run...)
			}
			check(fmt.Sprintf("%s/runs=%d", dist, runs), xs)
		}
	}
}

func TestValidParams(t *testing.T) {
	for _, tc := range []struct {
		name    string
		k       int
		c       float64
		wantErr string
	}{
		{"defaults", DefaultK, DefaultC, ""},
		{"k=1,c=1", 1, 1, ""},
		{"k=0", 0, 0.64, "k = 0"},
		{"c=0", 10, 0, "c = 0"},
		{"c>1", 10, 1.5, "c = 1.5"},
		{"c=NaN", 10, math.NaN(), "c = NaN"},
		{"both", -1, -1, "k = -1 outside [1, 16777216]; shrinking factor c = -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidParams(tc.k, tc.c)
			if (err == nil) != (tc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("ValidParams(%d, %v) = %v, want error containing %q", tc.k, tc.c, err, tc.wantErr)
			}
			if tc.wantErr != "" {
				defer func() {
					if p, ok := recover().(string); !ok || !strings.HasPrefix(p, "kll: ") {
						t.Errorf("NewWithParams panic = %v, want a \"kll: \" string", p)
					}
				}()
				NewWithParams(tc.k, tc.c)
			}
		})
	}
}

// TestCountConservation: Count equals the number of values after any mix of updates and merges.
func TestCountConservation(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, k := range []int{8, 64, DefaultK} {
		s := NewWithParams(k, DefaultC)
		var want int64
		for step := range 40 {
			if r.IntN(3) == 0 {
				o := build(k, DefaultC, gen(dists[r.IntN(len(dists))], r.IntN(20000), r))
				want += o.Count()
				s.Merge(o)
			} else {
				n := r.IntN(20000)
				for _, x := range gen(dists[r.IntN(len(dists))], n, r) {
					s.Update(x)
				}
				want += int64(n)
			}
			if got := s.Count(); got != want {
				t.Fatalf("k=%d step %d: Count() = %d, want %d", k, step, got, want)
			}
			if s.actual != s.itemCount() || s.actual > s.totalCap {
				t.Fatalf("k=%d step %d: actual %d, items %d, capacity %d", k, step, s.actual, s.itemCount(), s.totalCap)
			}
		}
	}
}

// TestAccuracy: the sketch's ranks stay within the deterministic compaction bound of the exact
// ranks, for every item and for points between items; the bound itself stays below 5 % of n for
// k = 2048 (and is what KLL promises: error O(n/k) per level).
func TestAccuracy(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		k    int
		n    int
		dist string
	}{
		{DefaultK, 200000, "normal"}, {DefaultK, 200000, "dup20"}, {DefaultK, 50000, "ascending"},
		{DefaultK, 100000, "lognormal"}, {64, 50000, "uniform"}, {8, 20000, "signedzero"},
	} {
		t.Run(fmt.Sprintf("k=%d/n=%d/%s", tc.k, tc.n, tc.dist), func(t *testing.T) {
			xs := gen(tc.dist, tc.n, r)
			s := build(tc.k, DefaultC, xs)
			bound := compactionErrorBound(s)
			checkRanks(t, s, xs, bound, r)
			if tc.k == DefaultK && float64(bound) > 0.05*float64(tc.n) {
				t.Errorf("compaction bound %d exceeds 5%% of n = %d", bound, tc.n)
			}
		})
	}
}

// checkRanks compares Rank/RankExclusive with the exact ranks of xs within bound, and the fast
// paths with the slow ones.
func checkRanks(t *testing.T, s *Sketch, xs []float64, bound int64, r *rand.Rand) {
	t.Helper()
	sorted := slices.Clone(xs)
	slices.SortFunc(sorted, javaCompare)
	exact := func(x float64) (le, lt int64) {
		for _, v := range sorted {
			if !(v > x) {
				le++
			}
			if v < x {
				lt++
			}
		}
		return
	}
	levels := s.Levels()
	view := s.rankView()
	queries := []float64{math.Inf(-1), math.Inf(1)}
	for range 200 {
		if len(xs) > 0 {
			queries = append(queries, xs[r.IntN(len(xs))], xs[r.IntN(len(xs))]+1e-9)
		}
	}
	var worst int64
	for _, q := range queries {
		le, lt := exact(q)
		got, gotX := s.Rank(q), s.RankExclusive(q)
		if slow := rankSlow(levels, q); got != slow || view.rank(q) != slow {
			t.Fatalf("Rank(%v) = %d, view %d, slow %d", q, got, view.rank(q), slow)
		}
		if slow := rankExclusiveSlow(levels, q); gotX != slow || view.rankExclusive(q) != slow {
			t.Fatalf("RankExclusive(%v) = %d, view %d, slow %d", q, gotX, view.rankExclusive(q), slow)
		}
		e := max(abs64(got-le), abs64(gotX-lt))
		worst = max(worst, e)
		if e > bound {
			t.Fatalf("rank error %d at %v exceeds the compaction bound %d", e, q, bound)
		}
	}
	t.Logf("n=%d: worst rank error %d (%.4f%% of n), bound %d", len(xs), worst, 100*float64(worst)/float64(max(1, len(xs))), bound)
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

// TestSortedRuns: for a sketch built by Update only, level h+1 is the tail of its last compaction
// followed by sorted runs, one per compaction of level h since, so it has at most numCompress(h)
// descents (Java order).
func TestSortedRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, dist := range dists {
		s := build(16, DefaultC, gen(dist, 30000, r))
		for h := 1; h < len(s.levels); h++ {
			descents := 0
			b := s.levels[h].buf
			for i := 1; i < len(b); i++ {
				if javaCompare(b[i-1], b[i]) > 0 {
					descents++
				}
			}
			if descents > s.levels[h-1].numCompress {
				t.Errorf("%s: level %d has %d descents, level %d compacted %d times", dist, h, descents, h-1, s.levels[h-1].numCompress)
			}
		}
	}
}

func TestMerge(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	t.Run("below capacity is a copy", func(t *testing.T) {
		for _, n := range []int{0, 1, 2049, 5000, 23432, 100000} {
			p := build(DefaultK, DefaultC, gen("normal", n, r))
			if p.actual >= p.totalCap {
				continue // see the next subtest
			}
			final := New()
			final.Merge(p)
			if err := sameBits(final.Levels(), p.Levels()); err != nil {
				t.Errorf("n=%d: %v", n, err)
			}
		}
	})
	t.Run("at capacity compacts once more", func(t *testing.T) {
		// 2050 updates fill one level exactly: actual = totalCap = cap(0), not > so no condense.
		p := build(DefaultK, DefaultC, gen("uniform", 2050, r))
		if p.actual != p.totalCap || len(p.levels) != 1 {
			t.Fatalf("setup: actual %d, capacity %d, %d levels", p.actual, p.totalCap, len(p.levels))
		}
		final := New()
		final.Merge(p)
		if got := final.Levels(); len(got) != 2 || len(got[0]) != 0 || len(got[1]) != 1025 {
			t.Fatalf("level sizes after merge: %d levels, want [0 1025]", len(got))
		}
	})
	t.Run("A+B", func(t *testing.T) {
		for _, tc := range []struct {
			k      int
			na, nb int
			da, db string
		}{
			{DefaultK, 60000, 40000, "normal", "normal"},
			{DefaultK, 100000, 1000, "dup20", "uniform"},
			{DefaultK, 0, 30000, "lognormal", "lognormal"},
			{32, 20000, 20000, "signedzero", "ascending"},
		} {
			xa, xb := gen(tc.da, tc.na, r), gen(tc.db, tc.nb, r)
			a, b := build(tc.k, DefaultC, xa), build(tc.k, DefaultC, xb)
			bLevels := b.Levels()
			bound := compactionErrorBound(b) // b's history; a's counters stay in a
			a.Merge(b)
			if err := sameBits(b.Levels(), bLevels); err != nil {
				t.Fatalf("merge modified its argument: %v", err)
			}
			if got, want := a.Count(), int64(tc.na+tc.nb); got != want {
				t.Fatalf("Count() = %d, want %d", got, want)
			}
			checkRanks(t, a, append(xa, xb...), bound+compactionErrorBound(a), r)
		}
	})
	t.Run("self", func(t *testing.T) {
		s := build(DefaultK, DefaultC, gen("normal", 3000, r))
		want := s.Clone()
		want.Merge(s.Clone())
		s.Merge(s)
		if err := sameBits(s.Levels(), want.Levels()); err != nil {
			t.Fatal(err)
		}
	})
}

func TestCloneLevelsFromLevels(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	s := build(DefaultK, DefaultC, gen("normal", 30000, r))
	levels := s.Levels()
	c := s.Clone()
	// Continuing both with the same data must give the same result (counters are cloned).
	more := gen("uniform", 30000, r)
	for _, x := range more {
		s.Update(x)
		c.Update(x)
	}
	if err := sameBits(c.Levels(), s.Levels()); err != nil {
		t.Fatalf("clone diverged: %v", err)
	}
	// Levels and FromLevels copy: writing into them changes nothing.
	levels[0][0] = math.NaN()
	f := FromLevels(levels, DefaultK, DefaultC)
	levels[0][0] = 7
	if got := f.Levels()[0][0]; !math.IsNaN(got) {
		t.Fatalf("FromLevels shares memory with its input")
	}
	f.Levels()[0][0] = 9
	if got := f.Levels()[0][0]; !math.IsNaN(got) {
		t.Fatalf("Levels shares memory with the sketch")
	}
	if e := FromLevels(nil, DefaultK, DefaultC); len(e.Levels()) != 1 || e.Count() != 0 {
		t.Fatalf("FromLevels(nil) = %v levels, count %d", e.Levels(), e.Count())
	}
	g := FromLevels([][]float64{{1, 2}, {}, {3}}, 8, 0.5)
	if g.K() != 8 || g.C() != 0.5 || g.Count() != 6 || g.levels[2].numCompress != 0 {
		t.Fatalf("FromLevels: k %d c %v count %d", g.K(), g.C(), g.Count())
	}
	if lv := g.Levels(); lv[1] == nil || len(lv[1]) != 0 {
		t.Fatalf("empty level must be an empty, non-nil slice")
	}
}

func TestBuckets(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		name     string
		dist     string
		n        int
		min, max float64 // NaN: the Spark state extremes of the data
		buckets  int
	}{
		{"normal", "normal", 50000, math.NaN(), math.NaN(), 10},
		{"dup20", "dup20", 50000, math.NaN(), math.NaN(), 10},
		{"constant: min = max", "constant", 5000, math.NaN(), math.NaN(), 10},
		{"empty state", "normal", 0, math.NaN(), math.NaN(), 10},
		{"one bucket", "lognormal", 10000, math.NaN(), math.NaN(), 1},
		{"zero buckets", "normal", 100, math.NaN(), math.NaN(), 0},
		{"narrow range", "uniform", 30000, 0.25, 0.5, 7},
		{"signed zero", "signedzero", 30000, math.NaN(), math.NaN(), 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			xs := gen(tc.dist, tc.n, r)
			lo, hi := tc.min, tc.max
			if math.IsNaN(lo) {
				lo, hi = stateMinMax(xs)
			}
			s := build(DefaultK, DefaultC, xs)
			got := s.Buckets(lo, hi, tc.buckets)
			want := bucketsSlow(s.Levels(), lo, hi, tc.buckets)
			if len(got) != len(want) || got == nil {
				t.Fatalf("%d buckets, want %d (non-nil)", len(got), len(want))
			}
			for i := range want {
				if math.Float64bits(got[i].Lower) != math.Float64bits(want[i].Lower) ||
					math.Float64bits(got[i].Upper) != math.Float64bits(want[i].Upper) || got[i].Count != want[i].Count {
					t.Fatalf("bucket %d = %+v, want %+v", i, got[i], want[i])
				}
			}
			if tc.buckets > 0 { // counts telescope: Σ = Rank(last upper) − RankExclusive(first lower)
				var sum float64
				for _, b := range got {
					sum += b.Count
				}
				last := got[len(got)-1].Upper
				if want := float64(s.Rank(last) - s.RankExclusive(lo)); sum != want {
					t.Errorf("bucket counts sum to %v, want %v", sum, want)
				}
				// The last upper bound min + ((max−min)·n)/n can round below max; then the
				// values equal to max are in no bucket (Deequ does the same).
				if last >= hi && tc.min != tc.min && sum != float64(tc.n) {
					t.Errorf("bucket counts sum to %v, want n = %d", sum, tc.n)
				}
			}
		})
	}
}

// stateMinMax is the Spark state of StatefulKLLSketch: min starts at Int.MaxValue, max at
// Int.MinValue (as doubles), then Math.min/Math.max with every value.
func stateMinMax(xs []float64) (float64, float64) {
	lo, hi := float64(math.MaxInt32), float64(math.MinInt32)
	for _, x := range xs {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}

func TestLInfinity(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, tc := range []struct {
		k      int
		da, db string
		na, nb int
	}{
		{DefaultK, "normal", "normal", 20000, 30000},
		{DefaultK, "normal", "lognormal", 10000, 5000},
		{DefaultK, "dup20", "dup20", 30000, 8000},
		{DefaultK, "dup20", "uniform", 9000, 9000},
		{DefaultK, "signedzero", "dup20", 12000, 3000},
		{DefaultK, "constant", "constant", 100, 7000},
		{DefaultK, "price", "price", 23432, 5000},
		{32, "dup20", "ascending", 5000, 5000},
		{DefaultK, "uniform", "uniform", 1, 1},
	} {
		t.Run(fmt.Sprintf("%s(%d)-%s(%d)/k=%d", tc.da, tc.na, tc.db, tc.nb, tc.k), func(t *testing.T) {
			a := build(tc.k, DefaultC, gen(tc.da, tc.na, r))
			b := build(tc.k, DefaultC, gen(tc.db, tc.nb, r))
			la, lb := a.Levels(), b.Levels()
			if got, want := LInfinity(a, b), linfDeequSlow(la, lb); math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("LInfinity = %v, Deequ transcription %v", got, want)
			}
			if got, want := LInfinityWeighted(a, b), linfWeightedSlow(la, lb); math.Float64bits(got) != math.Float64bits(want) {
				t.Errorf("LInfinityWeighted = %v, brute force %v", got, want)
			}
			var top int64
			for _, e := range rankMapSlow(la) {
				top = max(top, e.weight)
			}
			if got := a.RankMapTotal(); got != top {
				t.Errorf("RankMapTotal = %d, Deequ transcription %d", got, top)
			}
			if d := LInfinity(a, a); d != 0 {
				t.Errorf("LInfinity(a, a) = %v, want 0", d)
			}
		})
	}
	t.Run("distinct items: both variants agree", func(t *testing.T) {
		a := build(DefaultK, DefaultC, gen("normal", 40000, r))
		b := build(DefaultK, DefaultC, gen("uniform", 40000, r))
		if x, y := LInfinity(a, b), LInfinityWeighted(a, b); x != y || a.RankMapTotal() != a.Count() {
			t.Errorf("LInfinity %v, LInfinityWeighted %v, RankMapTotal %d, Count %d", x, y, a.RankMapTotal(), a.Count())
		}
	})
	t.Run("duplicates: Deequ 2.0.2 under-counts", func(t *testing.T) {
		// Two level-0 copies of 1 and one of 2 (deequ issue #392): the rank map keeps
		// weight 1 for item 1, so N = 2 and the CDF at 1 is 1/2, not 2/3.
		a := FromLevels([][]float64{{1, 1, 2}}, DefaultK, DefaultC)
		b := FromLevels([][]float64{{1, 2, 2}}, DefaultK, DefaultC)
		if got := a.RankMapTotal(); got != 2 {
			t.Errorf("RankMapTotal = %d, want 2", got)
		}
		if got := LInfinity(a, b); got != 0 {
			t.Errorf("LInfinity = %v, want 0 (both rank maps are {1: 1, 2: 2})", got)
		}
		if got, want := LInfinityWeighted(a, b), 2.0/3-1.0/3; got != want {
			t.Errorf("LInfinityWeighted = %v, want %v", got, want)
		}
	})
	t.Run("empty", func(t *testing.T) {
		if d := LInfinity(New(), build(DefaultK, DefaultC, []float64{1})); !math.IsNaN(d) {
			t.Errorf("LInfinity with an empty sketch = %v, want NaN", d)
		}
		if d := LInfinityWeighted(build(DefaultK, DefaultC, []float64{1}), New()); !math.IsNaN(d) {
			t.Errorf("LInfinityWeighted with an empty sketch = %v, want NaN", d)
		}
	})
}

func TestRobust(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    float64
		n, m int64
	}{
		{"typical", 0.17354640931273702, 23432, 5000},
		{"clamped", 0.01, 100, 100},
		{"equal sizes", 0.5, 1000, 1000},
		{"large", 0.003, 1 << 40, 1 << 41},
		{"one empty", 0.3, 0, 10},
		{"both empty", 0.3, 0, 0},
		{"NaN", math.NaN(), 10, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Distance.selectMetrics step by step in double arithmetic: n and m become doubles
			// first, then (n + m) / (n·m), sqrt, times c(α), d minus that, max with 0.
			n, m := float64(tc.n), float64(tc.m)
			q := (n + m) / (n * m)
			corr := float64(1.8 * math.Sqrt(q))
			want := math.Max(0, tc.d-corr)
			got := Robust(tc.d, tc.n, tc.m)
			if math.Float64bits(got) != math.Float64bits(want) && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("Robust(%v, %d, %d) = %v, want %v", tc.d, tc.n, tc.m, got, want)
			}
			// Independently, in 200-bit arithmetic: within a few ulps of the exact value.
			if tc.n > 0 && tc.m > 0 && !math.IsNaN(tc.d) {
				bn, bm := new(big.Float).SetPrec(200).SetInt64(tc.n), new(big.Float).SetPrec(200).SetInt64(tc.m)
				bq := new(big.Float).SetPrec(200).Quo(new(big.Float).SetPrec(200).Add(bn, bm), new(big.Float).SetPrec(200).Mul(bn, bm))
				bc := new(big.Float).SetPrec(200).Mul(big.NewFloat(1.8), new(big.Float).SetPrec(200).Sqrt(bq))
				exact, _ := new(big.Float).SetPrec(200).Sub(big.NewFloat(tc.d), bc).Float64()
				exact = math.Max(0, exact)
				if math.Abs(got-exact) > 4e-16*math.Max(1, math.Abs(tc.d)) {
					t.Fatalf("Robust(%v, %d, %d) = %v, exact %v", tc.d, tc.n, tc.m, got, exact)
				}
			}
			if got < 0 {
				t.Fatalf("negative distance %v", got)
			}
		})
	}
	// 1.8·sqrt(2/100) = 0.2545…: a distance of 0.3 keeps 0.0454….
	if got := Robust(0.3, 100, 100); math.Abs(got-(0.3-1.8*math.Sqrt(0.02))) > 1e-15 || got <= 0.045 || got >= 0.046 {
		t.Fatalf("Robust(0.3, 100, 100) = %v", got)
	}
}

// TestReserveTrimKeepState requires Reserve and Trim to change capacity only: a sketch reserved
// and trimmed at every step stays equal to an untouched one through updates and merges.
func TestReserveTrimKeepState(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	plain, touched := New(), New()
	other := New()
	for i := range 200_000 {
		x := r.NormFloat64()
		other.Update(-x)
		plain.Update(x)
		if i%977 == 0 {
			touched.Reserve(r.IntN(5000))
		}
		touched.Update(x)
		if i%1500 == 0 {
			touched.Trim()
			for h, l := range touched.levels {
				if cap(l.buf) != len(l.buf) {
					t.Fatalf("after Trim level %d holds %d items in %d", h, len(l.buf), cap(l.buf))
				}
			}
		}
		if i%40_000 == 39_999 {
			plain.Merge(other)
			touched.Merge(other)
			touched.Trim()
		}
	}
	if !reflect.DeepEqual(plain.Levels(), touched.Levels()) || plain.Count() != touched.Count() {
		t.Fatal("Reserve/Trim changed the sketch's items")
	}
	for h := range plain.levels {
		if a, b := plain.levels[h], touched.levels[h]; a.numCompress != b.numCompress || a.offset != b.offset {
			t.Fatalf("level %d counters differ: %+v vs %+v", h, a.numCompress, b.numCompress)
		}
	}
}

// TestNewReserved: a sketch made with room for n updates holds that room on level 0 (up to what
// level 0 holds before compacting), costs two allocations (the sketch and level 0) and is, update
// for update, the sketch New makes: same levels, counters and encoding.
func TestNewReserved(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	xs := make([]float64, 20000)
	for i := range xs {
		xs[i] = r.NormFloat64()
	}
	room := New().level0Room()
	for _, n := range []int{0, 1, 580, room, 10 * room} {
		s, ref := NewReserved(n), New()
		if got := cap(s.levels[0].buf); got != min(n, room) {
			t.Fatalf("NewReserved(%d): level 0 room %d, want %d", n, got, min(n, room))
		}
		for i, x := range xs {
			s.Update(x)
			ref.Update(x)
			if i%997 == 0 || i == len(xs)-1 {
				sameState(t, fmt.Sprintf("NewReserved(%d) after %d updates, against New", n, i+1), s, ref)
			}
		}
	}
	released = sync.Pool{} // a released sketch would be handed out without allocating (Release)
	if a := testing.AllocsPerRun(100, func() { NewReserved(580) }); a != 2 {
		t.Fatalf("NewReserved: %v allocations, want 2", a)
	}
}

// TestUpdateMany checks that adding values in slices of any length (UpdateMany) leaves the
// sketch in exactly the state one Update per value does — levels, their order, the compaction
// counters — across many compactions and level additions.
func TestUpdateMany(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 11))
	for _, n := range []int{0, 1, 2049, 2050, 2051, 5000, 100_000} {
		for _, maxRun := range []int{1, 7, 2048, 3000, 1 << 20} {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = r.NormFloat64()
			}
			one, many := New(), New()
			for _, x := range xs {
				one.Update(x)
			}
			for rest := xs; len(rest) > 0; {
				k := min(len(rest), 1+r.IntN(maxRun))
				many.UpdateMany(rest[:k])
				rest = rest[k:]
			}
			sameState(t, fmt.Sprintf("n=%d, runs up to %d: UpdateMany against Update", n, maxRun), many, one)
		}
	}
}

// TestReuse: a sketch emptied for reuse (what New returns after Release) is, update for update
// and merge for merge, the sketch New makes — whatever it held before, with more levels or fewer
// — and Trim then keeps no buffer of its old levels.
func TestReuse(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 13))
	stream := func(n int) []float64 {
		xs := make([]float64, n)
		for i := range xs {
			xs[i] = r.ExpFloat64() * 100
		}
		return xs
	}
	other := New()
	other.UpdateMany(stream(30_000))
	for _, before := range []int{0, 100, 5000, 300_000} {
		for _, after := range []int{0, 3000, 70_000, 400_000} {
			used := NewReserved(100)
			used.UpdateMany(stream(before))
			used.reuse(580)
			if got, want := cap(used.levels[0].buf), 580; before < 580 && got < want {
				t.Fatalf("reuse(580) after %d values: level 0 room %d", before, got)
			}
			ref := New()
			for i, x := range stream(after) {
				used.Update(x)
				ref.Update(x)
				if i%20_011 == 0 {
					used.Merge(other)
					ref.Merge(other)
				}
			}
			sameState(t, fmt.Sprintf("%d values, reused, then %d, against a new sketch", before, after), used, ref)
			used.Trim()
			for _, l := range used.levels[len(used.levels):cap(used.levels)] {
				if l.buf != nil {
					t.Fatalf("%d then %d: Trim kept an old level's buffer", before, after)
				}
			}
		}
	}
}

// mergeAppend is Merge as Deequ's QuantileNonSample.merge reads: every level of o appended to
// s's, then condense while s holds at least its capacity. Merge's shortcut for level 0 must
// leave the same sketch.
func mergeAppend(s, o *Sketch) {
	for len(s.levels) < len(o.levels) {
		s.expand()
	}
	for i := range o.levels {
		s.levels[i].buf = append(s.levels[i].buf, o.levels[i].buf...)
	}
	s.actual = s.itemCount()
	for s.actual >= s.totalCap && s.condense() {
	}
}

// TestMergeMatchesAppend: Merge leaves, merge after merge, the items and counters mergeAppend
// leaves, with merged sketches of every size from a few items (level 0 alone, as chunks of wide
// data) to several levels, so that the level-0 shortcut is taken and not.
func TestMergeMatchesAppend(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 17))
	got, want := New(), New()
	for i := range 400 {
		n := []int{0, 1, 7, 300, 580, 2049, 2050, 2051, 9000, 40000}[r.IntN(10)]
		o := build(DefaultK, DefaultC, gen([]string{"normal", "dup20", "uniform"}[i%3], n, r))
		got.Merge(o)
		mergeAppend(want, o)
		sameState(t, fmt.Sprintf("merge %d (%d items): Merge against appending every level", i, n), got, want)
	}
}

// TestReleaseThenNew: whatever New and NewReserved hand out after sketches were released (a
// released one, emptied, or a new one: the pool may drop what it holds), it is the sketch New
// makes, update for update; its level 0 is sized as newSketch sizes it, within a factor of two;
// and a released sketch of other parameters is never handed out.
func TestReleaseThenNew(t *testing.T) {
	r := rand.New(rand.NewPCG(19, 19))
	for i := range 40 {
		big := build(DefaultK, DefaultC, gen("normal", []int{0, 500, 3000, 60000}[i%4], r))
		big.Release()
		odd := NewWithParams(1000, 0.5)
		odd.UpdateMany(gen("uniform", 5000, r))
		odd.Release()
		n := []int{1, 580, 5000}[i%3]
		s, ref := NewReserved(n), New()
		if s.K() != DefaultK || s.C() != DefaultC {
			t.Fatalf("NewReserved handed out a sketch with k=%d c=%v", s.K(), s.C())
		}
		if got, want := cap(s.levels[0].buf), min(n, s.level0Room()); got < want || got > 2*max(want, initialLevel0) {
			t.Fatalf("round %d: level 0 room %d for NewReserved(%d)", i, got, n)
		}
		for j, x := range gen("lognormal", 20000, r) {
			s.Update(x)
			ref.Update(x)
			if j%4999 == 0 {
				sameState(t, fmt.Sprintf("round %d: after %d updates, against a new sketch", i, j+1), s, ref)
			}
		}
		if s := New(); s.K() != DefaultK || len(s.levels) != 1 || len(s.levels[0].buf) != 0 || s.actual != 0 {
			t.Fatalf("New handed out a sketch that is not empty: k=%d, %d levels", s.K(), len(s.levels))
		}
	}
}
