package jackson

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestEncodeLayout covers shapes that the real files do not all contain. The expected text
// follows Jackson's DefaultPrettyPrinter (jackson-core): objects indent with DefaultIndenter
// ("\n" + two spaces per level) and write " : " between name and value; arrays use the inline
// FixedSpaceIndenter (" " after "[" and after each ","), so they add no nesting level; an empty
// object or array is written with a single space inside (writeEndObject/writeEndArray with zero
// entries). Doubles that are not finite go through writeString (QUOTE_NON_NUMERIC_NUMBERS).
func TestEncodeLayout(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		want string
	}{
		{"empty object", NewObject(), "{ }"},
		{"zero Object", &Object{}, "{ }"},
		{"empty array", Array{}, "[ ]"},
		{"nil array", Array(nil), "[ ]"},
		{"empty DoubleArray", DoubleArray{}, "[ ]"},
		{"scalars at the root", Array{String("a"), Double(1), Long(-2), Bool(true), Bool(false), Null{}},
			`[ "a", 1.0, -2, true, false, null ]`},
		{"nil values are null", Array{nil, (*Object)(nil)}, "[ null, null ]"},
		{"non-finite doubles are strings",
			DoubleArray{math.NaN(), math.Inf(1), math.Inf(-1)}, `[ "NaN", "Infinity", "-Infinity" ]`},
		{"non-finite Double", Double(math.NaN()), `"NaN"`},
		{"empty containers as members",
			NewObject().Set("o", NewObject()).Set("a", Array{}),
			"{\n  \"o\" : { },\n  \"a\" : [ ]\n}"},
		{"array of arrays (sketch data)",
			NewObject().Set("data", Array{DoubleArray{1, 0}, DoubleArray{}, Array{Double(2.5)}}),
			"{\n  \"data\" : [ [ 1.0, 0.0 ], [ ], [ 2.5 ] ]\n}"},
		{"objects inside arrays inside objects",
			NewObject().Set("a", Array{
				NewObject().Set("b", Array{NewObject().Set("c", Long(1))}),
				NewObject(),
			}),
			"{\n  \"a\" : [ {\n    \"b\" : [ {\n      \"c\" : 1\n    } ]\n  }, { } ]\n}"},
		{"object at the root of an array", Array{NewObject().Set("k", String("v"))},
			"[ {\n  \"k\" : \"v\"\n} ]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("Marshal =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

// TestEncodeDeepNesting checks that indentation keeps growing past the prepared run of spaces.
func TestEncodeDeepNesting(t *testing.T) {
	const depth = 40
	v := Value(Long(7))
	for range depth {
		v = NewObject().Set("k", v)
	}
	got, _ := Marshal(v)
	// The root's members are one level in, so the innermost member sits at level depth.
	if !strings.Contains(string(got), "\n"+strings.Repeat(" ", 2*depth)+"\"k\" : 7\n") {
		t.Errorf("innermost member not indented by %d spaces:\n%s", 2*depth, got)
	}
	if !strings.HasSuffix(string(got), "\n"+strings.Repeat(" ", 2)+"}\n}") {
		t.Errorf("closing braces not unindented:\n%s", got)
	}
	var back any
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatal(err)
	}
}

// TestEncodeEscaping follows jackson-core CharTypes.sOutputEscapes128: '"' and '\\' get a
// backslash; \b \t \n \f \r their short forms; every other byte below 0x20 is \u00XX with
// upper-case hex (CharTypes.HC = "0123456789ABCDEF"); '/', DEL (0x7F) and non-ASCII text are
// not escaped. Keys are escaped the same way.
func TestEncodeEscaping(t *testing.T) {
	tests := []struct{ in, want string }{
		{`plain`, `"plain"`},
		{`a"b\c`, `"a\"b\\c"`},
		{"\b\t\n\f\r", `"\b\t\n\f\r"`},
		{"\x00\x01\x1a\x1f", `"\u0000\u0001\u001A\u001F"`},
		{"\x0b", `"\u000B"`},
		{"/ \x7f", "\"/ \x7f\""},
		{"Children's café – 東京 🙂", `"Children's café – 東京 🙂"`},
		{"\u2028\u2029", "\"\u2028\u2029\""},
		{"ok\xffok", "\"ok\uFFFDok\""},
		{"\xe2\x82", "\"\uFFFD\uFFFD\""}, // truncated sequence: one U+FFFD per rejected byte
	}
	for _, tt := range tests {
		if got, _ := Marshal(String(tt.in)); string(got) != tt.want {
			t.Errorf("Marshal(String(%q)) = %s, want %s", tt.in, got, tt.want)
		}
		got, _ := Marshal(NewObject().Set(tt.in, Long(1)))
		if want := "{\n  " + tt.want + " : 1\n}"; string(got) != want {
			t.Errorf("key %q: Marshal = %s, want %s", tt.in, got, want)
		}
	}
}

// FuzzEncodeString checks that any valid UTF-8 string, as a value and as a key, is written as
// JSON that encoding/json reads back to the same string, with no raw control byte; invalid UTF-8
// reads back as Go's own per-byte U+FFFD replacement.
//
//	go test ./analyzer/jackson/ -run '^$' -fuzz FuzzEncodeString -fuzztime 60s
func FuzzEncodeString(f *testing.F) {
	f.Add("") // further seeds in testdata/fuzz/FuzzEncodeString
	f.Fuzz(func(t *testing.T, s string) {
		want := s
		if !utf8.ValidString(s) {
			want = string([]rune(s))
		}
		out, err := Marshal(String(s))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range out {
			if c < 0x20 {
				t.Fatalf("raw control byte %#x in %q", c, out)
			}
		}
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("Marshal(String(%q)) = %q: %v", s, out, err)
		}
		if back != want {
			t.Fatalf("Marshal(String(%q)) = %q reads back as %q", s, out, back)
		}
		out, _ = Marshal(NewObject().Set(s, Bool(true)))
		var m map[string]bool
		if err := json.Unmarshal(out, &m); err != nil || len(m) != 1 || !m[want] {
			t.Fatalf("key %q: %q reads back as %v (%v)", s, out, m, err)
		}
	})
}

// TestObject checks insertion order, in-place replacement (Jackson ObjectNode.set), Get, Len
// and All.
func TestObject(t *testing.T) {
	o := NewObject().Set("b", Long(1)).Set("a", Long(2)).Set("c", Long(3)).Set("a", String("x"))
	if o.Len() != 3 {
		t.Fatalf("Len = %d, want 3", o.Len())
	}
	var keys []string
	for k := range o.All() {
		keys = append(keys, k)
	}
	if strings.Join(keys, ",") != "b,a,c" {
		t.Errorf("order %v, want b,a,c", keys)
	}
	if v, ok := o.Get("a"); !ok || v != String("x") {
		t.Errorf("Get(a) = %v, %v", v, ok)
	}
	if _, ok := o.Get("z"); ok {
		t.Error("Get(z) found a missing key")
	}
	for k := range o.All() {
		if k == "b" {
			break // stopping early must not panic
		}
	}
	got, _ := Marshal(o)
	if want := "{\n  \"b\" : 1,\n  \"a\" : \"x\",\n  \"c\" : 3\n}"; string(got) != want {
		t.Errorf("Marshal = %q, want %q", got, want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEncodeReportsWriteError(t *testing.T) {
	if err := Encode(failWriter{}, NewObject()); err == nil || err.Error() != "disk full" {
		t.Fatalf("Encode error = %v, want the writer's", err)
	}
}
