package decode

import "encoding/binary"

// Byte-class bitmaps: the vector primitive under the CSV splitter's line counter (csvLines) and
// the fast path's separator pass (parseFast). A bitmap word covers a block of 64 bytes, bit i
// standing for byte i of the block; everything the callers derive from the bitmaps (line and
// blank-line counts, separator positions) is word arithmetic in Go.

// maskWindow is the number of blocks the callers classify per byteMasks call (4 KiB of input,
// 1 KiB of bitmaps on the stack): few calls, and bitmaps that are read back while in L1.
const maskWindow = 64

// byteMasks sets m0[k] and m1[k], for each 64-byte block k of b, to the bitmaps of the block's
// bytes equal to c0 and to c1, and reports whether b holds a byte ≥ 0x80 (not ASCII). len(b)
// must be a multiple of 64, and m0 and m1 must have a word per block. With AVX2 it compares 32
// bytes per instruction (byteMasksAVX2, 14 GB/s in BenchmarkByteMasks); elsewhere byteMasksGo does
// the same with 8-byte words (0.7 GB/s).
func byteMasks(b []byte, c0, c1 byte, m0, m1 []uint64) (nonASCII bool) {
	n := len(b) / 64
	if len(b) != 64*n || len(m0) < n || len(m1) < n {
		panic("decode: byteMasks: bad lengths")
	}
	if useAVX2 {
		return byteMasksAVX2(b, c0, c1, m0[:n], m1[:n]) != 0
	}
	return byteMasksGo(b, c0, c1, m0[:n], m1[:n])
}

// byteMasksGo is byteMasks a word at a time (SWAR): exactByte marks each matching byte's high
// bit, and a multiplication gathers the eight high bits of a word into its top byte (bit 8i+7 →
// bit 56+i: the partial products of distinct bits land on distinct positions, so nothing
// carries into the top byte). It is the fallback where AVX2 is missing and the oracle of the
// assembly (TestByteMasks).
func byteMasksGo(b []byte, c0, c1 byte, m0, m1 []uint64) (nonASCII bool) {
	var or uint64
	for k := range m0 {
		blk := (*[64]byte)(b[64*k : 64*k+64])
		var x0, x1 uint64
		for j := 0; j < 8; j++ {
			w := binary.LittleEndian.Uint64(blk[8*j:])
			or |= w
			x0 |= gatherHigh(exactByte(w, c0)) << (8 * j)
			x1 |= gatherHigh(exactByte(w, c1)) << (8 * j)
		}
		m0[k], m1[k] = x0, x1
	}
	return or&0x8080808080808080 != 0
}

// gatherHigh moves the high bits of w's eight bytes to the low eight bits (byte i's to bit i).
func gatherHigh(w uint64) uint64 {
	return ((w >> 7) * 0x0102040810204080) >> 56
}

// exactByte returns w with the high bit set in exactly the bytes equal to c.
func exactByte(w uint64, c byte) uint64 {
	const lows = 0x7F7F7F7F7F7F7F7F
	x := w ^ (0x0101010101010101 * uint64(c))
	return ^((x&lows + lows) | x | lows)
}

// maskScanner hands out the bitmaps of b (see byteMasks) window by window. The last window is
// padded with zero bytes to a whole block, so c0 and c1 must not be zero.
type maskScanner struct {
	b        []byte
	c0, c1   byte
	nonASCII bool // some byte so far is ≥ 0x80
	m0, m1   [maskWindow]uint64
}

func newMaskScanner(b []byte, c0, c1 byte) *maskScanner {
	return &maskScanner{b: b, c0: c0, c1: c1}
}

// next returns the bitmaps of the next window, a word per 64-byte block, or nil at the end.
func (s *maskScanner) next() (m0, m1 []uint64) {
	if len(s.b) == 0 {
		return nil, nil
	}
	blocks, n := s.b, min(len(s.b)/64, maskWindow)
	if n == 0 {
		var last [64]byte // the last, partial block, zero-padded
		copy(last[:], s.b)
		blocks, n = last[:], 1
	}
	m0, m1 = s.m0[:n], s.m1[:n]
	s.nonASCII = byteMasks(blocks[:64*n], s.c0, s.c1, m0, m1) || s.nonASCII
	s.b = s.b[min(64*n, len(s.b)):]
	return m0, m1
}
