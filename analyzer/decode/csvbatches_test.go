package decode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// batchesCSV returns a header and rows lines of plain CSV (about 40 bytes a line, some empty
// cells), with blank lines after the lines listed in blanks and, if bad > 0, a short record (one
// field missing) as data line bad. It also returns the file line and the record number of that
// bad line.
func batchesCSV(rows int, blanks []int, bad int) (in string, badLine, badRecord int64) {
	r := rand.New(rand.NewPCG(7, 7))
	var b strings.Builder
	b.WriteString("id,x,name,flag,n\n")
	line := int64(1)
	for i := 1; i <= rows; i++ {
		line++
		n := ""
		if r.IntN(10) != 0 {
			n = fmt.Sprint(r.IntN(1000))
		}
		if i == bad {
			fmt.Fprintf(&b, "%d,%.3f,u%x,%v\n", i, r.Float64()*1e4, r.Uint32(), r.IntN(2) == 0)
			badLine, badRecord = line, int64(i)
		} else {
			fmt.Fprintf(&b, "%d,%.3f,u%x,%v,%s\n", i, r.Float64()*1e4, r.Uint32(), r.IntN(2) == 0, n)
		}
		for _, k := range blanks {
			if k == i {
				b.WriteString("\n")
				line++
			}
		}
	}
	return b.String(), badLine, badRecord
}

// TestParseCSVBatches: a plain chunk parses into batches of at least pieceRows lines and about
// pieceBytes that hold, in order, exactly the rows ParseCSV gives for the whole chunk; a chunk
// that is not plain is one batch.
func TestParseCSVBatches(t *testing.T) {
	in, _, _ := batchesCSV(200_000, []int{5000, 123_456}, 0)
	head, rest, _ := strings.Cut(in, "\n")
	quoted := head + "\n" + `0,1.5,"u 0",true,1` + "\n" + rest // one quoted field: the first chunk is not plain
	for _, tc := range []struct {
		name  string
		in    string
		chunk int
	}{{"plain", in, 0}, {"plain/1MiB", in, 1 << 20}, {"quoted", quoted, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			sp, err := NewCSVSplitter("b.csv", strings.NewReader(tc.in), CSVOptions{Header: true, ChunkSize: tc.chunk})
			if err != nil {
				t.Fatal(err)
			}
			many := 0
			for {
				c, err := sp.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				whole, err := ParseCSV(c, sp.Columns(), mem)
				if err != nil {
					t.Fatal(err)
				}
				want := cells(t, whole)
				whole.Release()
				var got [][]string
				var sizes []int
				err = ParseCSVBatches(c, sp.Columns(), mem, func(rec arrow.RecordBatch) error {
					got = append(got, cells(t, rec)...)
					sizes = append(sizes, int(rec.NumRows()))
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("chunk %d: the batches' rows differ from ParseCSV's", c.Index)
				}
				if !c.plain || len(c.Data) < pieceBytes {
					if len(sizes) != 1 {
						t.Fatalf("chunk %d (plain %v, %d bytes): %d batches, want 1", c.Index, c.plain, len(c.Data), len(sizes))
					}
					continue
				}
				if len(c.Data) < 2*pieceBytes {
					continue // one batch or two, as the last piece is long enough to stand alone
				}
				many++
				// ~40-byte lines: pieceBytes is the binding bound, a batch holds ~6,500 rows.
				if lo, hi := len(c.Data)/pieceBytes-1, len(c.Data)/pieceBytes+1; len(sizes) < lo || len(sizes) > hi {
					t.Errorf("chunk %d: %d batches of %v rows for %d bytes, want %d…%d", c.Index, len(sizes), sizes, len(c.Data), lo, hi)
				}
				for i, n := range sizes[:len(sizes)-1] {
					if n < pieceRows {
						t.Errorf("chunk %d: batch %d holds %d rows, fewer than %d", c.Index, i, n, pieceRows)
					}
				}
			}
			if tc.name != "quoted" && many == 0 {
				t.Fatal("no chunk was cut into batches")
			}
		})
	}
}

// TestParseCSVBatchesWideRows: lines so long that pieceBytes holds fewer than pieceRows of them
// are not cut below pieceRows lines.
func TestParseCSVBatchesWideRows(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("a,b\n")
	long := strings.Repeat("x", 1000)
	for i := range 3000 {
		fmt.Fprintf(&b, "%d,%s\n", i, long)
	}
	sp, err := NewCSVSplitter("w.csv", &b, CSVOptions{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := sp.Next()
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int
	if err := ParseCSVBatches(c, sp.Columns(), nil, func(rec arrow.RecordBatch) error {
		sizes = append(sizes, int(rec.NumRows()))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// 3 MB: twelve pieceBytes, but 3,000 lines make two batches of at least pieceRows (the short
	// remainder joins the last).
	if len(sizes) != 2 || sizes[0] < pieceRows || sizes[1] < pieceRows || sizes[0]+sizes[1] != 3000 {
		t.Errorf("batches of %v rows, want two of at least %d, 3,000 in all", sizes, pieceRows)
	}
}

// TestParseCSVBatchesErrors: a bad record in a later batch, after blank lines, is reported with
// the line and record ParseCSV names for the whole chunk, and the batches before it reach fn.
func TestParseCSVBatchesErrors(t *testing.T) {
	in, line, record := batchesCSV(60_000, []int{100, 20_000, 20_001}, 50_000)
	sp, err := NewCSVSplitter("e.csv", strings.NewReader(in), CSVOptions{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	c, err := sp.Next()
	if err != nil {
		t.Fatal(err)
	}
	if len(c.pieces) < 4 {
		t.Fatalf("%d pieces, want several", len(c.pieces))
	}
	_, want := ParseCSV(c, sp.Columns(), nil)
	rows := 0
	got := ParseCSVBatches(c, sp.Columns(), nil, func(rec arrow.RecordBatch) error {
		rows += int(rec.NumRows())
		return nil
	})
	var e *Error
	if !errors.As(got, &e) || want == nil || got.Error() != want.Error() {
		t.Fatalf("ParseCSVBatches: %v, want ParseCSV's %v", got, want)
	}
	if e.Line != line || e.Record != record {
		t.Errorf("error at line %d, record %d; want line %d, record %d", e.Line, e.Record, line, record)
	}
	if rows == 0 || rows >= int(record) {
		t.Errorf("%d rows reached fn before the error in record %d, want the batches before its own", rows, record)
	}
	stop := errors.New("stop")
	if err := ParseCSVBatches(c, sp.Columns(), nil, func(arrow.RecordBatch) error { return stop }); err != stop {
		t.Errorf("fn's error: got %v", err)
	}
}
