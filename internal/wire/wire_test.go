package wire

import (
	"errors"
	"math"
	"testing"
)

// TestRoundTrip: every primitive reads back what was appended, -0.0 and NaN bits included.
func TestRoundTrip(t *testing.T) {
	nan := math.Float64frombits(0x7ff8000000000123)
	var b []byte
	b = AppendUvarint(b, 1<<63)
	b = AppendVarint(b, -5)
	b = AppendFloat64(b, math.Copysign(0, -1))
	b = AppendFloat64(b, nan)
	b = AppendString(b, "héllo")
	b = AppendBytes(b, []byte{0, 1})
	b = append(b, 7)
	r := NewReader(b)
	if r.Uvarint() != 1<<63 || r.Varint() != -5 || math.Float64bits(r.Float64()) != math.Float64bits(math.Copysign(0, -1)) ||
		math.Float64bits(r.Float64()) != 0x7ff8000000000123 || r.String() != "héllo" || string(r.Bytes()) != "\x00\x01" || r.Byte() != 7 {
		t.Fatal("values differ after a round trip")
	}
	if err := r.Done(); err != nil {
		t.Fatal(err)
	}
}

// TestErrorsStick: the first problem is kept, later reads return zero values, nothing panics.
func TestErrorsStick(t *testing.T) {
	r := NewReader(AppendUvarint(nil, 1000)) // a length with no bytes behind it
	if b := r.Bytes(); b != nil || !errors.Is(r.Err(), ErrCorrupt) {
		t.Fatalf("bytes %v, error %v", b, r.Err())
	}
	first := r.Err()
	if r.Uvarint() != 0 || r.Float64() != 0 || r.Byte() != 0 || r.Raw(1) != nil || r.Err() != first {
		t.Error("reads after an error are not inert")
	}
	r = NewReader([]byte{0x80}) // a varint cut short
	if r.Count("n", 10); r.Err() == nil {
		t.Error("truncated varint accepted")
	}
	r = NewReader(AppendUvarint(nil, 11))
	if r.Count("n", 10); r.Err() == nil {
		t.Error("count above its bound accepted")
	}
	r = NewReader(AppendVarint(nil, -1))
	if r.NonNegative("rows"); r.Err() == nil {
		t.Error("negative count accepted")
	}
	r = NewReader([]byte{1, 2})
	r.Byte()
	if r.Done() == nil {
		t.Error("trailing byte not reported")
	}
}
