package decode

// Assembly of Arrow arrays from the levels and values parquetfile reads (the record shredding of
// the Dremel paper, parquet-format README "Nested Encoding", read backwards).
//
// A field's values are addressed by slots: at the top level one slot per row, inside a list one
// slot per element. In the stream of one column, a slot is the index of the level entry where it
// starts. For a field present from definition level P, a slot starting at entry e is null when
// def[e] < P. A list slot with def[e] >= elemDef has elements: one starting at e and one at every
// later entry j with rep[j] == rep, up to the first entry with rep[j] < rep (which starts a slot of
// an enclosing field). Entries with rep[j] > rep continue a nested list inside the element. A leaf
// slot e holds a value when def[e] is the column's maximum level; values are stored only for such
// entries, in entry order.
//
// Every column under a field describes the same slots in its own stream, so a struct or list takes
// its validity and list sizes from its first column, and the other columns must agree (they do
// unless the file is corrupt, which is reported).

import (
	"encoding/binary"
	"fmt"
	"unicode/utf8"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/decimal256"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/analyzer/decode/parquetfile"
)

// pqColumn is one column's levels and values for the batch being assembled.
type pqColumn struct {
	node  *parquetfile.Node
	batch parquetfile.Batch
	vpos  []int32 // vpos[e]: number of values before entry e (columns inside lists)
	// valuesHint is the previous batch's value count, to size the next batch's value storage;
	// bytesHint its bytes of BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY or INT96 values.
	valuesHint, bytesHint int
	pool                  *Pool    // recycles the value and level storage; nil: Go memory
	own                   [][]byte // pool storage of the batch's values not handed to an array
	handed                []*byte  // starts of the storage handed to arrays in this batch
	defOwn                []byte   // pool storage of batch.Def (nil when decoding outgrew it)
	// indexHint: the previous batch kept dictionary indices, so this one takes storage for them
	// (and none for values).
	indexHint bool
	// dict is the String array of dictionary dictOf (nil: its values are not valid UTF-8), shared
	// by the dictionary arrays of the chunk's batches.
	dictOf *parquetfile.Values
	dict   arrow.Array
}

// pqDictLeaf reports whether f is a top-level column whose values may be kept as dictionary
// indices: a BYTE_ARRAY leaf read as String or Binary, or an INT32, INT64, FLOAT or DOUBLE leaf
// read as the Arrow type of the same width (not dates, times, decimals or unsigned integers).
func pqDictLeaf(f *pqField) bool {
	if f.col == nil || f.col.RepLevel != 0 || f.uuid {
		return false
	}
	switch id := f.typ.ID(); f.col.Type {
	case parquetfile.ByteArray:
		return id == arrow.STRING || id == arrow.BINARY
	case parquetfile.Int32:
		return id == arrow.INT32
	case parquetfile.Int64:
		return id == arrow.INT64
	case parquetfile.Float:
		return id == arrow.FLOAT32
	case parquetfile.Double:
		return id == arrow.FLOAT64
	}
	return false
}

// pqDictMaxLen is the longest dictionary handed on as a dictionary array: the statistics keep
// 32 bytes per dictionary value of a column (stats' dictCache), 8 MiB at this length; a longer
// dictionary (a page format allows up to 256 MiB) is expanded instead. A variable for tests.
var pqDictMaxLen = 1 << 18

// dictionary returns the array of the dictionary d of leaf type dt (String for BYTE_ARRAY, Int64
// and Float64 for INT32 and FLOAT), or
// nil when it is longer than pqDictMaxLen or one of its values is not valid UTF-8 (the batch's
// values are then expanded and converted as others are).
func (c *pqColumn) dictionary(d *parquetfile.Values, dt arrow.DataType) arrow.Array {
	if c.dictOf == d {
		return c.dict
	}
	if c.dict != nil {
		c.dict.Release()
	}
	c.dictOf, c.dict = d, nil
	if d.Len > pqDictMaxLen {
		return nil
	}
	// INT32 and FLOAT dictionaries are widened here, once per chunk, to what the normalisation
	// makes of them (Int64, Float64): widened per batch, each batch's dictionary would be a new
	// array, and the statistics' cache of its values (keyed by the array) would miss every time.
	var buffers []*memory.Buffer
	switch c.node.Type {
	case parquetfile.Int32:
		dt, buffers = arrow.PrimitiveTypes.Int64, []*memory.Buffer{nil, memory.NewBufferBytes(pqBytes(pqWidened[int32, int64](d.Int32[:d.Len])))}
	case parquetfile.Int64:
		buffers = []*memory.Buffer{nil, memory.NewBufferBytes(pqBytes(d.Int64[:d.Len]))}
	case parquetfile.Float:
		dt, buffers = arrow.PrimitiveTypes.Float64, []*memory.Buffer{nil, memory.NewBufferBytes(pqBytes(pqWidened[float32, float64](d.Float[:d.Len])))}
	case parquetfile.Double:
		buffers = []*memory.Buffer{nil, memory.NewBufferBytes(pqBytes(d.Double[:d.Len]))}
	default:
		offs := d.Offsets
		if d.Len == 0 {
			offs = []int32{0}
		}
		offs = offs[:d.Len+1]
		for i := range d.Len {
			if !utf8.Valid(d.Bytes[offs[i]:offs[i+1]]) {
				return nil
			}
		}
		dt = arrow.BinaryTypes.String
		buffers = []*memory.Buffer{nil, memory.NewBufferBytes(pqBytes(offs)), memory.NewBufferBytes(d.Bytes[:offs[d.Len]])}
	}
	data := array.NewData(dt, d.Len, buffers, nil, 0, 0)
	defer data.Release()
	c.dict = array.MakeFromData(data)
	return c.dict
}

// def is the definition level of entry e (0 for required columns, which store none).
func (c *pqColumn) def(e int) int16 {
	if c.batch.Def == nil {
		return 0
	}
	if e < c.batch.Full { // levels at the maximum the reader did not write (Batch.Full)
		return c.node.DefLevel
	}
	return c.batch.Def[e-c.batch.Full]
}

// entries is the number of level entries in the batch (rows for a column without levels).
func (c *pqColumn) entries(rows int) int {
	switch {
	case c.batch.Def != nil:
		return c.batch.Full + len(c.batch.Def)
	case c.batch.Rep != nil:
		return len(c.batch.Rep)
	}
	return rows
}

// valuePositions fills vpos for the batch.
func (c *pqColumn) valuePositions() {
	maxDef := c.node.DefLevel
	c.vpos = c.vpos[:0]
	v := int32(0)
	for _, d := range c.batch.Def {
		c.vpos = append(c.vpos, v)
		if d == maxDef {
			v++
		}
	}
}

// startBatch prepares c for the next batch of rows rows: levels are reused, values get new
// storage because the arrays of the previous batch may still hold them (from c.pool when set: the
// buffers handed to arrays go back when the arrays are released, the others in endBatch). A column
// that is not repeated has at most one value per row, so its storage is sized for rows values and
// decoding never regrows it; a repeated column is sized from the previous batch's value count,
// BYTE_ARRAY bytes from the previous batch's bytes. capRows (≥ rows) is the row capacity to
// give storage sized by rows.
func (c *pqColumn) startBatch(rows, capRows int) {
	c.batch.Def, c.batch.Rep, c.batch.Defined, c.batch.Full = c.batch.Def[:0], c.batch.Rep[:0], 0, 0
	if c.node.DefLevel == 0 {
		c.batch.Def = nil
	} else if cap(c.batch.Def) < rows {
		c.pool.release(c.defOwn)
		c.batch.Def = pqAlloc[int16](c.pool, capRows)
		c.defOwn = nil
		if c.pool != nil {
			c.defOwn = pqBytes(c.batch.Def[:cap(c.batch.Def)])
		}
	}
	if c.node.RepLevel == 0 {
		c.batch.Rep = nil
	} else if c.batch.Rep == nil {
		c.batch.Rep = []int16{}
	}
	c.batch.Values = parquetfile.Values{}
	h := c.valuesHint
	if c.node.RepLevel == 0 {
		h = capRows
	}
	switch {
	case h <= 0:
	case c.indexHint:
		// The previous batch kept dictionary indices: this one most likely will too, and needs
		// no storage for values (decoding grows it if a page falls back to plain values).
		c.batch.Index = pqTake[int32](c, h)
	default:
		switch c.node.Type {
		case parquetfile.Int32:
			c.batch.Int32 = pqTake[int32](c, h)
		case parquetfile.Int64:
			c.batch.Int64 = pqTake[int64](c, h)
		case parquetfile.Float:
			c.batch.Float = pqTake[float32](c, h)
		case parquetfile.Double:
			c.batch.Double = pqTake[float64](c, h)
		case parquetfile.Boolean:
			c.batch.Bool = pqTake[bool](c, h)
		case parquetfile.ByteArray:
			c.batch.Offsets = pqTake[int32](c, h+1)
		}
	}
	if c.bytesHint > 0 && c.pool != nil {
		c.batch.Bytes = pqTake[byte](c, c.bytesHint+c.bytesHint/8)
	}
}

// pqAssembler builds the top-level arrays of one batch from its columns. The arrays wrap Go
// memory (the decoded values are handed over without a copy); normalisation allocates from the
// caller's allocator.
type pqAssembler struct {
	cols    []*pqColumn // by column index
	rows    int
	capRows int     // rows of the row group's largest batch (startBatch)
	vi      []int32 // scratch: value index of each slot of the leaf being built (leafIndex)
}

// top builds the array of top-level field f for the batch's rows.
func (a *pqAssembler) top(f *pqField) (arrow.Array, error) {
	idx := make([][]int32, len(a.cols))
	for _, col := range f.leaves {
		c := a.cols[col]
		if c.batch.Rep == nil {
			continue // one entry per row: slots are the identity
		}
		c.valuePositions()
		starts := make([]int32, 0, a.rows)
		for e, r := range c.batch.Rep {
			if r == 0 {
				starts = append(starts, int32(e))
			}
		}
		if len(starts) != a.rows {
			return nil, fmt.Errorf("column %s: %d rows in a batch of %d", c.node.Path(), len(starts), a.rows)
		}
		idx[col] = starts
	}
	return a.build(f, idx, a.rows)
}

// slot is the entry where slot k of column col starts.
func slot(idx [][]int32, col, k int) int {
	if idx[col] == nil {
		return k
	}
	return int(idx[col][k])
}

// validity returns the bitmap of slots present from definition level present on, judged by column
// col, and the null count; nil when all are present.
func (a *pqAssembler) validity(present int16, col int, idx [][]int32, n int) ([]byte, int) {
	if present == 0 {
		return nil, 0
	}
	c := a.cols[col]
	var bitmap []byte
	nulls := 0
	for k := range n {
		if c.def(slot(idx, col, k)) < present {
			if bitmap == nil {
				bitmap = make([]byte, (n+7)/8)
				for j := range k {
					bitmap[j>>3] |= 1 << (j & 7)
				}
			}
			nulls++
		} else if bitmap != nil {
			bitmap[k>>3] |= 1 << (k & 7)
		}
	}
	return bitmap, nulls
}

// build returns the array of f over n slots.
func (a *pqAssembler) build(f *pqField, idx [][]int32, n int) (arrow.Array, error) {
	switch f.kind {
	case pqKindLeaf:
		return a.leaf(f, idx, n)
	case pqKindStruct:
		bitmap, nulls := a.validity(f.present, f.leaves[0], idx, n)
		children := make([]arrow.ArrayData, 0, len(f.children))
		defer func() {
			for _, c := range children {
				c.Release()
			}
		}()
		for _, cf := range f.children {
			c, err := a.build(cf, idx, n)
			if err != nil {
				return nil, err
			}
			children = append(children, c.Data())
			c.Data().Retain()
			c.Release()
		}
		return pqMake(f.typ, n, []*memory.Buffer{pqBuf(bitmap, nulls)}, children, nulls), nil
	}

	// list or map: the element slots of every column under f
	bitmap, nulls := a.validity(f.present, f.leaves[0], idx, n)
	offsets := make([]int32, n+1)
	child := make([][]int32, len(a.cols))
	for i, col := range f.leaves {
		c := a.cols[col]
		rep := c.batch.Rep
		entries := c.entries(a.rows)
		elems := make([]int32, 0, entries)
		for k := range n {
			e := slot(idx, col, k)
			count := 0
			if c.def(e) >= f.elemDef {
				elems = append(elems, int32(e))
				count++
				for j := e + 1; j < entries && rep[j] >= f.rep; j++ {
					if rep[j] == f.rep {
						elems = append(elems, int32(j))
						count++
					}
				}
			}
			if i == 0 {
				offsets[k+1] = offsets[k] + int32(count)
			} else if offsets[k+1]-offsets[k] != int32(count) {
				return nil, fmt.Errorf("columns %s and %s disagree on the size of a list (corrupt file?)",
					a.cols[f.leaves[0]].node.Path(), c.node.Path())
			}
		}
		child[col] = elems
	}
	total := int(offsets[n])
	buffers := []*memory.Buffer{pqBuf(bitmap, nulls), memory.NewBufferBytes(arrow.GetBytes(offsets))}
	if f.kind == pqKindList {
		elem, err := a.build(f.children[0], child, total)
		if err != nil {
			return nil, err
		}
		defer elem.Release()
		return pqMake(f.typ, n, buffers, []arrow.ArrayData{elem.Data()}, nulls), nil
	}
	key, err := a.build(f.children[0], child, total)
	if err != nil {
		return nil, err
	}
	defer key.Release()
	val, err := a.build(f.children[1], child, total)
	if err != nil {
		return nil, err
	}
	defer val.Release()
	mt := f.typ.(*arrow.MapType)
	entries := array.NewData(mt.Elem(), total, []*memory.Buffer{nil}, []arrow.ArrayData{key.Data(), val.Data()}, 0, 0)
	defer entries.Release()
	return pqMake(f.typ, n, buffers, []arrow.ArrayData{entries}, nulls), nil
}

// pqBuf wraps a validity bitmap (nil when nothing is null).
func pqBuf(bitmap []byte, nulls int) *memory.Buffer {
	if nulls == 0 {
		return nil
	}
	return memory.NewBufferBytes(bitmap)
}

// pqMake builds an array from buffers and children. The array takes the caller's reference to
// each buffer (the ones pqColumn.buffer makes free their storage to the pool when the last array
// holding them is released).
func pqMake(dt arrow.DataType, n int, buffers []*memory.Buffer, children []arrow.ArrayData, nulls int) arrow.Array {
	if nulls == 0 && len(buffers) > 0 {
		buffers[0] = nil
	}
	data := array.NewData(dt, n, buffers, children, nulls, 0) // retains the buffers
	for _, b := range buffers {
		if b != nil {
			b.Release()
		}
	}
	defer data.Release()
	return array.MakeFromData(data)
}

// leafIndex returns, for each of the n slots of leaf column c, the index of its value or -1 when
// it is null; nil when slot k is value k for every k (no nulls, one entry per row).
func (a *pqAssembler) leafIndex(c *pqColumn, idx []int32, n int) ([]int32, int) {
	maxDef := c.node.DefLevel
	if idx == nil {
		// A leaf under no list (its slots are the rows): ColumnReader.Read counted its values.
		if c.batch.Def == nil || c.batch.Defined == n {
			return nil, 0
		}
		vi := a.scratch(c.pool, n)
		v, nulls := int32(0), 0
		for e, d := range c.batch.Def[:n] {
			if d == maxDef {
				vi[e] = v
				v++
			} else {
				vi[e] = -1
				nulls++
			}
		}
		if nulls == 0 {
			return nil, 0
		}
		return vi, nulls
	}
	vi := a.scratch(c.pool, n)
	nulls := 0
	for k, e := range idx[:n] {
		if c.def(int(e)) == maxDef {
			vi[k] = c.vpos[e]
		} else {
			vi[k] = -1
			nulls++
		}
	}
	return vi, nulls
}

// scratch returns a.vi with n elements; its contents are overwritten by the caller. One leaf is
// built at a time and no array keeps the slice, so the columns share it.
func (a *pqAssembler) scratch(pool *Pool, n int) []int32 {
	if cap(a.vi) < n {
		pqFree(pool, a.vi)
		a.vi = pqAlloc[int32](pool, n)
	}
	return a.vi[:n]
}

// pqGather returns the n slot values of src through vi (nil: src itself) and the validity bitmap.
// The values' storage is c's (pqTake), and every slot is written, null slots with the zero value.
func pqGather[T any](c *pqColumn, src []T, vi []int32, n, nulls int) ([]T, []byte) {
	if vi == nil {
		return src[:n], nil
	}
	out := pqTake[T](c, n)[:n]
	bitmap := make([]byte, (n+7)/8)
	var zero T
	for k, v := range vi {
		if v >= 0 {
			out[k] = src[v]
			bitmap[k>>3] |= 1 << (k & 7)
		} else {
			out[k] = zero
		}
	}
	return out, bitmap
}

// pqConvert is pqGather with a conversion of each value.
func pqConvert[S, T any](src []S, vi []int32, n int, conv func(S) T) ([]T, []byte) {
	out := make([]T, n)
	if vi == nil {
		for k := range out {
			out[k] = conv(src[k])
		}
		return out, nil
	}
	bitmap := make([]byte, (n+7)/8)
	for k, v := range vi {
		if v >= 0 {
			out[k] = conv(src[v])
			bitmap[k>>3] |= 1 << (k & 7)
		}
	}
	return out, bitmap
}

func pqFixedArray[T arrow.FixedWidthType](c *pqColumn, dt arrow.DataType, vals []T, bitmap []byte, n, nulls int) arrow.Array {
	return pqMake(dt, n, []*memory.Buffer{pqBuf(bitmap, nulls), c.buffer(pqBytes(vals))}, nil, nulls)
}

// leaf builds the array of leaf field f over n slots.
func (a *pqAssembler) leaf(f *pqField, idx [][]int32, n int) (arrow.Array, error) {
	col := f.col.Column
	c := a.cols[col]
	vi, nulls := a.leafIndex(c, idx[col], n)
	v := &c.batch.Values
	c.valuesHint, c.bytesHint, c.indexHint = v.Len, len(v.Bytes), v.Dict != nil
	if vi == nil && v.Len < n {
		return nil, fmt.Errorf("column %s: %d values for %d rows", c.node.Path(), v.Len, n)
	}
	dt := f.typ
	if v.Dict != nil {
		// Dict is only set for pqDictLeaf columns (ReadGroups sets KeepDictionary for them).
		if d := c.dictionary(v.Dict, dt); d != nil {
			ix, bitmap := pqGather(c, v.Index, vi, n, nulls)
			// pqMake, which takes the buffers' first references: built with array.NewData, the
			// indices' pool storage was never freed (one 256 KiB buffer a batch per column).
			indices := pqMake(arrow.PrimitiveTypes.Int32, n, []*memory.Buffer{pqBuf(bitmap, nulls), c.buffer(pqBytes(ix))}, nil, nulls)
			defer indices.Release()
			typ := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: d.DataType()}
			return array.NewDictionaryArray(typ, indices, d), nil
		}
		if err := v.Expand(); err != nil {
			return nil, fmt.Errorf("column %s: %v", c.node.Path(), err)
		}
	}
	switch dt.ID() {
	case arrow.NULL:
		return array.NewNull(n), nil
	case arrow.BOOL:
		bits := make([]byte, (n+7)/8)
		var bitmap []byte
		if vi == nil {
			packBools(bits, v.Bool[:n])
		} else {
			bitmap = make([]byte, (n+7)/8)
			for k, j := range vi {
				if j >= 0 {
					bitmap[k>>3] |= 1 << (k & 7)
					if v.Bool[j] {
						bits[k>>3] |= 1 << (k & 7)
					}
				}
			}
		}
		return pqMake(dt, n, []*memory.Buffer{pqBuf(bitmap, nulls), memory.NewBufferBytes(bits)}, nil, nulls), nil
	case arrow.FLOAT32:
		vals, bitmap := pqGather(c, v.Float, vi, n, nulls)
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.FLOAT64:
		vals, bitmap := pqGather(c, v.Double, vi, n, nulls)
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.INT8:
		vals, bitmap := pqConvert(v.Int32, vi, n, func(x int32) int8 { return int8(x) })
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.INT16:
		vals, bitmap := pqConvert(v.Int32, vi, n, func(x int32) int16 { return int16(x) })
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.UINT8:
		vals, bitmap := pqConvert(v.Int32, vi, n, func(x int32) uint8 { return uint8(x) })
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.UINT16:
		vals, bitmap := pqConvert(v.Int32, vi, n, func(x int32) uint16 { return uint16(x) })
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.UINT32:
		vals, bitmap := pqConvert(v.Int32, vi, n, func(x int32) uint32 { return uint32(x) })
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.INT32, arrow.DATE32, arrow.TIME32:
		vals, bitmap := pqGather(c, v.Int32, vi, n, nulls)
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.UINT64:
		vals, bitmap := pqConvert(v.Int64, vi, n, func(x int64) uint64 { return uint64(x) })
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.INT64, arrow.TIME64:
		vals, bitmap := pqGather(c, v.Int64, vi, n, nulls)
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.TIMESTAMP:
		if f.col.Type == parquetfile.Int96 {
			vals, bitmap := pqConvert(pqFixedValues(v.Bytes, 12), vi, n, pqInt96Nanos)
			return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
		}
		vals, bitmap := pqGather(c, v.Int64, vi, n, nulls)
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.FLOAT16:
		vals, bitmap := pqConvert(pqFixedValues(v.Bytes, 2), vi, n, float16.FromLEBytes)
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.DECIMAL128:
		vals, bitmap, err := pqDecimals(f.col, v, vi, n, decimal128.FromI64, pqDecimal128FromBytes)
		if err != nil {
			return nil, err
		}
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.DECIMAL256:
		vals, bitmap, err := pqDecimals(f.col, v, vi, n, decimal256.FromI64, pqDecimal256FromBytes)
		if err != nil {
			return nil, err
		}
		return pqFixedArray(c, dt, vals, bitmap, n, nulls), nil
	case arrow.FIXED_SIZE_BINARY:
		w := int(f.col.TypeLength)
		data := v.Bytes
		var bitmap []byte
		if vi != nil {
			data = make([]byte, n*w)
			bitmap = make([]byte, (n+7)/8)
			for k, j := range vi {
				if j >= 0 {
					copy(data[k*w:], v.Bytes[int(j)*w:int(j+1)*w])
					bitmap[k>>3] |= 1 << (k & 7)
				}
			}
		}
		return pqMake(dt, n, []*memory.Buffer{pqBuf(bitmap, nulls), c.buffer(data[:n*w])}, nil, nulls), nil
	case arrow.STRING, arrow.BINARY:
		if f.uuid {
			return pqUUIDs(v.Bytes, vi, n, nulls), nil
		}
		return pqBinary(c, dt, v, vi, n, nulls), nil
	}
	return nil, fmt.Errorf("column %s: internal: no reader for %s", c.node.Path(), dt)
}

// pqFixedValues splits back-to-back values of w bytes.
func pqFixedValues(b []byte, w int) [][]byte {
	out := make([][]byte, len(b)/w)
	for i := range out {
		out[i] = b[i*w : (i+1)*w]
	}
	return out
}

// pqInt96Nanos converts an INT96 timestamp (nanoseconds of the day, little-endian int64, then the
// Julian day, little-endian int32) to nanoseconds since 1970-01-01 (Julian day 2,440,588).
func pqInt96Nanos(b []byte) int64 {
	nanos := int64(binary.LittleEndian.Uint64(b))
	day := int64(int32(binary.LittleEndian.Uint32(b[8:])))
	return (day-2_440_588)*86_400_000_000_000 + nanos
}

// pqBinary builds a String or Binary array: the values' bytes are shared, offsets rebuilt around
// the nulls.
func pqBinary(c *pqColumn, dt arrow.DataType, v *parquetfile.Values, vi []int32, n, nulls int) arrow.Array {
	if v.Len == 0 {
		v.Offsets = []int32{0}
	}
	var offsets []int32
	var bitmap []byte
	if vi == nil {
		offsets = v.Offsets[:n+1]
	} else {
		offsets = make([]int32, n+1)
		bitmap = make([]byte, (n+7)/8)
		var at int32
		for k, j := range vi {
			if j >= 0 {
				at += v.Offsets[j+1] - v.Offsets[j]
				bitmap[k>>3] |= 1 << (k & 7)
			}
			offsets[k+1] = at
		}
		// Valid slots take the values in order, so the bytes need no copy; check it.
		next := int32(0)
		for _, j := range vi {
			if j >= 0 {
				if j != next {
					return pqBinaryCopy(dt, v, vi, n, nulls, bitmap)
				}
				next++
			}
		}
	}
	return pqMake(dt, n, []*memory.Buffer{pqBuf(bitmap, nulls), c.buffer(pqBytes(offsets)), c.buffer(v.Bytes)}, nil, nulls)
}

// pqBinaryCopy builds a binary array by copying the slots' values.
func pqBinaryCopy(dt arrow.DataType, v *parquetfile.Values, vi []int32, n, nulls int, bitmap []byte) arrow.Array {
	offsets := make([]int32, n+1)
	var data []byte
	for k, j := range vi {
		if j >= 0 {
			data = append(data, v.Bytes[v.Offsets[j]:v.Offsets[j+1]]...)
		}
		offsets[k+1] = int32(len(data))
	}
	return pqMake(dt, n, []*memory.Buffer{pqBuf(bitmap, nulls), memory.NewBufferBytes(arrow.GetBytes(offsets)), memory.NewBufferBytes(data)}, nil, nulls)
}

// pqUUIDs renders 16-byte UUIDs as canonical text.
func pqUUIDs(raw []byte, vi []int32, n, nulls int) arrow.Array {
	offsets := make([]int32, n+1)
	data := make([]byte, 0, 36*(n-nulls))
	var bitmap []byte
	if vi != nil {
		bitmap = make([]byte, (n+7)/8)
	}
	for k := range n {
		j := k
		if vi != nil {
			j = int(vi[k])
			if j >= 0 {
				bitmap[k>>3] |= 1 << (k & 7)
			}
		}
		if j >= 0 {
			data = pqAppendUUID(data, raw[j*16:(j+1)*16])
		}
		offsets[k+1] = int32(len(data))
	}
	return pqMake(arrow.BinaryTypes.String, n, []*memory.Buffer{pqBuf(bitmap, nulls), memory.NewBufferBytes(arrow.GetBytes(offsets)), memory.NewBufferBytes(data)}, nil, nulls)
}

// pqDecimals reads DECIMAL values stored as INT32, INT64, or big-endian two's complement bytes.
func pqDecimals[T any](col *parquetfile.Node, v *parquetfile.Values, vi []int32, n int, fromInt func(int64) T, fromBytes func([]byte) (T, bool)) ([]T, []byte, error) {
	switch col.Type {
	case parquetfile.Int32:
		out, bitmap := pqConvert(v.Int32, vi, n, func(x int32) T { return fromInt(int64(x)) })
		return out, bitmap, nil
	case parquetfile.Int64:
		out, bitmap := pqConvert(v.Int64, vi, n, fromInt)
		return out, bitmap, nil
	}
	var vals [][]byte
	if col.Type == parquetfile.FixedLenByteArray {
		vals = pqFixedValues(v.Bytes, int(col.TypeLength))
	} else {
		vals = make([][]byte, v.Len)
		for i := range vals {
			vals[i] = v.Bytes[v.Offsets[i]:v.Offsets[i+1]]
		}
	}
	bad := -1
	out, bitmap := pqConvert(vals, vi, n, func(b []byte) T {
		d, ok := fromBytes(b)
		if !ok && bad < 0 {
			bad = len(b)
		}
		return d
	})
	if bad >= 0 {
		return nil, nil, fmt.Errorf("column %s: DECIMAL value of %d bytes does not fit its precision", col.Path(), bad)
	}
	return out, bitmap, nil
}

// pqSignExtend copies big-endian two's complement b into dst (right-aligned), extending the sign;
// false when b has significant bytes beyond len(dst).
func pqSignExtend(dst, b []byte) bool {
	var fill byte
	if len(b) > 0 && b[0]&0x80 != 0 {
		fill = 0xff
	}
	for len(b) > len(dst) {
		if b[0] != fill {
			return false
		}
		b = b[1:]
	}
	if len(b) > 0 && (b[0]&0x80 != 0) != (fill == 0xff) {
		return false
	}
	pad := len(dst) - len(b)
	for i := range pad {
		dst[i] = fill
	}
	copy(dst[pad:], b)
	return true
}

func pqDecimal128FromBytes(b []byte) (decimal128.Num, bool) {
	var be [16]byte
	if !pqSignExtend(be[:], b) {
		return decimal128.Num{}, false
	}
	return decimal128.New(int64(binary.BigEndian.Uint64(be[:8])), binary.BigEndian.Uint64(be[8:])), true
}

func pqDecimal256FromBytes(b []byte) (decimal256.Num, bool) {
	var be [32]byte
	if !pqSignExtend(be[:], b) {
		return decimal256.Num{}, false
	}
	return decimal256.New(binary.BigEndian.Uint64(be[:8]), binary.BigEndian.Uint64(be[8:16]),
		binary.BigEndian.Uint64(be[16:24]), binary.BigEndian.Uint64(be[24:])), true
}

// pqWidened returns a copy of vals converted to the wider type (a dictionary's INT32 or FLOAT
// values, as the normalisation widens them).
func pqWidened[S int32 | float32, T int64 | float64](vals []S) []T {
	out := make([]T, len(vals))
	for i, v := range vals {
		out[i] = T(v)
	}
	return out
}

// packBools sets bit k of bits (least significant first) for each true bools[k]; bits is zero
// and holds (len(bools)+7)/8 bytes. Eight bools (bytes 0 or 1) become one byte with one
// multiplication: the factor's byte k is 2^(7-k), so bool i lands on bit 56+i and no two
// partial products share a bit.
func packBools(bits []byte, bools []bool) {
	whole := len(bools) &^ 7
	if whole > 0 {
		b := unsafe.Slice((*byte)(unsafe.Pointer(&bools[0])), whole)
		for k := range whole / 8 {
			bits[k] = byte(binary.LittleEndian.Uint64(b[8*k:]) * 0x0102040810204080 >> 56)
		}
	}
	for k := whole; k < len(bools); k++ {
		if bools[k] {
			bits[k>>3] |= 1 << (k & 7)
		}
	}
}
