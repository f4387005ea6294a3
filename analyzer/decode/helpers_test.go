package decode

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// null stands for a null cell in expected tables. It is not valid UTF-8, so no parsed value (the
// parsers reject invalid UTF-8) can be mistaken for it.
const null = "\xffNULL"

// cells returns the batch row by row, null cells as the null sentinel.
func cells(t testing.TB, rec arrow.RecordBatch) [][]string {
	t.Helper()
	rows := make([][]string, rec.NumRows())
	for r := range rows {
		rows[r] = make([]string, rec.NumCols())
		for c := range rec.NumCols() {
			col, ok := rec.Column(int(c)).(*array.String)
			if !ok {
				t.Fatalf("column %d is %T, want *array.String", c, rec.Column(int(c)))
			}
			if !rec.Schema().Field(int(c)).Nullable {
				t.Fatalf("column %d is not nullable", c)
			}
			if col.IsNull(r) {
				rows[r][c] = null
			} else {
				rows[r][c] = col.Value(r)
			}
		}
	}
	return rows
}

// csvResult is everything a CSV read produced, for comparisons.
type csvResult struct {
	cols   []string
	rows   [][]string
	chunks []Chunk
}

// readCSV splits and parses a whole input, checking that no Arrow memory leaks and that chunk
// numbering is continuous.
func readCSV(t testing.TB, file string, r io.Reader, opts CSVOptions) (csvResult, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var res csvResult
	sp, err := NewCSVSplitter(file, r, opts)
	if err != nil {
		return res, err
	}
	res.cols = sp.Columns()
	for {
		c, err := sp.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res, err
		}
		if c.Index != len(res.chunks) {
			t.Fatalf("chunk index %d, want %d", c.Index, len(res.chunks))
		}
		if n := len(res.rows); c.FirstRecord != int64(n)+1 {
			t.Fatalf("chunk %d FirstRecord %d, want %d", c.Index, c.FirstRecord, n+1)
		}
		if want := bytes.Count(c.Data, []byte{'\n'}) + 1; c.lines != want {
			t.Fatalf("chunk %d: lines %d, want %d (its line breaks + 1)", c.Index, c.lines, want)
		}
		if c.plain && !plainCSV(c.Data) {
			t.Fatalf("chunk %d: marked plain, but holds a quote or a carriage return", c.Index)
		}
		res.chunks = append(res.chunks, c)
		rec, err := ParseCSV(c, res.cols, mem)
		if err != nil {
			return res, err
		}
		if rec.NumRows() == 0 {
			t.Fatalf("chunk %d has no records", c.Index)
		}
		res.rows = append(res.rows, cells(t, rec)...)
		rec.Release()
	}
	// Chunks tile the input: lines continue where the previous chunk ended.
	for k := 1; k < len(res.chunks); k++ {
		prev := res.chunks[k-1]
		if want := prev.FirstLine + int64(bytes.Count(prev.Data, []byte{'\n'})); res.chunks[k].FirstLine != want {
			t.Fatalf("chunk %d FirstLine %d, want %d", k, res.chunks[k].FirstLine, want)
		}
	}
	return res, nil
}
