package hll

import (
	"fmt"

	"github.com/driftwatch/driftwatch/internal/wire"
)

// encodingVersion is the first byte of an encoded Sketch (docs/format/partial.md, "HLL++ sketch").
const encodingVersion = 1

// The two register layouts; AppendBinary picks the shorter, so the bytes are a function of the
// registers alone.
const (
	layoutDense  = 0 // NumRegisters bytes, one register each, in index order
	layoutSparse = 1 // count uvarint, then per non-zero register: index gap uvarint, value byte
)

// AppendBinary appends the registers (encoding.BinaryAppender):
//
//	version byte (1) · layout byte ·
//	  dense (0):  512 register bytes in index order
//	  sparse (1): count uvarint · count × (gap uvarint, value byte), where gap is the register index
//	              minus the previous non-zero index plus one (the first: the index itself), value ≥ 1
//
// The sparse layout is used when it is shorter: a column of a small file touches few registers.
func (s *Sketch) AppendBinary(b []byte) ([]byte, error) {
	b = append(b, encodingVersion)
	nz, sparseLen, prev := 0, 0, -1
	for i, v := range &s.reg {
		if v != 0 {
			nz++
			sparseLen += uvarintLen(uint64(i-prev)) + 1
			prev = i
		}
	}
	if sparseLen+uvarintLen(uint64(nz)) >= NumRegisters {
		b = append(b, layoutDense)
		return append(b, s.reg[:]...), nil
	}
	b = append(b, layoutSparse)
	b = wire.AppendUvarint(b, uint64(nz))
	prev = -1
	for i, v := range &s.reg {
		if v != 0 {
			b = wire.AppendUvarint(b, uint64(i-prev))
			b = append(b, v)
			prev = i
		}
	}
	return b, nil
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// MarshalBinary returns AppendBinary(nil) (encoding.BinaryMarshaler).
func (s *Sketch) MarshalBinary() ([]byte, error) { return s.AppendBinary(nil) }

// UnmarshalBinary replaces s with the registers data encodes (encoding.BinaryUnmarshaler). Input
// AppendBinary cannot have produced — an unknown version or layout, a register above MaxRegister,
// a sparse index out of range or a zero sparse value, a truncation, trailing bytes — returns an
// error wrapping wire.ErrCorrupt and leaves s unchanged.
func (s *Sketch) UnmarshalBinary(data []byte) error {
	r := wire.NewReader(data)
	if v := r.Byte(); r.Err() == nil && v != encodingVersion {
		return fmt.Errorf("hll: %w: encoding version %d, want %d", wire.ErrCorrupt, v, encodingVersion)
	}
	var d Sketch
	switch layout := r.Byte(); {
	case r.Err() != nil:
	case layout == layoutDense:
		copy(d.reg[:], r.Raw(NumRegisters))
		for i, v := range &d.reg {
			if v > MaxRegister {
				r.Fail("register %d is %d, above the maximum %d", i, v, MaxRegister)
				break
			}
		}
	case layout == layoutSparse:
		n := r.Count("register count", NumRegisters)
		idx := -1
		for range n {
			gap := r.Count("register gap", NumRegisters)
			v := r.Byte()
			if r.Err() != nil {
				break
			}
			idx += gap
			if gap == 0 || idx >= NumRegisters || v == 0 || v > MaxRegister {
				r.Fail("sparse register %d = %d out of range", idx, v)
				break
			}
			d.reg[idx] = v
		}
	default:
		r.Fail("unknown register layout %d", layout)
	}
	if err := r.Done(); err != nil {
		return fmt.Errorf("hll: %w", err)
	}
	*s = d
	return nil
}
