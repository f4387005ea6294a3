// Package kll provides Deequ 2.0.2's deterministic KLL quantile sketch, bit-exact, so that the
// distribution.kll section of statistics.json and the numeric baseline drift distance match the
// SageMaker Model Monitor analyzer (contract §5.5, §8.3).
//
//	s := kll.New(); for _, x := range column { s.Update(x) }; b := s.Buckets(stateMin, stateMax, 10)
package kll

import (
	"fmt"
	"math"
	"slices"
	"sync"
)

const (
	// DefaultK is the sketch size k = 2048: Deequ's KLLSketch.DEFAULT_SKETCH_SIZE (KLLSketch.scala),
	// written to statistics.json as "k": 2048.0 (contract §5.5).
	DefaultK = 2048
	// DefaultC is the shrinking factor c = 0.64: Deequ's KLLSketch.DEFAULT_SHRINKING_FACTOR
	// (KLLSketch.scala), written to statistics.json as "c": 0.64 (contract §5.5).
	DefaultC = 0.64
)

// maxK bounds the sketch size so that capacities and item counts fit Deequ's 32-bit Int
// arithmetic with room to spare (2^24 items on level 0 already means 128 MiB per sketch).
const maxK = 1 << 24

// level is one compactor: Deequ's NonSampleCompactor (NonSampleCompactor.scala).
type level struct {
	buf         []float64 // items in buffer order (level 0: arrival order)
	numCompress int       // NonSampleCompactor.numOfCompress: compactions done so far
	offset      int       // NonSampleCompactor.offset: 0 or 1, first sorted index emitted
}

// Sketch is Deequ 2.0.2's QuantileNonSample[Double] (QuantileNonSample.scala): a stack of
// compactors where an item on level h stands for 2^h input values.
//
// Level capacities are cap(h) = 2·(⌈k·c^h/2⌉ + 1), computed as Java's
// Math.ceil(sketchSize * Math.pow(shrinkingFactor, height) / 2).toInt, so level 0 is the largest
// (2050 for k = 2048) and high levels shrink to 4. Update appends to level 0; when the number of
// items exceeds the sum of the capacities, the lowest level holding at least its capacity is
// compacted once into the level above (see compact). The algorithm is deterministic: the random
// offset of the KLL paper (Karnin, Lang, Liberty, FOCS 2016) is replaced by an offset that
// alternates every second compaction of a level, exactly as Deequ does.
//
// A Sketch is not safe for concurrent use, and must not be copied by value (a copy would share
// the first level, which lives inside the struct). The zero value is not usable: call New,
// NewReserved, NewWithParams or FromLevels.
type Sketch struct {
	k        int
	c        float64
	levels   []level // never empty
	caps     []int   // caps[h] = capacity(k, c, h); len(caps) == len(levels)
	totalCap int     // compactorTotalSize: sum of caps
	actual   int     // compactorActualSize: number of items on all levels
	// level1 and caps1 hold levels and caps while the sketch has one level: a chunk of a wide
	// dataset makes a sketch per column per few hundred rows, which then never compacts.
	level1 [1]level
	caps1  [1]int
}

// New returns an empty sketch with Deequ's defaults k = DefaultK, c = DefaultC.
func New() *Sketch { return NewWithParams(DefaultK, DefaultC) }

// NewWithParams returns an empty sketch (one empty level, as Deequ's constructor) with sketch size
// k and shrinking factor c. It panics if ValidParams(k, c) reports an error: check parameters
// that come from user input (a baseline's "parameters") with ValidParams first.
func NewWithParams(k int, c float64) *Sketch {
	if err := ValidParams(k, c); err != nil {
		panic("kll: " + err.Error())
	}
	return newSketch(k, c, initialLevel0)
}

// NewReserved is New with room on level 0 for n updates (see Reserve), in one allocation.
func NewReserved(n int) *Sketch { return newSketch(DefaultK, DefaultC, n) }

// newSketch returns an empty sketch with room on level 0 for n updates, up to level0Room: a
// released one (Release) if there is one of the same parameters, else a new one.
func newSketch(k int, c float64, n int) *Sketch {
	if k == DefaultK && c == DefaultC {
		if s, ok := released.Get().(*Sketch); ok {
			s.reuse(n)
			return s
		}
	}
	s := &Sketch{k: k, c: c}
	s.levels = s.level1[:0]
	s.caps = s.caps1[:0]
	s.expand()
	s.levels[0].buf = make([]float64, 0, min(n, s.level0Room()))
	return s
}

// reuse empties s (of the default parameters) into the sketch newSketch(DefaultK, DefaultC, n)
// returns: every level keeps its buffer for expand to hand out again, emptied and with fresh
// counters (levels past the sketch's count hold theirs until Trim).
func (s *Sketch) reuse(n int) {
	s.levels, s.caps, s.totalCap, s.actual = s.levels[:0], s.caps[:0], 0, 0
	s.expand()
	// Level 0 as newSketch sizes it, unless the released buffer is near that size: a sketch of a
	// few hundred values (wide data) does not keep another column's 2,400-item buffer.
	if want := min(n, s.level0Room()); cap(s.levels[0].buf) < want || cap(s.levels[0].buf) > 2*max(want, initialLevel0) {
		s.levels[0].buf = make([]float64, 0, want)
	}
}

// released holds sketches given back by Release, with their level buffers: the analyzer makes a
// sketch per numeric column per 4 MiB chunk and merges it into its unit's, and growing each new
// one's levels was most of the job's allocation (~300 MB of ~400 MB per GB of CSV,
// BENCHMARKS.md, "Sketches reused").
var released sync.Pool

// Release gives s, with its buffers, to a later New or NewReserved. s must not be used
// afterwards. Only sketches of the default parameters are kept.
func (s *Sketch) Release() {
	if s.k == DefaultK && s.c == DefaultC {
		released.Put(s)
	}
}

// initialLevel0 is level 0's starting capacity in New. It starts small and grows by doubling: a
// sketch of a short chunk of a wide dataset (hundreds of rows, a thousand columns) must not cost
// 27 KB.
const initialLevel0 = 256

// level0Room is what level 0 holds before it is compacted while the sketch has two levels:
// cap(0) + cap(1) + 1 items (more only if higher levels are under-full).
func (s *Sketch) level0Room() int { return s.caps[0] + capacity(s.k, s.c, 1) + 1 }

// Reserve makes room on level 0 for n more updates, up to what level 0 can hold before it is
// compacted, so that a caller who knows how many values follow (an array's length) does not grow
// the buffer by doubling. It changes no state, only capacity.
func (s *Sketch) Reserve(n int) {
	l0 := &s.levels[0]
	want := min(len(l0.buf)+n, s.level0Room())
	if want > cap(l0.buf) {
		l0.buf = append(make([]float64, 0, want), l0.buf...)
	}
}

// Trim gives back the spare capacity of every level (buffers grown by merging and doubling hold up
// to twice their items), for a sketch that waits before its next update or merge. It changes no
// state, only capacity; later updates and merges grow the buffers again.
func (s *Sketch) Trim() {
	clear(s.levels[len(s.levels):cap(s.levels)]) // a released sketch's buffers not yet reused
	for i := range s.levels {
		l := &s.levels[i]
		if cap(l.buf) > len(l.buf) {
			l.buf = append(make([]float64, 0, len(l.buf)), l.buf...)
		}
	}
}

// ValidParams reports whether k and c can parameterise a sketch: 1 ≤ k ≤ 2^24 and 0 < c ≤ 1.
// Deequ does not check them; outside this range capacities stop shrinking or become
// meaningless, which the analyzer never needs (it always uses DefaultK, DefaultC).
func ValidParams(k int, c float64) error {
	var bad []string
	if k < 1 || k > maxK {
		bad = append(bad, fmt.Sprintf("sketch size k = %d outside [1, %d]", k, maxK))
	}
	if !(c > 0 && c <= 1) { // also rejects NaN
		bad = append(bad, fmt.Sprintf("shrinking factor c = %v outside (0, 1]", c))
	}
	switch len(bad) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("invalid sketch parameters: %s", bad[0])
	default:
		return fmt.Errorf("invalid sketch parameters: %s; %s", bad[0], bad[1])
	}
}

// FromLevels rebuilds a sketch from a statistics.json "sketch.data" array (level 0 first), as
// Deequ's QuantileNonSample.reconstruct does for a baseline: every level gets the given items in
// the given order and fresh counters (numOfCompress = offset = 0); nothing is compacted, even if a
// level is over its capacity. An empty levels array gives one empty level (Deequ would keep zero
// compactors, which its update cannot handle). The input is copied. It panics like NewWithParams
// on invalid parameters.
func FromLevels(levels [][]float64, k int, c float64) *Sketch {
	s := NewWithParams(k, c)
	for len(s.levels) < len(levels) {
		s.expand()
	}
	for h, l := range levels {
		s.levels[h].buf = append(s.levels[h].buf[:0], l...)
	}
	s.actual = s.itemCount()
	if invariants {
		s.check("FromLevels")
	}
	return s
}

// K returns the sketch size k.
func (s *Sketch) K() int { return s.k }

// C returns the shrinking factor c.
func (s *Sketch) C() float64 { return s.c }

// capacity returns cap(h) = 2·(⌈k·c^h/2⌉ + 1), evaluated in the same floating-point steps as
// Deequ's QuantileNonSample.capacity (Math.ceil(sketchSize * Math.pow(shrinkingFactor, height) /
// 2).toInt). Go's math.Pow and Java's Math.pow may differ in the last bit; that can only change
// the result when k·c^h/2 is within about 1e-13 (relative) of an integer. For k = 2048, c = 0.64
// the nearest case is h = 14 (1.9807…), far from it; TestCapacityExact checks this.
func capacity(k int, c float64, h int) int {
	return 2 * (int(math.Ceil(float64(k)*math.Pow(c, float64(h))/2)) + 1)
}

// expand adds an empty level on top (QuantileNonSample.expand) and updates the total capacity.
func (s *Sketch) expand() {
	h := len(s.levels)
	if h < cap(s.levels) {
		// A released sketch's level (newSketch): its buffer, emptied, is reused.
		s.levels = s.levels[:h+1]
		s.levels[h] = level{buf: s.levels[h].buf[:0]}
	} else {
		s.levels = append(s.levels, level{})
	}
	s.caps = append(s.caps, capacity(s.k, s.c, h))
	s.totalCap += s.caps[h]
}

// itemCount is QuantileNonSample.getCompactorItemsCount: items on all levels.
func (s *Sketch) itemCount() int {
	n := 0
	for i := range s.levels {
		n += len(s.levels[i].buf)
	}
	return n
}

// Update adds x (QuantileNonSample.update): x is appended to level 0 and, if the sketch then holds
// more items than its total capacity, one level is compacted (condense). Amortised O(1); it does
// not allocate once the level buffers have reached their working size. NaN is accepted and sorts
// above +Inf (Java's Double.compare), but the analyzer never produces it.
func (s *Sketch) Update(x float64) {
	l0 := &s.levels[0]
	l0.buf = append(l0.buf, x)
	s.actual++
	if s.actual > s.totalCap {
		s.condense()
	}
}

// UpdateMany adds the values of xs in order, exactly as that many calls of Update would: level
// 0 takes them in runs that end where Update would condense. It saves a call and a test per
// value where the caller has the values at hand (an array's numbers).
func (s *Sketch) UpdateMany(xs []float64) {
	for len(xs) > 0 {
		// Update condenses after the append that makes actual exceed totalCap (at once if it
		// already does: a condense compacts one level, which need not bring it under).
		k := min(len(xs), max(1, s.totalCap-s.actual+1))
		if s.addLevel0(xs[:k], s.actual+k > s.totalCap) {
			s.actual = s.itemCount()
			if invariants {
				s.check("UpdateMany")
			}
		} else {
			s.actual += k
			if s.actual > s.totalCap {
				s.condense()
			}
		}
		xs = xs[k:]
	}
}

// condense is QuantileNonSample.condense: compact the lowest level h whose size is at least
// cap(h) into level h+1 (adding a level if h is the top), recount the items and stop. It reports
// whether a level was compacted.
func (s *Sketch) condense() bool {
	for h := range s.levels {
		if len(s.levels[h].buf) >= s.caps[h] {
			if h+1 >= len(s.levels) {
				s.expand()
			}
			s.compact(h)
			s.actual = s.itemCount()
			if invariants {
				s.check("condense")
			}
			return true
		}
	}
	return false
}

// workspaces holds compact's sort workspaces (keys and a scatter buffer, 16 bytes per item),
// shared by all sketches: a sketch that kept its own would hold ~64 KiB between compactions, and
// a wide profile holds thousands of sketches (156 MB of a 443 MB live heap on 1,000 columns,
// BENCHMARKS.md "Wide data, fourth round").
var workspaces = sync.Pool{New: func() any { return new([]uint64) }}

// compact is NonSampleCompactor.compact applied to level h, with its output appended to level
// h+1. With size = len(buffer) and n = size rounded down to even: toggle offset if numOfCompress
// is odd; sort the first n items in Java's Double.compare order (-0.0 < 0.0, NaN last); emit the
// sorted items at indices offset, offset+2, … < n to level h+1; keep only the last item of the
// unsorted buffer if size is odd (else nothing); increment numOfCompress. The total weight is
// unchanged: n items of weight 2^h become n/2 items of weight 2^(h+1).
func (s *Sketch) compact(h int) { s.compactWith(h, nil) }

// addLevel0 appends more to level 0, unless due (the caller condenses next: Update's and Merge's
// rules differ) and level 0 then holds at least its capacity, so that condense would compact it
// first: then it does that compaction with more in place, without copying more into level 0
// (BENCHMARKS.md, "Runs compacted in place"), and reports true. The caller recounts actual.
func (s *Sketch) addLevel0(more []float64, due bool) bool {
	l0 := &s.levels[0]
	if !due || len(more) == 0 || len(l0.buf)+len(more) < s.caps[0] {
		l0.buf = append(l0.buf, more...)
		return false
	}
	if len(s.levels) == 1 {
		s.expand() // as condense does before compacting the top level
	}
	s.compactWith(0, more)
	return true
}

// compactWith is compact applied to level h's buffer followed by the items of more, without
// appending them to it first.
func (s *Sketch) compactWith(h int, more []float64) {
	lv := &s.levels[h]
	held := len(lv.buf)
	size := held + len(more)
	n := size - size%2
	if lv.numCompress%2 == 1 {
		lv.offset = 1 - lv.offset
	}
	ws := workspaces.Get().(*[]uint64)
	defer workspaces.Put(ws)
	if cap(*ws) < 2*n {
		// Level 0's size creeps up by a few items per compaction as levels are added: grow
		// geometrically so the workspace is reallocated O(log) times, not at every compaction.
		*ws = make([]uint64, max(2*n, 2*cap(*ws)))
	}
	keys, tmp := (*ws)[:n], (*ws)[n:2*n]
	if n <= held {
		toKeys(keys, lv.buf[:n])
	} else {
		toKeys(keys[:held], lv.buf)
		toKeys(keys[held:], more[:n-held])
	}
	sorted := sortKeys(keys, tmp)
	next := s.levels[h+1].buf
	if cap(next) == 0 {
		// Size a level once, for what it holds before it is compacted in turn, rather than by
		// doubling: chunk sketches are short-lived and many.
		next = make([]float64, 0, max(n/2, s.caps[h+1]+1))
	}
	start := len(next)
	m := (n - lv.offset + 1) / 2 // the indices offset, offset+2, … < n
	next = slices.Grow(next, m)[:start+m]
	fromEvenKeys(next[start:], sorted[lv.offset:n])
	s.levels[h+1].buf = next
	if invariants {
		checkSortedRun(next[start:])
	}
	switch {
	case size%2 == 0:
		lv.buf = lv.buf[:0]
	case len(more) > 0:
		lv.buf = append(lv.buf[:0], more[len(more)-1])
	default:
		lv.buf[0] = lv.buf[size-1]
		lv.buf = lv.buf[:1]
	}
	lv.numCompress++
}

// Merge adds o's items to s with Deequ's QuantileNonSample.merge semantics, which the Spark
// aggregation uses to combine partition buffers (contract §5.5): s gets empty levels (fresh
// counters) until it has as many as o; every level i of o is appended to level i of s
// (s.level[i] ++ o.level[i]); then, while s holds at least as many items as its total capacity
// (note ≥ here, > in Update), one level is condensed. s keeps its own numOfCompress/offset
// counters and capacities (its k and c); o's counters are not used. o is not modified;
// s.Merge(s) merges a copy of s.
//
// Consequence: merging a sketch whose item count equals its total capacity into an empty one
// compacts once more, so the result differs from the input; below that, it is an exact copy.
func (s *Sketch) Merge(o *Sketch) {
	if o == s {
		o = o.Clone()
	}
	for len(s.levels) < len(o.levels) {
		s.expand()
	}
	for i := 1; i < len(o.levels); i++ {
		s.levels[i].buf = append(s.levels[i].buf, o.levels[i].buf...)
	}
	// Level 0 last, so that the first condense below can take o's items in place (a chunk of
	// wide data is a few hundred items on level 0 alone).
	more := o.levels[0].buf
	s.addLevel0(more, s.itemCount()+len(more) >= s.totalCap)
	s.actual = s.itemCount()
	for s.actual >= s.totalCap {
		// Unreachable guard: with actual ≥ totalCap some level holds ≥ its capacity, so condense
		// always compacts (and strictly reduces actual). Kept so a broken invariant cannot hang.
		if !s.condense() {
			if invariants {
				panic("kll: merge found no level to condense")
			}
			break
		}
	}
	if invariants {
		s.check("Merge")
	}
}

// Clone returns a deep copy of s, counters included. It shares no memory with s.
func (s *Sketch) Clone() *Sketch {
	c := &Sketch{k: s.k, c: s.c, totalCap: s.totalCap, actual: s.actual}
	c.levels = make([]level, len(s.levels))
	for i, l := range s.levels {
		c.levels[i] = level{
			buf:         append(make([]float64, 0, cap(l.buf)), l.buf...),
			numCompress: l.numCompress,
			offset:      l.offset,
		}
	}
	c.caps = append([]int(nil), s.caps...)
	return c
}

// Levels returns the sketch items as Deequ's getCompactorItems (statistics.json "sketch.data"):
// one slice per level, level 0 first, each in buffer order (level 0 in arrival order, higher
// levels as runs of sorted compaction output). Empty levels are empty, non-nil slices. The result
// shares no memory with s.
func (s *Sketch) Levels() [][]float64 {
	out := make([][]float64, len(s.levels))
	for i, l := range s.levels {
		out[i] = append(make([]float64, 0, len(l.buf)), l.buf...)
	}
	return out
}

// Count returns the total weight Σ_h len(level h)·2^h. Update adds 1, compaction preserves it and
// Merge adds o.Count(), so it equals the number of values the sketch has seen.
func (s *Sketch) Count() int64 {
	var n int64
	for h, l := range s.levels {
		n += int64(len(l.buf)) << h
	}
	return n
}

// Rank returns QuantileNonSample.getRank(x): Σ 2^h over items v on level h with !(v > x), the
// estimated number of values ≤ x. Comparisons are IEEE (Scala 2.12's Ordering.Double.gt), so
// -0.0 and 0.0 count as equal. O(items); for many queries use Buckets, which sorts once.
func (s *Sketch) Rank(x float64) int64 {
	var r int64
	for h, l := range s.levels {
		var c int64
		for _, v := range l.buf {
			if !(v > x) {
				c++
			}
		}
		r += c << h
	}
	return r
}

// RankExclusive returns QuantileNonSample.getRankExclusive(x): Σ 2^h over items v on level h
// with v < x (IEEE), the estimated number of values < x. O(items).
func (s *Sketch) RankExclusive(x float64) int64 {
	var r int64
	for h, l := range s.levels {
		var c int64
		for _, v := range l.buf {
			if v < x {
				c++
			}
		}
		r += c << h
	}
	return r
}
