//go:build amd64 && !purego

#include "textflag.h"

// func colSumsAVX512(m *int32, vecs int, acc *int64, period int)
//
// Sixteen values per step, widened to int64 (VPMOVSXDQ) and added to the step's sixteen
// accumulators: step i uses accumulators (i mod period)·16 … +15, so when 16·period is a multiple
// of the row length, each accumulator lane only ever sees one column.
TEXT ·colSumsAVX512(SB), NOSPLIT, $0-32
	MOVQ m+0(FP), SI
	MOVQ vecs+8(FP), CX
	MOVQ acc+16(FP), DI
	MOVQ period+24(FP), R11
	SHLQ $7, R11
	ADDQ DI, R11        // the end of the accumulators: period · 128 bytes
	MOVQ DI, R10        // this step's accumulators
	TESTQ CX, CX
	JZ   done

loop:
	VPMOVSXDQ (SI), Z0
	VPMOVSXDQ 32(SI), Z1
	VPADDQ    (R10), Z0, Z0
	VPADDQ    64(R10), Z1, Z1
	VMOVDQU64 Z0, (R10)
	VMOVDQU64 Z1, 64(R10)
	ADDQ      $64, SI
	ADDQ      $128, R10
	CMPQ      R10, R11
	CMOVQEQ   DI, R10
	DECQ      CX
	JNZ       loop

done:
	VZEROUPPER
	RET
