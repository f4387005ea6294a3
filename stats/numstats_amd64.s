//go:build amd64 && !purego

#include "textflag.h"

// STEP adds x = *(P + 8·SI) to one column's state held in registers, in numStats.add's
// operations and order: sum += x; n = N + 1; δ = x − avg; δn = δ / n; avg += δn;
// m2 += δ·(δ − δn); N = n; min and max by VRANGESD, which orders −0 below +0 like Go's built-in
// min and max but returns the number of a number and a NaN (the caller mends that case).
// X0–X3 are scratch; X4 holds 1.0.
#define STEP(P, SUM, N, AVG, M2, MIN, MAX) \
	VMOVSD (P)(SI*8), X0 \
	VADDSD X0, SUM, SUM \
	VADDSD X4, N, N \
	VSUBSD AVG, X0, X1 \
	VDIVSD N, X1, X2 \
	VADDSD X2, AVG, AVG \
	VSUBSD X2, X1, X3 \
	VMULSD X3, X1, X3 \
	VADDSD X3, M2, M2 \
	VRANGESD $4, X0, MIN, MIN \
	VRANGESD $5, X0, MAX, MAX

// LOADST and STOREST move one column's numStats (count 0, sum 8, N 16, avg 24, m2 32, min 40,
// max 48) between memory at R and registers.
#define LOADST(R, SUM, N, AVG, M2, MIN, MAX) \
	VMOVSD 8(R), SUM \
	VMOVSD 16(R), N \
	VMOVSD 24(R), AVG \
	VMOVSD 32(R), M2 \
	VMOVSD 40(R), MIN \
	VMOVSD 48(R), MAX

#define STOREST(R, SUM, N, AVG, M2, MIN, MAX) \
	ADDQ CX, 0(R) \
	VMOVSD SUM, 8(R) \
	VMOVSD N, 16(R) \
	VMOVSD AVG, 24(R) \
	VMOVSD M2, 32(R) \
	VMOVSD MIN, 40(R) \
	VMOVSD MAX, 48(R)

// func statsQuad(st *[4]numStats, xs *[4]*float64, k int)
TEXT ·statsQuad(SB), NOSPLIT, $0-24
	MOVQ st+0(FP), DI
	MOVQ xs+8(FP), AX
	MOVQ k+16(FP), CX
	MOVQ 0(AX), R8
	MOVQ 8(AX), R9
	MOVQ 16(AX), R10
	MOVQ 24(AX), R11
	LEAQ 56(DI), R12
	LEAQ 112(DI), R13
	LEAQ 168(DI), R14
	MOVQ $0x3ff0000000000000, AX // 1.0
	VMOVQ AX, X4
	LOADST(DI, X8, X9, X10, X11, X12, X13)
	LOADST(R12, X14, X15, X16, X17, X18, X19)
	LOADST(R13, X20, X21, X22, X23, X24, X25)
	LOADST(R14, X26, X27, X28, X29, X30, X31)
	XORQ SI, SI
	TESTQ CX, CX
	JZ done

loop:
	STEP(R8, X8, X9, X10, X11, X12, X13)
	STEP(R9, X14, X15, X16, X17, X18, X19)
	STEP(R10, X20, X21, X22, X23, X24, X25)
	STEP(R11, X26, X27, X28, X29, X30, X31)
	INCQ SI
	CMPQ SI, CX
	JB loop

done:
	STOREST(DI, X8, X9, X10, X11, X12, X13)
	STOREST(R12, X14, X15, X16, X17, X18, X19)
	STOREST(R13, X20, X21, X22, X23, X24, X25)
	STOREST(R14, X26, X27, X28, X29, X30, X31)
	VZEROUPPER
	RET
