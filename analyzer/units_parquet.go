package analyzer

import (
	"fmt"
	"io"

	"github.com/driftwatch/driftwatch/analyzer/decode"
	"github.com/driftwatch/driftwatch/analyzer/decode/parquetfile"
)

// parquetRowGroups returns, per row group, the file offset at which its data begins (its first
// dictionary or data page) and its number of rows: a Parquet file split into units gives each unit
// the row groups that start in its byte range, as Spark assigns row groups to file splits. Only the
// footer is read.
func parquetRowGroups(name string, r io.ReaderAt, size int64) (starts, rows []int64, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%s: %w: unreadable Parquet footer: %v", name, decode.ErrBadInput, p)
		}
	}()
	f, err := parquetfile.Open(r, size)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w: %v", name, decode.ErrBadInput, err)
	}
	starts = make([]int64, len(f.Meta.RowGroups))
	rows = make([]int64, len(f.Meta.RowGroups))
	for rg, g := range f.Meta.RowGroups {
		rows[rg] = f.RowGroupRows(rg)
		start := int64(-1)
		for _, cc := range g.Columns {
			if cc.Meta == nil {
				continue
			}
			off := cc.Meta.DataPageOffset
			if cc.Meta.HasDictionaryOffset && cc.Meta.DictionaryPageOffset > 0 {
				off = min(off, cc.Meta.DictionaryPageOffset)
			}
			if start < 0 || off < start {
				start = off
			}
		}
		starts[rg] = max(start, 0)
	}
	return starts, rows, nil
}
