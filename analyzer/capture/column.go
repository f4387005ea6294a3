package capture

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/analyzer/decode"
)

// table accumulates rows into positional columns _c0, _c1, ….
type table struct {
	mem   memory.Allocator
	cols  []*decode.StringColumn
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
				t.cols = append(t.cols, decode.NewStringColumn(t.mem, t.hintR, t.hintB))
			}
			t.cols[k].Append(t.rows, f.v, f.null)
			k++
		}
	}
	t.rows++
}

// finish builds the batch and releases the builders.
func (t *table) finish() (arrow.RecordBatch, error) {
	defer t.release()
	names := make([]string, len(t.cols))
	for k := range names {
		names[k] = "_c" + strconv.Itoa(k)
	}
	return decode.StringBatch(names, t.cols, t.rows)
}

func (t *table) release() {
	for _, c := range t.cols {
		c.Release()
	}
	t.cols = nil
}
