//go:build amd64 && !purego

#include "textflag.h"

// func byteMasksAVX2(b []byte, c0, c1 byte, m0, m1 []uint64) uint64
TEXT ·byteMasksAVX2(SB), NOSPLIT, $0-88
	MOVQ    b_base+0(FP), SI
	MOVQ    m0_base+32(FP), DI
	MOVQ    m0_len+40(FP), CX
	MOVQ    m1_base+56(FP), R8
	MOVBQZX c0+24(FP), AX
	MOVQ    AX, X0
	VPBROADCASTB X0, Y0
	MOVBQZX c1+25(FP), AX
	MOVQ    AX, X1
	VPBROADCASTB X1, Y1
	VPXOR   Y7, Y7, Y7
	TESTQ   CX, CX
	JZ      done

loop:
	VMOVDQU (SI), Y2
	VMOVDQU 32(SI), Y3
	VPOR    Y2, Y7, Y7
	VPOR    Y3, Y7, Y7
	VPCMPEQB Y0, Y2, Y4
	VPCMPEQB Y0, Y3, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ    $32, BX
	ORQ     BX, AX
	MOVQ    AX, (DI)
	VPCMPEQB Y1, Y2, Y4
	VPCMPEQB Y1, Y3, Y5
	VPMOVMSKB Y4, AX
	VPMOVMSKB Y5, BX
	SHLQ    $32, BX
	ORQ     BX, AX
	MOVQ    AX, (R8)
	ADDQ    $64, SI
	ADDQ    $8, DI
	ADDQ    $8, R8
	DECQ    CX
	JNZ     loop

done:
	VPMOVMSKB Y7, AX
	MOVQ    AX, ret+80(FP)
	VZEROUPPER
	RET
