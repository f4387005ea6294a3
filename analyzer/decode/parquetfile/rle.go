package parquetfile

// The RLE / bit-packed hybrid encoding (Encodings.md, "Run Length Encoding / Bit-Packing Hybrid"),
// used for definition and repetition levels, dictionary indices and RLE booleans:
//
//	run            header:uvarint, then
//	  header&1==0  RLE run: header>>1 repetitions of one value stored in ceil(width/8) bytes, little-endian
//	  header&1==1  bit-packed run: header>>1 groups of 8 values, width bits each, packed from the
//	               least significant bit of each byte (a group is exactly width bytes)
//
// and the deprecated BIT_PACKED level encoding: values packed from the most significant bit, no
// header, ceil(count*width/8) bytes.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"
)

var errRLETruncated = errors.New("RLE/bit-packed data truncated")

// rleDecoder streams values of an RLE/bit-packed hybrid run sequence.
type rleDecoder struct {
	data     []byte
	pos      int
	width    uint   // bits per value, 0..32
	rleLeft  uint64 // repetitions left in the current RLE run
	rleValue int32
	bitLeft  uint64 // values left in the current bit-packed run
	acc      uint64 // bit-packed: unread bits, least significant first
	accBits  uint
}

func (d *rleDecoder) reset(data []byte, width uint) error {
	if width > 32 {
		return fmt.Errorf("RLE bit width %d out of range (at most 32)", width)
	}
	*d = rleDecoder{data: data, width: width}
	return nil
}

// nextRun reads a run header.
func (d *rleDecoder) nextRun() error {
	var h uint64
	for shift := uint(0); ; shift += 7 {
		if d.pos >= len(d.data) {
			return errRLETruncated
		}
		if shift >= 64 {
			return errors.New("RLE run header varint too long")
		}
		b := d.data[d.pos]
		d.pos++
		h |= uint64(b&0x7f) << shift
		if b < 0x80 {
			break
		}
	}
	if h&1 == 0 {
		nb := int(d.width+7) / 8
		if len(d.data)-d.pos < nb {
			return errRLETruncated
		}
		var v uint32
		for i := range nb {
			v |= uint32(d.data[d.pos+i]) << (8 * i)
		}
		d.pos += nb
		if d.width < 32 && v>>d.width != 0 {
			return fmt.Errorf("RLE run value %d does not fit in %d bits", v, d.width)
		}
		d.rleLeft, d.rleValue = h>>1, int32(v)
		return nil
	}
	if h>>1 > uint64(1)<<58 {
		return errors.New("RLE bit-packed run too long")
	}
	d.bitLeft = (h >> 1) * 8
	d.acc, d.accBits = 0, 0
	return nil
}

// int32s fills dst with the next len(dst) values.
func (d *rleDecoder) int32s(dst []int32) error {
	mask := uint64(1)<<d.width - 1
	for i := 0; i < len(dst); {
		switch {
		case d.rleLeft > 0:
			n := min(uint64(len(dst)-i), d.rleLeft)
			v := d.rleValue
			for j := range dst[i : i+int(n)] {
				dst[i+j] = v
			}
			i += int(n)
			d.rleLeft -= n
		case d.bitLeft > 0:
			n := min(uint64(len(dst)-i), d.bitLeft)
			d.bitLeft -= n
			if d.width == 0 {
				clear(dst[i : i+int(n)])
				i += int(n)
				continue
			}
			// Whole groups of 8 values start on a byte boundary (accBits is 0 there) and take
			// width bytes: unpack them with 64-bit loads while 8 bytes past the group remain.
			if w := int(d.width); n >= 8 && d.accBits == 0 {
				if g := min(int(n/8), (len(d.data)-d.pos-8)/w); g > 0 {
					unpackGroups(&dst[i:][:8*g][0], &d.data[d.pos:][:w*g+8][0], g, d.width)
					d.pos += w * g
					i += 8 * g
					n -= uint64(8 * g)
				}
			}
			for range n {
				for d.accBits < d.width {
					if d.pos >= len(d.data) {
						return errRLETruncated
					}
					d.acc |= uint64(d.data[d.pos]) << d.accBits
					d.pos++
					d.accBits += 8
				}
				dst[i] = int32(d.acc & mask)
				d.acc >>= d.width
				d.accBits -= d.width
				i++
			}
		default:
			if err := d.nextRun(); err != nil {
				return err
			}
		}
	}
	return nil
}

// unpackGroups unpacks groups groups of eight values of w bits (1 ≤ w ≤ 32), packed least
// significant bit first from src (w bytes per group), to dst. Each value comes from one unaligned
// 64-bit load, so 8 bytes past the last group must be readable. It takes pointers and keeps few
// values live: in (*rleDecoder).int32s the loop's state went to the stack, and its loads and stores
// took most of the samples (BENCHMARKS.md, "RLE indices").
func unpackGroups(dst *int32, src *byte, groups int, w uint) {
	m := uint64(1)<<(w&63) - 1
	s := w & 63
	// Addresses are computed from the bases, never stepped past the last group: checkptr (the
	// race detector's builds) rejects a pointer one past an allocation.
	if w <= 8 {
		// A group fits in one load: its values come out one shift at a time.
		for g := range groups {
			x := load64(src, uint(g)*w)
			out := (*[8]int32)(unsafe.Add(unsafe.Pointer(dst), 32*g))
			out[0] = int32(x & m)
			x >>= s
			out[1] = int32(x & m)
			x >>= s
			out[2] = int32(x & m)
			x >>= s
			out[3] = int32(x & m)
			x >>= s
			out[4] = int32(x & m)
			x >>= s
			out[5] = int32(x & m)
			x >>= s
			out[6] = int32(x & m)
			x >>= s
			out[7] = int32(x & m)
		}
		return
	}
	// Value k starts at bit k·w: byte k·w/8, shift k·w mod 8 (at most 7 + 32 bits of the load).
	for g := range groups {
		at := uint(g) * w
		out := (*[8]int32)(unsafe.Add(unsafe.Pointer(dst), 32*g))
		out[0] = int32(load64(src, at) & m)
		out[1] = int32(load64(src, at+w>>3) >> (w & 7) & m)
		out[2] = int32(load64(src, at+2*w>>3) >> (2 * w & 7) & m)
		out[3] = int32(load64(src, at+3*w>>3) >> (3 * w & 7) & m)
		out[4] = int32(load64(src, at+4*w>>3) >> (4 * w & 7) & m)
		out[5] = int32(load64(src, at+5*w>>3) >> (5 * w & 7) & m)
		out[6] = int32(load64(src, at+6*w>>3) >> (6 * w & 7) & m)
		out[7] = int32(load64(src, at+7*w>>3) >> (7 * w & 7) & m)
	}
}

// load64 is the little-endian 64-bit word at p+off.
func load64(p *byte, off uint) uint64 {
	return binary.LittleEndian.Uint64((*[8]byte)(unsafe.Add(unsafe.Pointer(p), off))[:])
}

// levels fills dst with the next len(dst) levels, each checked to be at most max, and returns how
// many are max.
func (d *rleDecoder) levels(dst []int16, max int16, scratch []int32) (atMax int, err error) {
	for len(dst) > 0 {
		if d.rleLeft > 0 { // an RLE run: one check, then a fill
			if d.rleValue > int32(max) {
				return atMax, fmt.Errorf("level %d above the column's maximum %d", d.rleValue, max)
			}
			n := int(min(uint64(len(dst)), d.rleLeft))
			fill(dst[:n], int16(d.rleValue))
			if d.rleValue == int32(max) {
				atMax += n
			}
			d.rleLeft -= uint64(n)
			dst = dst[n:]
			continue
		}
		n := min(len(dst), len(scratch))
		if err := d.int32s(scratch[:n]); err != nil {
			return atMax, err
		}
		for j, v := range scratch[:n] {
			if v > int32(max) {
				return atMax, fmt.Errorf("level %d above the column's maximum %d", v, max)
			}
			dst[j] = int16(v)
			if v == int32(max) {
				atMax++
			}
		}
		dst = dst[n:]
	}
	return atMax, nil
}

// bitPackedLevels reads the deprecated BIT_PACKED level encoding: count values of width bits,
// most significant bit first.
type bitPackedLevels struct {
	data  []byte
	bit   uint64 // next bit position
	width uint
}

func (b *bitPackedLevels) levels(dst []int16, max int16) (atMax int, err error) {
	for i := range dst {
		var v uint32
		for range b.width {
			byteIdx := b.bit / 8
			if byteIdx >= uint64(len(b.data)) {
				return atMax, errRLETruncated
			}
			v = v<<1 | uint32(b.data[byteIdx]>>(7-b.bit%8))&1
			b.bit++
		}
		if v > uint32(max) {
			return atMax, fmt.Errorf("level %d above the column's maximum %d", v, max)
		}
		dst[i] = int16(v)
		if v == uint32(max) {
			atMax++
		}
	}
	return atMax, nil
}

// fill sets every element of s to v: one store, then copies that double the filled part (a copy
// runs at memory speed where a store loop does one element at a time; the runs of a column's
// levels are often the whole batch).
func fill(s []int16, v int16) {
	if len(s) == 0 {
		return
	}
	s[0] = v
	for k := 1; k < len(s); k *= 2 {
		copy(s[k:], s[:k])
	}
}
