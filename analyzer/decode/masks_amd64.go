//go:build amd64 && !purego

package decode

import "golang.org/x/sys/cpu"

// useAVX2 selects byteMasksAVX2; tests turn it off to run the fallback.
var useAVX2 = cpu.X86.HasAVX2

// useAVX512 selects sepsAVX512 for the fast path's separator pass; tests turn it off to run the
// bitmaps and the word loop.
var useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasPOPCNT && cpu.X86.HasBMI2

// validityAVX2 sets the validity bytes of 8·blocks rows from their offsets (valid points at the
// first row's byte, offs at its offset; 8·blocks+1 offsets are read) and returns how many rows
// are valid and the longest length (validity_amd64.s). It runs where useAVX2 is set.
//
//go:noescape
func validityAVX2(offs *int32, valid *byte, blocks int) (set int, longest int32)

// byteMasksAVX2 is byteMasks with AVX2 (masks_amd64.s): two 32-byte loads per block, a
// byte-wise compare with each class and VPMOVMSKB per half; it returns the high bits of the OR
// of all blocks (non-zero if some byte is ≥ 0x80). len(b) = 64·len(m0) = 64·len(m1).
//
//go:noescape
func byteMasksAVX2(b []byte, c0, c1 byte, m0, m1 []uint64) uint64

// sepsAVX512 writes the positions (byte offsets from d) of the bytes equal to c0 or c1 in the
// 64-byte blocks of d to seps from index k on, in order, block by block while k ≤ limit (which
// must be at most len(seps) - 64: a block's stores reach 64 entries past k), for at most blocks
// blocks (seps_amd64.s). It returns the next free index, the number of blocks done, their high
// bits (non-zero if a byte is ≥ 0x80) and bad, non-zero unless the c1 bytes among the
// separators written are exactly those at the indices that are multiples of the row length
// ncol: expect and mods are recordTables(ncol), and ph = k mod ncol. It runs where useAVX512 is
// set.
//
//go:noescape
func sepsAVX512(d *byte, blocks int, seps *int32, k, limit int, c0, c1 byte, expect *uint64, mods *int32, ph int) (next, done int, high, bad uint64)

// colSumsAVX512 adds the vecs·16 values of m, sixteen at a time, to period groups of sixteen
// accumulators in acc, group i mod period for the i-th sixteen (colsums_amd64.s). It runs where
// useAVX512 is set.
//
//go:noescape
func colSumsAVX512(m *int32, vecs int, acc *int64, period int)

// linesAVX512 is csvLines on the 64-byte blocks of b, which also reports whether b holds a
// quote; prevLF and prevCR are the bitmaps of the block before (1<<63 and 0 at the start of
// the text: its start counts as a line feed), and lastLF, lastCR those of its last block
// (lines_amd64.s). It runs where useAVX512 is set.
//
//go:noescape
func linesAVX512(b *byte, blocks int, prevLF, prevCR uint64) (lines, blank int, crs, quotes, lastLF, lastCR uint64)

// useFillAsm selects fillRowsAsm for the CSV fill's safe rows; tests turn it off to run fillSafe.
var useFillAsm = true

// fillRowsAsm is fillSafe in assembly (fill_amd64.s), with the same arguments and result.
//
//go:noescape
func fillRowsAsm(src, data *byte, seps, offs *int32, ncol, m, dn int) int

// fillRows is fillSafe, in assembly unless a test turned useFillAsm off.
func fillRows(src, data *byte, seps, offs *int32, ncol, m, dn int) int {
	if useFillAsm {
		return fillRowsAsm(src, data, seps, offs, ncol, m, dn)
	}
	return fillSafe(src, data, seps, offs, ncol, m, dn)
}
