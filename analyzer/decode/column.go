package decode

import (
	"fmt"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// strCol builds one nullable Arrow string column directly in allocator-owned buffers (offsets,
// bytes, validity bitmap), so parsing a field costs one copy and no Go allocation.
type strCol struct {
	offBuf, dataBuf, validBuf *memory.Buffer

	offs  []int32 // len(offs)-1 rows fit; offs[n] is the end of the data used
	data  []byte  // full capacity of dataBuf
	valid []byte  // full capacity of validBuf, bytes past the used bits are zero
	n     int     // rows appended
	dn    int     // bytes used in data
	nulls int
	big   bool // data outgrew int32 offsets

	// Optional progress through the input (progress of total bytes), to size the data buffer
	// from the bytes used so far instead of blindly doubling.
	progress *int
	total    int
}

func newStrCol(mem memory.Allocator, rows, bytes int) *strCol {
	c := &strCol{
		offBuf:   memory.NewResizableBuffer(mem),
		dataBuf:  memory.NewResizableBuffer(mem),
		validBuf: memory.NewResizableBuffer(mem),
	}
	c.growRows(max(rows, 8))
	c.growData(max(bytes, 64))
	c.offs[0] = 0
	return c
}

// newStrCols returns len(bytes) columns of rows rows each, column c with room for bytes[c] bytes,
// that can hold exactly that and never grow (the CSV fast path knows every size before it fills
// a column). All their buffers are slices of one slab from mem, which goes back to mem when the
// last of them is released (memory.SliceBuffer counts the references): on 1,000 columns that is
// one pooled allocation per chunk instead of 3,000 small ones for the garbage collector
// (BENCHMARKS.md, "Wide data, one slab per chunk").
func newStrCols(mem memory.Allocator, rows int, bytes []int) []*strCol {
	offsSize := align64((rows + 1) * arrow.Int32SizeBytes)
	validSize := align64((rows+1)/8 + 1) // as growRows: a bit for every row the offsets can hold
	total := 0
	for _, b := range bytes {
		total += offsSize + validSize + align64(b)
	}
	slab := memory.NewResizableBuffer(mem)
	defer slab.Release() // the columns' slices hold the slab from here on
	slab.Resize(total)
	cols := make([]*strCol, len(bytes))
	all := make([]strCol, len(bytes))
	off := 0
	for c, b := range bytes {
		col := &all[c]
		*col = strCol{
			offBuf:   memory.SliceBuffer(slab, off, offsSize),
			validBuf: memory.SliceBuffer(slab, off+offsSize, validSize),
			dataBuf:  memory.SliceBuffer(slab, off+offsSize+validSize, b),
		}
		off += offsSize + validSize + align64(b)
		col.offs = arrow.Int32Traits.CastFromBytes(col.offBuf.Buf())
		col.valid = col.validBuf.Buf()
		clear(col.valid)
		col.data = col.dataBuf.Buf()
		col.offs[0] = 0
		cols[c] = col
	}
	return cols
}

// align64 rounds n up to a multiple of 64 bytes, a cache line, Arrow's buffer alignment.
func align64(n int) int { return (n + 63) &^ 63 }

// growRows makes room for at least rows rows.
func (c *strCol) growRows(rows int) {
	c.offBuf.Reserve((rows + 1) * arrow.Int32SizeBytes)
	c.offs = arrow.Int32Traits.CastFromBytes(c.offBuf.Buf())
	old := len(c.valid)
	c.validBuf.Reserve(len(c.offs)/8 + 1) // one bit for every row the offsets can hold
	c.valid = c.validBuf.Buf()
	clear(c.valid[old:]) // allocators need not zero memory
}

// growData makes room for at least need more bytes, doubling to keep appends amortised O(1).
func (c *strCol) growData(need int) {
	want := max(c.dn+need, 2*len(c.data))
	if c.progress != nil && *c.progress > 0 {
		// Projected size at the end of the input, plus 1/8 for the estimate's error.
		est := int(int64(c.dn) * int64(c.total) / int64(*c.progress))
		est += est/8 + need
		if est >= c.dn+need+len(c.data)/8 && est < want {
			want = est
		}
	}
	c.dataBuf.Reserve(want)
	c.data = c.dataBuf.Buf()
}

// appendValue appends a non-null value (possibly empty).
func (c *strCol) appendValue(b []byte) {
	if c.n+1 >= len(c.offs) {
		c.growRows(2 * c.n)
	}
	if len(b) > len(c.data)-c.dn {
		c.growData(len(b))
	}
	c.dn += copy(c.data[c.dn:], b)
	c.valid[c.n>>3] |= 1 << (c.n & 7)
	c.n++
	c.setEnd()
}

// appendNull appends a null.
func (c *strCol) appendNull() {
	if c.n+1 >= len(c.offs) {
		c.growRows(2 * c.n)
	}
	c.n++
	c.nulls++
	c.setEnd()
}

// write appends bytes to the value being built by piecewise writes; endCSV closes it.
func (c *strCol) write(b []byte) {
	if len(b) > len(c.data)-c.dn {
		c.growData(len(b))
	}
	c.dn += copy(c.data[c.dn:], b)
}

// endCSV closes a value built with write: empty is null.
func (c *strCol) endCSV() {
	if c.n+1 >= len(c.offs) {
		c.growRows(2 * c.n)
	}
	if c.dn != int(c.offs[c.n]) {
		c.valid[c.n>>3] |= 1 << (c.n & 7)
	} else {
		c.nulls++
	}
	c.n++
	c.setEnd()
}

func (c *strCol) setEnd() {
	if c.dn > math.MaxInt32 {
		c.big = true
		c.dn = 0 // keep going without corrupting memory; finish reports the problem
	}
	c.offs[c.n] = int32(c.dn)
}

// dropLast removes the last row (used when a JSON name repeats within one row: the last wins).
func (c *strCol) dropLast() {
	c.n--
	if c.valid[c.n>>3]&(1<<(c.n&7)) != 0 {
		c.valid[c.n>>3] &^= 1 << (c.n & 7)
	} else {
		c.nulls--
	}
	c.dn = int(c.offs[c.n])
}

// padNulls appends nulls until the column has rows rows.
func (c *strCol) padNulls(rows int) {
	if rows+1 > len(c.offs) {
		c.growRows(max(rows, 2*c.n))
	}
	for c.n < rows {
		c.n++
		c.nulls++
		c.offs[c.n] = int32(c.dn)
	}
}

// finish pads the column to rows rows and returns it as an Arrow array; the builder's buffers are
// handed over (call release afterwards in every case).
func (c *strCol) finish(rows int) (*array.String, error) {
	if c.big {
		return nil, fmt.Errorf("decode: column holds more than %d bytes in one batch", math.MaxInt32)
	}
	c.padNulls(rows)
	c.offBuf.ResizeNoShrink((rows + 1) * arrow.Int32SizeBytes)
	c.dataBuf.ResizeNoShrink(c.dn)
	c.validBuf.ResizeNoShrink((rows + 7) / 8)
	valid := c.validBuf
	if c.nulls == 0 {
		valid = nil
	}
	d := array.NewData(arrow.BinaryTypes.String, rows, []*memory.Buffer{valid, c.offBuf, c.dataBuf}, nil, c.nulls, 0)
	defer d.Release()
	return array.NewStringData(d), nil
}

// release drops the builder's references to its buffers.
func (c *strCol) release() {
	c.offBuf.Release()
	c.dataBuf.Release()
	c.validBuf.Release()
}

// buildBatch turns finished columns into a record batch of nullable strings named names.
func buildBatch(names []string, cols []*strCol, rows int) (arrow.RecordBatch, error) {
	fields := make([]arrow.Field, len(names))
	arrs := make([]arrow.Array, 0, len(cols))
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	for k, name := range names {
		fields[k] = arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}
		a, err := cols[k].finish(rows)
		if err != nil {
			return nil, err
		}
		arrs = append(arrs, a)
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(rows)), nil
}

func releaseCols(cols []*strCol) {
	for _, c := range cols {
		if c != nil {
			c.release()
		}
	}
}
