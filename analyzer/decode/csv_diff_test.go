package decode

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"
)

// randomValue draws a cell from a mix meant to hit every branch of the scanner: empty, numbers,
// words, and strings of separators, quotes, line breaks and multi-byte runes. Backslashes are left
// out: encoding/csv (the oracle) does not treat them as escapes, Spark does (see TestCSVSemantics).
// With crlf, line breaks are left out of values: encoding/csv turns a quoted CRLF into LF, we keep
// the bytes.
func randomValue(r *rand.Rand, crlf bool) string {
	switch r.IntN(6) {
	case 0:
		return ""
	case 1:
		return strconv.Itoa(r.IntN(2000) - 1000)
	case 2:
		return strconv.FormatFloat(r.NormFloat64()*100, 'f', r.IntN(4), 64)
	case 3:
		return []string{"red", "green", "blue", "true", "false"}[r.IntN(5)]
	}
	alphabet := []string{"a", "b", " ", ",", "\"", "é", "日", "\t", "'"}
	if !crlf {
		alphabet = append(alphabet, "\n", "\r")
	}
	var b strings.Builder
	for range r.IntN(8) {
		s := alphabet[r.IntN(len(alphabet))]
		if s == "\n" && strings.HasSuffix(b.String(), "\r") {
			s = "x" // no CRLF inside values: encoding/csv would turn it into LF
		}
		b.WriteString(s)
	}
	return b.String()
}

// oracleTable is what encoding/csv reads from a file, with our null rule applied, plus the byte
// offset where each record starts (after any blank lines before it) and its first line.
type oracleTable struct {
	header []string
	rows   [][]string
	starts []int64
	lines  []int
}

func readOracle(t *testing.T, data []byte, header bool) oracleTable {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(data))
	var o oracleTable
	prevEnd := int64(0)
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("oracle: %v", err)
		}
		start := prevEnd
		for start < int64(len(data)) && (data[start] == '\n' || (data[start] == '\r' && data[start+1] == '\n')) {
			if data[start] == '\r' {
				start++
			}
			start++
		}
		prevEnd = cr.InputOffset()
		if header && o.header == nil {
			o.header = rec
			continue
		}
		line, _ := cr.FieldPos(0)
		row := make([]string, len(rec))
		for k, v := range rec {
			if v == "" {
				v = null
			}
			row[k] = v
		}
		o.rows = append(o.rows, row)
		o.starts = append(o.starts, start)
		o.lines = append(o.lines, line)
	}
	return o
}

// slowReader returns reads of pseudo-random sizes, to show boundaries do not depend on reads.
type slowReader struct {
	r   io.Reader
	rnd *rand.Rand
}

func (s *slowReader) Read(p []byte) (int, error) {
	if len(p) > 1 {
		p = p[:1+s.rnd.IntN(min(len(p), 100))]
	}
	return s.r.Read(p)
}

// TestCSVDifferential writes random tables with encoding/csv and reads them back through
// Splitter+ParseCSV at several chunk sizes and read patterns: cells, column names, chunk boundaries
// (against the division rule computed from encoding/csv's offsets) and numbering must agree.
func TestCSVDifferential(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	for trial := range 120 {
		ncol := 1 + rnd.IntN(6)
		nrow := rnd.IntN(150)
		header := rnd.IntN(2) == 0
		crlf := rnd.IntN(3) == 0
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.UseCRLF = crlf
		if header {
			names := make([]string, ncol)
			for k := range names {
				names[k] = "col " + strconv.Itoa(k) + []string{"", ",x", "\"q\""}[rnd.IntN(3)]
			}
			if err := w.Write(names); err != nil {
				t.Fatal(err)
			}
		}
		for range nrow {
			row := make([]string, ncol)
			for k := range row {
				row[k] = randomValue(rnd, crlf)
			}
			if err := w.Write(row); err != nil {
				t.Fatal(err)
			}
		}
		w.Flush()
		data := buf.Bytes()
		if rnd.IntN(4) == 0 && len(data) > 0 { // drop the final line break
			data = bytes.TrimSuffix(bytes.TrimSuffix(data, []byte{'\n'}), []byte{'\r'})
		}
		o := readOracle(t, data, header)
		wantCols := o.header
		if !header && len(o.rows) > 0 {
			wantCols = nil
			for k := range o.rows[0] {
				wantCols = append(wantCols, "_c"+strconv.Itoa(k))
			}
		}
		for _, size := range []int{64, 1, DefaultChunkSize} {
			var first []Chunk
			readers := []io.Reader{
				bytes.NewReader(data),
				iotest.OneByteReader(bytes.NewReader(data)),
				&slowReader{bytes.NewReader(data), rand.New(rand.NewPCG(uint64(trial), 2))},
			}
			for ri, r := range readers {
				res, err := readCSV(t, "r.csv", r, CSVOptions{Header: header, ChunkSize: size})
				if err != nil {
					t.Fatalf("trial %d size %d: %v\n%q", trial, size, err, data)
				}
				if !reflect.DeepEqual(res.cols, wantCols) {
					t.Fatalf("trial %d size %d: columns %q, want %q", trial, size, res.cols, wantCols)
				}
				if !reflect.DeepEqual(res.rows, o.rows) {
					t.Fatalf("trial %d size %d: rows differ\n got %q\nwant %q\ninput %q", trial, size, res.rows, o.rows, data)
				}
				// Records are grouped by the division their first byte lies in.
				for k, c := range res.chunks {
					lo := c.FirstRecord - 1
					hi := int64(len(o.rows))
					if k+1 < len(res.chunks) {
						hi = res.chunks[k+1].FirstRecord - 1
					}
					div := o.starts[lo] / int64(size)
					for rec := lo; rec < hi; rec++ {
						if o.starts[rec]/int64(size) != div {
							t.Fatalf("trial %d size %d: chunk %d holds records of divisions %d and %d",
								trial, size, k, div, o.starts[rec]/int64(size))
						}
					}
					if k > 0 && o.starts[lo-1]/int64(size) == div {
						t.Fatalf("trial %d size %d: division %d split across chunks", trial, size, div)
					}
					// FirstLine is the line of Data[0]; the first record follows any blank lines.
					blank := int64(0)
					for d := c.Data; len(d) > 0 && (d[0] == '\n' || bytes.HasPrefix(d, []byte("\r\n"))); blank++ {
						d = d[bytes.IndexByte(d, '\n')+1:]
					}
					if got, want := c.FirstLine+blank, int64(o.lines[lo]); got != want {
						t.Fatalf("trial %d size %d: chunk %d first record on line %d, want %d", trial, size, k, got, want)
					}
				}
				// Boundaries are identical whatever the reads.
				if ri == 0 {
					first = res.chunks
				} else if !reflect.DeepEqual(res.chunks, first) {
					t.Fatalf("trial %d size %d: chunks differ between reader 0 and reader %d", trial, size, ri)
				}
			}
		}
	}
}
