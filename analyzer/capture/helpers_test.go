package capture

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/analyzer/decode"
)

// null stands for a null cell in tables. It is not valid UTF-8, so no value Parse returns (always
// valid UTF-8) can be mistaken for it.
const null = "\xffnull"

// conformance is the folder of real container artefacts (shared/conformance, see its MANIFEST.md).
const conformance = "../../../shared/conformance"

// readReal reads a real capture file; the test is skipped when the shared folder is absent.
func readReal(t testing.TB, rel string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(conformance, rel))
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("conformance file %s not present", rel)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cells returns the batch row by row, null cells as the null sentinel, checking the schema shape
// (nullable string columns _c0, _c1, …).
func cells(t testing.TB, rec arrow.RecordBatch) [][]string {
	t.Helper()
	for c := range int(rec.NumCols()) {
		f := rec.Schema().Field(c)
		if want := "_c" + strconv.Itoa(c); f.Name != want || !f.Nullable || f.Type.ID() != arrow.STRING {
			t.Fatalf("column %d is %v, want nullable string %s", c, f, want)
		}
	}
	rows := make([][]string, rec.NumRows())
	for r := range rows {
		rows[r] = make([]string, rec.NumCols())
		for c := range int(rec.NumCols()) {
			col := rec.Column(c).(*array.String)
			if col.IsNull(r) {
				rows[r][c] = null
			} else {
				rows[r][c] = col.Value(r)
			}
		}
	}
	return rows
}

// parseAll splits data into chunks of about chunkSize bytes with decode.LineSplitter, parses every
// chunk and returns the rows (each chunk's rows padded with nulls to the widest row seen anywhere)
// and the merged summary. It fails the test on an error or an Arrow memory leak.
func parseAll(t testing.TB, file string, data []byte, opt Options, chunkSize int) ([][]string, Summary) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sp := decode.NewLineSplitter(file, bytes.NewReader(data), chunkSize, nil)
	var rows [][]string
	var sum Summary
	for {
		c, err := sp.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("split: %v", err)
		}
		rec, s, err := Parse(c, opt, mem)
		if err != nil {
			t.Fatalf("parse chunk %d: %v", c.Index, err)
		}
		if rec == nil {
			t.Fatal("Parse returned a nil batch")
		}
		if rec.NumRows() != s.Rows {
			t.Errorf("chunk %d: batch has %d rows, summary says %d", c.Index, rec.NumRows(), s.Rows)
		}
		rows = append(rows, cells(t, rec)...)
		rec.Release()
		sum.Merge(s)
	}
	return padRows(rows), sum
}

// padRows pads every row with nulls to the widest one.
func padRows(rows [][]string) [][]string {
	w := 0
	for _, r := range rows {
		w = max(w, len(r))
	}
	for i, r := range rows {
		for len(r) < w {
			r = append(r, null)
		}
		rows[i] = r
	}
	return rows
}

// parseString parses s as one chunk of file "t.jsonl" starting at line 1.
func parseString(t testing.TB, s string, opt Options) ([][]string, Summary) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec, sum, err := Parse(decode.Chunk{File: "t.jsonl", Data: []byte(s), FirstLine: 1, FirstRecord: 1}, opt, mem)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	defer rec.Release()
	return cells(t, rec), sum
}

// show renders rows for failure messages, nulls as ∅.
func show(rows [][]string) string {
	var b strings.Builder
	for _, r := range rows {
		for k, v := range r {
			if k > 0 {
				b.WriteString(" | ")
			}
			if v == null {
				b.WriteString("∅")
			} else {
				b.WriteString(v)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// equalRows compares two tables cell by cell.
func equalRows(a, b [][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return false
		}
		for k := range a[i] {
			if a[i][k] != b[i][k] {
				return false
			}
		}
	}
	return true
}
