package capture

import (
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// column builds one nullable Arrow string column in allocator-owned buffers, so a cell costs one
// copy and no Go allocation.
type column struct {
	offBuf, dataBuf, validBuf *memory.Buffer

	offs  []int32 // room for len(offs)-1 rows; offs[n] ends the data used
	data  []byte  // full capacity of dataBuf
	valid []byte  // full capacity of validBuf; bits past n are zero
	n     int     // rows appended
	dn    int     // bytes used in data
	nulls int
	big   bool // data outgrew int32 offsets
}

func newColumn(mem memory.Allocator, rows, bytes int) *column {
	c := &column{
		offBuf:   memory.NewResizableBuffer(mem),
		dataBuf:  memory.NewResizableBuffer(mem),
		validBuf: memory.NewResizableBuffer(mem),
	}
	c.growRows(max(rows, 8))
	c.growData(max(bytes, 64))
	c.offs[0] = 0
	return c
}

// growRows makes room for at least rows rows.
func (c *column) growRows(rows int) {
	c.offBuf.Reserve((rows + 1) * arrow.Int32SizeBytes)
	c.offs = arrow.Int32Traits.CastFromBytes(c.offBuf.Buf())
	old := len(c.valid)
	c.validBuf.Reserve(len(c.offs)/8 + 1)
	c.valid = c.validBuf.Buf()
	clear(c.valid[old:]) // allocators need not zero memory
}

// growData makes room for need more bytes, at least doubling.
func (c *column) growData(need int) {
	c.dataBuf.Reserve(max(c.dn+need, 2*len(c.data)))
	c.data = c.dataBuf.Buf()
}

// padTo appends nulls until the column has rows rows.
func (c *column) padTo(rows int) {
	if rows+1 > len(c.offs) {
		c.growRows(max(rows, 2*c.n))
	}
	for c.n < rows {
		c.n++
		c.nulls++
		c.offs[c.n] = int32(c.dn)
	}
}

// add appends f as row number row, padding skipped rows with nulls.
func (c *column) add(row int, f field) {
	if c.n < row {
		c.padTo(row)
	}
	if c.n+1 >= len(c.offs) {
		c.growRows(2 * (c.n + 1))
	}
	if f.null {
		c.nulls++
	} else {
		if len(f.v) > len(c.data)-c.dn {
			c.growData(len(f.v))
		}
		c.dn += copy(c.data[c.dn:], f.v)
		c.valid[c.n>>3] |= 1 << (c.n & 7)
	}
	c.n++
	if c.dn > math.MaxInt32 {
		c.big = true
		c.dn = 0 // keep going without corrupting memory; finish reports the problem
	}
	c.offs[c.n] = int32(c.dn)
}

// finish pads the column to rows rows and returns it as an Arrow array; the buffers are handed
// over, release must still be called.
func (c *column) finish(rows int) (*array.String, error) {
	if c.big {
		return nil, fmt.Errorf("capture: column holds more than %d bytes in one batch", math.MaxInt32)
	}
	c.padTo(rows)
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

func (c *column) release() {
	c.offBuf.Release()
	c.dataBuf.Release()
	c.validBuf.Release()
}

// table accumulates rows into positional columns _c0, _c1, ….
type table struct {
	mem   memory.Allocator
	cols  []*column
	rows  int
	hintR int // rows expected, for new columns
	hintB int // bytes expected per column
}

// addRow appends the concatenation of a and b as one row.
func (t *table) addRow(a, b []field) {
	k := 0
	for _, part := range [2][]field{a, b} {
		for _, f := range part {
			if k == len(t.cols) {
				t.cols = append(t.cols, newColumn(t.mem, t.hintR, t.hintB))
			}
			t.cols[k].add(t.rows, f)
			k++
		}
	}
	t.rows++
}

// finish builds the batch and releases the builders.
func (t *table) finish() (arrow.RecordBatch, error) {
	defer t.release()
	fields := make([]arrow.Field, len(t.cols))
	arrs := make([]arrow.Array, 0, len(t.cols))
	defer func() {
		for _, a := range arrs {
			a.Release()
		}
	}()
	for k, c := range t.cols {
		fields[k] = arrow.Field{Name: "_c" + strconv.Itoa(k), Type: arrow.BinaryTypes.String, Nullable: true}
		a, err := c.finish(t.rows)
		if err != nil {
			return nil, err
		}
		arrs = append(arrs, a)
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, int64(t.rows)), nil
}

func (t *table) release() {
	for _, c := range t.cols {
		c.release()
	}
	t.cols = nil
}
