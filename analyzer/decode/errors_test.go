package decode

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// readJSONLines splits and parses a whole JSON Lines input, returning the first error.
func readJSONLines(t testing.TB, file, in string, size int) error {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sp := NewLineSplitter(file, strings.NewReader(in), size, nil)
	for {
		c, err := sp.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		rec, err := ParseJSONLines(c, mem)
		if err != nil {
			return err
		}
		rec.Release()
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name   string
		format string // csv (header), csvraw (no header), jsonl, json
		in     string
		want   string // the whole message: file, line, record, column, what
	}{
		{"ragged short", "csv", "a,b,c\n1,2,3\n4,5\n",
			"data.csv line 3 (record 2): expected 3 fields, found 2"},
		{"ragged long", "csv", "a,b\n1,2\n3,4,5\n",
			"data.csv line 3 (record 2): expected 2 fields, found 3"},
		{"ragged after quoted newline and blank line", "csv", "a,b\n\"x\ny\",1\n\n1,2,3\n",
			"data.csv line 5 (record 2): expected 2 fields, found 3"},
		{"ragged without header", "csvraw", "1,2\n3\n",
			"data.csv line 2 (record 2): expected 2 fields, found 1"},
		{"unbalanced quote", "csv", "a,b\n1,2\n3,\"open\n4,5\n6,7\n",
			"data.csv line 3 (record 2), field 2: unbalanced quote: quoted field is not closed before the end of the file"},
		{"unbalanced quote ending in backslash", "csv", "a\n\"x\\",
			"data.csv line 2 (record 1), field 1: unbalanced quote: quoted field is not closed before the end of the file"},
		{"unbalanced quote in header", "csv", "a,\"b\n1,2\n",
			"data.csv line 1, field 2: header: unbalanced quote: quoted field is not closed before the end of the file"},
		{"invalid UTF-8", "csv", "a,b\n1,2\nok,x\xffy\n",
			"data.csv line 3 (record 2), field 2: invalid UTF-8 at byte column 5"},
		{"invalid UTF-8 in quoted multi-line field", "csv", "a,b\n1,\"x\ny\xc3\"\n",
			"data.csv line 3 (record 1), field 2: invalid UTF-8 at byte column 2"},
		{"invalid UTF-8 in header", "csv", "a,\xe2\x82\n1,2\n",
			"data.csv line 1, field 2: header: invalid UTF-8 at byte column 3"},
		{"invalid UTF-8 first record without header", "csvraw", "\xff\n",
			"data.csv line 1 (record 1), field 1: invalid UTF-8 at byte column 1"},
		{"JSON syntax error", "jsonl", "{\"a\":1}\n{\"a\":}\n",
			"data.jsonl line 2 (record 2), byte 6: invalid character '}', expected a value"},
		{"JSON line is an array", "jsonl", "{\"a\":1}\n\n[1,2]\n",
			"data.jsonl line 3 (record 2), byte 1: expected a JSON object, found an array"},
		{"JSON line is a number", "jsonl", "  5\n",
			"data.jsonl line 1 (record 1), byte 3: expected a JSON object, found a number"},
		{"JSON trailing data", "jsonl", "{\"a\":1} x\n",
			"data.jsonl line 1 (record 1), byte 9: invalid character 'x' after the top-level object"},
		{"JSON unterminated", "jsonl", "{\"a\":[1,2\n",
			"data.jsonl line 1 (record 1), byte 10: unexpected end of input, expected ',' or ']'"},
		{"JSON bad escape", "jsonl", "{\"a\":\"\\x\"}\n",
			"data.jsonl line 1 (record 1), byte 7: invalid escape \"\\\\x\" in string"},
		{"JSON leading zero", "jsonl", "{\"a\":01}\n",
			"data.jsonl line 1 (record 1), byte 7: invalid character '1' after object member, expected ',' or '}'"},
		{"JSON invalid UTF-8", "jsonl", "{}\n{\"a\":\"\xff\"}\n",
			"data.jsonl line 2 (record 2), byte 7: invalid UTF-8"},
		// The line's object is level 1, so the 10000th '[' (byte 5+10000) is level 10001.
		{"JSON too deep", "jsonl", "{\"a\":" + strings.Repeat("[", 10001) + "\n",
			"data.jsonl line 1 (record 1), byte 10005: nesting deeper than 10000"},
		{"JSON document element not an object", "json", "[{\"a\":1},\n 2]",
			"data.json line 2 (record 2), byte 2: array element is not a JSON object: a number"},
		{"JSON document scalar", "json", "\xEF\xBB\xBF\"x\"",
			"data.json line 1, byte 1: expected a JSON object or an array of JSON objects, found a string"},
		{"JSON document trailing", "json", "{} {}",
			"data.json line 1, byte 4: invalid character '{' after the top-level value"},
		{"JSON document error inside element", "json", "[{\"a\":1},\n{\"a\":tru}]",
			"data.json line 2 (record 2), byte 6: invalid literal, expected true"},
	}
	for _, tc := range tests {
		// Chunk size 1 puts every record in a chunk of its own: the numbering must survive it.
		for _, size := range []int{1, 0} {
			t.Run(tc.name, func(t *testing.T) {
				var err error
				switch tc.format {
				case "csv", "csvraw":
					_, err = readCSV(t, "data.csv", strings.NewReader(tc.in),
						CSVOptions{Header: tc.format == "csv", ChunkSize: size})
				case "jsonl":
					err = readJSONLines(t, "data.jsonl", tc.in, size)
				case "json":
					mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
					var rec interface{ Release() }
					rec, err = ParseJSONDocument("data.json", []byte(tc.in), mem)
					if err == nil {
						rec.Release()
					}
					mem.AssertSize(t, 0)
				}
				if err == nil {
					t.Fatalf("size %d: no error, want %q", size, tc.want)
				}
				if !errors.Is(err, ErrBadInput) {
					t.Errorf("size %d: %v does not wrap ErrBadInput", size, err)
				}
				var e *Error
				if !errors.As(err, &e) {
					t.Errorf("size %d: %T is not *Error", size, err)
				}
				if err.Error() != tc.want {
					t.Errorf("size %d: error\n got %q\nwant %q", size, err.Error(), tc.want)
				}
			})
		}
	}
}

// TestParseCSVUnbalancedQuote: ParseCSV finds an open quote by itself (a chunk built by hand).
func TestParseCSVUnbalancedQuote(t *testing.T) {
	c := Chunk{File: "x.csv", Data: []byte("1,2\n3,\"4\n5,6\n"), FirstLine: 10, FirstRecord: 7}
	_, err := ParseCSV(c, []string{"a", "b"}, memory.NewGoAllocator())
	want := "x.csv line 11 (record 8), field 2: unbalanced quote: quoted field is not closed before the end of the file"
	if err == nil || err.Error() != want || !errors.Is(err, ErrBadInput) {
		t.Fatalf("error %v, want %q", err, want)
	}
}

// TestRecordTooLong: the limit applies to the record's length whatever the reads delivered.
func TestRecordTooLong(t *testing.T) {
	tests := []struct{ name, in string }{
		{"open quote", "a\n1\n\"" + strings.Repeat("x\n", 1000)},
		{"closed quote", "a\n1\n\"" + strings.Repeat("x\n", 1000) + "\"\n2\n"},
		{"long line", "a\n1\n" + strings.Repeat("x", 101) + "\n2\n"},
	}
	for _, tc := range tests {
		for _, r := range []io.Reader{strings.NewReader(tc.in), iotest.OneByteReader(strings.NewReader(tc.in))} {
			_, err := readCSV(t, "l.csv", r, CSVOptions{Header: true, MaxRecordSize: 100})
			want := "l.csv line 3 (record 2): record is longer than 100 bytes (unclosed quote?)"
			if err == nil || err.Error() != want || !errors.Is(err, ErrBadInput) {
				t.Errorf("%s: error %v, want %q", tc.name, err, want)
			}
		}
	}
	// Exactly at the limit is fine.
	if _, err := readCSV(t, "l.csv", strings.NewReader("a\n"+strings.Repeat("x", 99)+"\n"),
		CSVOptions{Header: true, MaxRecordSize: 100}); err != nil {
		t.Errorf("record of 100 bytes: %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "f", Line: 17, Record: 16, Msg: "m"}, "f line 17 (record 16): m"},
		{Error{File: "f", Line: 1, Column: 3, Unit: ByteColumn, Msg: "m"}, "f line 1, byte 3: m"},
		{Error{Line: 2, Record: 1, Column: 2, Msg: "m"}, "line 2 (record 1), field 2: m"},
		{Error{Msg: "m"}, "m"},
	}
	for _, tc := range tests {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
	if ColumnUnit(7).String() != "ColumnUnit(7)" {
		t.Errorf("unknown unit: %s", ColumnUnit(7))
	}
}
