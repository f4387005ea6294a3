package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// jsonRows is a parsed JSON table: the column names and each row as name → value, nulls absent.
type jsonRows struct {
	names []string
	rows  []map[string]string
}

func (j *jsonRows) add(t testing.TB, rec arrow.RecordBatch) {
	t.Helper()
	for k, f := range rec.Schema().Fields() {
		if !slices.Contains(j.names, f.Name) {
			j.names = append(j.names, f.Name)
		}
		if k > 0 && rec.Schema().Field(k-1).Name >= f.Name {
			t.Fatalf("columns not sorted: %q before %q", rec.Schema().Field(k-1).Name, f.Name)
		}
	}
	for _, row := range cells(t, rec) {
		m := map[string]string{}
		for k, v := range row {
			if v != null {
				m[rec.Schema().Field(k).Name] = v
			}
		}
		j.rows = append(j.rows, m)
	}
	slices.Sort(j.names)
}

// readJSONLinesRows splits and parses JSON Lines, merging the chunks' columns by name.
func readJSONLinesRows(t testing.TB, in string, size int) (jsonRows, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var out jsonRows
	sp := NewLineSplitter("t.jsonl", strings.NewReader(in), size, nil)
	for {
		c, err := sp.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if c.FirstRecord != int64(len(out.rows))+1 {
			t.Fatalf("chunk %d FirstRecord %d, want %d", c.Index, c.FirstRecord, len(out.rows)+1)
		}
		if want := bytes.Count(c.Data, []byte{'\n'}) + 1; c.lines != want {
			t.Fatalf("chunk %d: lines %d, want %d (its line breaks + 1)", c.Index, c.lines, want)
		}
		rec, err := ParseJSONLines(c, mem)
		if err != nil {
			return out, err
		}
		out.add(t, rec)
		rec.Release()
	}
}

func TestJSONLinesFlatten(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		names []string
		rows  []map[string]string
	}{
		{"flat", `{"b":"x","a":1}`, []string{"a", "b"}, []map[string]string{{"a": "1", "b": "x"}}},
		{"nested", `{"a":{"b":{"c":true}},"d":{"e":false}}`, []string{"a.b.c", "d.e"},
			[]map[string]string{{"a.b.c": "true", "d.e": "false"}}},
		{"empty nested object", `{"a":{},"b":1}`, []string{"b"}, []map[string]string{{"b": "1"}}},
		{"arrays compact", `{"a":[1, 2.0 ,"x y", {"k" : [ ] }, null],"b":[]}`, []string{"a", "b"},
			[]map[string]string{{"a": `[1,2.0,"x y",{"k":[]},null]`, "b": "[]"}}},
		{"array strings keep escapes", `{"a":["\u00e9\n"]}`, []string{"a"}, []map[string]string{{"a": `["\u00e9\n"]`}}},
		{"numbers as written", `{"i":5,"f":5.0,"e":1E+2,"n":-0.10,"z":0}`, []string{"e", "f", "i", "n", "z"},
			[]map[string]string{{"i": "5", "f": "5.0", "e": "1E+2", "n": "-0.10", "z": "0"}}},
		{"strings unescaped", `{"s":"a\"b\\c\/d\n\t\u00e9\ud83d\ude00","lone":"\ud800x"}`, []string{"lone", "s"},
			[]map[string]string{{"s": "a\"b\\c/d\n\té😀", "lone": "\uFFFDx"}}},
		{"empty string is a value", `{"s":""}`, []string{"s"}, []map[string]string{{"s": ""}}},
		{"null and missing", "{\"a\":null,\"b\":1}\n{\"b\":2}\n{\"c\":3}", []string{"a", "b", "c"},
			[]map[string]string{{"b": "1"}, {"b": "2"}, {"c": "3"}}},
		{"duplicate key last wins", `{"a":1,"a":2}`, []string{"a"}, []map[string]string{{"a": "2"}}},
		{"duplicate key to null", `{"a":1,"a":null}`, []string{"a"}, []map[string]string{{}}},
		{"dotted key collides with nesting", `{"a.b":1,"a":{"b":2}}`, []string{"a.b"}, []map[string]string{{"a.b": "2"}}},
		{"duplicate object then scalar", `{"a":{"b":1},"a":2}`, []string{"a", "a.b"},
			[]map[string]string{{"a": "2", "a.b": "1"}}},
		{"sorted by byte order", `{"b":1,"B":2,"a":3,"é":4,"_":5}`, []string{"B", "_", "a", "b", "é"},
			[]map[string]string{{"b": "1", "B": "2", "a": "3", "é": "4", "_": "5"}}},
		{"blank lines and CRLF", "\n{\"a\":1}\r\n \t\r\n{\"a\":2}\n\n", []string{"a"},
			[]map[string]string{{"a": "1"}, {"a": "2"}}},
		{"BOM", "\xEF\xBB\xBF{\"a\":1}", []string{"a"}, []map[string]string{{"a": "1"}}},
		{"whitespace everywhere", " { \"a\" :\t[ 1 , 2 ] , \"b\" : { \"c\" : \"d\" } } ", []string{"a", "b.c"},
			[]map[string]string{{"a": "[1,2]", "b.c": "d"}}},
		{"unicode keys", `{"名前":"x","a":{"ü":1}}`, []string{"a.ü", "名前"}, []map[string]string{{"名前": "x", "a.ü": "1"}}},
		{"escaped key", `{"a\"b":1,"c\u002ed":2}`, []string{"a\"b", "c.d"}, []map[string]string{{"a\"b": "1", "c.d": "2"}}},
		{"empty object row", "{}\n{\"a\":1}", []string{"a"}, []map[string]string{{}, {"a": "1"}}},
		{"empty input", "", nil, nil},
	}
	for _, tc := range tests {
		for _, size := range []int{1, 0} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := readJSONLinesRows(t, tc.in, size)
				if err != nil {
					t.Fatalf("size %d: %v", size, err)
				}
				if !reflect.DeepEqual(got.names, tc.names) {
					t.Errorf("size %d: names %q, want %q", size, got.names, tc.names)
				}
				if !reflect.DeepEqual(got.rows, tc.rows) {
					t.Errorf("size %d: rows %q, want %q", size, got.rows, tc.rows)
				}
			})
		}
	}
}

// TestJSONLinesChunkColumns: each chunk's columns are the union of its own keys, with nulls for rows
// that lack a key.
func TestJSONLinesChunkColumns(t *testing.T) {
	in := "{\"a\":1}\n{\"b\":2}\n{\"a\":3,\"c\":null}\n"
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := Chunk{File: "c.jsonl", Data: []byte(in), FirstLine: 1, FirstRecord: 1}
	rec, err := ParseJSONLines(c, mem)
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	var names []string
	for _, f := range rec.Schema().Fields() {
		names = append(names, f.Name)
	}
	if want := []string{"a", "b", "c"}; !reflect.DeepEqual(names, want) {
		t.Errorf("names %q, want %q", names, want)
	}
	want := [][]string{{"1", null, null}, {null, "2", null}, {"3", null, null}}
	if got := cells(t, rec); !reflect.DeepEqual(got, want) {
		t.Errorf("cells %q, want %q", got, want)
	}
}

func TestJSONDocument(t *testing.T) {
	tests := []struct {
		name string
		in   string
		rows [][]string
		cols []string
	}{
		{"object", `{"a":1,"b":{"c":"x"}}`, [][]string{{"1", "x"}}, []string{"a", "b.c"}},
		{"array", "\xEF\xBB\xBF[\n{\"a\":1},\n{\"b\":[2]}\n]\n", [][]string{{"1", null}, {null, "[2]"}}, []string{"a", "b"}},
		{"empty array", " [ ] ", nil, nil},
		{"empty file", " \n", nil, nil},
		{"array of empty objects", "[{},{}]", [][]string{{}, {}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			rec, err := ParseJSONDocument("d.json", []byte(tc.in), mem)
			if err != nil {
				t.Fatal(err)
			}
			defer rec.Release()
			var cols []string
			for _, f := range rec.Schema().Fields() {
				cols = append(cols, f.Name)
			}
			if !reflect.DeepEqual(cols, tc.cols) {
				t.Errorf("columns %q, want %q", cols, tc.cols)
			}
			got := cells(t, rec)
			if len(got) == 0 {
				got = nil
			}
			if !reflect.DeepEqual(got, tc.rows) {
				t.Errorf("rows %q, want %q", got, tc.rows)
			}
		})
	}
}

// oracleFlattenLine flattens one JSON Lines line with encoding/json (an independent decoder): the
// same rules as ParseJSONLines, with null values present in the map as nil.
func oracleFlattenLine(line []byte) (map[string]*string, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("trailing data: %v", err)
	}
	if raw[0] != '{' {
		return nil, errors.New("not an object")
	}
	out := map[string]*string{}
	return out, oracleFlatten("", false, raw, out)
}

func oracleFlatten(prefix string, nested bool, raw json.RawMessage, out map[string]*string) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // '{'
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name := tok.(string)
		if nested {
			name = prefix + "." + name
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		var s string
		switch v[0] {
		case '{':
			if err := oracleFlatten(name, true, v, out); err != nil {
				return err
			}
			continue
		case '[':
			var b bytes.Buffer
			if err := json.Compact(&b, v); err != nil {
				return err
			}
			s = b.String()
		case '"':
			if err := json.Unmarshal(v, &s); err != nil {
				return err
			}
		case 'n':
			out[name] = nil
			continue
		default:
			s = string(v)
		}
		out[name] = &s
	}
	return nil
}

// randomJSON writes a random JSON value with random insignificant whitespace (no '\n': it is one
// line). Keys come from a small set, so duplicates and dotted collisions happen.
func randomJSON(r *rand.Rand, b *strings.Builder, depth int, object bool) {
	ws := func() {
		for range r.IntN(3) {
			b.WriteString([]string{"", " ", "\t", "\r"}[r.IntN(4)])
		}
	}
	ws()
	kind := r.IntN(8)
	if object {
		kind = 0
	}
	if depth > 3 && kind <= 1 {
		kind = 2
	}
	switch kind {
	case 0:
		b.WriteByte('{')
		n := r.IntN(5)
		for k := range n {
			if k > 0 {
				b.WriteByte(',')
			}
			ws()
			b.WriteString([]string{`"a"`, `"b"`, `"a.b"`, `"c\u0041"`, `"é"`, `""`}[r.IntN(6)])
			ws()
			b.WriteByte(':')
			randomJSON(r, b, depth+1, false)
		}
		ws()
		b.WriteByte('}')
	case 1:
		b.WriteByte('[')
		n := r.IntN(4)
		for k := range n {
			if k > 0 {
				b.WriteByte(',')
			}
			randomJSON(r, b, depth+1, r.IntN(3) == 0)
		}
		ws()
		b.WriteByte(']')
	case 2, 3:
		b.WriteString([]string{"0", "-12", "3.50", "1e5", "2E-3", "-0.0e+1", "123456789012345678901234567890"}[r.IntN(7)])
	case 4, 5:
		b.WriteByte('"')
		for range r.IntN(5) {
			b.WriteString([]string{"x", " ", `\n`, `\"`, `\\`, `\/`, `\u00e9`, `\ud83d\ude00`, `\ud800`, "é", "日", `\t`}[r.IntN(12)])
		}
		b.WriteByte('"')
	default:
		b.WriteString([]string{"true", "false", "null"}[r.IntN(3)])
	}
	ws()
}

// TestJSONLinesDifferential compares ParseJSONLines with the encoding/json oracle on random lines.
func TestJSONLinesDifferential(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 1))
	for trial := range 300 {
		var b strings.Builder
		var lines []string
		for range 1 + rnd.IntN(20) {
			var l strings.Builder
			randomJSON(rnd, &l, 0, true)
			lines = append(lines, l.String())
			b.WriteString(l.String())
			b.WriteString([]string{"\n", "\r\n", "\n\n"}[rnd.IntN(3)])
		}
		want := jsonRows{}
		for _, l := range lines {
			m, err := oracleFlattenLine([]byte(l))
			if err != nil {
				t.Fatalf("oracle rejects generated line %q: %v", l, err)
			}
			row := map[string]string{}
			for k, v := range m {
				if !slices.Contains(want.names, k) {
					want.names = append(want.names, k)
				}
				if v != nil {
					row[k] = *v
				}
			}
			want.rows = append(want.rows, row)
		}
		slices.Sort(want.names)
		for _, size := range []int{7, 0} {
			got, err := readJSONLinesRows(t, b.String(), size)
			if err != nil {
				t.Fatalf("trial %d: %v\n%q", trial, err, b.String())
			}
			if !reflect.DeepEqual(got.names, want.names) && len(got.names)+len(want.names) > 0 {
				t.Fatalf("trial %d size %d: names %q, want %q", trial, size, got.names, want.names)
			}
			if !reflect.DeepEqual(got.rows, want.rows) {
				t.Fatalf("trial %d size %d: rows\n got %q\nwant %q\ninput %q", trial, size, got.rows, want.rows, b.String())
			}
		}
	}
}

// oracleAccepts reports whether encoding/json accepts the line as one object, for the fuzz target.
func utf8Valid(b []byte) bool { return utf8.Valid(b) }

func oracleAccepts(line []byte) bool {
	if !utf8.Valid(line) {
		return false
	}
	_, err := oracleFlattenLine(line)
	return err == nil
}
