package decode

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// StringColumn builds one nullable Arrow string column in allocator-owned buffers (one copy per
// value, no Go allocation): the builder behind ParseCSV and ParseJSONLines, for other readers of
// tabular text such as analyzer/capture.
type StringColumn struct{ c *strCol }

// NewStringColumn returns a builder sized for about rows rows of bytes bytes in all.
func NewStringColumn(mem memory.Allocator, rows, bytes int) *StringColumn {
	return &StringColumn{newStrCol(mem, rows, bytes)}
}

// Append sets row number row to v (null when null is true); rows skipped since the last append
// are null.
func (s *StringColumn) Append(row int, v []byte, null bool) {
	if s.c.n < row {
		s.c.padNulls(row)
	}
	if null {
		s.c.appendNull()
	} else {
		s.c.appendValue(v)
	}
}

// Release drops the builder's buffers (after StringBatch, or instead of it).
func (s *StringColumn) Release() { s.c.release() }

// StringBatch finishes cols, padded with nulls to rows rows, into a record batch of nullable
// string columns named names. The builders must still be released.
func StringBatch(names []string, cols []*StringColumn, rows int) (arrow.RecordBatch, error) {
	inner := make([]*strCol, len(cols))
	for i, c := range cols {
		inner[i] = c.c
	}
	return buildBatch(names, inner, rows)
}
