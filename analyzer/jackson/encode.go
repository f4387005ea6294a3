package jackson

import (
	"io"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf8"
)

// Marshal returns v in Jackson's default pretty-printer layout, without a trailing newline.
// The error is always nil today; it is kept so the signature can survive stricter checks.
func Marshal(v Value) ([]byte, error) {
	return Append(make([]byte, 0, 1024), v), nil
}

// Encode writes v to w in Jackson's default pretty-printer layout, without a trailing newline
// (Jackson's ObjectMapper.writeValue adds none), in a single Write call.
func Encode(w io.Writer, v Value) error {
	bp := bufPool.Get().(*[]byte)
	b := Append((*bp)[:0], v)
	_, err := w.Write(b)
	if cap(b) <= maxPooled {
		*bp = b
		bufPool.Put(bp)
	}
	return err
}

// Stream writes v to w exactly as Encode does, but in pieces of about StreamChunk bytes, cut
// between array elements and object members (or inside an element of a long array, whose elements
// it encodes on all cores): the text of a large document (statistics.json of 1,000 numeric
// features is ~45 MB) is never held whole. It returns the first write error; after
// one, nothing more is written.
func Stream(w io.Writer, v Value) error {
	bp := bufPool.Get().(*[]byte)
	s := &stream{w: w}
	b := s.flush(appendValue((*bp)[:0], v, 0, s), true)
	if cap(b) <= maxPooled {
		*bp = b[:0]
		bufPool.Put(bp)
	}
	return s.err
}

// StreamChunk is the buffered size at which Stream hands its text to the writer.
const StreamChunk = 64 << 10

// stream is Stream's destination; a nil *stream (Marshal, Encode, Append) never flushes.
type stream struct {
	w   io.Writer
	err error
}

// flush writes dst to the stream when it holds StreamChunk bytes (or always, with force) and
// returns dst emptied; without a stream, or below the threshold, it returns dst as is.
func (s *stream) flush(dst []byte, force bool) []byte {
	if s == nil || (!force && len(dst) < StreamChunk) {
		return dst
	}
	if s.err == nil {
		_, s.err = s.w.Write(dst)
	}
	return dst[:0]
}

// maxPooled bounds the buffers kept for reuse by Encode (2 MiB: the largest real statistics.json
// seen, movielens 2019, is 1.3 MB).
const maxPooled = 2 << 20

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 64<<10); return &b }}

// Append appends v in Jackson's default pretty-printer layout to dst and returns the extended
// slice.
func Append(dst []byte, v Value) []byte {
	return appendValue(dst, v, 0, nil)
}

// appendValue writes v; depth is the number of enclosing objects, which is the indentation
// level of v's own members (arrays do not indent: Jackson's array indenter is inline). With a
// stream, the text so far may be flushed before any array element or object member.
func appendValue(dst []byte, v Value, depth int, s *stream) []byte {
	switch v := v.(type) {
	case *Object:
		if v == nil {
			return append(dst, "null"...)
		}
		return appendObject(dst, v, depth, s)
	case Array:
		if len(v) == 0 {
			return append(dst, "[ ]"...)
		}
		if s != nil && len(v) >= parallelElements && runtime.GOMAXPROCS(0) > 1 {
			return appendElementsParallel(dst, v, depth, s)
		}
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(s.flush(dst, false), ' ')
			dst = appendValue(dst, e, depth, s)
		}
		return append(dst, " ]"...)
	case DoubleArray:
		if len(v) == 0 {
			return append(dst, "[ ]"...)
		}
		dst = append(dst, '[')
		for i, x := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(s.flush(dst, false), ' ')
			dst = appendDoubleValue(dst, x)
		}
		return append(dst, " ]"...)
	case String:
		return appendString(dst, string(v))
	case Double:
		return appendDoubleValue(dst, float64(v))
	case Long:
		return strconv.AppendInt(dst, int64(v), 10)
	case Bool:
		if v {
			return append(dst, "true"...)
		}
		return append(dst, "false"...)
	case Null, nil:
		return append(dst, "null"...)
	}
	panic("jackson: unknown Value type") // unreachable: Value is sealed
}

// parallelElements is the length from which Stream encodes an array's elements on all cores
// (appendElementsParallel): the features of a wide statistics.json (1,000 of them, ~45 KB of text
// each) took ~0.4 s on one core, after a profile computed on all of them.
const parallelElements = 32

// appendElementsParallel writes the array v as appendValue does, encoding its elements in windows
// of a few per core, each element into a buffer of its own on any goroutine, then appending the
// buffers in order. Every element's text depends only on the element and depth, so the bytes are
// those of the sequential encoding; the window bounds the text held beside the stream's.
func appendElementsParallel(dst []byte, v Array, depth int, s *stream) []byte {
	workers := runtime.GOMAXPROCS(0)
	bufs := make([][]byte, 4*workers)
	dst = append(dst, '[')
	for lo := 0; lo < len(v); lo += len(bufs) {
		win := v[lo:min(lo+len(bufs), len(v))]
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(workers, len(win)) {
			wg.Go(func() {
				for i := int(next.Add(1)) - 1; i < len(win); i = int(next.Add(1)) - 1 {
					bufs[i] = appendValue(bufs[i][:0], win[i], depth, nil)
				}
			})
		}
		wg.Wait()
		for i, b := range bufs[:len(win)] {
			if lo+i > 0 {
				dst = append(dst, ',')
			}
			dst = append(s.flush(dst, false), ' ')
			// An element's text is handed on in pieces that keep every write at StreamChunk
			// bytes or under, as the sequential encoding's are.
			for len(dst)+len(b) > StreamChunk {
				k := StreamChunk - len(dst)
				dst = s.flush(append(dst, b[:k]...), true)
				b = b[k:]
			}
			dst = append(dst, b...)
		}
		if s.err != nil {
			break // nothing more is written: the rest need not be encoded
		}
	}
	return append(dst, " ]"...)
}

// appendObject writes
//
//	{
//	  "key" : value,
//	  "key" : value
//	}
//
// with the members one level deeper than the braces; an empty object is "{ }".
func appendObject(dst []byte, o *Object, depth int, s *stream) []byte {
	if len(o.fields) == 0 {
		return append(dst, "{ }"...)
	}
	dst = append(dst, '{')
	for i, f := range o.fields {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendNewline(s.flush(dst, false), depth+1)
		dst = appendString(dst, f.Key)
		dst = append(dst, " : "...)
		dst = appendValue(dst, f.Value, depth+1, s)
	}
	dst = appendNewline(dst, depth)
	return append(dst, '}')
}

// newlineSpaces is a line feed followed by enough spaces for 32 levels; Jackson's
// DefaultIndenter writes the system line separator ("\n" on Linux) and two spaces per level.
const newlineSpaces = "\n" +
	"                                                                "

func appendNewline(dst []byte, depth int) []byte {
	n := 1 + 2*depth
	if n <= len(newlineSpaces) {
		return append(dst, newlineSpaces[:n]...)
	}
	dst = append(dst, newlineSpaces...)
	for range n - len(newlineSpaces) {
		dst = append(dst, ' ')
	}
	return dst
}

// appendDoubleValue writes a double as Jackson's writeNumber(double) does with default
// features: NaN and the infinities become JSON strings (QUOTE_NON_NUMERIC_NUMBERS).
func appendDoubleValue(dst []byte, x float64) []byte {
	if x-x != 0 { // NaN or ±Inf
		dst = append(dst, '"')
		dst = AppendDouble(dst, x)
		return append(dst, '"')
	}
	return AppendDouble(dst, x)
}

// escapes maps each ASCII byte to its JSON escape as Jackson's CharTypes.sOutputEscapes128
// defines it: 0 = written as is; 'b','t','n','f','r','"','\\' = backslash + that byte;
// 'u' = \u00XX with upper-case hex digits. Nothing at or above 0x20 other than '"' and '\\' is
// escaped: not '/', not DEL, not non-ASCII.
var escapes = func() (t [utf8.RuneSelf]byte) {
	for c := range 0x20 {
		t[c] = 'u'
	}
	t['\b'], t['\t'], t['\n'], t['\f'], t['\r'] = 'b', 't', 'n', 'f', 'r'
	t['"'], t['\\'] = '"', '\\'
	return t
}()

const upperHex = "0123456789ABCDEF"

// appendString writes s as a quoted JSON string, escaped as Jackson does by default. Invalid
// UTF-8 is written as U+FFFD, one per byte that utf8.DecodeRuneInString rejects (a Java string
// cannot hold undecodable bytes; its decoder has already replaced them).
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is pending, to be copied as is
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if escapes[c] == 0 {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			if e := escapes[c]; e == 'u' {
				dst = append(dst, '\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&0xF])
			} else {
				dst = append(dst, '\\', e)
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
