package kll

import (
	"fmt"

	"github.com/driftwatch/driftwatch/internal/wire"
)

// encodingVersion is the first byte of an encoded Sketch (docs/format/partial.md, "KLL sketch").
const encodingVersion = 1

// maxLevels bounds the number of levels a decoded sketch may have: an item on level h weighs 2^h,
// and Count sums weights in an int64, so h ≤ 61 keeps every weight representable. A real sketch
// needs about log2(n / k) + 1 levels for n values (13 for 2^24 values at k = 2048).
const maxLevels = 62

// maxCompress bounds a decoded compaction counter (a level is compacted at most once per item it
// ever received, far below 2^40).
const maxCompress = 1 << 40

// AppendBinary appends the sketch's complete state, so that a decoded sketch behaves exactly like
// s in every later Update, Merge and query (encoding.BinaryAppender):
//
//	version byte (1) · k uvarint · c float64 · levels uvarint ·
//	per level, level 0 first: numCompress uvarint · offset byte (0 or 1) · items uvarint ·
//	items × float64 (IEEE 754 bits, little-endian, buffer order)
//
// Capacities and the item count are derived from k, c and the levels, not stored.
func (s *Sketch) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, encodingVersion)
	b = wire.AppendUvarint(b, uint64(s.k))
	b = wire.AppendFloat64(b, s.c)
	b = wire.AppendUvarint(b, uint64(len(s.levels)))
	for _, l := range s.levels {
		b = wire.AppendUvarint(b, uint64(l.numCompress))
		b = append(b, byte(l.offset))
		b = wire.AppendUvarint(b, uint64(len(l.buf)))
		for _, x := range l.buf {
			b = wire.AppendFloat64(b, x)
		}
	}
	return b, nil
}

// MarshalBinary returns AppendBinary(nil) (encoding.BinaryMarshaler).
func (s *Sketch) MarshalBinary() ([]byte, error) { return s.AppendBinary(nil) }

// UnmarshalBinary replaces s with the sketch data encodes (encoding.BinaryUnmarshaler). Input that
// AppendBinary cannot have produced — an unknown version, invalid k or c, more than 62 levels, an
// offset other than 0 or 1, a truncated item list, trailing bytes — returns an error wrapping
// wire.ErrCorrupt and leaves s unchanged; no input panics or allocates beyond len(data).
func (s *Sketch) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Byte(); r.Err() == nil && v != encodingVersion {
		return fmt.Errorf("kll: %w: encoding version %d, want %d", wire.ErrCorrupt, v, encodingVersion)
	}
	k := r.Count("sketch size k", maxK)
	c := r.Float64()
	nl := r.Count("level count", maxLevels)
	if err := r.Err(); err != nil {
		return fmt.Errorf("kll: %w", err)
	}
	if err := ValidParams(k, c); err != nil {
		return fmt.Errorf("kll: %w: %v", wire.ErrCorrupt, err)
	}
	if nl == 0 {
		return fmt.Errorf("kll: %w: a sketch has at least one level", wire.ErrCorrupt)
	}
	d := &Sketch{k: k, c: c}
	for h := 0; h < nl; h++ {
		d.expand()
		l := &d.levels[h]
		l.numCompress = r.Count("compaction count", maxCompress)
		if off := r.Byte(); off > 1 {
			r.Fail("level %d offset %d, want 0 or 1", h, off)
		} else {
			l.offset = int(off)
		}
		n := r.Count("item count", uint64(r.Len()/8))
		if r.Err() != nil {
			break
		}
		l.buf = make([]float64, n)
		for i := range l.buf {
			l.buf[i] = r.Float64()
		}
	}
	if err := r.Done(); err != nil {
		return fmt.Errorf("kll: %w", err)
	}
	d.actual = d.itemCount()
	if invariants {
		d.check("UnmarshalBinary")
	}
	*s = *d
	return nil
}
