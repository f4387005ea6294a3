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

// func packWordsAVX512(vs *uint64, n int, out *uint64, float bool)
//
// Eight values per step, the last n mod 8 under a mask: out[i] = Pack(HashInt64(vs[i])) (the
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
	VCMPPD      $0, Z26, Z0, K2 // == 0.0: -0.0 and 0.0
	VMOVDQA64   Z26, K2, Z0
	VCMPPD      $3, Z0, Z0, K2  // unordered: NaN
	VMOVDQA64   Z25, K2, Z0

hash:
	VPMULLQ   Z21, Z0, Z0 // round(0, v) = rotl(v·p2, 31)·p1
	VPROLQ    $31, Z0, Z0
	VPMULLQ   Z20, Z0, Z0
	VPXORQ    Z24, Z0, Z0 // h = (seed + p5 + 8) ^ round
	VPROLQ    $27, Z0, Z0
	VPMULLQ   Z20, Z0, Z0
	VPADDQ    Z23, Z0, Z0
	VPSRLQ    $33, Z0, Z1 // avalanche
	VPXORQ    Z1, Z0, Z0
	VPMULLQ   Z21, Z0, Z0
	VPSRLQ    $29, Z0, Z1
	VPXORQ    Z1, Z0, Z0
	VPMULLQ   Z22, Z0, Z0
	VPSRLQ    $32, Z0, Z1
	VPXORQ    Z1, Z0, Z0
	VPSLLQ    $9, Z0, Z1 // Pack: rank = leading zeros of h << 9 | 1 << 8, plus one
	VPORQ     Z27, Z1, Z1
	VPLZCNTQ  Z1, Z1
	VPADDQ    Z28, Z1, Z1
	VPSRLQ    $55, Z0, Z0 // index << 8
	VPSLLQ    $8, Z0, Z0
	VPORQ     Z1, Z0, Z0
	VMOVDQU64 Z0, K1, (DI)
	ADDQ      $64, SI
	ADDQ      $64, DI
	SUBQ      $8, CX
	JMP       loop

done:
	VZEROUPPER
	RET
