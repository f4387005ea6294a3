package stats

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/driftwatch/driftwatch/internal/wire"
	"github.com/driftwatch/driftwatch/stats/dtype"
	"github.com/driftwatch/driftwatch/stats/hll"
	"github.com/driftwatch/driftwatch/stats/kll"
)

// profileEncodingVersion is the first byte of an encoded Profile (docs/format/partial.md,
// "Profile").
const profileEncodingVersion = 1

// Column flags of the encoding.
const (
	flagTyped     = 1 << 0 // Column.typed
	flagCatsOff   = 1 << 1 // exact counts dropped (over CategoryCap)
	flagSketch    = 1 << 2 // a KLL sketch follows
	flagTracked   = 1 << 3 // tracked counts follow (the profile tracks values)
	knownFlags    = flagTyped | flagCatsOff | flagSketch | flagTracked
	maxColumnName = 1 << 20
)

// AppendBinary appends every mergeable accumulator of the profile, so that a decoded profile merges
// and finishes bit for bit like p (encoding.BinaryAppender). Map contents are written sorted by
// value, so equal profiles encode to equal bytes:
//
//	version byte (1) · rows varint · columns uvarint · per column, in order of first appearance:
//	  name string · 5 kind counts varint (Unknown, Fractional, Integral, Boolean, String) ·
//	  flags byte (1 typed, 2 categories dropped, 4 sketch present, 8 tracked counts present) ·
//	  HLL++ bytes (hll.Sketch.AppendBinary, length-prefixed) ·
//	  numeric: count varint · sum, n, avg, m2, min, max, state min, state max float64 ·
//	  [sketch: kll.Sketch.AppendBinary, length-prefixed] ·
//	  [categories, unless dropped: n uvarint · n × (value string, count varint), values ascending] ·
//	  [tracked: n uvarint · n × (value string, count varint), values ascending]
//
// The tracked value set itself is not stored: the decoding profile supplies it (TrackValues).
func (p *Profile) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, profileEncodingVersion)
	b = wire.AppendVarint(b, p.Rows)
	b = wire.AppendUvarint(b, uint64(len(p.cols)))
	var err error
	for _, c := range p.cols {
		if b, err = c.appendBinary(b); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// MarshalBinary returns AppendBinary(nil) (encoding.BinaryMarshaler).
func (p *Profile) MarshalBinary() ([]byte, error) { return p.AppendBinary(nil) }

func (c *Column) appendBinary(b []byte) ([]byte, error) {
	b = wire.AppendString(b, c.Name)
	for _, n := range c.Kinds {
		b = wire.AppendVarint(b, n)
	}
	var flags byte
	if c.typed {
		flags |= flagTyped
	}
	if c.catsOff {
		flags |= flagCatsOff
	}
	if c.num.sketch != nil {
		flags |= flagSketch
	}
	if c.tracked != nil {
		flags |= flagTracked
	}
	b = append(b, flags)
	h, err := c.HLL.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b = wire.AppendBytes(b, h)
	n := &c.num
	b = wire.AppendVarint(b, n.count)
	for _, x := range [...]float64{n.sum, n.moments.N, n.moments.Avg, n.moments.M2, n.min, n.max, n.stateMin(), n.stateMax()} {
		b = wire.AppendFloat64(b, x)
	}
	if n.sketch != nil {
		k, err := n.sketch.MarshalBinary()
		if err != nil {
			return nil, err
		}
		b = wire.AppendBytes(b, k)
	}
	if !c.catsOff {
		cats := make([]category, 0, c.numCategories())
		c.eachCategory(func(e category) { cats = append(cats, e) })
		slices.SortFunc(cats, func(a, b category) int { return strings.Compare(a.value, b.value) })
		b = wire.AppendUvarint(b, uint64(len(cats)))
		for _, e := range cats {
			b = wire.AppendString(b, e.value)
			b = wire.AppendVarint(b, e.n)
		}
	}
	if c.tracked != nil {
		vals := make([]string, 0, len(c.tracked))
		for v := range c.tracked {
			vals = append(vals, v)
		}
		slices.Sort(vals)
		b = wire.AppendUvarint(b, uint64(len(vals)))
		for _, v := range vals {
			b = wire.AppendString(b, v)
			b = wire.AppendVarint(b, c.tracked[v])
		}
	}
	return b, nil
}

// UnmarshalBinary fills p, which must be empty (NewProfile, then TrackValues when the encoded
// profile tracked values), from AppendBinary's output (encoding.BinaryUnmarshaler). Besides the
// structure it checks what every real profile satisfies — each column's kind counts sum to the
// rows, the numeric count equals the moments' n and the sketch's weight, category values are
// unique and ascending, tracked values belong to p's tracked set — so corrupt input returns an
// error wrapping wire.ErrCorrupt, never a profile that would finish into wrong statistics. No input
// panics.
func (p *Profile) UnmarshalBinary(data []byte) error {
	if p.Rows != 0 || len(p.cols) != 0 {
		return fmt.Errorf("stats: UnmarshalBinary into a profile that already holds data")
	}
	r := wire.NewReader(data)
	if v := r.Byte(); r.Err() == nil && v != profileEncodingVersion {
		return fmt.Errorf("stats: %w: profile encoding version %d, want %d", wire.ErrCorrupt, v, profileEncodingVersion)
	}
	rows := r.NonNegative("row count")
	// Every column costs at least 60 bytes (name length, kinds, flags, HLL++, numeric state).
	ncols := r.Count("column count", uint64(r.Len()/60))
	cols := make([]*Column, 0, ncols)
	index := make(map[string]int, ncols)
	for i := 0; i < ncols && r.Err() == nil; i++ {
		c := p.decodeColumn(r, rows)
		if r.Err() != nil {
			break
		}
		if _, dup := index[c.Name]; dup {
			r.Fail("column %q appears twice", c.Name)
			break
		}
		index[c.Name] = len(cols)
		cols = append(cols, c)
	}
	if err := r.Done(); err != nil {
		return fmt.Errorf("stats: profile: %w", err)
	}
	p.Rows, p.cols, p.index = rows, cols, index
	return nil
}

func (p *Profile) decodeColumn(r *wire.Reader, rows int64) *Column {
	name := r.Bytes()
	if len(name) > maxColumnName {
		r.Fail("column name of %d bytes", len(name))
	}
	c := NewColumn(string(name))
	var total int64
	for k := range c.Kinds {
		c.Kinds[k] = r.NonNegative("kind count")
		total += c.Kinds[k]
		if total < 0 || total > rows {
			r.Fail("column %q: kind counts exceed the %d rows", c.Name, rows)
		}
	}
	if r.Err() == nil && total != rows {
		r.Fail("column %q: kind counts sum to %d, not the %d rows", c.Name, total, rows)
	}
	flags := r.Byte()
	if flags&^knownFlags != 0 {
		r.Fail("column %q: unknown flags %#x", c.Name, flags)
	}
	if err := c.HLL.UnmarshalBinary(r.Bytes()); err != nil && r.Err() == nil {
		r.Fail("column %q: %v", c.Name, err)
	}
	n := &c.num
	n.count = r.NonNegative("numeric count")
	var stateMin, stateMax float64 // written for format compatibility; derived from min and max
	for _, x := range [...]*float64{&n.sum, &n.moments.N, &n.moments.Avg, &n.moments.M2, &n.min, &n.max, &stateMin, &stateMax} {
		*x = r.Float64()
	}
	if r.Err() != nil {
		return c
	}
	if !sameFloat(stateMin, n.stateMin()) || !sameFloat(stateMax, n.stateMax()) {
		r.Fail("column %q: KLL state extremes %v, %v disagree with min %v, max %v", c.Name, stateMin, stateMax, n.min, n.max)
	}
	numeric := c.Kinds[dtype.Fractional] + c.Kinds[dtype.Integral]
	if n.count > numeric || n.moments.N != float64(n.count) {
		r.Fail("column %q: numeric count %d, moments n %v, numeric values %d", c.Name, n.count, n.moments.N, numeric)
	}
	c.typed = flags&flagTyped != 0
	if flags&flagSketch != 0 {
		n.sketch = &kll.Sketch{}
		if err := n.sketch.UnmarshalBinary(r.Bytes()); err != nil {
			r.Fail("column %q: %v", c.Name, err)
		} else if n.sketch.Count() != n.count {
			r.Fail("column %q: sketch weight %d, numeric count %d", c.Name, n.sketch.Count(), n.count)
		}
	} else if n.count != 0 {
		r.Fail("column %q: %d numeric values but no sketch", c.Name, n.count)
	}
	if flags&flagCatsOff != 0 {
		c.dropCategories()
	} else {
		m := r.Count("category count", CategoryCap)
		present := rows - c.Kinds[dtype.Unknown]
		var sum int64
		prev := ""
		for i := 0; i < m && r.Err() == nil; i++ {
			v := r.String()
			cnt := r.NonNegative("category count")
			sum += cnt
			switch {
			case r.Err() != nil:
			case i > 0 && v <= prev:
				r.Fail("column %q: categories not in ascending order at %q", c.Name, v)
			case cnt == 0 || sum > present:
				r.Fail("column %q: category %q count %d out of range", c.Name, v, cnt)
			default:
				h := hll.HashString(v)
				if _, dup := c.cats[h]; dup {
					r.Fail("column %q: category %q collides with another", c.Name, v)
				}
				c.cats[h] = category{value: v, n: cnt}
			}
			prev = v
		}
	}
	if flags&flagTracked != 0 {
		c.setTracked(p.track)
		if c.tracked == nil {
			c.tracked = map[string]int64{}
		}
		m := r.Count("tracked count", uint64(r.Len()))
		prev := ""
		for i := 0; i < m && r.Err() == nil; i++ {
			v := r.String()
			cnt := r.NonNegative("tracked count")
			ok := p.track.has(v)
			switch {
			case r.Err() != nil:
			case i > 0 && v <= prev:
				r.Fail("column %q: tracked values not in ascending order at %q", c.Name, v)
			case !ok:
				r.Fail("column %q: tracked value %q is not in the tracked set", c.Name, v)
			case cnt == 0 || cnt > rows:
				r.Fail("column %q: tracked value %q count %d out of range", c.Name, v, cnt)
			default:
				c.tracked[v] = cnt
			}
			prev = v
		}
	}
	return c
}

// sameFloat reports whether a and b are the same value: equal bits, or both NaN.
func sameFloat(a, b float64) bool {
	return math.Float64bits(a) == math.Float64bits(b) || (a != a && b != b)
}
