package stats

import (
	"fmt"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/driftwatch/driftwatch/internal/ints"
	"github.com/driftwatch/driftwatch/stats/dtype"
	"github.com/driftwatch/driftwatch/stats/hll"
)

// Dictionary arrays (int32 indices into String values) are what a Parquet reader gives for
// dictionary-encoded string columns: a column chunk's batches share one dictionary, and each of
// its values is classified, cast and hashed once (dictEntry), however many rows refer to it.

// dictCache is what a column knows of the values of the dictionary it was given last: 32 bytes
// per dictionary value, so callers bound the dictionaries they hand over (the Parquet reader
// expands dictionaries of more than 2^18 values).
type dictCache struct {
	// of is the dictionary's data. Arrow array data is immutable while referenced, and the
	// cache's reference keeps any other data from taking its address, so identity is the key.
	of      arrow.ArrayData
	ents    []dictEntry
	touched []int32 // the entries with n > 0: those the array being added refers to
}

// dictEntry is one dictionary value: its kind (Unknown for a null value), number and XXH64, set
// when the value is first referred to (seen), when its hash goes into the column's HLL++ sketch;
// n counts the references of the array being added.
type dictEntry struct {
	x    float64
	h    uint64
	n    int64
	k    dtype.Kind
	ok   bool
	seen bool
}

// dictFor returns c's cache for dictionary vals, emptied if it described another one.
func (c *Column) dictFor(vals arrow.Array) *dictCache {
	d := c.dict
	if d == nil {
		d = &dictCache{}
		c.dict = d
	}
	if d.of != vals.Data() {
		d.of = vals.Data()
		if cap(d.ents) >= vals.Len() {
			d.ents = d.ents[:vals.Len()]
			clear(d.ents)
		} else {
			d.ents = make([]dictEntry, vals.Len())
		}
	}
	return d
}

// DictIndexError reports a dictionary array index outside its dictionary.
type DictIndexError struct {
	Column      string
	Index, Size int
}

func (e *DictIndexError) Error() string {
	return fmt.Sprintf("stats: column %q: dictionary index %d out of range (dictionary of %d values)", e.Column, e.Index, e.Size)
}

// addDict is addStrings for a dictionary array: the same kinds, numbers (in row order), HLL++
// registers and counts, with each dictionary value classified and hashed once per column
// (TestAddDictMatchesStrings).
func (c *Column) addDict(a *array.Dictionary) error {
	ixa, ok := a.Indices().(*array.Int32)
	if !ok {
		return &TypeError{Column: c.Name, Type: a.DataType()}
	}
	var vals *array.String
	switch dv := a.Dictionary().(type) {
	case *array.String:
		vals = dv
	case *array.Int64:
		return c.addDictTyped(a, ixa, dv, dtype.Integral, func(i int) (float64, uint64) {
			v := dv.Value(i)
			return float64(v), hll.HashInt64(v)
		})
	case *array.Float64:
		return c.addDictTyped(a, ixa, dv, dtype.Fractional, func(i int) (float64, uint64) {
			v := dv.Value(i)
			return v, hll.HashFloat64(v)
		})
	default:
		return &TypeError{Column: c.Name, Type: a.DataType()}
	}
	n := a.Len()
	if n == 0 {
		return nil
	}
	idx := ixa.Int32Values()
	if err := c.checkIndices(a, idx, vals.Len()); err != nil {
		return err
	}
	d := c.dictFor(vals)
	ents := d.ents
	numOn := c.Kinds[dtype.String] == 0 && c.Kinds[dtype.Boolean] == 0
	c.num.sizeHint = n
	scratch, xs := scratchFloats(n)
	nulls := a.NullN() != 0
	var kinds dtype.Counts
	for i := 0; i < n; {
		end := n
		if nulls {
			if a.IsNull(i) {
				kinds[dtype.Unknown]++
				i++
				continue
			}
			end = nextNull(a, i, n)
		}
		for i < end {
			if !numOn {
				// Repeats of values already referred to, in a loop of their own.
				i += countRefs(unsafe.SliceData(ents), unsafe.SliceData(idx[i:end]), end-i)
				if i == end {
					break
				}
			}
			ix := idx[i] // in range: checkIndices
			e := &ents[ix]
			if e.n == 0 {
				if !e.seen {
					c.classifyEntry(e, vals, int(ix))
				}
				d.touched = append(d.touched, ix)
			}
			e.n++
			if numOn {
				if e.ok {
					xs = append(xs, e.x)
				}
				if e.k == dtype.Boolean || e.k == dtype.String {
					numOn = false
				}
			}
			i++
		}
	}
	c.num.hold(xs, scratch)
	for _, ix := range d.touched {
		kinds[ents[ix].k] += ents[ix].n
	}
	c.Kinds.Add(&kinds)
	if !c.catsOff && c.numCategories() == 0 {
		l := make([]catEntry, 0, len(d.touched))
		for _, ix := range d.touched {
			if e := &ents[ix]; e.k != dtype.Unknown {
				l = c.listed(l, vals.Value(int(ix)), e.h, e.n)
			}
		}
		c.setList(l)
	} else if !c.catsOff || c.trackSet.any() {
		for _, ix := range d.touched {
			if e := &ents[ix]; e.k != dtype.Unknown {
				c.countN(vals.Value(int(ix)), e.h, e.n)
			}
		}
	}
	for _, ix := range d.touched {
		ents[ix].n = 0
	}
	d.touched = d.touched[:0]
	return nil
}

// addDictTyped is add of the typed array a dictionary array of Int64 or Float64 values stands
// for (every value of kind k; value i of vals is number and hash value(i)): the same kinds, HLL++
// registers and numbers in row order, each dictionary value hashed once per column
// (TestAddDictTypedMatchesTyped).
func (c *Column) addDictTyped(a *array.Dictionary, ixa *array.Int32, vals arrow.Array, k dtype.Kind, value func(int) (float64, uint64)) error {
	n := a.Len()
	idx := ixa.Int32Values()
	if err := c.checkIndices(a, idx, vals.Len()); err != nil {
		return err
	}
	if n == 0 {
		c.addTypedKinds(k, 0, 0) // as for an empty typed array
		return nil
	}
	d := c.dictFor(vals)
	ents := d.ents
	c.num.sizeHint = n
	scratch, xs := scratchFloats(n)
	nulls, anyNull := 0, a.NullN() != 0
	for i := 0; i < n; {
		end := n
		if anyNull {
			if a.IsNull(i) {
				nulls++
				i++
				continue
			}
			end = nextNull(a, i, n)
		}
		for ; i < end; i++ {
			ix := idx[i] // in range: checkIndices
			e := &ents[ix]
			if !e.seen {
				e.seen = true
				if vals.IsNull(int(ix)) {
					e.k = dtype.Unknown
				} else {
					e.k, e.ok = k, true
					e.x, e.h = value(int(ix))
					c.HLL.AddHash(e.h)
				}
			}
			if !e.ok {
				nulls++
				continue
			}
			xs = append(xs, e.x)
		}
	}
	c.num.hold(xs, scratch)
	c.addTypedKinds(k, n, nulls)
	return nil
}

// checkIndices returns a DictIndexError for the first non-null index of a (values idx) outside a
// dictionary of size values, before anything of the array is added: a failed Add leaves the
// column as it was. One unsigned maximum per run between nulls (a negative index is above every
// size); nulls may hold any index.
func (c *Column) checkIndices(a *array.Dictionary, idx []int32, size int) error {
	n, nulls := len(idx), a.NullN() != 0
	for i := 0; i < n; {
		end := n
		if nulls {
			if a.IsNull(i) {
				i++
				continue
			}
			end = nextNull(a, i, n)
		}
		if ints.MaxUnsigned(idx[i:end]) >= uint32(size) {
			for _, ix := range idx[i:end] {
				if uint32(ix) >= uint32(size) {
					return &DictIndexError{Column: c.Name, Index: int(ix), Size: size}
				}
			}
		}
		i = end
	}
	return nil
}

// classifyEntry sets e from dictionary value i of vals and adds its hash to the column's sketch.
func (c *Column) classifyEntry(e *dictEntry, vals *array.String, i int) {
	e.seen = true
	if vals.IsNull(i) {
		e.k = dtype.Unknown
		return
	}
	v := vals.Value(i)
	e.k, e.x, e.ok = dtype.Parse(v)
	e.h = hll.HashString(v)
	c.HLL.AddHash(e.h)
}

// countRefs adds one to the entries of the indices idx[0], idx[1], … (of m, in range:
// checkIndices) while they are already referred to (n > 0), and returns how many it added. It
// takes pointers, not slices: with fewer values live, the loop runs in registers.
func countRefs(ents *dictEntry, idx *int32, m int) int {
	for j := range m {
		ix := *(*int32)(unsafe.Add(unsafe.Pointer(idx), 4*j))
		e := (*dictEntry)(unsafe.Add(unsafe.Pointer(ents), uintptr(ix)*unsafe.Sizeof(dictEntry{})))
		if e.n == 0 {
			return j
		}
		e.n++
	}
	return m
}
