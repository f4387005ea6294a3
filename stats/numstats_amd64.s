//go:build amd64 && !purego

#include "textflag.h"

// The statistics of eight columns, two to a register: column 2p in the low lane and 2p+1 in the
// high lane of pair p's registers. Each lane does what numStats.add does, in its operations and
// order (sum += x; n = N + 1; δ = x − avg; δn = δ / n; avg += δn; m2 += δ·(δ − δn); N = n), and
// min and max by VRANGEPD, which orders −0 below +0 like Go's built-in min and max but returns
// the number of a number and a NaN (the caller mends that case). X0–X3 are scratch; X4 holds
// 1.0 in both lanes.
#define STEP(PA, PB, SUM, N, AVG, M2, MIN, MAX) \
	VMOVSD   (PA)(SI*8), X0 \
	VMOVHPD  (PB)(SI*8), X0, X0 \
	VADDPD   X0, SUM, SUM \
	VADDPD   X4, N, N \
	VSUBPD   AVG, X0, X1 \
	VDIVPD   N, X1, X2 \
	VADDPD   X2, AVG, AVG \
	VSUBPD   X2, X1, X3 \
	VMULPD   X3, X1, X3 \
	VADDPD   X3, M2, M2 \
	VRANGEPD $4, X0, MIN, MIN \
	VRANGEPD $5, X0, MAX, MAX

// LOADST and STOREST move the numStats of columns 2p and 2p+1 (at OFF(DI) and OFF+56(DI); count
// 0, sum 8, N 16, avg 24, m2 32, min 40, max 48) between memory and pair p's registers. STOREST
// adds the k values (CX) to the counts.
#define LOAD1(OFF, F, R) \
	VMOVSD  OFF+F(DI), R \
	VMOVHPD OFF+56+F(DI), R, R

#define LOADST(OFF, SUM, N, AVG, M2, MIN, MAX) \
	LOAD1(OFF, 8, SUM) \
	LOAD1(OFF, 16, N) \
	LOAD1(OFF, 24, AVG) \
	LOAD1(OFF, 32, M2) \
	LOAD1(OFF, 40, MIN) \
	LOAD1(OFF, 48, MAX)

#define STORE1(OFF, F, R) \
	VMOVSD  R, OFF+F(DI) \
	VMOVHPD R, OFF+56+F(DI)

#define STOREST(OFF, SUM, N, AVG, M2, MIN, MAX) \
	ADDQ CX, OFF(DI) \
	ADDQ CX, OFF+56(DI) \
	STORE1(OFF, 8, SUM) \
	STORE1(OFF, 16, N) \
	STORE1(OFF, 24, AVG) \
	STORE1(OFF, 32, M2) \
	STORE1(OFF, 40, MIN) \
	STORE1(OFF, 48, MAX)

// func statsOcto(st *[8]numStats, xs *[8]*float64, k int)
TEXT ·statsOcto(SB), NOSPLIT, $0-24
	MOVQ st+0(FP), DI
	MOVQ xs+8(FP), SI
	MOVQ k+16(FP), CX
	MOVQ 0(SI), AX
	MOVQ 8(SI), BX
	MOVQ 16(SI), DX
	MOVQ 24(SI), R8
	MOVQ 32(SI), R9
	MOVQ 40(SI), R10
	MOVQ 48(SI), R11
	MOVQ 56(SI), R12
	MOVQ $0x3ff0000000000000, R13 // 1.0
	VMOVQ R13, X4
	VMOVDDUP X4, X4
	LOADST(0, X8, X9, X10, X11, X12, X13)
	LOADST(112, X14, X15, X16, X17, X18, X19)
	LOADST(224, X20, X21, X22, X23, X24, X25)
	LOADST(336, X26, X27, X28, X29, X30, X31)
	XORQ SI, SI
	TESTQ CX, CX
	JZ done

loop:
	STEP(AX, BX, X8, X9, X10, X11, X12, X13)
	STEP(DX, R8, X14, X15, X16, X17, X18, X19)
	STEP(R9, R10, X20, X21, X22, X23, X24, X25)
	STEP(R11, R12, X26, X27, X28, X29, X30, X31)
	INCQ SI
	CMPQ SI, CX
	JB loop

done:
	STOREST(0, X8, X9, X10, X11, X12, X13)
	STOREST(112, X14, X15, X16, X17, X18, X19)
	STOREST(224, X20, X21, X22, X23, X24, X25)
	STOREST(336, X26, X27, X28, X29, X30, X31)
	VZEROUPPER
	RET
