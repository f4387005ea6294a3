package decode

import (
	"bytes"
	"fmt"
	"slices"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// maxJSONDepth bounds object and array nesting (10000: the limit encoding/json applies), so hostile
// input cannot exhaust the stack.
const maxJSONDepth = 10000

// ParseJSONLines parses one chunk of JSON Lines (dataset_format {"json":{"lines":true}}): one JSON
// object per line, lines holding only whitespace skipped. It returns an arrow.RecordBatch of nullable
// string columns; the caller releases it.
//
// Flattening (our decision for contract §16.11, the same for ParseJSONDocument):
//   - A nested object's members become columns named by the dotted path: {"a":{"b":{"c":1}}} gives
//     the column "a.b.c". An empty nested object contributes no column.
//   - An array is kept as its compact JSON text ({"a":[1, "x"]} gives a = `[1,"x"]`): whitespace
//     outside strings removed, everything else, string escapes included, exactly as written.
//   - A string is its unescaped value; the empty string is an empty (non-null) value, as in Spark.
//   - A number is its literal token text exactly as written, so 5 stays Integral and 5.0 Fractional
//     for type inference (§5.2); 1e5 stays "1e5".
//   - true and false are "true" and "false"; JSON null and a missing key are null.
//   - Columns are sorted by name in byte order, as Spark's JSON schema inference sorts fields (Java
//     compares UTF-16 units: the orders differ only for names with characters beyond U+FFFF). The
//     columns of a batch are the union of the names seen in the chunk: rows without a name get null,
//     and a name whose only values are null still has its column. Different chunks may have
//     different column sets; the caller merges them by name.
//   - When two members of one line flatten to the same name, the one written last wins. This covers
//     duplicate keys ({"a":1,"a":2} gives a = 2) and dotted keys colliding with nesting
//     ({"a.b":1,"a":{"b":2}} gives a.b = 2). It is decided per flattened name: in
//     {"a":{"b":1},"a":2} the later a replaces a, while a.b = 1 stays, since only the earlier member
//     produced it.
//   - The grammar is strict RFC 8259 (no NaN, single quotes or comments, which Spark's Jackson reader
//     partly tolerates). Lone UTF-16 surrogates in \u escapes become U+FFFD, as in encoding/json.
//
// Errors are *Error wrapping ErrBadInput with the line, record and 1-based byte column: a syntax
// error, a line whose value is not an object, invalid UTF-8, nesting deeper than 10000.
func ParseJSONLines(c Chunk, mem memory.Allocator) (arrow.RecordBatch, error) {
	d := c.Data
	t := newJSONTable(mem, c.Lines())
	s := jsonScanner{t: t}
	valid := utf8.Valid(d)
	line, rec := firstOr1(c.FirstLine), firstOr1(c.FirstRecord)-1
	for i := 0; i < len(d); line++ {
		var ln []byte
		if j := bytes.IndexByte(d[i:], '\n'); j >= 0 {
			ln = d[i : i+j]
			i += j + 1
		} else {
			ln = d[i:]
			i = len(d)
		}
		if isBlankLine(ln) {
			continue
		}
		rec++
		if !valid {
			if k := invalidUTF8At(ln); k >= 0 {
				t.release()
				return nil, &Error{File: c.File, Line: line, Record: rec, Column: k + 1, Unit: ByteColumn,
					Msg: "invalid UTF-8"}
			}
		}
		if !s.parseLine(ln) {
			t.release()
			return nil, &Error{File: c.File, Line: line, Record: rec, Column: s.errPos + 1, Unit: ByteColumn,
				Msg: s.errMsg}
		}
		t.rows++
	}
	return t.finish()
}

// ParseJSONDocument parses a whole JSON file (dataset_format {"json":{"lines":false}}): one object
// (one row) or an array of objects (one row each), flattened as described at ParseJSONLines. An empty
// file (or only whitespace) gives zero rows and no columns. A leading byte-order mark is dropped.
// Errors are *Error with line and byte column; Record is the 1-based array element (1 for a single
// object) when the error lies inside one.
func ParseJSONDocument(file string, data []byte, mem memory.Allocator) (arrow.RecordBatch, error) {
	start := 0
	if bytes.HasPrefix(data, bom) {
		start = len(bom)
	}
	t := newJSONTable(mem, 16)
	fail := func(pos int, rec int64, msg string) (arrow.RecordBatch, error) {
		t.release()
		line := 1 + bytes.Count(data[:pos], []byte{'\n'})
		lineStart := bytes.LastIndexByte(data[:pos], '\n') + 1
		if lineStart == 0 {
			lineStart = start
		}
		return nil, &Error{File: file, Line: int64(line), Record: rec, Column: pos - lineStart + 1,
			Unit: ByteColumn, Msg: msg}
	}
	if k := invalidUTF8At(data[start:]); k >= 0 {
		return fail(start+k, 0, "invalid UTF-8")
	}
	s := jsonScanner{t: t, d: data, i: start}
	s.ws()
	var rec int64
	switch {
	case s.i == len(data):
		return t.finish()
	case data[s.i] == '{':
		rec = 1
		if !s.object(0, false) {
			return fail(s.errPos, rec, s.errMsg)
		}
		t.rows++
		rec = 0
	case data[s.i] == '[':
		s.i++
		s.ws()
		if s.i < len(data) && data[s.i] == ']' {
			s.i++
			break
		}
		for {
			rec++
			if s.i >= len(data) {
				return fail(s.i, rec, "unexpected end of input, expected a JSON object")
			}
			if data[s.i] != '{' {
				return fail(s.i, rec, "array element is not a JSON object: "+s.describe())
			}
			if !s.object(0, false) {
				return fail(s.errPos, rec, s.errMsg)
			}
			t.rows++
			s.ws()
			if s.i >= len(data) {
				return fail(s.i, 0, "unexpected end of input, expected ',' or ']'")
			}
			if data[s.i] == ']' {
				s.i++
				break
			}
			if data[s.i] != ',' {
				return fail(s.i, 0, fmt.Sprintf("invalid character %q after array element, expected ',' or ']'", rune(data[s.i])))
			}
			s.i++
			s.ws()
		}
		rec = 0
	default:
		return fail(s.i, 0, "expected a JSON object or an array of JSON objects, found "+s.describe())
	}
	s.ws()
	if s.i < len(data) {
		return fail(s.i, 0, fmt.Sprintf("invalid character %q after the top-level value", rune(data[s.i])))
	}
	return t.finish()
}

// jsonTable accumulates flattened rows into columns keyed by flattened name.
type jsonTable struct {
	mem   memory.Allocator
	cols  map[string]*strCol
	rowsH int // rows hint for new columns
	rows  int // rows completed
}

func newJSONTable(mem memory.Allocator, rowsHint int) *jsonTable {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	return &jsonTable{mem: mem, cols: make(map[string]*strCol), rowsH: rowsHint}
}

// set stores v (or null) as the current row's value of the column name; a second value for the
// same name in the same row replaces the first.
func (t *jsonTable) set(name, v []byte, null bool) {
	c := t.cols[string(name)]
	if c == nil {
		c = newStrCol(t.mem, t.rowsH, 64)
		t.cols[string(name)] = c
	}
	if c.n == t.rows+1 {
		c.dropLast()
	}
	c.padNulls(t.rows)
	if null {
		c.appendNull()
	} else {
		c.appendValue(v)
	}
}

func (t *jsonTable) finish() (arrow.RecordBatch, error) {
	names := make([]string, 0, len(t.cols))
	for name := range t.cols {
		names = append(names, name)
	}
	slices.Sort(names)
	cols := make([]*strCol, len(names))
	for k, name := range names {
		cols[k] = t.cols[name]
	}
	rec, err := buildBatch(names, cols, t.rows)
	t.release()
	return rec, err
}

func (t *jsonTable) release() {
	for _, c := range t.cols {
		c.release()
	}
	t.cols = nil
}

// jsonScanner is a validating recursive-descent JSON reader that feeds flattened members to a
// jsonTable. Methods return false on error, with errPos (offset in d) and errMsg set.
type jsonScanner struct {
	d     []byte
	i     int
	t     *jsonTable
	name  []byte // flattened name being built
	buf   []byte // unescaped string or compact array text
	depth int

	errPos int
	errMsg string
}

func (s *jsonScanner) fail(pos int, format string, args ...any) bool {
	s.errPos = pos
	s.errMsg = fmt.Sprintf(format, args...)
	return false
}

func (s *jsonScanner) ws() {
	for s.i < len(s.d) {
		switch s.d[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// describe names the kind of value starting at d[i], for error messages.
func (s *jsonScanner) describe() string {
	switch c := s.d[s.i]; {
	case c == '[':
		return "an array"
	case c == '"':
		return "a string"
	case c == '-' || ('0' <= c && c <= '9'):
		return "a number"
	case c == 't' || c == 'f':
		return "a boolean"
	case c == 'n':
		return "null"
	default:
		return fmt.Sprintf("invalid character %q", rune(c))
	}
}

// parseLine reads one line holding exactly one JSON object.
func (s *jsonScanner) parseLine(ln []byte) bool {
	s.d, s.i, s.depth = ln, 0, 0
	s.ws()
	if s.d[s.i] != '{' { // the line is not blank, so s.i < len
		return s.fail(s.i, "expected a JSON object, found %s", s.describe())
	}
	if !s.object(0, false) {
		return false
	}
	s.ws()
	if s.i < len(s.d) {
		return s.fail(s.i, "invalid character %q after the top-level object", rune(s.d[s.i]))
	}
	return true
}

// object reads the object at d[i] == '{', flattening its members under name[:prefix] ("." joins the
// prefix when nested).
func (s *jsonScanner) object(prefix int, nested bool) bool {
	d := s.d
	if s.depth++; s.depth > maxJSONDepth {
		return s.fail(s.i, "nesting deeper than %d", maxJSONDepth)
	}
	s.i++
	s.ws()
	if s.i < len(d) && d[s.i] == '}' {
		s.i++
		s.depth--
		return true
	}
	for {
		if s.i >= len(d) {
			return s.fail(s.i, "unexpected end of input, expected a string key")
		}
		if d[s.i] != '"' {
			return s.fail(s.i, "invalid character %q, expected a string key", rune(d[s.i]))
		}
		s.name = s.name[:prefix]
		if nested {
			s.name = append(s.name, '.')
		}
		var ok bool
		if s.name, ok = s.appendString(s.name); !ok {
			return false
		}
		s.ws()
		if s.i >= len(d) {
			return s.fail(s.i, "unexpected end of input, expected ':'")
		}
		if d[s.i] != ':' {
			return s.fail(s.i, "invalid character %q after object key, expected ':'", rune(d[s.i]))
		}
		s.i++
		s.ws()
		if !s.member(len(s.name)) {
			return false
		}
		s.ws()
		if s.i >= len(d) {
			return s.fail(s.i, "unexpected end of input, expected ',' or '}'")
		}
		switch d[s.i] {
		case ',':
			s.i++
			s.ws()
		case '}':
			s.i++
			s.depth--
			return true
		default:
			return s.fail(s.i, "invalid character %q after object member, expected ',' or '}'", rune(d[s.i]))
		}
	}
}

// member reads the value of the member named name[:nameLen] and stores it.
func (s *jsonScanner) member(nameLen int) bool {
	d := s.d
	if s.i >= len(d) {
		return s.fail(s.i, "unexpected end of input, expected a value")
	}
	switch c := d[s.i]; c {
	case '{':
		return s.object(nameLen, true)
	case '[':
		s.buf = s.buf[:0]
		if !s.compact() {
			return false
		}
		s.t.set(s.name[:nameLen], s.buf, false)
	case '"':
		// Fast path: no escapes, the value is a slice of the input.
		j := s.i + 1
		for j < len(d) && d[j] != '"' && d[j] != '\\' && d[j] >= 0x20 {
			j++
		}
		if j < len(d) && d[j] == '"' {
			s.t.set(s.name[:nameLen], d[s.i+1:j], false)
			s.i = j + 1
			return true
		}
		var ok bool
		if s.buf, ok = s.appendString(s.buf[:0]); !ok {
			return false
		}
		s.t.set(s.name[:nameLen], s.buf, false)
	case 't', 'f', 'n':
		start := s.i
		if !s.literal() {
			return false
		}
		s.t.set(s.name[:nameLen], d[start:s.i], c == 'n')
	default:
		start := s.i
		if !s.number() {
			return false
		}
		s.t.set(s.name[:nameLen], d[start:s.i], false)
	}
	return true
}

// compact appends the value at d[i] to buf without insignificant whitespace.
func (s *jsonScanner) compact() bool {
	d := s.d
	if s.i >= len(d) {
		return s.fail(s.i, "unexpected end of input, expected a value")
	}
	switch d[s.i] {
	case '{', '[':
		open := d[s.i]
		close := byte('}')
		if open == '[' {
			close = ']'
		}
		if s.depth++; s.depth > maxJSONDepth {
			return s.fail(s.i, "nesting deeper than %d", maxJSONDepth)
		}
		s.buf = append(s.buf, open)
		s.i++
		s.ws()
		if s.i < len(d) && d[s.i] == close {
			s.buf = append(s.buf, close)
			s.i++
			s.depth--
			return true
		}
		for {
			if open == '{' {
				if s.i >= len(d) {
					return s.fail(s.i, "unexpected end of input, expected a string key")
				}
				if d[s.i] != '"' {
					return s.fail(s.i, "invalid character %q, expected a string key", rune(d[s.i]))
				}
				if !s.compact() {
					return false
				}
				s.ws()
				if s.i >= len(d) {
					return s.fail(s.i, "unexpected end of input, expected ':'")
				}
				if d[s.i] != ':' {
					return s.fail(s.i, "invalid character %q after object key, expected ':'", rune(d[s.i]))
				}
				s.buf = append(s.buf, ':')
				s.i++
				s.ws()
			}
			if !s.compact() {
				return false
			}
			s.ws()
			if s.i >= len(d) {
				return s.fail(s.i, "unexpected end of input, expected ',' or %q", close)
			}
			switch d[s.i] {
			case ',':
				s.buf = append(s.buf, ',')
				s.i++
				s.ws()
			case close:
				s.buf = append(s.buf, close)
				s.i++
				s.depth--
				return true
			default:
				return s.fail(s.i, "invalid character %q, expected ',' or %q", rune(d[s.i]), close)
			}
		}
	case '"':
		start := s.i
		if !s.skipString() {
			return false
		}
		s.buf = append(s.buf, d[start:s.i]...)
	case 't', 'f', 'n':
		start := s.i
		if !s.literal() {
			return false
		}
		s.buf = append(s.buf, d[start:s.i]...)
	default:
		start := s.i
		if !s.number() {
			return false
		}
		s.buf = append(s.buf, d[start:s.i]...)
	}
	return true
}

// literal reads true, false or null.
func (s *jsonScanner) literal() bool {
	for _, lit := range [...]string{"true", "false", "null"} {
		if lit[0] == s.d[s.i] {
			if len(s.d)-s.i >= len(lit) && string(s.d[s.i:s.i+len(lit)]) == lit {
				s.i += len(lit)
				return true
			}
			return s.fail(s.i, "invalid literal, expected %s", lit)
		}
	}
	return s.fail(s.i, "invalid character %q, expected a value", rune(s.d[s.i]))
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? (RFC 8259 §6).
func (s *jsonScanner) number() bool {
	d, i := s.d, s.i
	digits := func() int {
		j := i
		for j < len(d) && '0' <= d[j] && d[j] <= '9' {
			j++
		}
		n := j - i
		i = j
		return n
	}
	if d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		digits()
	case i < len(d):
		if i == s.i {
			return s.fail(i, "invalid character %q, expected a value", rune(d[i]))
		}
		return s.fail(i, "invalid character %q in number", rune(d[i]))
	default:
		return s.fail(i, "unexpected end of input in number")
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return s.fail(i, "number needs a digit after the decimal point")
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return s.fail(i, "number needs a digit in the exponent")
		}
	}
	s.i = i
	return true
}

// appendString reads the string at d[i] == '"' and appends its unescaped value to dst.
func (s *jsonScanner) appendString(dst []byte) ([]byte, bool) {
	d := s.d
	s.i++
	for {
		start := s.i
		for s.i < len(d) && d[s.i] != '"' && d[s.i] != '\\' && d[s.i] >= 0x20 {
			s.i++
		}
		dst = append(dst, d[start:s.i]...)
		if s.i >= len(d) {
			return dst, s.fail(s.i, "unexpected end of input in string")
		}
		switch c := d[s.i]; {
		case c == '"':
			s.i++
			return dst, true
		case c < 0x20:
			return dst, s.fail(s.i, "invalid control character %q in string", rune(c))
		}
		r, n, ok := s.escape(s.i)
		if !ok {
			return dst, false
		}
		dst = utf8.AppendRune(dst, r)
		s.i += n
	}
}

// skipString validates the string at d[i] == '"' and moves past it.
func (s *jsonScanner) skipString() bool {
	d := s.d
	s.i++
	for {
		for s.i < len(d) && d[s.i] != '"' && d[s.i] != '\\' && d[s.i] >= 0x20 {
			s.i++
		}
		if s.i >= len(d) {
			return s.fail(s.i, "unexpected end of input in string")
		}
		switch c := d[s.i]; {
		case c == '"':
			s.i++
			return true
		case c < 0x20:
			return s.fail(s.i, "invalid control character %q in string", rune(c))
		}
		_, n, ok := s.escape(s.i)
		if !ok {
			return false
		}
		s.i += n
	}
}

// escape decodes the escape sequence at d[i] == '\\' and returns the rune and the bytes it spans.
// A surrogate pair written as two \u escapes is one rune; a lone surrogate is U+FFFD.
func (s *jsonScanner) escape(i int) (rune, int, bool) {
	d := s.d
	if i+1 >= len(d) {
		return 0, 0, s.fail(i, "unexpected end of input in string escape")
	}
	switch d[i+1] {
	case '"', '\\', '/':
		return rune(d[i+1]), 2, true
	case 'b':
		return '\b', 2, true
	case 'f':
		return '\f', 2, true
	case 'n':
		return '\n', 2, true
	case 'r':
		return '\r', 2, true
	case 't':
		return '\t', 2, true
	case 'u':
		r, ok := hex4(d[i+2:])
		if !ok {
			return 0, 0, s.fail(i, "invalid \\u escape, expected 4 hex digits")
		}
		if !utf16.IsSurrogate(r) {
			return r, 6, true
		}
		if r < 0xDC00 && len(d) >= i+12 && d[i+6] == '\\' && d[i+7] == 'u' {
			if r2, ok := hex4(d[i+8:]); ok && 0xDC00 <= r2 && r2 < 0xE000 {
				return utf16.DecodeRune(r, r2), 12, true
			}
		}
		return utf8.RuneError, 6, true
	default:
		return 0, 0, s.fail(i, "invalid escape %q in string", "\\"+string(rune(d[i+1])))
	}
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
