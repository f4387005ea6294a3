//go:build amd64 && !purego

#include "textflag.h"

// wordsConst: XXH64's primes 1–4, then 42 + prime 5 + 8 (the start of an eight-byte input with
// Spark's seed), the canonical NaN (Double.doubleToLongBits of every NaN) and 0.0's bits.
DATA wordsConst<>+0(SB)/8, $0x9E3779B185EBCA87
DATA wordsConst<>+8(SB)/8, $0xC2B2AE3D27D4EB4F
DATA wordsConst<>+16(SB)/8, $0x165667B19E3779F9
DATA wordsConst<>+24(SB)/8, $0x85EBCA77C2B2AE63
DATA wordsConst<>+32(SB)/8, $0x27D4EB2F165667F7
DATA wordsConst<>+40(SB)/8, $0x7ff8000000000000
GLOBL wordsConst<>(SB), RODATA|NOPTR, $48

// FLOATNORM maps -0.0 to 0.0 and every NaN to the canonical NaN in the doubles of R.
#define FLOATNORM(R) \
	VCMPPD    $0, Z26, R, K2; \
	VMOVDQA64 Z26, K2, R; \
	VCMPPD    $3, R, R, K2; \
	VMOVDQA64 Z25, K2, R

// HASHPACK replaces each word of R by Pack(XXH64 of it, Spark's seed): one round, one merge
// step, the avalanche, then the register index << 8 | the rank (T scratch).
#define HASHPACK(R, T) \
	VPMULLQ  Z21, R, R; \
	VPROLQ   $31, R, R; \
	VPMULLQ  Z20, R, R; \
	VPXORQ   Z24, R, R; \
	VPROLQ   $27, R, R; \
	VPMULLQ  Z20, R, R; \
	VPADDQ   Z23, R, R; \
	VPSRLQ   $33, R, T; \
	VPXORQ   T, R, R; \
	VPMULLQ  Z21, R, R; \
	VPSRLQ   $29, R, T; \
	VPXORQ   T, R, R; \
	VPMULLQ  Z22, R, R; \
	VPSRLQ   $32, R, T; \
	VPXORQ   T, R, R; \
	VPSLLQ   $9, R, T; \
	VPORQ    Z27, T, T; \
	VPLZCNTQ T, T; \
	VPADDQ   Z28, T, T; \
	VPSRLQ   $55, R, R; \
	VPSLLQ   $8, R, R; \
	VPORQ    T, R, R

// func packWordsAVX512(vs *uint64, n int, out *uint64, float bool)
//
// Sixteen values per step while there are, then eight, the last n mod 8 under a mask: out[i] = Pack(HashInt64(vs[i])) (the
// register index << 8 | the rank), of the words as they are or (float) of the doubles' Java
// bits, -0.0 as 0.0 and every NaN as the canonical NaN. The XXH64 of one eight-byte word is a
// fixed sequence (one round, one merge step, the avalanche), so the eight lanes run it side by
// side.
TEXT ·packWordsAVX512(SB), NOSPLIT, $0-25
	MOVQ         vs+0(FP), SI
	MOVQ         n+8(FP), CX
	MOVQ         out+16(FP), DI
	MOVBLZX      float+24(FP), DX
	MOVQ         $0x100, R9
	VPBROADCASTQ R9, Z27
	MOVQ         $1, R9
	VPBROADCASTQ R9, Z28
	VPBROADCASTQ wordsConst<>+0(SB), Z20
	VPBROADCASTQ wordsConst<>+8(SB), Z21
	VPBROADCASTQ wordsConst<>+16(SB), Z22
	VPBROADCASTQ wordsConst<>+24(SB), Z23
	VPBROADCASTQ wordsConst<>+32(SB), Z24
	VPBROADCASTQ wordsConst<>+40(SB), Z25
	VPXORQ       Z26, Z26, Z26
	MOVQ         $0xff, AX

pairs:
	// Two blocks an iteration, their hash chains (five dependent 15-cycle VPMULLQs each) side
	// by side (BENCHMARKS.md, "Typed hashes two blocks at a time").
	CMPQ      CX, $16
	JB        loop
	VMOVDQU64 (SI), Z0
	VMOVDQU64 64(SI), Z2
	TESTQ     DX, DX
	JZ        hash2
	FLOATNORM(Z0)
	FLOATNORM(Z2)

hash2:
	HASHPACK(Z0, Z1)
	HASHPACK(Z2, Z3)
	VMOVDQU64 Z0, (DI)
	VMOVDQU64 Z2, 64(DI)
	ADDQ      $128, SI
	ADDQ      $128, DI
	SUBQ      $16, CX
	JMP       pairs

loop:
	TESTQ   CX, CX
	JLE     done
	CMPQ    CX, $8
	JAE     full
	BZHIQ   CX, AX, R8 // the last n mod 8 lanes
	KMOVB   R8, K1
	JMP     load

full:
	KXNORB  K1, K1, K1

load:
	VMOVDQU64.Z (SI), K1, Z0
	TESTQ       DX, DX
	JZ          hash
	FLOATNORM(Z0)

hash:
	HASHPACK(Z0, Z1)
	VMOVDQU64 Z0, K1, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	SUBQ      $8, CX
	JMP       loop

done:
	VZEROUPPER
	RET
