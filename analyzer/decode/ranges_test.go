package decode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// rangeCSV writes a CSV with the shapes that make record boundaries hard: quoted fields holding
// line breaks and separators, escaped quotes, CRLF ends, blank lines and runs of them, long rows.
func rangeCSV(r *rand.Rand, rows int) []byte {
	var b bytes.Buffer
	b.WriteString("\xEF\xBB\xBFa,b,c\n")
	for i := range rows {
		switch r.IntN(12) {
		case 0:
			fmt.Fprintf(&b, "%d,\"line one\nline two, with a comma\",\"q\"\"uote\"\n", i)
		case 1:
			b.WriteString("\n")
			fmt.Fprintf(&b, "%d,x,y\r\n", i)
		case 2:
			b.WriteString(strings.Repeat("\n", r.IntN(40)))
			fmt.Fprintf(&b, "%d,%s,z\n", i, strings.Repeat("w", r.IntN(300)))
		case 3:
			fmt.Fprintf(&b, "%d,\"\n\n\",\"\"\n", i) // blank lines inside a quoted field
		default:
			fmt.Fprintf(&b, "%d,%d,%g\n", i, r.IntN(100), r.NormFloat64())
		}
	}
	return b.Bytes()
}

// rangeChunks splits data with ranges [k·unit, (k+1)·unit): one splitter going through all the
// ranges (fresh=false), or a new splitter per range (fresh=true), as shards do. It returns each
// range's chunks and the parsed rows of all of them.
func rangeChunks(t *testing.T, data []byte, csv bool, size, unit int, fresh bool) ([][]Chunk, [][]string) {
	t.Helper()
	type ranged interface {
		Splitter
		SetRange(start, end int64) error
	}
	open := func() ranged {
		if !csv {
			return NewLineSplitter("f", bytes.NewReader(data), size, nil)
		}
		sp, err := NewCSVSplitter("f", bytes.NewReader(data), CSVOptions{Header: true, ChunkSize: size})
		if err != nil {
			t.Fatal(err)
		}
		return sp
	}
	var units [][]Chunk
	var rows [][]string
	var sp ranged
	for k := 0; int64(k)*int64(unit) < int64(len(data)); k++ {
		if fresh || sp == nil {
			sp = open()
		}
		if err := sp.SetRange(int64(k*unit), int64((k+1)*unit)); err != nil {
			t.Fatal(err)
		}
		var cs []Chunk
		for {
			c, err := sp.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			c.Index = 0 // per splitter: not part of the comparison
			cs = append(cs, c)
			if csv {
				rec, err := ParseCSV(c, []string{"a", "b", "c"}, memory.DefaultAllocator)
				if err != nil {
					t.Fatal(err)
				}
				rows = append(rows, cells(t, rec)...)
				rec.Release()
			} else {
				for _, l := range strings.Split(string(c.Data), "\n") {
					if strings.TrimSpace(l) != "" {
						rows = append(rows, []string{l})
					}
				}
			}
		}
		units = append(units, cs)
	}
	return units, rows
}

// TestRangesIndependentOfStart: the chunks of a byte range are the same whether the splitter went
// through the earlier ranges or started at this one (what makes a shard's chunks equal to the
// single node's), and the ranges together hold every record exactly once, in order.
func TestRangesIndependentOfStart(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	data := rangeCSV(r, 3000)
	var lines bytes.Buffer
	for i := range 4000 {
		if r.IntN(9) == 0 {
			lines.WriteString(strings.Repeat(" \n", r.IntN(30)))
		}
		fmt.Fprintf(&lines, "{\"i\": %d, \"s\": %q}\n", i, strings.Repeat("v", r.IntN(200)))
	}
	for _, tc := range []struct {
		name       string
		csv        bool
		data       []byte
		size, unit int
	}{
		{"csv unit=4 chunks", true, data, 4 << 10, 16 << 10},
		{"csv unit not a multiple", true, data, 3 << 10, 10<<10 + 7},
		{"csv unit below chunk", true, data, 8 << 10, 1 << 10},
		{"csv tiny", true, data, 200, 700},
		{"lines", false, lines.Bytes(), 4 << 10, 12 << 10},
		{"lines tiny", false, lines.Bytes(), 100, 333},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seq, seqRows := rangeChunks(t, tc.data, tc.csv, tc.size, tc.unit, false)
			fresh, freshRows := rangeChunks(t, tc.data, tc.csv, tc.size, tc.unit, true)
			if len(seq) != len(fresh) {
				t.Fatalf("%d ranges vs %d", len(seq), len(fresh))
			}
			n := 0
			for k := range seq {
				if !slices.EqualFunc(seq[k], fresh[k], func(a, b Chunk) bool {
					return bytes.Equal(a.Data, b.Data) && a.FirstLine == b.FirstLine && a.FirstRecord == b.FirstRecord
				}) {
					t.Fatalf("range %d: chunks differ between a splitter started at the file start and one started at the range", k)
				}
				n += len(seq[k])
			}
			if n < 2*len(seq)/3 {
				t.Errorf("only %d chunks in %d ranges: the test does not exercise multi-chunk ranges", n, len(seq))
			}
			// Every record once, in order: the same rows as a read without ranges.
			var whole [][]string
			if tc.csv {
				res, err := readCSV(t, "f", bytes.NewReader(tc.data), CSVOptions{Header: true, ChunkSize: tc.size})
				if err != nil {
					t.Fatal(err)
				}
				whole = res.rows
			} else {
				_, whole = rangeChunks(t, tc.data, false, tc.size, len(tc.data)+1, false)
			}
			if !slices.EqualFunc(seqRows, whole, slices.Equal) || !slices.EqualFunc(freshRows, whole, slices.Equal) {
				t.Errorf("ranges hold %d/%d rows, the whole read %d (or their order differs)", len(seqRows), len(freshRows), len(whole))
			}
		})
	}
}

// TestRangeErrorsKeepLineNumbers: an error after a skipped prefix names the true line and record.
func TestRangeErrorsKeepLineNumbers(t *testing.T) {
	data := []byte("a,b\n1,\"x\ny\"\n\n2,3\n4,5\n6\n")
	sp, err := NewCSVSplitter("f.csv", bytes.NewReader(data), CSVOptions{Header: true, ChunkSize: 4})
	if err != nil {
		t.Fatal(err)
	}
	if err := sp.SetRange(int64(bytes.Index(data, []byte("4,5"))), 0); err != nil {
		t.Fatal(err)
	}
	var got error
	for {
		c, err := sp.Next()
		if err != nil {
			break
		}
		if _, err := ParseCSV(c, []string{"a", "b"}, memory.DefaultAllocator); err != nil {
			got = err
			break
		}
	}
	var e *Error
	if !errors.As(got, &e) || e.Line != 7 || e.Record != 4 {
		t.Fatalf("error %v, want line 7 (record 4)", got)
	}
}

// BenchmarkSkipTo measures what a shard starting in the middle of a file pays for the bytes before
// its first unit: a structural scan (quote-aware for CSV, line ends for JSON Lines) without parsing.
//
//	go test ./analyzer/decode/ -run '^$' -bench BenchmarkSkipTo
func BenchmarkSkipTo(b *testing.B) {
	r := rand.New(rand.NewPCG(8, 8))
	var plain, quoted bytes.Buffer
	plain.WriteString("a,b,c,d\n")
	quoted.WriteString("a,b,c,d\n")
	for plain.Len() < 64<<20 {
		fmt.Fprintf(&plain, "%d,%g,c%d,%d\n", r.IntN(1e6), r.NormFloat64(), r.IntN(20), r.IntN(100))
		fmt.Fprintf(&quoted, "%d,\"%g\",\"c%d\nx\",%d\n", r.IntN(1e6), r.NormFloat64(), r.IntN(20), r.IntN(100))
	}
	for _, c := range []struct {
		name string
		data []byte
		csv  bool
	}{{"csv-plain", plain.Bytes(), true}, {"csv-quoted", quoted.Bytes(), true}, {"lines", plain.Bytes(), false}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.data)))
			for b.Loop() {
				var err error
				if c.csv {
					sp, e := NewCSVSplitter("f", bytes.NewReader(c.data), CSVOptions{Header: true})
					if e != nil {
						b.Fatal(e)
					}
					err = sp.SetRange(int64(len(c.data))-1, 0)
				} else {
					err = NewLineSplitter("f", bytes.NewReader(c.data), 0, nil).SetRange(int64(len(c.data))-1, 0)
				}
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
