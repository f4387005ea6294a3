package stats

import (
	"encoding/binary"
	"math"
	"strconv"
	"strings"

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
	// catsOff is set once the exact counts were dropped (too many distinct values).
	catsOff bool
	// typed records whether values arrived as typed (non-string) Arrow arrays.
	typed bool
	// trackSet and tracked count chosen values exactly (Profile.TrackValues).
	trackSet map[string]struct{}
	tracked  map[string]int64
}

func (c *Column) setTracked(set map[string]struct{}) {
	if set == nil {
		return
	}
	c.trackSet = set
	if c.tracked == nil {
		c.tracked = make(map[string]int64, len(set))
	}
}

// numeric accumulates the numeric statistics of the values that cast to a number (contract §5.3).
type numeric struct {
	count    int64
	sum      float64
	moments  Moments
	min, max float64 // true extremes
	// stateMin/stateMax are the KLL aggregation state's extremes, which start at Int.MaxValue and
	// Int.MinValue (StatefulKLLSketch.initialize) and drive the bucket bounds.
	stateMin, stateMax float64
	sketch             *kll.Sketch
}

// Spark's StatefulKLLSketch initial state: Int.MaxValue.toDouble / Int.MinValue.toDouble.
const (
	kllStateMin = float64(math.MaxInt32)
	kllStateMax = float64(math.MinInt32)
)

func newNumeric() numeric {
	return numeric{min: math.Inf(1), max: math.Inf(-1), stateMin: kllStateMin, stateMax: kllStateMax}
}

func (n *numeric) add(x float64) {
	if n.sketch == nil {
		n.sketch = kll.New()
	}
	n.count++
	n.sum += x
	n.moments.Add(x)
	// math.Min/Max order -0.0 below 0.0 like java.lang.Math.min/max.
	n.min = math.Min(n.min, x)
	n.max = math.Max(n.max, x)
	n.stateMin = math.Min(n.stateMin, x)
	n.stateMax = math.Max(n.stateMax, x)
	n.sketch.Update(x)
}

// merge folds o into n the way Spark's final aggregation merges a partition buffer into its own.
func (n *numeric) merge(o *numeric) {
	n.count += o.count
	n.sum += o.sum
	n.moments.Merge(o.moments)
	n.min = math.Min(n.min, o.min)
	n.max = math.Max(n.max, o.max)
	n.stateMin = math.Min(n.stateMin, o.stateMin)
	n.stateMax = math.Max(n.stateMax, o.stateMax)
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

// Add folds an Arrow array into the accumulator. String arrays are typed per value (contract §5.2);
// integer, floating-point and boolean arrays are Integral, Fractional and Boolean values.
// Other types are rejected by the caller (decoders normalise them).
func (c *Column) Add(a arrow.Array) error {
	switch a := a.(type) {
	case *array.String:
		c.addStrings(a)
	case *array.Int64:
		addNumbers(c, a, dtype.Integral, hll.HashInt64, func(v int64) float64 { return float64(v) })
	case *array.Float64:
		addNumbers(c, a, dtype.Fractional, hll.HashFloat64, func(v float64) float64 { return v })
	case *array.Boolean:
		c.typed = true
		for i := 0; i < a.Len(); i++ {
			if a.IsNull(i) {
				c.Kinds[dtype.Unknown]++
				continue
			}
			c.Kinds[dtype.Boolean]++
			// Spark hashes a boolean as the int 1 or 0 (XxHash64Function.hashInt).
			var b [4]byte
			s := "false"
			if a.Value(i) {
				binary.LittleEndian.PutUint32(b[:], 1)
				s = "true"
			}
			h := hll.Hash(b[:])
			c.HLL.AddHash(h)
			c.count(s, hll.HashString(s))
		}
	default:
		return &TypeError{Column: c.Name, Type: a.DataType()}
	}
	return nil
}

// addNumbers folds a typed numeric array in: every non-null value is of kind k, hashed by its typed
// value for HLL++ (as Spark hashes a long or a double) and added to the numeric statistics.
func addNumbers[T int64 | float64](c *Column, a interface {
	Len() int
	IsNull(int) bool
	Value(int) T
}, k dtype.Kind, hash func(T) uint64, conv func(T) float64) {
	c.typed = true
	for i := 0; i < a.Len(); i++ {
		if a.IsNull(i) {
			c.Kinds[dtype.Unknown]++
			continue
		}
		v := a.Value(i)
		c.Kinds[k]++
		c.HLL.AddHash(hash(v))
		c.num.add(conv(v))
	}
}

// TypeError reports an Arrow type the engine does not profile.
type TypeError struct {
	Column string
	Type   arrow.DataType
}

func (e *TypeError) Error() string {
	return "stats: column " + strconv.Quote(e.Column) + ": unsupported arrow type " + e.Type.String()
}

func (c *Column) addStrings(a *array.String) {
	n := a.Len()
	// Once a chunk has seen a String value the column can only be String or (never) numeric again,
	// so numeric work stops for the rest of the column's data in this accumulator.
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
			if x, ok := castNumber(v, k); ok {
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

func (c *Column) count(v string, h uint64) {
	if c.trackSet != nil {
		if _, ok := c.trackSet[v]; ok {
			if n, ok := c.tracked[v]; ok {
				c.tracked[v] = n + 1
			} else {
				c.tracked[strings.Clone(v)] = 1
			}
		}
	}
	if c.catsOff {
		return
	}
	if e, ok := c.cats[h]; ok {
		e.n++
		c.cats[h] = e
		return
	}
	if len(c.cats) >= CategoryCap {
		c.cats, c.catsOff = nil, true
		return
	}
	c.cats[h] = category{strings.Clone(v), 1}
}

// castNumber casts a value classified Integral or Fractional as Spark casts a string column to
// LongType or DoubleType: surrounding whitespace and control characters (≤ U+0020) are trimmed
// (UTF8String.trimAll, Double.parseDouble), so " 5" casts, while "- 5" (a sign, then a blank) does
// not and becomes null for the numeric statistics [S]. Integral values beyond the int64 range are
// kept as doubles (Spark would null them: a documented deviation, see docs/decisions.md).
func castNumber(v string, k dtype.Kind) (float64, bool) {
	if v[0] <= ' ' || v[len(v)-1] <= ' ' {
		v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	}
	if k == dtype.Integral {
		if x, err := strconv.ParseInt(v, 10, 64); err == nil {
			return float64(x), true
		}
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil {
		// ParseFloat reports out-of-range values as ±Inf with an error; Java parses them to ±Infinity.
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return x, true
		}
		return 0, false
	}
	return x, true
}

// Merge folds o, which covers rows after the ones c covers, into c. Merging in data order keeps the
// KLL sketch bits reproducible (contract §5.5).
func (c *Column) Merge(o *Column) {
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
		c.cats, c.catsOff = nil, true
		return
	}
	for h, e := range o.cats {
		if m, ok := c.cats[h]; ok {
			m.n += e.n
			c.cats[h] = m
		} else {
			c.cats[h] = e
		}
	}
	if len(c.cats) > CategoryCap {
		c.cats, c.catsOff = nil, true
	}
}
