package stats

import (
	"cmp"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/driftwatch/driftwatch/stats/dtype"
	"github.com/driftwatch/driftwatch/stats/hll"
	"github.com/driftwatch/driftwatch/stats/kll"
)

// CategoryCap is the number of distinct values a column counts exactly before it gives up on
// categorical buckets. Buckets are only written when the HLL++ estimate is ≤ 120
// (ColumnProfiler.DEFAULT_CARDINALITY_THRESHOLD); at precision 9 (relative SD 4.6 %) an estimate of
// 120 for more than 1024 true distinct values is a 100-sigma event, so the cap never hides a
// bucket in practice while bounding memory per column.
const CategoryCap = 1024

// Column accumulates the statistics of one column over some of the rows. Accumulators of
// different parts of the data merge (Merge) into the accumulator of their union.
type Column struct {
	Name  string
	Kinds dtype.Counts // per-value kinds; Kinds[dtype.Unknown] counts nulls
	HLL   hll.Sketch   // over the raw value (strings) or the typed value (typed arrays)
	num   numeric
	// cats are the exact counts of the non-null values, keyed by the value's XXH64 (already
	// computed for HLL++, so counting costs no string hashing); nil once over CategoryCap. Two
	// distinct values of one column colliding in 64 bits is a 2^-44 event at the cap.
	cats map[uint64]category
	// list holds the exact counts instead of cats, sorted by hash, while the column has only been
	// given one string array or merged from such columns: a chunk's column is merged once and
	// dropped, so it needs no map (building one per column per chunk cost 9 % of a 1,000-column
	// job). At most one of cats and list is non-empty; materialize moves list into cats.
	list []catEntry
	// catsOff is set once the exact counts were dropped (too many distinct values).
	catsOff bool
	// typed records whether values arrived as typed (non-string) Arrow arrays.
	typed bool
	// trackSet and tracked count chosen values exactly (Profile.TrackValues).
	trackSet *trackedSet
	tracked  map[string]int64
	// dict describes the values of the last dictionary array added (addDict).
	dict *dictCache
}

func (c *Column) setTracked(set *trackedSet) {
	if set == nil {
		return
	}
	c.trackSet = set
	if c.tracked == nil {
		c.tracked = make(map[string]int64, len(set.values))
	}
}

// numeric accumulates the numeric statistics of the values that cast to a number (contract §5.3).
type numeric struct {
	count    int64
	sum      float64
	moments  Moments
	min, max float64 // true extremes
	sketch   *kll.Sketch
	sizeHint int // values in the array being added: level 0's first size (add)
	// pending holds the numbers of the array just added, not yet in the statistics: Column.Add
	// folds them in at once (flush), Profile.Add four columns at a time (flushPending).
	// pendingBuf is their scratch buffer, if they have one.
	pending    []float64
	pendingBuf *[]float64
}

// stateMin and stateMax are the KLL aggregation state's extremes, which start at Int.MaxValue and
// Int.MinValue (StatefulKLLSketch.initialize), take every value in and drive the bucket bounds.
// They need not be tracked per value: the start value is a finite number, which never wins
// against NaN or -Inf (+Inf for the maximum), and among the other values min is an ordinary,
// associative minimum, so folding it in at the end gives what folding it in first gives, whatever
// the order and grouping of the values and the operations (built-in min/max per value,
// math.Min/Max where profiles merge). TestMinMaxJavaSemantics checks it against the tracked state.
func (n *numeric) stateMin() float64 { return min(kllStateMin, n.min) }
func (n *numeric) stateMax() float64 { return max(kllStateMax, n.max) }

// Spark's StatefulKLLSketch initial state: Int.MaxValue.toDouble / Int.MinValue.toDouble.
const (
	kllStateMin = float64(math.MaxInt32)
	kllStateMax = float64(math.MinInt32)
)

func newNumeric() numeric {
	return numeric{min: math.Inf(1), max: math.Inf(-1)}
}

func (n *numeric) add(x float64) {
	s := n.stats()
	s.add(x)
	n.setStats(s)
	n.updateSketch([]float64{x})
}

// hold makes xs, the numbers of the array just added in order, pending (buf: their scratch
// buffer, or nil). They must be flushed before the column is read or added to again.
func (n *numeric) hold(xs []float64, buf *[]float64) {
	n.pending, n.pendingBuf = xs, buf
}

// flush adds the pending numbers to the statistics and the sketch.
func (n *numeric) flush() {
	n.addPending()
	n.finishPending()
}

// addPending adds the pending numbers to the statistics (not to the sketch).
func (n *numeric) addPending() {
	st := n.stats()
	st.addAll(n.pending)
	n.setStats(st)
}

// flushPending is flush for each of ns with the columns' statistics updated four, then two at a
// time in one loop (addPendingQuad, addPendingPair): each column's moments are one long
// dependency chain (a division per value), and independent chains keep the divider busy where
// one waits on itself (BenchmarkAddPending, medians of 6: 8.9 ns per value one column at a time,
// 5.6 in pairs, 4.6 in fours). Each column sees its values in order, so the bits are
// flush's.
//
// Where the processor can, the columns' states stay in registers (statsOcto), up to eight
// columns per call (addPendingKernel).
func flushPending(ns []*numeric) {
	rest := ns
	if useBlockKernels {
		for len(rest) > 0 {
			g := rest[:min(8, len(rest))]
			addPendingKernel(g)
			rest = rest[len(g):]
		}
	}
	for ; len(rest) >= 4; rest = rest[4:] {
		addPendingQuad(rest[0], rest[1], rest[2], rest[3])
	}
	if len(rest) >= 2 {
		addPendingPair(rest[0], rest[1])
		rest = rest[2:]
	}
	for _, n := range rest {
		n.addPending()
	}
	for _, n := range ns {
		n.finishPending()
	}
}

// addPendingKernel adds the pending numbers of one to eight columns to their statistics with
// statsOcto, for as many numbers as every column has, then the rest of each column one by one.
// Fewer than eight columns are padded with the last one, whose extra results are dropped: the
// kernel's time is its columns' division chains side by side, so a padded lane costs little.
func addPendingKernel(ns []*numeric) {
	k := len(ns[0].pending)
	for _, n := range ns[1:] {
		k = min(k, len(n.pending))
	}
	var st [8]numStats
	var xs [8]*float64
	for c := range st {
		n := ns[min(c, len(ns)-1)]
		st[c] = n.stats()
		if k > 0 {
			xs[c] = &n.pending[0]
		}
	}
	if k > 0 {
		statsOcto(&st, &xs, k)
		for c, n := range ns {
			if s := st[c].sum; s != s {
				// VRANGEPD returns the number of a number and a NaN; Go's min and max return
				// NaN. A NaN among the numbers or the extremes makes the sum NaN, so such a
				// column's extremes are taken again here, from n's, which setStats below has
				// not replaced yet.
				lo, hi := n.min, n.max
				for _, x := range n.pending[:k] {
					lo, hi = min(lo, x), max(hi, x)
				}
				st[c].min, st[c].max = lo, hi
			}
		}
	}
	for c, n := range ns {
		st[c].addAll(n.pending[k:])
		n.setStats(st[c])
	}
}

// addPendingPair is a.addPending() and b.addPending() in one loop.
func addPendingPair(a, b *numeric) {
	xa, xb := a.pending, b.pending
	sa, sb := a.stats(), b.stats()
	k := min(len(xa), len(xb))
	for i := range k {
		sa.add(xa[i])
		sb.add(xb[i])
	}
	sa.addAll(xa[k:])
	sb.addAll(xb[k:])
	a.setStats(sa)
	b.setStats(sb)
}

// addPendingQuad is addPendingPair for four columns.
func addPendingQuad(a, b, c, d *numeric) {
	xa, xb, xc, xd := a.pending, b.pending, c.pending, d.pending
	sa, sb, sc, sd := a.stats(), b.stats(), c.stats(), d.stats()
	k := min(len(xa), len(xb), len(xc), len(xd))
	for i := range k {
		sa.add(xa[i])
		sb.add(xb[i])
		sc.add(xc[i])
		sd.add(xd[i])
	}
	sa.addAll(xa[k:])
	sb.addAll(xb[k:])
	sc.addAll(xc[k:])
	sd.addAll(xd[k:])
	a.setStats(sa)
	b.setStats(sb)
	c.setStats(sc)
	d.setStats(sd)
}

// numStats is numeric's per-value state, copied out so that a loop keeps it in registers.
type numStats struct {
	count    int64
	sum      float64
	m        Moments
	min, max float64
}

func (n *numeric) stats() numStats {
	return numStats{n.count, n.sum, n.moments, n.min, n.max}
}

func (n *numeric) setStats(s numStats) {
	n.count, n.sum, n.moments, n.min, n.max = s.count, s.sum, s.m, s.min, s.max
}

// add adds x to the count, sum, moments (Spark's operation order, Moments.Add) and extremes.
func (s *numStats) add(x float64) {
	s.count++
	s.sum += x
	s.m.Add(x)
	// The built-in min/max order -0.0 below 0.0 and propagate NaN, like java.lang.Math.min/max
	// and math.Min/Max, but compile inline (TestMinMaxJavaSemantics).
	s.min = min(s.min, x)
	s.max = max(s.max, x)
}

// addAll adds each of xs in order.
func (s *numStats) addAll(xs []float64) {
	for _, x := range xs {
		s.add(x)
	}
}

// finishPending adds the pending numbers to the sketch and gives their buffer back.
func (n *numeric) finishPending() {
	n.updateSketch(n.pending)
	if n.pendingBuf != nil {
		floatScratch.Put(n.pendingBuf)
	}
	n.pending, n.pendingBuf = nil, nil
}

// updateSketch adds xs to the KLL sketch in order (kll.Sketch.UpdateMany: one call per array
// instead of one per value), creating it on the first value.
func (n *numeric) updateSketch(xs []float64) {
	if len(xs) == 0 {
		return
	}
	if n.sketch == nil {
		// Level 0 sized for the array at once: a short array (a chunk of wide data holds a few
		// hundred rows) would otherwise grow it by doubling from kll's initial 256 items.
		n.sketch = kll.NewReserved(n.sizeHint)
	}
	n.sketch.UpdateMany(xs)
}

// floatScratch holds the buffers in which Add gathers an array's numbers (numeric.hold).
var floatScratch = sync.Pool{New: func() any { return new([]float64) }}

// scratchFloats returns a buffer from floatScratch with room for n numbers, and its holder for
// floatScratch.Put.
func scratchFloats(n int) (*[]float64, []float64) {
	p := floatScratch.Get().(*[]float64)
	if cap(*p) < n {
		*p = make([]float64, 0, n)
	}
	return p, (*p)[:0]
}

// merge folds o into n the way Spark's final aggregation merges a partition buffer into its own.
func (n *numeric) merge(o *numeric) {
	n.count += o.count
	n.sum += o.sum
	n.moments.Merge(o.moments)
	n.min = math.Min(n.min, o.min)
	n.max = math.Max(n.max, o.max)
	if n.sketch == nil {
		n.sketch = kll.New()
	}
	if o.sketch != nil {
		n.sketch.Merge(o.sketch)
	}
}

// NewColumn returns an empty accumulator.
func NewColumn(name string) *Column {
	return &Column{Name: name, num: newNumeric(), cats: map[uint64]category{}}
}

// AddNulls records n rows in which the column is absent or null.
func (c *Column) AddNulls(n int64) { c.Kinds[dtype.Unknown] += n }

// trim gives back the spare capacity of the column's KLL sketch (kll.Sketch.Trim).
func (c *Column) trim() {
	if c.num.sketch != nil {
		c.num.sketch.Trim()
	}
	c.dict = nil // a dictionary array's cache: the profile waits, it is given no more arrays
}

// Add folds an Arrow array into the accumulator. String arrays are typed per value (contract §5.2);
// integer, floating-point and boolean arrays are Integral, Fractional and Boolean values.
// Other types are rejected by the caller (decoders normalise them).
func (c *Column) Add(a arrow.Array) error {
	err := c.add(a)
	c.num.flush()
	return err
}

// add is Add leaving the array's numbers pending (numeric.hold): the caller flushes them.
func (c *Column) add(a arrow.Array) error {
	switch a := a.(type) {
	case *array.String:
		c.addStrings(a)
	case *array.Dictionary:
		return c.addDict(a)
	case *array.Int64:
		vals := a.Int64Values()
		c.num.sizeHint = len(vals)
		p, xs := scratchFloats(len(vals))
		xs = hashTyped(c, a, vals, (*hll.Sketch).AddInt64s, xs, true)
		c.num.hold(xs, p)
		c.addTypedKinds(dtype.Integral, len(vals), a.NullN())
	case *array.Float64:
		vals := a.Float64Values()
		nulls := a.NullN() != 0
		c.num.sizeHint = len(vals)
		// Without nulls the array's values are the numbers as they are; with some, the others
		// are gathered in a scratch buffer.
		var p *[]float64
		xs := vals
		if nulls {
			p, xs = scratchFloats(len(vals))
		}
		xs = hashTyped(c, a, vals, (*hll.Sketch).AddFloat64s, xs, nulls)
		c.num.hold(xs, p)
		c.addTypedKinds(dtype.Fractional, len(vals), a.NullN())
	case *array.Boolean:
		trues := countTrue(a)
		present := int64(a.Len() - a.NullN())
		c.addTypedKinds(dtype.Boolean, a.Len(), a.NullN())
		// Spark hashes a boolean as the int 1 or 0 (XxHash64Function.hashInt). HLL++ registers
		// are a maximum and counts a sum, so each of the two values is added once, with its count.
		for _, b := range [2]struct {
			n    int64
			bits uint32
			s    string
		}{{present - trues, 0, "false"}, {trues, 1, "true"}} {
			if b.n == 0 {
				continue
			}
			var w [4]byte
			binary.LittleEndian.PutUint32(w[:], b.bits)
			c.HLL.AddHash(hll.Hash(w[:]))
			c.countN(b.s, hll.HashString(b.s), b.n)
		}
	default:
		return &TypeError{Column: c.Name, Type: a.DataType()}
	}
	return nil
}

// countTrue counts the non-null true values of a: the set bits of its values bitmap, ANDed with
// its validity bitmap when it has nulls, eight bytes at a time (a bit test per value was 3.7 %
// of a Parquet job with one boolean column of nine).
func countTrue(a *array.Boolean) int64 {
	n := a.Len()
	if n == 0 {
		return 0
	}
	off := a.Data().Offset()
	vals := a.Data().Buffers()[1].Bytes()
	var valid []byte
	if a.NullN() != 0 {
		valid = a.NullBitmapBytes()
	}
	word := func(b []byte, bit int) uint64 { // the 64 bits from bit on
		i := bit / 8
		lo := binary.LittleEndian.Uint64(b[i:]) >> (bit % 8)
		if bit%8 != 0 {
			lo |= uint64(b[i+8]) << (64 - bit%8)
		}
		return lo
	}
	var trues int
	i := 0
	// Whole words: the bytes word reads hold bits below off+n, which a valid array's bitmaps
	// have (the byte past the first eight is read only when the word starts inside a byte).
	for ; i+64 <= n; i += 64 {
		w := word(vals, off+i)
		if valid != nil {
			w &= word(valid, off+i)
		}
		trues += bits.OnesCount64(w)
	}
	for ; i < n; i++ {
		if (valid == nil || a.IsValid(i)) && a.Value(i) {
			trues++
		}
	}
	return int64(trues)
}

// hashTyped adds the non-null values of a typed array (vals its values; add is
// (*hll.Sketch).AddInt64s or AddFloat64s) to the HLL++ sketch, a run between nulls at a time;
// with gather it also appends them to xs as numbers, and returns xs.
func hashTyped[T int64 | float64](c *Column, a arrow.Array, vals []T, add func(*hll.Sketch, []T), xs []float64, gather bool) []float64 {
	nulls := a.NullN() != 0
	for i := 0; i < len(vals); {
		if nulls && a.IsNull(i) {
			i++
			continue
		}
		j := len(vals)
		if nulls {
			j = nextNull(a, i, j)
		}
		add(&c.HLL, vals[i:j])
		if gather {
			xs = appendNumbers(xs, vals[i:j])
		}
		i = j
	}
	return xs
}

// appendNumbers appends vs to xs as float64s.
func appendNumbers[T int64 | float64](xs []float64, vs []T) []float64 {
	if f, ok := any(vs).([]float64); ok {
		return append(xs, f...)
	}
	n := len(xs)
	xs = slices.Grow(xs, len(vs))[:n+len(vs)]
	dst := xs[n:]
	for k, v := range vs { // no append per value: its capacity check kept the loop scalar
		dst[k] = float64(v)
	}
	return xs
}

// addTypedKinds counts the kinds of a typed array (Int64, Float64, Boolean) of n values, nulls of
// them null: the others are of kind k. Add's loops have hashed them by their typed value for HLL++
// (as Spark hashes a long, a double or a boolean) and added the numbers to the numeric statistics.
func (c *Column) addTypedKinds(k dtype.Kind, n, nulls int) {
	c.typed = true
	c.Kinds[k] += int64(n - nulls)
	c.Kinds[dtype.Unknown] += int64(nulls)
}

// TypeError reports an Arrow type the engine does not profile.
type TypeError struct {
	Column string
	Type   arrow.DataType
}

func (e *TypeError) Error() string {
	return "stats: column " + strconv.Quote(e.Column) + ": unsupported arrow type " + e.Type.String()
}

// addStrings folds a string array in: every non-null value is classified (contract §5.2), hashed
// for HLL++ and counted exactly; numeric values are cast and added to the numeric statistics while
// the column has seen no String or Boolean value (after one, it can only be String).
//
// Two array-local tables (memo.go) replace per-value map work:
//   - short values (≤ memoMaxLen bytes) that repeat are looked up in a memo keyed by their bytes,
//     which holds their kind, cast value and XXH64: a repeat costs one probe instead of a
//     classification, a cast, a hash and a count;
//   - the other values are counted by XXH64 in a local table; once it holds more than
//     CategoryCap distinct values the column's exact counts are dropped on the spot, without
//     building them first.
//
// Both are folded into the column at the end of the array. HLL++ registers are a maximum
// (idempotent), and whether the exact counts survive, and their values, depend only on the
// multiset of values, so the result is the same as adding the values one by one (addStringsPlain,
// the oracle of TestAddStringsMatchesPlain); the numeric statistics still see every value in order.
func (c *Column) addStrings(a *array.String) {
	n := a.Len()
	if n == 0 {
		return
	}
	// numOn: numeric values still count for the numeric statistics. After a String or Boolean
	// value the column can only be String, so numeric work stops for the rest of its data here.
	numOn := c.Kinds[dtype.String] == 0 && c.Kinds[dtype.Boolean] == 0
	c.num.sizeHint = n
	var memo memoTable
	var counts countTable
	useMemo := !c.catsOff && n >= memoMinRows
	if useMemo {
		memo.init()
		defer memo.release()
	}
	if !c.catsOff {
		counts.init()
		defer counts.release()
	}
	offs := a.ValueOffsets()[:n+1] // the length lets the compiler drop the loop's index checks
	data := a.ValueBytes()
	// str is the array's value bytes as one string: value i is str[offs[i]-base : offs[i+1]-base],
	// what a.Value(i) returns, without its per-call index check and offset arithmetic.
	str := unsafe.String(unsafe.SliceData(data), len(data))
	base := offs[0]
	seen := 0
	nulls := a.NullN() != 0
	tracking := c.trackSet.any()
	// kinds counts this array's kinds, added to c.Kinds at the end: kept local, the counters need
	// not be reloaded and stored through c around every call in the loop.
	var kinds dtype.Counts
	// xs gathers the numbers, in order, for the statistics and the KLL sketch: they are added
	// after the loop (numeric.hold, then flush or flushPending).
	scratch, xs := scratchFloats(n)
	i := 0
	if numOn && c.catsOff && !c.trackSet.hasNumbers() {
		// The common state of a continuous numeric column past its first rows: no memo, no
		// counts, and no number among the tracked values (a monitoring job tracks its
		// baseline's categories: words), so only values that are not plain numbers can be
		// tracked. The loops below do only what that state needs, with fewer values live
		// across their calls, until a value turns the column String: eight values at a time
		// where the processor can (numberBlocks), then one at a time.
		if useBlockKernels {
			i, xs, numOn = c.numberBlocks(a, str, offs, base, &kinds, xs)
		}
		for ; numOn && i < n; i++ {
			if nulls && a.IsNull(i) {
				kinds[dtype.Unknown]++
				continue
			}
			v := str[offs[i]-base : offs[i+1]-base]
			k, x, ok := dtype.Parse(v)
			kinds[k]++
			c.HLL.AddHash(hll.HashString(v))
			if tracking {
				c.track(v, 1)
			}
			if ok {
				xs = append(xs, x)
			}
			if k == dtype.Boolean || k == dtype.String {
				numOn = false
				i++
				break
			}
		}
	}
	// mw holds the memo's words and hashes of values kb … ke-1, computed eight at a time
	// (memoWords) where the processor can.
	var mw [8 * memoBatch][4]uint64
	kb, ke := 0, 0
	// set is the memo's entries for smallHits while there are at most smallMax of them.
	var set smallSet
	set.used = -1
	// nullAt is the first null at or after i, once it is looked for (-1 before): smallHits' blocks
	// stop before it. Kept, not searched again at every call: a long array with one null near
	// its end made each call scan the bitmap up to it (quadratic; a helper's review measured
	// 27.6 ms against 3.6 ms for 1 Mi values).
	nullAt := -1
	for ; i < n; i++ {
		if useMemo && i >= ke && useBlockKernels && memo.used <= min(smallLimit, smallMax) && seen >= 4*memoProbe && n-i >= 8 {
			// Few distinct values, past the memo's probe (so hits can no longer change whether
			// it is kept): whole blocks of eight whose values are all known are counted by
			// comparing each with every entry at once, up to the first block with a new or a
			// long value, or a null, which this loop then takes as before.
			limit := n
			if nulls {
				if nullAt < i {
					nullAt = nextNull(a, i, n)
				}
				limit = nullAt
			}
			if set.used != memo.used || set.numOn != numOn {
				set.build(&memo, numOn)
			}
			if nb := (limit - i) / 8; nb > 0 && set.d > 0 {
				blocks, nx := smallHits(unsafe.SliceData(data), int(base), &offs[i], nb, &set,
					unsafe.SliceData(xs[len(xs):cap(xs)]), set.d, set.dok)
				set.commit(&memo)
				xs = xs[:len(xs)+nx]
				i += 8 * blocks
				seen += 8 * blocks
				if i == n {
					break
				}
			}
		}
		if !useMemo && !numOn && c.catsOff && !tracking && useBlockKernels && n-i >= 8 {
			// A text column of many distinct values (the memo given up, no counts): hashed
			// eight at a time (stringBlocks), the last few values below.
			i = c.stringBlocks(a, str, offs, base, &kinds, i)
			if i == n {
				break
			}
		}
		if i < ke && useMemo {
			// The run of values found at their first slot, in a loop of its own (memoHits);
			// it stops where this loop has something to decide.
			limit := ke
			if seen < 4*memoProbe {
				next := memoProbe
				if seen >= memoProbe {
					next = 4 * memoProbe
				}
				limit = min(limit, i+next-1-seen) // the value that makes seen reach next is this loop's
			}
			if nulls {
				limit = nextNull(a, i, limit)
			}
			// xs has room: it holds at most one number per value before i, and its buffer one
			// per value of the array.
			d, nx := memoHits(unsafe.SliceData(memo.slots), uint64(len(memo.slots)-1), &mw[0], i-kb, limit-kb,
				unsafe.SliceData(xs[:cap(xs)]), len(xs), numOn)
			xs = xs[:nx]
			run := d - (i - kb)
			i += run
			seen += run
			if i == n {
				break
			}
		}
		if nulls && a.IsNull(i) {
			kinds[dtype.Unknown]++
			continue
		}
		s, e := int(offs[i]-base), int(offs[i+1]-base)
		if useMemo {
			if l := e - s; l <= memoMaxLen {
				if i >= ke && n-i >= 8 {
					nb := min((n-i)/8, memoBatch)
					if useBlockKernels {
						memoWords(unsafe.SliceData(data), int(base), &offs[i], nb, &mw[0])
					} else {
						memoWordsGo(data, base, offs[i:i+8*nb+1], &mw)
					}
					kb, ke = i, i+8*nb
				}
				var w0, w1, h uint64
				if i < ke {
					d := i - kb
					w0, w1, h = mw[d][0], mw[d][1], mw[d][2]
				} else {
					w0, w1 = memoKey(data, s, e)
					h = memoHash(w0, w1)
				}
				var k dtype.Kind
				var x float64
				var ok bool
				j, ent := memo.at(h)
				found := ent.holds(w0, w1, uint8(l))
				if !found {
					ent, found = memo.probe(j, w0, w1, uint8(l))
				}
				if found {
					ent.n++
					k, x, ok = ent.k, ent.x, ent.ok
				} else {
					v := str[s:e]
					if numOn {
						k, x, ok = dtype.Parse(v)
					} else {
						k = dtype.Classify(v)
					}
					h := hll.HashString(v)
					c.HLL.AddHash(h)
					*ent = memoEntry{w0: w0, w1: w1, n: 1, x: x, h: h, first: int32(i), ln: uint8(l), k: k, ok: ok}
					memo.inserted() // may move the entries
				}
				seen++ // its kind is counted from the entry at the end
				if ok && numOn {
					xs = append(xs, x)
				}
				if k == dtype.Boolean || k == dtype.String {
					numOn = false
				}
				// Give up on the memo when the column's short values mostly differ (a key, a
				// measurement): past the category cap it could not count them anyway. A repeat
				// (found) adds to seen, not to memo.used, so it can only make the test true where
				// a clause starts to apply (seen reaching memoProbe or 4·memoProbe): elsewhere it
				// is skipped, with the same outcome.
				if (!found || seen == memoProbe || seen == 4*memoProbe) && (memo.used > CategoryCap ||
					(seen >= memoProbe && 4*memo.used > 3*seen) || (seen >= 4*memoProbe && 2*memo.used > seen)) {
					useMemo = false
				}
				continue
			}
		}
		v := str[s:e]
		var k dtype.Kind
		var x float64
		var ok bool
		if numOn {
			k, x, ok = dtype.Parse(v)
		} else {
			k = dtype.Classify(v)
		}
		kinds[k]++
		h := hll.HashString(v)
		c.HLL.AddHash(h)
		if ok && numOn {
			xs = append(xs, x)
		}
		if k == dtype.Boolean || k == dtype.String {
			numOn = false
		}
		if tracking {
			c.track(v, 1)
		}
		if !c.catsOff {
			// The column has at least as many distinct values as this array's counts.
			if counts.add(h, int32(i)) > CategoryCap {
				c.dropCategories()
			}
		}
	}
	c.num.hold(xs, scratch)
	// The memo's values are counted by kind here, from their entries, not one by one: an
	// increment of the counter of the column's kind for every value chains each value to the
	// one before through memory.
	for i := range memo.slots {
		if e := &memo.slots[i]; e.n != 0 {
			kinds[e.k] += e.n
		}
	}
	c.Kinds.Add(&kinds)
	if !c.catsOff && c.numCategories() == 0 {
		c.listCounts(a, &memo, &counts)
		return
	}
	c.materialize()
	if len(c.cats) == 0 && !c.catsOff {
		// Size the exact counts once: growing a map entry by entry costs more than the counting
		// on short arrays of many columns (wide data).
		c.cats = make(map[uint64]category, min(memo.used+counts.used, CategoryCap+1))
	}
	for i := range memo.slots {
		if e := &memo.slots[i]; e.n != 0 {
			c.countN(a.Value(int(e.first)), e.h, e.n)
		}
	}
	if !c.catsOff {
		for i := range counts.slots {
			if e := &counts.slots[i]; e.n != 0 {
				c.countCategory(a.Value(int(e.first)), e.h, e.n)
			}
		}
	}
}

// memoHits is addStrings' memo loop for the values d, d+1, … < end of a memoWords batch (value d's
// record — words, hash, length — is recs[d]; none of them null) that are found at the first slot
// their hash selects in the memo's slots (mask = len − 1): each adds one to its entry (addStrings
// counts the memo's kinds from the entries), and its number to xs[nx], xs[nx+1], … (room for
// every value given) if it has one and numOn is set. It stops before a value longer than
// memoMaxLen or not found at that slot, and returns the index it stopped at (not a count: one
// value less live, the loop kept its start on the stack) and the new length of xs. It takes
// pointers, not slices: with fewer values live, the loop runs in registers.
func memoHits(slots *memoEntry, mask uint64, recs *[4]uint64, d, end int, xs *float64, nx int, numOn bool) (int, int) {
	for ; d < end; d++ {
		r := (*[4]uint64)(unsafe.Add(unsafe.Pointer(recs), 32*d))
		l := r[3]
		if l > memoMaxLen {
			break
		}
		e := (*memoEntry)(unsafe.Add(unsafe.Pointer(slots), uintptr(r[2]&mask)*unsafe.Sizeof(memoEntry{})))
		if e.n == 0 || e.w0 != r[0] || e.w1 != r[1] || e.ln != uint8(l) {
			break
		}
		// A hit never turns the column String or Boolean: the entry's insertion already did
		// (numOn is then clear for the rest of the array, and the memo is the array's).
		if numOn && e.ok {
			*(*float64)(unsafe.Add(unsafe.Pointer(xs), 8*nx)) = e.x
			nx++
		}
		e.n++
	}
	return d, nx
}

// memoWordsGo is memoWords without assembly, for the values of offs (len(offs)-1 of them, at
// most len(out)): so that addStrings' memo hits take memoHits' loop on every processor (on the
// AVX2-only and portable paths each value took addStrings' loop; BENCHMARKS.md).
func memoWordsGo(data []byte, base int32, offs []int32, out *[8 * memoBatch][4]uint64) {
	for j := range len(offs) - 1 {
		s, e := int(offs[j]-base), int(offs[j+1]-base)
		w0, w1 := memoKey(data, s, e)
		out[j] = [4]uint64{w0, w1, memoHash(w0, w1), uint64(e - s)}
	}
}

// memoKey returns the memo's words of the value data[s:e]: its first sixteen bytes as two
// little-endian words, zero past its end.
func memoKey(data []byte, s, e int) (w0, w1 uint64) {
	if s+16 <= len(data) {
		w0 = binary.LittleEndian.Uint64(data[s:])
		w1 = binary.LittleEndian.Uint64(data[s+8:])
	} else {
		var tmp [16]byte
		copy(tmp[:], data[s:e])
		w0 = binary.LittleEndian.Uint64(tmp[:])
		w1 = binary.LittleEndian.Uint64(tmp[8:])
	}
	l := e - s
	return w0 & lowBytes[min(l, 8)], w1 & lowBytes[min(max(l-8, 0), 8)]
}

// nextNull returns the first null index of a in [i, end), or end.
func nextNull(a arrow.Array, i, end int) int {
	bm, off := a.NullBitmapBytes(), a.Data().Offset()
	for i < end {
		p := off + i
		if p&7 == 0 && i+8 <= end && bm[p>>3] == 0xff {
			i += 8 // eight valid values
			continue
		}
		if bm[p>>3]>>(p&7)&1 == 0 {
			return i
		}
		i++
	}
	return end
}

// lowBytes[l] keeps the low l bytes of a word (l ≤ 8): a table load instead of a variable shift,
// which Go guards for counts ≥ 64.
var lowBytes = [9]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff,
	0xffffffffffffff, 0xffffffffffffffff}

// listCounts stores the counts of a's values, gathered in memo and counts, as the column's first
// counts: a hash-sorted list, no map. Tracked values are counted as countN would.
func (c *Column) listCounts(a *array.String, memo *memoTable, counts *countTable) {
	l := make([]catEntry, 0, memo.used+counts.used)
	for i := range memo.slots {
		if e := &memo.slots[i]; e.n != 0 {
			l = c.listed(l, a.Value(int(e.first)), e.h, e.n)
		}
	}
	for i := range counts.slots {
		if e := &counts.slots[i]; e.n != 0 {
			l = append(l, catEntry{e.h, category{a.Value(int(e.first)), e.n}})
		}
	}
	// A short value may be in both tables (counted in the memo until it was abandoned, then by
	// hash).
	c.setList(l)
}

// listed appends v (XXH64 h, n occurrences) to l, the first counts of the column being built,
// and counts it in the tracked values as countN would.
func (c *Column) listed(l []catEntry, v string, h uint64, n int64) []catEntry {
	if c.trackSet.any() {
		c.track(v, n)
	}
	return append(l, catEntry{h, category{v, n}})
}

// setList stores the counts l, in any order and a value possibly more than once, as the column's
// first counts, sorted by hash with equal neighbours added up; or drops the counts when l holds
// more than CategoryCap values.
func (c *Column) setList(l []catEntry) {
	slices.SortFunc(l, func(x, y catEntry) int { return cmp.Compare(x.h, y.h) })
	out := l[:0]
	for _, e := range l {
		if n := len(out); n > 0 && out[n-1].h == e.h {
			out[n-1].n += e.n
			continue
		}
		out = append(out, e)
	}
	if len(out) > CategoryCap {
		c.dropCategories()
		return
	}
	for i := range out {
		out[i].value = strings.Clone(out[i].value)
	}
	c.list = out
}

// stringBlocks is addStrings' loop for a column that can only be String and counts no values
// (value i of a is str[offs[i]-base : offs[i+1]-base]), from value i on, whole blocks of eight:
// numBlocks hashes a batch of blocks (no casts); runs of values that are Strings by their first
// byte go to stringRun, the others (nulls, longer than 16 bytes, maybe of another kind) value by
// value. It returns the index after the last block.
func (c *Column) stringBlocks(a *array.String, str string, offs []int32, base int32, kinds *dtype.Counts, i int) int {
	const batch = 32 // as numberBlocks
	var hs [8 * batch]uint64
	var masks [batch]uint32
	var ws [batch][3][8]uint64
	data := unsafe.StringData(str)
	n := len(offs) - 1
	nulls := a.NullN() != 0
	for n-i >= 8 {
		nb := min((n-i)/8, batch)
		numBlocks(data, int(base), &offs[i], nb, &hs[0], nil, &masks[0], &ws[0], false)
		for j := 0; j < 8*nb; j++ {
			limit := 8 * nb
			if nulls {
				limit = nextNull(a, i+j, i+limit) - i
			}
			run := stringRun(data, base, &offs[i], &hs[0], &masks[0], j, limit, &c.HLL)
			kinds[dtype.String] += int64(run - j)
			if j = run; j == 8*nb {
				break
			}
			if nulls && a.IsNull(i+j) {
				kinds[dtype.Unknown]++
				continue
			}
			v := str[offs[i+j]-base : offs[i+j+1]-base]
			kinds[dtype.Classify(v)]++
			if masks[j>>3]>>(j&7)&1 != 0 { // longer than 16 bytes: not hashed by numBlocks
				c.HLL.AddHash(hll.HashString(v))
			} else {
				c.HLL.AddPacked(hs[j])
			}
		}
		i += 8 * nb
	}
	return i
}

// notString marks the bytes a value of another kind than String can start with (dtype.Classify:
// a sign, a blank, a digit; "true", "false"); a value of at least one byte that starts with
// another is a String.
var notString = func() (t [256]bool) {
	for _, b := range "+- 0123456789tf" {
		t[b] = true
	}
	return t
}()

// stringRun adds the HyperLogLog updates hs[j], hs[j+1], … < end of a numBlocks batch (value j
// spans offs[j] … offs[j+1] less base in data; masks as numBlocks sets them) to h while each
// value is hashed (at most 16 bytes) and a String by its first byte, and returns where it
// stopped. It takes pointers, not slices: with fewer values live, the loop runs in registers.
func stringRun(data *byte, base int32, offs *int32, hs *uint64, masks *uint32, j, end int, h *hll.Sketch) int {
	for ; j < end; j++ {
		if *(*uint32)(unsafe.Add(unsafe.Pointer(masks), 4*(j>>3)))>>(j&7)&1 != 0 {
			break // longer than 16 bytes
		}
		o := unsafe.Add(unsafe.Pointer(offs), 4*j)
		s, e := *(*int32)(o), *(*int32)(unsafe.Add(o, 4))
		if e == s || notString[*(*byte)(unsafe.Add(unsafe.Pointer(data), s-base))] {
			break
		}
		h.AddPacked(*(*uint64)(unsafe.Add(unsafe.Pointer(hs), 8*j)))
	}
	return j
}

// numberBlocks is addStrings' numeric loop eight values at a time (value i of a is
// str[offs[i]-base : offs[i+1]-base]): numBlocks casts and hashes a batch of blocks, then a
// block of eight non-null plain values adds its kinds, numbers and hashes at once, and a block
// with a null or another value (a long one, an exponent, a word) goes value by value, what the
// kernel did not do done by dtype.Parse and hll.HashString. It returns how many values it added
// — the full blocks, or up to a value that turned the column String or Boolean (numOn false
// then) — and xs with their numbers appended.
func (c *Column) numberBlocks(a *array.String, str string, offs []int32, base int32, kinds *dtype.Counts, xs []float64) (int, []float64, bool) {
	const batch = 32 // blocks per numBlocks call: its set-up, and 4 KiB of results on the stack
	var hs [8 * batch]uint64
	var xv [8 * batch]float64
	var masks [batch]uint32
	var ws [batch][3][8]uint64 // numBlocks' scratch
	data := unsafe.StringData(str)
	n := len(offs) - 1
	var valid []byte // the validity bitmap, if a has nulls
	if a.NullN() != 0 {
		valid = a.NullBitmapBytes()
	}
	off := a.Data().Offset()
	i := 0
	for n-i >= 8 {
		nb := min((n-i)/8, batch)
		numBlocks(data, int(base), &offs[i], nb, &hs[0], &xv[0], &masks[0], &ws[0], true)
		if valid != nil {
			for b := range masks[:nb] {
				masks[b] &^= uint32(^validByte(valid, off+i+8*b)) << 8 // a null is not plain
			}
		}
		for b := 0; b < nb; b++ {
			// Runs of all-plain blocks in a loop of their own (plainBlocks); xs has room for a
			// number per value. Then the block that ended the run, value by value.
			run, frac, nx := plainBlocks(&masks[b], nb-b, &hs[8*b], &xv[8*b], &c.HLL, unsafe.SliceData(xs[:cap(xs)]), len(xs))
			xs = xs[:nx]
			kinds[dtype.Fractional] += frac
			kinds[dtype.Integral] += int64(8*run) - frac
			if b += run; b == nb {
				break
			}
			m := masks[b]
			lo := 8 * b
			for j := lo; j < lo+8; j++ {
				if valid != nil && a.IsNull(i+j) {
					kinds[dtype.Unknown]++
					continue
				}
				bit := uint32(1) << (j - lo)
				v := str[offs[i+j]-base : offs[i+j+1]-base]
				k, x, ok := dtype.Integral, xv[j], true
				switch {
				case m>>8&bit == 0:
					k, x, ok = dtype.Parse(v)
				case m>>16&bit != 0:
					k = dtype.Fractional
				}
				kinds[k]++
				if m&bit != 0 {
					c.HLL.AddHash(hll.HashString(v))
				} else {
					c.HLL.AddPacked(hs[j])
				}
				if c.trackSet.any() && m>>8&bit == 0 {
					c.track(v, 1) // only a value that is not a plain number can be tracked here
				}
				if ok {
					xs = append(xs, x)
				}
				if k == dtype.Boolean || k == dtype.String {
					return i + j + 1, xs, false
				}
			}
		}
		i += 8 * nb
	}
	return i, xs, true
}

// plainBlocks adds the blocks 0, 1, … < nb of a numBlocks batch (masks, packed hashes hs, numbers
// xv) while they are all plain: their hashes to h, their numbers to xs[nx], xs[nx+1], … (room for
// them given). It returns how many blocks it added, how many of their values were Fractional (the
// others are Integral) and the new length of xs. It takes pointers, not slices, so that its loop
// keeps its values in registers.
func plainBlocks(masks *uint32, nb int, hs *uint64, xv *float64, h *hll.Sketch, xs *float64, nx int) (b int, frac int64, _ int) {
	for ; b < nb; b++ {
		m := *(*uint32)(unsafe.Add(unsafe.Pointer(masks), 4*b))
		if uint8(m>>8) != 0xff {
			break
		}
		frac += int64(bits.OnesCount8(uint8(m >> 16)))
		// Element by element: an array assignment here is a call of memmove, around which the
		// loop's values would be spilled.
		dst := (*[8]float64)(unsafe.Add(unsafe.Pointer(xs), 8*nx))
		src := (*[8]float64)(unsafe.Add(unsafe.Pointer(xv), 64*b))
		dst[0], dst[1], dst[2], dst[3] = src[0], src[1], src[2], src[3]
		dst[4], dst[5], dst[6], dst[7] = src[4], src[5], src[6], src[7]
		nx += 8
		for _, p := range (*[8]uint64)(unsafe.Add(unsafe.Pointer(hs), 64*b)) {
			h.AddPacked(p)
		}
	}
	return b, frac, nx
}

// validByte returns the eight validity bits of an Arrow bitmap from bit pos on (bit j of the
// result is bit pos+j).
func validByte(bm []byte, pos int) uint8 {
	q, r := pos/8, pos%8
	w := uint16(bm[q])
	if r != 0 {
		w |= uint16(bm[q+1]) << 8
	}
	return uint8(w >> r)
}

// addStringsPlain is addStrings without the memo: every value is classified, cast, hashed and
// counted on its own. Kept as the oracle of addStrings.
func (c *Column) addStringsPlain(a *array.String) {
	n := a.Len()
	for i := 0; i < n; i++ {
		if a.IsNull(i) {
			c.Kinds[dtype.Unknown]++
			continue
		}
		v := a.Value(i)
		k := dtype.Classify(v)
		c.Kinds[k]++
		h := hll.HashString(v)
		c.HLL.AddHash(h)
		if k.IsNumeric() && c.Kinds[dtype.String] == 0 && c.Kinds[dtype.Boolean] == 0 {
			if x, ok := dtype.Cast(v, k); ok {
				c.num.add(x)
			}
		}
		c.count(v, h)
	}
}

// category is one exactly counted value.
type category struct {
	value string
	n     int64
}

// catEntry is a category with its XXH64, the key of Column.cats.
type catEntry struct {
	h uint64
	category
}

// dropCategories forgets the exact counts for good.
func (c *Column) dropCategories() { c.cats, c.list, c.catsOff = nil, nil, true }

// materialize moves the counts held in list into cats.
func (c *Column) materialize() {
	if len(c.list) == 0 {
		return
	}
	if c.cats == nil {
		c.cats = make(map[uint64]category, len(c.list))
	}
	for _, e := range c.list {
		c.cats[e.h] = e.category
	}
	c.list = nil
}

// eachEntry calls f for every exactly counted value and its hash.
func (c *Column) eachEntry(f func(uint64, category)) {
	for h, e := range c.cats {
		f(h, e)
	}
	for _, e := range c.list {
		f(e.h, e.category)
	}
}

// numCategories is the number of exactly counted values.
func (c *Column) numCategories() int { return len(c.cats) + len(c.list) }

// eachCategory calls f for every exactly counted value, in no particular order.
func (c *Column) eachCategory(f func(category)) {
	for _, e := range c.cats {
		f(e)
	}
	for _, e := range c.list {
		f(e.category)
	}
}

// mergeLists returns the union of the hash-sorted lists a and b, counts added, or ok false when
// it holds more than CategoryCap values.
func mergeLists(a, b []catEntry) (out []catEntry, ok bool) {
	out = make([]catEntry, 0, min(len(a)+len(b), CategoryCap+1))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if len(out) == CategoryCap {
			return nil, false
		}
		switch {
		case j == len(b) || (i < len(a) && a[i].h < b[j].h):
			out = append(out, a[i])
			i++
		case i == len(a) || b[j].h < a[i].h:
			out = append(out, b[j])
			j++
		default:
			e := a[i]
			e.n += b[j].n
			out = append(out, e)
			i++
			j++
		}
	}
	return out, true
}

// count counts one occurrence of v, whose XXH64 is h.
func (c *Column) count(v string, h uint64) { c.countN(v, h, 1) }

// countN counts n occurrences of v, whose XXH64 is h: in the tracked values, and in the exact
// counts until the column has more than CategoryCap distinct values.
func (c *Column) countN(v string, h uint64, n int64) {
	if c.trackSet.any() {
		c.track(v, n)
	}
	c.countCategory(v, h, n)
}

// track adds n occurrences of v to the tracked counts if v is tracked.
func (c *Column) track(v string, n int64) {
	if c.trackSet.has(v) {
		if m, ok := c.tracked[v]; ok {
			c.tracked[v] = m + n
		} else {
			c.tracked[strings.Clone(v)] = n
		}
	}
}

// DropCategories drops the exact category counts, as when the column has more than CategoryCap
// distinct values.
func (c *Column) DropCategories() { c.dropCategories() }

// CategoriesDropped reports whether the exact category counts were dropped.
func (c *Column) CategoriesDropped() bool { return c.catsOff }

// countCategory adds n occurrences of v, whose XXH64 is h, to the exact counts, and drops them
// once the column has more than CategoryCap distinct values.
func (c *Column) countCategory(v string, h uint64, n int64) {
	if c.catsOff {
		return
	}
	c.materialize()
	if e, ok := c.cats[h]; ok {
		e.n += n
		c.cats[h] = e
		return
	}
	if len(c.cats) >= CategoryCap {
		c.dropCategories()
		return
	}
	if c.cats == nil {
		c.cats = map[uint64]category{}
	}
	c.cats[h] = category{strings.Clone(v), n}
}

// Merge folds o, which covers rows after the ones c covers, into c. Merging in data order keeps the
// KLL sketch bits reproducible (contract §5.5).
func (c *Column) Merge(o *Column) {
	// Dictionary caches describe arrays of one chunk; a merged profile is not given its arrays.
	c.dict, o.dict = nil, nil
	c.Kinds.Add(&o.Kinds)
	c.HLL.Merge(&o.HLL)
	c.num.merge(&o.num)
	c.typed = c.typed || o.typed
	if o.tracked != nil {
		c.setTracked(o.trackSet)
		for v, n := range o.tracked {
			c.tracked[v] += n
		}
	}
	if c.catsOff || o.catsOff {
		c.dropCategories()
		return
	}
	if len(c.cats) == 0 && len(o.cats) == 0 {
		// Both lists (or empty): a merge join, no map.
		if l, ok := mergeLists(c.list, o.list); ok {
			c.list = l
		} else {
			c.dropCategories()
		}
		return
	}
	c.materialize()
	if c.cats == nil {
		c.cats = make(map[uint64]category, o.numCategories())
	}
	o.eachEntry(func(h uint64, e category) {
		if m, ok := c.cats[h]; ok {
			m.n += e.n
			c.cats[h] = m
		} else {
			c.cats[h] = e
		}
	})
	if len(c.cats) > CategoryCap {
		c.dropCategories()
	}
}
