//go:build amd64 && !purego

package decode

import "golang.org/x/sys/cpu"

// useAVX2 selects byteMasksAVX2; tests turn it off to run the fallback.
var useAVX2 = cpu.X86.HasAVX2

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
