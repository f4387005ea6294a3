// Package wire holds the primitives of driftwatch's binary encodings (the partial-profile format,
// docs/format/partial.md): unsigned and signed varints (encoding/binary's LEB128 forms),
// little-endian float64 bits, and length-prefixed byte strings, with a Reader that never panics and
// never allocates more than the input can hold.
//
//	b = wire.AppendUvarint(b, n); r := wire.NewReader(b); n = r.Uvarint(); err = r.Err()
package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrCorrupt is wrapped by every decoding error: the input was not produced by the matching encoder.
var ErrCorrupt = errors.New("corrupt encoding")

// AppendUvarint appends x as an unsigned LEB128 varint (binary.AppendUvarint).
func AppendUvarint(b []byte, x uint64) []byte { return binary.AppendUvarint(b, x) }

// AppendVarint appends x as a zig-zag signed varint (binary.AppendVarint).
func AppendVarint(b []byte, x int64) []byte { return binary.AppendVarint(b, x) }

// AppendFloat64 appends the IEEE 754 bits of x, little-endian: -0.0, NaN payloads and
// infinities survive exactly.
func AppendFloat64(b []byte, x float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
}

// AppendBytes appends len(p) as a uvarint, then p.
func AppendBytes(b, p []byte) []byte { return append(AppendUvarint(b, uint64(len(p))), p...) }

// AppendString appends len(s) as a uvarint, then s.
func AppendString(b []byte, s string) []byte { return append(AppendUvarint(b, uint64(len(s))), s...) }

// Reader decodes what the Append functions wrote. The first problem sticks: later calls return
// zero values and Err reports the problem, so a decoder can read a whole record and check once.
type Reader struct {
	b   []byte
	off int
	err error
}

// NewReader returns a Reader over b (not copied: Bytes results alias it).
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Err returns the first problem met, wrapping ErrCorrupt.
func (r *Reader) Err() error { return r.err }

// Len returns the number of unread bytes.
func (r *Reader) Len() int { return len(r.b) - r.off }

// Offset returns the number of bytes read so far.
func (r *Reader) Offset() int { return r.off }

// Fail records a problem found by the caller (a value out of range) unless one is already recorded.
func (r *Reader) Fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: at byte %d: %s", ErrCorrupt, r.off, fmt.Sprintf(format, args...))
	}
}

// Done reports an error unless every byte was read.
func (r *Reader) Done() error {
	if r.err == nil && r.off != len(r.b) {
		r.Fail("%d unexpected trailing bytes", len(r.b)-r.off)
	}
	return r.err
}

// Byte reads one byte.
func (r *Reader) Byte() byte {
	if r.err != nil {
		return 0
	}
	if r.off >= len(r.b) {
		r.Fail("truncated: want 1 more byte")
		return 0
	}
	c := r.b[r.off]
	r.off++
	return c
}

// Uvarint reads an unsigned varint.
func (r *Reader) Uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Uvarint(r.b[r.off:])
	if n <= 0 {
		r.Fail("bad or truncated varint")
		return 0
	}
	r.off += n
	return x
}

// Varint reads a signed varint.
func (r *Reader) Varint() int64 {
	if r.err != nil {
		return 0
	}
	x, n := binary.Varint(r.b[r.off:])
	if n <= 0 {
		r.Fail("bad or truncated varint")
		return 0
	}
	r.off += n
	return x
}

// Count reads a uvarint that counts something, failing unless it is at most max.
func (r *Reader) Count(what string, max uint64) int {
	x := r.Uvarint()
	if x > max {
		r.Fail("%s %d exceeds %d", what, x, max)
		return 0
	}
	return int(x)
}

// NonNegative reads a signed varint that must be ≥ 0 (a row or value count).
func (r *Reader) NonNegative(what string) int64 {
	x := r.Varint()
	if x < 0 {
		r.Fail("%s %d is negative", what, x)
		return 0
	}
	return x
}

// Float64 reads 8 bytes of IEEE 754 bits, little-endian.
func (r *Reader) Float64() float64 {
	p := r.Raw(8)
	if p == nil {
		return 0
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(p))
}

// Raw reads n bytes as they are (aliasing the input); nil after a problem.
func (r *Reader) Raw(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.Fail("truncated: want %d bytes, have %d", n, len(r.b)-r.off)
		return nil
	}
	p := r.b[r.off : r.off+n : r.off+n]
	r.off += n
	return p
}

// Bytes reads a length-prefixed byte string (aliasing the input).
func (r *Reader) Bytes() []byte {
	n := r.Uvarint()
	if r.err != nil {
		return nil
	}
	if n > uint64(len(r.b)-r.off) {
		r.Fail("truncated: length %d, have %d bytes", n, len(r.b)-r.off)
		return nil
	}
	return r.Raw(int(n))
}

// String reads a length-prefixed string (copied).
func (r *Reader) String() string { return string(r.Bytes()) }
