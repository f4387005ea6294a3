package decode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

func TestCSVSemantics(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		header bool
		cols   []string
		rows   [][]string
	}{
		{"plain", "a,b\n1,2\n3,4\n", true, []string{"a", "b"}, [][]string{{"1", "2"}, {"3", "4"}}},
		{"quoted separator", "a,b\n\"x,y\",2\n", true, []string{"a", "b"}, [][]string{{"x,y", "2"}}},
		{"doubled quote", "a\n\"he said \"\"hi\"\"\"\n", true, []string{"a"}, [][]string{{`he said "hi"`}}},
		{"backslash quote", "a\n\"he said \\\"hi\\\"\"\n", true, []string{"a"}, [][]string{{`he said "hi"`}}},
		{"backslash backslash", "a,b\n\"C:\\\\dir\\\\\",x\n", true, []string{"a", "b"}, [][]string{{`C:\dir\`, "x"}}},
		{"other backslash kept", "a,b\n\"x\\ty\",u\\\"v\n", true, []string{"a", "b"}, [][]string{{`x\ty`, `u\"v`}}},
		{"only quote", "a\n\"\"\"\"\n", true, []string{"a"}, [][]string{{`"`}}},
		{"quoted newline", "a,b\n\"line1\nline2\",2\n3,4\n", true, []string{"a", "b"},
			[][]string{{"line1\nline2", "2"}, {"3", "4"}}},
		{"quoted CRLF kept", "a,b\r\n\"l1\r\nl2\",2\r\n", true, []string{"a", "b"}, [][]string{{"l1\r\nl2", "2"}}},
		{"CRLF", "a,b\r\n1,2\r\n3,4\r\n", true, []string{"a", "b"}, [][]string{{"1", "2"}, {"3", "4"}}},
		{"CRLF after quoted", "a,b\r\n\"1\",\"2\"\r\n", true, []string{"a", "b"}, [][]string{{"1", "2"}}},
		{"lone CR is data", "a\nx\ry\n", true, []string{"a"}, [][]string{{"x\ry"}}},
		{"empty is null", "a,b,c\n,,\n", true, []string{"a", "b", "c"}, [][]string{{null, null, null}}},
		{"quoted empty is null", "a,b\n\"\",x\n", true, []string{"a", "b"}, [][]string{{null, "x"}}},
		{"trailing comma", "a,b\n1,\n", true, []string{"a", "b"}, [][]string{{"1", null}}},
		{"trailing comma CRLF", "a,b\r\n1,\r\n", true, []string{"a", "b"}, [][]string{{"1", null}}},
		{"whitespace kept", "a,b\n 5 ,\t6\n", true, []string{"a", "b"}, [][]string{{" 5 ", "\t6"}}},
		{"space line is a record", "a\n \n", true, []string{"a"}, [][]string{{" "}}},
		{"BOM", "\xEF\xBB\xBFa,b\n1,2\n", true, []string{"a", "b"}, [][]string{{"1", "2"}}},
		{"blank lines", "\na,b\n\n1,2\n\r\n\n3,4\n\n", true, []string{"a", "b"}, [][]string{{"1", "2"}, {"3", "4"}}},
		{"no trailing newline", "a,b\n1,2", true, []string{"a", "b"}, [][]string{{"1", "2"}}},
		{"CR at end of file", "a,b\n1,2\r", true, []string{"a", "b"}, [][]string{{"1", "2"}}},
		{"quoted at end of file", "a\n\"x\"", true, []string{"a"}, [][]string{{"x"}}},
		{"quoted then CR at end of file", "a\n\"x\"\r", true, []string{"a"}, [][]string{{"x"}}},
		{"header only", "a,b\n", true, []string{"a", "b"}, nil},
		{"header only no newline", "a,b", true, []string{"a", "b"}, nil},
		{"empty input", "", true, nil, nil},
		{"empty input no header", "", false, nil, nil},
		{"blank input", "\n\r\n", false, nil, nil},
		{"no header", "1,2,3\n4,5,6\n", false, []string{"_c0", "_c1", "_c2"},
			[][]string{{"1", "2", "3"}, {"4", "5", "6"}}},
		{"no header BOM blank lines", "\xEF\xBB\xBF\n\n\"1\",2\n", false, []string{"_c0", "_c1"}, [][]string{{"1", "2"}}},
		{"stray quote in unquoted field", "a\nx\"y\n", true, []string{"a"}, [][]string{{`x"y`}}},
		{"text after closing quote", "a,b\n\"ab\"c,d\n", true, []string{"a", "b"}, [][]string{{`ab"c`, "d"}}},
		{"text after closing quote at end", "a\n\"ab\"c d\r\n", true, []string{"a"}, [][]string{{`ab"c d`}}},
		{"quote after space is data", "a,b\n \"x\",y\n", true, []string{"a", "b"}, [][]string{{` "x"`, "y"}}},
		{"header names", "\"x y\",,X,x,\"a\"\"b\"\n1,2,3,4,5\n", true, []string{"x y", "_c1", "X2", "x3", `a"b`},
			[][]string{{"1", "2", "3", "4", "5"}}},
		{"unicode", "名前,b\né,日本\n", true, []string{"名前", "b"}, [][]string{{"é", "日本"}}},
		{"single quoted empty column", "a\n\"\"\n\nx\n", true, []string{"a"}, [][]string{{null}, {"x"}}},
	}
	for _, tc := range tests {
		// 1: every record is a chunk of its own; 7: records straddle divisions; 0: one chunk.
		for _, size := range []int{1, 7, 0} {
			t.Run(tc.name, func(t *testing.T) {
				res, err := readCSV(t, "t.csv", iotest.OneByteReader(strings.NewReader(tc.in)),
					CSVOptions{Header: tc.header, ChunkSize: size})
				if err != nil {
					t.Fatalf("size %d: %v", size, err)
				}
				if !reflect.DeepEqual(res.cols, tc.cols) {
					t.Errorf("size %d: columns %q, want %q", size, res.cols, tc.cols)
				}
				if !reflect.DeepEqual(res.rows, tc.rows) {
					t.Errorf("size %d: rows %q, want %q", size, res.rows, tc.rows)
				}
			})
		}
	}
}

// TestCSVNumbering checks FirstLine and FirstRecord with one record per chunk, across a header,
// blank lines, CRLF and quoted line breaks.
func TestCSVNumbering(t *testing.T) {
	in := "h1,h2\n" + // line 1: header
		"\n" + // line 2: blank
		"1,2\n" + // line 3: record 1
		"\"a\nb\",3\r\n" + // lines 4-5: record 2
		"\r\n" + // line 6: blank
		"4,\"x\ny\nz\"\n" + // lines 7-9: record 3
		"5,6" // line 10: record 4
	type pos struct{ line, record int64 }
	want := []pos{{2, 1}, {4, 2}, {6, 3}, {10, 4}} // chunk 0 starts at the blank line 2; chunk 2 at blank line 6
	res, err := readCSV(t, "n.csv", strings.NewReader(in), CSVOptions{Header: true, ChunkSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	var got []pos
	for _, c := range res.chunks {
		got = append(got, pos{c.FirstLine, c.FirstRecord})
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chunk positions %v, want %v", got, want)
	}
}

// TestChunkBoundaries checks the division rule on offsets: records starting before each multiple
// of the size share a chunk; a record spanning several divisions leaves the skipped ones empty.
func TestChunkBoundaries(t *testing.T) {
	// Offsets: "aaaa\n" 0-4, "bb\n" 5-7, "cccccccccccccccccccc\n" 8-28, "d\n" 29-30, "e\n" 31-32.
	in := "aaaa\nbb\ncccccccccccccccccccc\nd\ne\n"
	res, err := readCSV(t, "b.csv", strings.NewReader(in), CSVOptions{ChunkSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	// Divisions [0,10): a, b, c (starts at 8); [10,20), [20,30): d starts at 29; [30,40): e.
	want := []string{"aaaa\nbb\ncccccccccccccccccccc\n", "d\n", "e\n"}
	var got []string
	for _, c := range res.chunks {
		got = append(got, string(c.Data))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("chunks %q, want %q", got, want)
	}
}

// TestReadErrorPassedThrough: an I/O error (a truncated gzip stream, say) is not bad input, and
// the record it cut is not delivered as if complete.
func TestReadErrorPassedThrough(t *testing.T) {
	boom := errors.New("unexpected EOF in gzip stream")
	r := io.MultiReader(strings.NewReader("a,b\n1,2\n3,"), iotest.ErrReader(boom))
	sp, err := NewCSVSplitter("g.csv.gz", r, CSVOptions{Header: true})
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for {
		c, err := sp.Next()
		if err != nil {
			if !errors.Is(err, boom) || errors.Is(err, ErrBadInput) {
				t.Fatalf("error %v: want the reader's error, not bad input", err)
			}
			if !strings.Contains(err.Error(), "g.csv.gz") {
				t.Errorf("error %q does not name the file", err)
			}
			break
		}
		data = append(data, c.Data...)
	}
	if strings.Contains(string(data), "3,") {
		t.Errorf("partial record delivered: %q", data)
	}
	ls := NewLineSplitter("g.jsonl.gz", io.MultiReader(strings.NewReader("{}\n{"), iotest.ErrReader(boom)), 0, nil)
	for {
		c, err := ls.Next()
		if err != nil {
			if !errors.Is(err, boom) {
				t.Fatalf("line splitter error %v, want the reader's error", err)
			}
			break
		}
		if strings.Contains(string(c.Data), "{\n{") || strings.HasSuffix(string(c.Data), "{") {
			t.Errorf("partial line delivered: %q", c.Data)
		}
	}
}

func TestCSVOptions(t *testing.T) {
	if err := DefaultCSVOptions().Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
	err := CSVOptions{ChunkSize: -1, MaxRecordSize: -2}.Validate()
	if err == nil || !strings.Contains(err.Error(), "chunk size -1") || !strings.Contains(err.Error(), "max record size -2") {
		t.Errorf("Validate() = %v, want both problems", err)
	}
	if _, err := NewCSVSplitter("o.csv", strings.NewReader("a\n"), CSVOptions{ChunkSize: -1}); err == nil {
		t.Error("NewCSVSplitter accepted a negative chunk size")
	}
}

// TestParallelParse parses the chunks of one file concurrently (run with -race) and checks the
// batches, taken in chunk order, equal a sequential parse.
func TestParallelParse(t *testing.T) {
	var b strings.Builder
	b.WriteString("a,b,c\n")
	for i := range 2000 {
		fmt.Fprintf(&b, "%d,\"x\ny%d\",%d.5\n", i, i, i)
	}
	want, err := readCSV(t, "p.csv", strings.NewReader(b.String()), CSVOptions{Header: true, ChunkSize: 512})
	if err != nil {
		t.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	got := make([][][]string, len(want.chunks))
	var wg sync.WaitGroup
	for k, c := range want.chunks {
		wg.Go(func() {
			rec, err := ParseCSV(c, want.cols, mem)
			if err != nil {
				t.Error(err)
				return
			}
			got[k] = cells(t, rec)
			rec.Release()
		})
	}
	wg.Wait()
	var rows [][]string
	for _, g := range got {
		rows = append(rows, g...)
	}
	if !reflect.DeepEqual(rows, want.rows) {
		t.Error("parallel parse differs from sequential")
	}
}

// TestCSVLines checks the bitmap line counter against a byte loop, with each byteMasks
// implementation, on inputs short and long enough to cross blocks and windows (4 KiB).
func TestCSVLines(t *testing.T) { maskImpls(t, testCSVLines) }

func testCSVLines(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	for trial := range 3000 {
		n := 1 + rnd.IntN(40)
		if trial%10 == 0 || trial%10 == 6 {
			n = 1 + rnd.IntN(3*4096)
		}
		alphabet := "\n\r\x0ba" // \x0b: one above '\n', the classic false positive
		if trial%3 == 0 {
			alphabet = "\n\x0bab" // no carriage return
		}
		if trial%5 == 1 && n > 1 {
			alphabet = "\n\r\"a" // quotes: csvLinesQuotes reports them
		}
		b := make([]byte, n)
		for k := range b {
			b[k] = alphabet[rnd.IntN(4)]
		}
		if trial%2 == 0 {
			b[len(b)-1] = '\n'
		}
		wantLines, wantBlank := 0, 0
		for k, c := range b {
			start := k == 0 || b[k-1] == '\n'
			if start && (c == '\n' || (c == '\r' && k+1 < len(b) && b[k+1] == '\n')) {
				wantBlank++
			}
			if c == '\n' {
				wantLines++
			}
		}
		wantCR := bytes.IndexByte(b, '\r') >= 0
		if lines, blank, cr := csvLines(b); lines != wantLines || blank != wantBlank || cr != wantCR {
			t.Fatalf("csvLines(%q) = %d, %d, %v; want %d, %d, %v", b, lines, blank, cr, wantLines, wantBlank, wantCR)
		}
		wantQuote := bytes.IndexByte(b, '"') >= 0
		if lines, blank, cr, quote := csvLinesQuotes(b); lines != wantLines || blank != wantBlank || cr != wantCR ||
			quote != wantQuote {
			t.Fatalf("csvLinesQuotes(%q) = %d, %d, %v, %v; want %d, %d, %v, %v", b, lines, blank, cr, quote,
				wantLines, wantBlank, wantCR, wantQuote)
		}
	}
}

// TestSplitterVectorPaths divides random CSV texts of a few kilobytes (short and long lines,
// quoted fields with line breaks, CRLF, blank lines) into chunks with every vector path the
// machine has and without them: the chunks (bytes, first line and record, line counts, plain
// flags) and the records must be the same. The splitter's bulk path takes one pass with
// AVX-512 (csvLinesQuotes) and two searches without it.
func TestSplitterVectorPaths(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	type chunkKey struct {
		data         string
		line, record int64
		lines        int
		plain        bool
	}
	split := func(t *testing.T, in string, size int) ([]chunkKey, [][]string) {
		res, err := readCSV(t, "v.csv", strings.NewReader(in), CSVOptions{ChunkSize: size})
		if err != nil {
			t.Fatal(err)
		}
		var keys []chunkKey
		for _, c := range res.chunks {
			keys = append(keys, chunkKey{string(c.Data), c.FirstLine, c.FirstRecord, c.lines, c.plain})
		}
		return keys, res.rows
	}
	for trial := range 300 {
		var b strings.Builder
		quotes, crlf := trial%3 == 0, trial%4 == 0
		for b.Len() < 1000+r.IntN(8000) {
			if r.IntN(30) == 0 {
				b.WriteString("\n") // a blank line
			}
			for f := range 3 {
				if f > 0 {
					b.WriteByte(',')
				}
				switch {
				case quotes && r.IntN(20) == 0:
					b.WriteString("\"a\nb,\"\"c\"")
				case r.IntN(10) == 0:
					b.WriteString(strings.Repeat("x", r.IntN(150)))
				default:
					b.WriteString(strconv.Itoa(r.IntN(100000)))
				}
			}
			if crlf && r.IntN(2) == 0 {
				b.WriteByte('\r')
			}
			b.WriteByte('\n')
		}
		in := b.String()
		size := 64 + r.IntN(2048)
		var want []chunkKey
		var wantRows [][]string
		maskImpls(t, func(t *testing.T) {
			got, rows := split(t, in, size)
			if want == nil {
				want, wantRows = got, rows
				return
			}
			if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(rows, wantRows) {
				t.Fatalf("trial %d (chunk size %d): chunks differ from the first path's", trial, size)
			}
		})
	}
}
