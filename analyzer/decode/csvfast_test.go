package decode

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// parseBoth parses c with the fast path allowed and with the general parser only, and fails the
// test unless both give the same error or batches with the same cells, null counts and Arrow
// buffers (offsets, bytes and validity bits of every used row). It reports whether parseFast
// took c (rather than leaving it to the general parser).
func parseBoth(t *testing.T, c Chunk, names []string) (fast bool) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	fastCSV = false
	want, wantErr := ParseCSV(c, names, mem)
	fastCSV = true
	got, gotErr := ParseCSV(c, names, mem)
	if (wantErr == nil) != (gotErr == nil) || (wantErr != nil && wantErr.Error() != gotErr.Error()) {
		t.Fatalf("errors differ: general %v, fast %v\ninput %q", wantErr, gotErr, c.Data)
	}
	if wantErr != nil {
		return false
	}
	defer want.Release()
	defer got.Release()
	if want.NumRows() != got.NumRows() || want.NumCols() != got.NumCols() {
		t.Fatalf("shape %dx%d, want %dx%d\ninput %q", got.NumRows(), got.NumCols(), want.NumRows(), want.NumCols(), c.Data)
	}
	for k := range int(want.NumCols()) {
		w, g := want.Column(k).(*array.String), got.Column(k).(*array.String)
		if w.NullN() != g.NullN() {
			t.Fatalf("column %d: %d nulls, want %d\ninput %q", k, g.NullN(), w.NullN(), c.Data)
		}
		for r := range w.Len() {
			if w.IsNull(r) != g.IsNull(r) || w.Value(r) != g.Value(r) {
				t.Fatalf("column %d row %d: %q (null %v), want %q (null %v)\ninput %q", k, r, g.Value(r), g.IsNull(r), w.Value(r), w.IsNull(r), c.Data)
			}
		}
		if !bytes.Equal(w.ValueBytes(), g.ValueBytes()) || !slices.Equal(w.ValueOffsets(), g.ValueOffsets()) {
			t.Fatalf("column %d: value buffers differ\ninput %q", k, c.Data)
		}
		if n := w.Len(); w.NullN() > 0 && !sameBits(w.NullBitmapBytes(), g.NullBitmapBytes(), n) {
			t.Fatalf("column %d: validity bitmaps differ\ninput %q", k, c.Data)
		}
	}
	// Whether parseFast itself took the chunk.
	if !plainCSV(c.Data) {
		return false
	}
	rec, ok, err := parseFast(c.Data, names, bytes.Count(c.Data, []byte{'\n'}), mem)
	if err != nil {
		t.Fatal(err)
	}
	if rec != nil {
		rec.Release()
	}
	return ok
}

// sameBits compares the first n bits of two bitmaps.
func sameBits(a, b []byte, n int) bool {
	for i := range n {
		if (a[i>>3]>>(i&7))&1 != (b[i>>3]>>(i&7))&1 {
			return false
		}
	}
	return true
}

// randomPlainField returns a CSV field without quotes or carriage returns: empty (null), short or
// long, ASCII or not, occasionally invalid UTF-8 when bad is set.
func randomPlainField(r *rand.Rand, bad bool) string {
	switch r.IntN(12) {
	case 0:
		return ""
	case 1:
		return strings.Repeat("long-value-", 1+r.IntN(5)) // over 16 bytes: the copy path
	case 2:
		return "größe→" + string(rune('a'+r.IntN(26)))
	case 3:
		if bad {
			return "bad\xffbyte"
		}
		return "ok"
	case 4:
		return " spaced value "
	default:
		b := make([]byte, 1+r.IntN(15))
		for i := range b {
			b[i] = "0123456789.-eabcxyz"[r.IntN(19)]
		}
		return string(b)
	}
}

// TestParseFastMatchesGeneral: on random plain tables — empty and long fields, blank lines, a
// missing final line break, a trailing comma, non-ASCII and invalid UTF-8, records with too few or
// too many fields — ParseCSV with the fast path builds the same batches as the general parser, or
// fails with the same error, at table widths from 1 to 40 columns.
func TestParseFastMatchesGeneral(t *testing.T) { maskImpls(t, testParseFastMatchesGeneral) }

func testParseFastMatchesGeneral(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 1))
	accepted := 0
	for trial := range 600 {
		ncol := 1 + r.IntN(8)
		if trial%10 == 0 {
			ncol = 20 + r.IntN(21)
		}
		names := make([]string, ncol)
		for k := range names {
			names[k] = "c" + string(rune('a'+k%26))
		}
		bad := trial%7 == 0
		ragged := trial%11 == 0
		blank := trial%5 == 0
		var b bytes.Buffer
		for range r.IntN(120) {
			if blank && r.IntN(15) == 0 {
				b.WriteByte('\n') // a blank line
			}
			n := ncol
			if ragged && r.IntN(20) == 0 {
				n += r.IntN(3) - 1
			}
			for k := range n {
				if k > 0 {
					b.WriteByte(',')
				}
				b.WriteString(randomPlainField(r, bad))
			}
			b.WriteByte('\n')
		}
		data := b.Bytes()
		switch r.IntN(4) {
		case 0:
			data = bytes.TrimSuffix(data, []byte{'\n'}) // no final line break
		case 1:
			if blank {
				data = append(data, '\n', '\n') // trailing blank lines
			}
		}
		if parseBoth(t, Chunk{File: "t.csv", Data: data, FirstLine: 3, FirstRecord: 2}, names) {
			accepted++
		}
	}
	// Most tables are plain and well-formed: the fast path must have handled them.
	if accepted < 300 {
		t.Fatalf("fast path accepted %d of 600 tables", accepted)
	}
}

// TestParseFastEdges: hand-picked inputs at the fast path's boundaries (block edges, the last
// partial block, fields ending at the data's end, one column, non-plain input).
func TestParseFastEdges(t *testing.T) { maskImpls(t, testParseFastEdges) }

func testParseFastEdges(t *testing.T) {
	long := strings.Repeat("x", 70)
	for _, tc := range []struct {
		name  string
		data  string
		ncol  int
		plain bool // the fast path must accept it
	}{
		{"empty", "", 2, false},
		{"only blank lines", "\n\n\n", 2, false},
		{"blank line", "a,b\n\nc,d\n", 2, false},
		{"leading blank line", "\na,b\n", 2, false},
		{"one column", "a\nb\nc", 1, true},
		{"one column, empty values", "a\n \nc\n", 1, true},
		{"all null", ",\n,\n,", 2, true},
		{"long fields at the end", "a," + long + "\n" + long + "," + long, 2, true},
		{"short record at the end", "abc,def\ng,h", 2, true},
		{"every field length", everyLength(), 3, true},
		{"longest field 17 bytes", "a," + strings.Repeat("q", 17) + "\nb,c\n" + strings.Repeat("z", 40) + ",d\n", 2, true},
		{"longest field 16 bytes", "a," + strings.Repeat("q", 16) + "\nb,c\n" + strings.Repeat("z", 40) + ",d\n", 2, true},
		{"one column null", "a\n,\n", 1, false}, // two fields in a one-column table
		{"trailing comma at end", "a,b\nc,", 2, true},
		{"no final break", "a,b\nc,d", 2, true},
		{"separator at byte 63", strings.Repeat("y", 63) + ",z\n", 2, true},
		{"separator at byte 64", strings.Repeat("y", 64) + ",z\n", 2, true},
		{"field across blocks", long + "," + long + "\n" + long + ",1\n", 2, true},
		{"too few fields", "a,b\nc\n", 2, false},
		{"too many fields", "a,b\nc,d,e\n", 2, false},
		{"quote", "a,\"b\"\n", 2, false},
		{"carriage return", "a,b\r\n", 2, false},
		{"invalid utf-8", "a,\xff\n", 2, false},
		{"valid utf-8", "ä,€\n", 2, true},
		// Past the first byteMasks window (4 KiB), and in the zero-padded last block.
		{"invalid utf-8 in a later window", strings.Repeat("a,b\n", 1100) + "\xff,c\n", 2, false},
		{"valid utf-8 in a later window", strings.Repeat("a,b\n", 1100) + "ä,c\n", 2, true},
		{"invalid utf-8 in the last block", strings.Repeat("a,b\n", 1024) + "c,\xff", 2, false},
		{"separator at byte 4096", strings.Repeat("y", 4096) + ",z\n", 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			names := make([]string, tc.ncol)
			for k := range names {
				names[k] = string(rune('a' + k))
			}
			if got := parseBoth(t, Chunk{File: "e.csv", Data: []byte(tc.data)}, names); got != tc.plain {
				t.Fatalf("fast path used: %v, want %v", got, tc.plain)
			}
		})
	}
}

// everyLength returns a 3-column table whose fields have every length from 0 to 40 bytes, in
// every column.
func everyLength() string {
	var b strings.Builder
	for l := range 41 {
		for c := range 3 {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strings.Repeat(string(rune('a'+(l+c)%26)), (l+c*7)%41))
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// FuzzParseFast: on any chunk, the fast path and the general parser agree (parseBoth).
//
//	go test -run '^$' -fuzz FuzzParseFast -fuzztime 60s ./analyzer/decode/
func FuzzParseFast(f *testing.F) {
	f.Add([]byte("a,b\n1,2\n\n3,\n"), uint8(2))
	f.Add([]byte("x\n\ny"), uint8(1))
	f.Add([]byte(strings.Repeat("1234567,", 20)+"\n"), uint8(21))
	f.Fuzz(func(t *testing.T, data []byte, ncol uint8) {
		names := make([]string, 1+int(ncol%64))
		for k := range names {
			names[k] = "c"
		}
		parseBoth(t, Chunk{File: "f.csv", Data: data, FirstLine: 1, FirstRecord: 1}, names)
	})
}

// TestSplitterMarksPlainChunks: the CSV splitter marks the chunks it proved plain (Chunk.plain),
// so that ParseCSV skips its own search: every chunk of a table without quotes and carriage
// returns, none of a CRLF table, and, in a table with one quoted field, every chunk but the one
// holding it. readCSV also checks that no chunk is marked plain that is not (quotes would then
// reach the fast path), for every test that splits.
func TestSplitterMarksPlainChunks(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for r := range 3000 {
		fmt.Fprintf(&b, "%d,x%d,%d.5\n", r, r%7, r*3)
	}
	plain := b.String()
	quoted := strings.Replace(plain, "1500,x2,", `1500,"x,2",`, 1)
	for _, tc := range []struct {
		name string
		data string
		want func(c Chunk) bool
	}{
		{"plain", plain, func(Chunk) bool { return true }},
		{"crlf", strings.ReplaceAll(plain, "\n", "\r\n"), func(Chunk) bool { return false }},
		{"one quote", quoted, func(c Chunk) bool { return !bytes.Contains(c.Data, []byte{'"'}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := readCSV(t, "p.csv", strings.NewReader(tc.data), CSVOptions{Header: true, ChunkSize: 4096})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range res.chunks {
				if want := tc.want(c); c.plain != want {
					t.Fatalf("chunk %d: plain %v, want %v", c.Index, c.plain, want)
				}
			}
			if n := len(res.chunks); n < 10 {
				t.Fatalf("%d chunks: the table should span many", n)
			}
		})
	}
}

// TestValidity checks validity's vector loop against the portable one: validity bytes, null
// count and longest length, for row ranges starting at multiples of 8 and ending anywhere, with
// empty values (nulls), long values and the longest one in every position of a 16-row block.
func TestValidity(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 here (or not amd64): validity's portable loop is covered by the parser tests")
	}
	r := rand.New(rand.NewPCG(15, 15))
	for trial := range 3000 {
		rows := r.IntN(200)
		offs := make([]int32, rows+1)
		for i := 1; i <= rows; i++ {
			l := int32(0)
			switch r.IntN(4) {
			case 1, 2:
				l = int32(1 + r.IntN(16))
			case 3:
				l = int32(r.IntN(1 << uint(r.IntN(20))))
			}
			offs[i] = offs[i-1] + l
		}
		r0 := 8 * r.IntN(rows/8+1)
		r1 := r0 + r.IntN(rows-r0+1)
		run := func(vector bool) ([]byte, int, int32) {
			defer func(v bool) { useAVX2 = v }(useAVX2)
			useAVX2 = vector
			col := &strCol{offs: offs, valid: make([]byte, (rows+1)/8+1)}
			longest := validity(col, r0, r1)
			return col.valid, col.nulls, longest
		}
		vv, vn, vl := run(true)
		pv, pn, pl := run(false)
		if !bytes.Equal(vv, pv) || vn != pn || vl != pl {
			t.Fatalf("trial %d, rows %d…%d: vector gives %x, %d nulls, longest %d; portable %x, %d, %d",
				trial, r0, r1, vv, vn, vl, pv, pn, pl)
		}
	}
}

// BenchmarkValidity measures validity on a column of 65,536 rows (one in ten empty), with the
// AVX2 loop where the CPU has it and with the portable loop.
//
//	go test -run '^$' -bench Validity -count 6 ./analyzer/decode/
func BenchmarkValidity(b *testing.B) {
	r := rand.New(rand.NewPCG(16, 16))
	const rows = 1 << 16
	offs := make([]int32, rows+1)
	for i := 1; i <= rows; i++ {
		l := int32(1 + r.IntN(12))
		if r.IntN(10) == 0 {
			l = 0
		}
		offs[i] = offs[i-1] + l
	}
	col := &strCol{offs: offs, valid: make([]byte, rows/8+1)}
	for _, vector := range []bool{true, false} {
		name := "portable"
		if vector {
			if !useAVX2 {
				continue
			}
			name = "avx2"
		}
		b.Run(name, func(b *testing.B) {
			defer func(v bool) { useAVX2 = v }(useAVX2)
			useAVX2 = vector
			b.SetBytes(rows)
			for b.Loop() {
				col.nulls = 0
				validity(col, 0, rows)
			}
		})
	}
}
