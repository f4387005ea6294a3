package capture

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth bounds array and object nesting (10000: the limit encoding/json applies), so hostile
// input cannot exhaust the stack.
const maxDepth = 10000

// maxNodes bounds the JSON values of one record, envelope and payloads together (4194304, 256 MiB
// of nodes). A real-time endpoint accepts payloads up to 6 MB, which hold at most about 3 million
// values ("1,1,…"), so no real record comes near; without a bound a 64 MiB line (decode's longest
// record) of tiny values would take 2 GiB of nodes.
const maxNodes = 1 << 22

// kind is the JSON type of a node.
type kind uint8

const (
	kNull kind = iota
	kFalse
	kTrue
	kNum
	kStr
	kArr
	kObj
)

// node is one JSON value in the parser's arena. Children of arrays and objects are linked through
// first/next, in the order written.
type node struct {
	key   []byte // member name (unescaped) when the parent is an object
	val   []byte // number: literal text; string: unescaped value; array/object: raw text as written
	first int32  // first child, -1 if none
	next  int32  // next sibling, -1 if none
	n     int32  // number of children
	kind  kind
}

// isScalar reports whether k is neither an array nor an object.
func (k kind) isScalar() bool { return k < kArr }

// strPlain marks the bytes that can appear unescaped inside a JSON string: everything but '"', '\\'
// and control characters below 0x20 (RFC 8259 §7).
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// parser is a strict RFC 8259 recursive-descent parser building nodes into a reusable arena. All
// slices it hands out point into the parsed text or into buf, which only grows within a record
// (old backing arrays stay valid after a reallocation because nothing writes to them again), so
// one reset per record makes the parser allocation-free in steady state.
type parser struct {
	nodes  []node
	buf    []byte  // unescaped strings, decoded BASE64, compact JSON text: scratch for one record
	order  []int32 // stack of object members being sorted (flattenObject)
	d      []byte
	i      int
	depth  int
	tooBig bool // the node limit was reached: the parse failed for size, not syntax
	limit  int  // node limit; 0 means maxNodes (tests lower it)
}

// reset forgets the previous record.
func (p *parser) reset() {
	p.nodes = p.nodes[:0]
	p.buf = p.buf[:0]
	p.tooBig = false
}

func (p *parser) ws() {
	for p.i < len(p.d) {
		switch p.d[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// parseOne parses d as exactly one JSON value surrounded by optional whitespace.
func (p *parser) parseOne(d []byte) (int32, bool) {
	p.d, p.i, p.depth = d, 0, 0
	p.ws()
	v, ok := p.value()
	if !ok {
		return -1, false
	}
	p.ws()
	return v, p.i == len(d)
}

// parseSeq parses d as zero or more JSON values separated by optional whitespace (as
// json.Decoder reads a stream) and appends them to roots.
func (p *parser) parseSeq(d []byte, roots []int32) ([]int32, bool) {
	p.d, p.i, p.depth = d, 0, 0
	for {
		p.ws()
		if p.i == len(d) {
			return roots, true
		}
		v, ok := p.value()
		if !ok {
			return roots, false
		}
		roots = append(roots, v)
	}
}

func (p *parser) newNode(k kind) int32 {
	p.nodes = append(p.nodes, node{kind: k, first: -1, next: -1})
	return int32(len(p.nodes) - 1)
}

// value parses the value at d[i] (whitespace already skipped).
func (p *parser) value() (int32, bool) {
	d := p.d
	if p.i >= len(d) {
		return -1, false
	}
	if len(p.nodes) >= maxNodes || p.limit > 0 && len(p.nodes) >= p.limit { // one node per value
		p.tooBig = true
		return -1, false
	}
	switch c := d[p.i]; c {
	case '{', '[':
		return p.container(c)
	case '"':
		s, ok := p.str()
		if !ok {
			return -1, false
		}
		v := p.newNode(kStr)
		p.nodes[v].val = s
		return v, true
	case 't':
		return p.literal("true", kTrue)
	case 'f':
		return p.literal("false", kFalse)
	case 'n':
		return p.literal("null", kNull)
	default:
		start := p.i
		if !p.number() {
			return -1, false
		}
		v := p.newNode(kNum)
		p.nodes[v].val = d[start:p.i]
		return v, true
	}
}

// container parses an object or array at d[i] == open.
func (p *parser) container(open byte) (int32, bool) {
	d := p.d
	if p.depth++; p.depth > maxDepth {
		return -1, false
	}
	k, closer := kArr, byte(']')
	if open == '{' {
		k, closer = kObj, '}'
	}
	v := p.newNode(k)
	start := p.i
	p.i++
	p.ws()
	last := int32(-1)
	n := int32(0)
	if p.i < len(d) && d[p.i] == closer {
		p.i++
	} else {
		for {
			var key []byte
			if k == kObj {
				if p.i >= len(d) || d[p.i] != '"' {
					return -1, false
				}
				var ok bool
				if key, ok = p.str(); !ok {
					return -1, false
				}
				p.ws()
				if p.i >= len(d) || d[p.i] != ':' {
					return -1, false
				}
				p.i++
				p.ws()
			}
			child, ok := p.value()
			if !ok {
				return -1, false
			}
			p.nodes[child].key = key
			if last < 0 {
				p.nodes[v].first = child
			} else {
				p.nodes[last].next = child
			}
			last = child
			n++
			p.ws()
			if p.i >= len(d) {
				return -1, false
			}
			if d[p.i] == ',' {
				p.i++
				p.ws()
				continue
			}
			if d[p.i] != closer {
				return -1, false
			}
			p.i++
			break
		}
	}
	p.depth--
	p.nodes[v].n = n
	p.nodes[v].val = d[start:p.i]
	return v, true
}

func (p *parser) literal(lit string, k kind) (int32, bool) {
	if len(p.d)-p.i < len(lit) || string(p.d[p.i:p.i+len(lit)]) != lit {
		return -1, false
	}
	v := p.newNode(k)
	p.nodes[v].val = p.d[p.i : p.i+len(lit)]
	p.i += len(lit)
	return v, true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? (RFC 8259 §6).
func (p *parser) number() bool {
	d, i := p.d, p.i
	digits := func() int {
		j := i
		for j < len(d) && '0' <= d[j] && d[j] <= '9' {
			j++
		}
		n := j - i
		i = j
		return n
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && '1' <= d[i] && d[i] <= '9':
		digits()
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return false
		}
	}
	p.i = i
	return true
}

// str reads the string at d[i] == '"' and returns its unescaped value: a slice of d when it holds
// no escape, else a slice of buf.
func (p *parser) str() ([]byte, bool) {
	d := p.d
	start := p.i + 1
	j := plainRun(d, start)
	if j < len(d) && d[j] == '"' {
		p.i = j + 1
		return d[start:j], true
	}
	b0 := len(p.buf)
	p.buf = append(p.buf, d[start:j]...)
	for {
		if j >= len(d) || d[j] < 0x20 {
			return nil, false
		}
		if d[j] == '"' {
			p.i = j + 1
			return p.buf[b0:len(p.buf):len(p.buf)], true
		}
		// d[j] == '\\'
		r, n := unescape(d[j:])
		if n == 0 {
			return nil, false
		}
		p.buf = utf8.AppendRune(p.buf, r)
		j += n
		k := plainRun(d, j)
		p.buf = append(p.buf, d[j:k]...)
		j = k
	}
}

// plainRun returns the index of the first byte of d at or after j that cannot stand unescaped in
// a JSON string (strPlain), or len(d). It tests eight bytes at a time: parser.str, which ran the
// byte loop, took 15.5 % of a capture job, whose records are mostly strings (BENCHMARKS.md,
// tenth session, "Capture JSON strings scanned eight bytes at a time").
func plainRun(d []byte, j int) int {
	for ; j+8 <= len(d); j += 8 {
		w := binary.LittleEndian.Uint64(d[j:])
		if m := specialBytes(w); m != 0 {
			return j + bits.TrailingZeros64(m)/8
		}
	}
	for j < len(d) && strPlain[d[j]] {
		j++
	}
	return j
}

// specialBytes sets the high bit of the lowest byte of w (little-endian: the first of the eight)
// that is '"', '\\' or below 0x20, and possibly of bytes above it, or returns 0 if there is none.
// Each test is the classic "has a zero byte" expression, exact for the lowest such byte: a borrow
// only travels up from a byte that is itself a match.
func specialBytes(w uint64) uint64 {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	q := w ^ (lo * '"')
	b := w ^ (lo * '\\')
	return ((q-lo)&^q | (b-lo)&^b | (w-lo*0x20)&^w) & hi
}

// unescape decodes the escape sequence at the start of b (b[0] == '\\') and returns the rune and
// the number of bytes it spans, 0 if it is invalid. A surrogate pair written as two \u escapes is one
// rune; a lone surrogate is U+FFFD, as in encoding/json.
func unescape(b []byte) (rune, int) {
	if len(b) < 2 {
		return 0, 0
	}
	switch b[1] {
	case '"', '\\', '/':
		return rune(b[1]), 2
	case 'b':
		return '\b', 2
	case 'f':
		return '\f', 2
	case 'n':
		return '\n', 2
	case 'r':
		return '\r', 2
	case 't':
		return '\t', 2
	case 'u':
		r, ok := hex4(b[2:])
		if !ok {
			return 0, 0
		}
		if !utf16.IsSurrogate(r) {
			return r, 6
		}
		if r < 0xDC00 && len(b) >= 12 && b[6] == '\\' && b[7] == 'u' {
			if r2, ok := hex4(b[8:]); ok && 0xDC00 <= r2 && r2 < 0xE000 {
				return utf16.DecodeRune(r, r2), 12
			}
		}
		return utf8.RuneError, 6
	}
	return 0, 0
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

// member returns the last member of object o named name, or -1.
func (p *parser) member(o int32, name string) int32 {
	found := int32(-1)
	for c := p.nodes[o].first; c >= 0; c = p.nodes[c].next {
		if string(p.nodes[c].key) == name {
			found = c
		}
	}
	return found
}

// appendCompact appends raw, a valid JSON text, without whitespace outside strings.
func appendCompact(dst, raw []byte) []byte {
	in := false
	seg := 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if in {
			switch c {
			case '\\':
				i++
			case '"':
				in = false
			}
			continue
		}
		switch c {
		case '"':
			in = true
		case ' ', '\t', '\n', '\r':
			dst = append(dst, raw[seg:i]...)
			seg = i + 1
		}
	}
	return append(dst, raw[seg:]...)
}
