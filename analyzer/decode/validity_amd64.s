//go:build amd64 && !purego

#include "textflag.h"

// func validityAVX2(offs *int32, valid *byte, blocks int) (set int, longest int32)
//
// Eight rows per block: the lengths offs[r+1] - offs[r] of eight rows from two overlapping
// loads; VPCMPEQD with zero and VMOVMSKPS give the empty ones (a row is null when its value is
// empty), whose complement is the block's validity byte; POPCNT counts them, VPMAXSD keeps the
// longest length. 256-bit registers only: 512-bit ones, in a kernel this short called this
// often, measured slower in the whole job (BENCHMARKS.md).
TEXT ·validityAVX2(SB), NOSPLIT, $0-36
	MOVQ   offs+0(FP), SI
	MOVQ   valid+8(FP), DI
	MOVQ   blocks+16(FP), CX
	XORQ   BX, BX
	VPXOR  Y4, Y4, Y4 // running maximum
	VPXOR  Y0, Y0, Y0 // zero

loop:
	VMOVDQU   (SI), Y1
	VMOVDQU   4(SI), Y2
	VPSUBD    Y1, Y2, Y3 // lengths
	VPCMPEQD  Y0, Y3, Y5
	VMOVMSKPS Y5, AX
	NOTL      AX
	MOVB      AX, (DI)
	ANDL      $0xff, AX
	POPCNTL   AX, AX
	ADDQ      AX, BX
	VPMAXSD   Y3, Y4, Y4
	ADDQ      $32, SI
	INCQ      DI
	DECQ      CX
	JNZ       loop

	// The maximum of Y4's eight lanes.
	VEXTRACTI128 $1, Y4, X5
	VPMAXSD      X5, X4, X4
	VPSHUFD      $0x4e, X4, X5
	VPMAXSD      X5, X4, X4
	VPSHUFD      $0xb1, X4, X5
	VPMAXSD      X5, X4, X4
	MOVQ         BX, set+24(FP)
	MOVL         X4, longest+32(FP)
	VZEROUPPER
	RET
