//go:build amd64 && !purego

#include "textflag.h"

// numIdx are the VPERMI2Q indices that take the even (first eight) and the odd (last eight)
// qwords of two Z registers: value j's first or second eight bytes when values 0–3 are the
// 16-byte lanes of the first register and 4–7 those of the second.
DATA numIdx<>+0(SB)/8, $0
DATA numIdx<>+8(SB)/8, $2
DATA numIdx<>+16(SB)/8, $4
DATA numIdx<>+24(SB)/8, $6
DATA numIdx<>+32(SB)/8, $8
DATA numIdx<>+40(SB)/8, $10
DATA numIdx<>+48(SB)/8, $12
DATA numIdx<>+56(SB)/8, $14
DATA numIdx<>+64(SB)/8, $1
DATA numIdx<>+72(SB)/8, $3
DATA numIdx<>+80(SB)/8, $5
DATA numIdx<>+88(SB)/8, $7
DATA numIdx<>+96(SB)/8, $9
DATA numIdx<>+104(SB)/8, $11
DATA numIdx<>+112(SB)/8, $13
DATA numIdx<>+120(SB)/8, $15
GLOBL numIdx<>(SB), RODATA|NOPTR, $128

// numPow10 holds 10^0 … 10^15, the divisors of a plain value's digits.
DATA numPow10<>+0(SB)/8, $1e0
DATA numPow10<>+8(SB)/8, $1e1
DATA numPow10<>+16(SB)/8, $1e2
DATA numPow10<>+24(SB)/8, $1e3
DATA numPow10<>+32(SB)/8, $1e4
DATA numPow10<>+40(SB)/8, $1e5
DATA numPow10<>+48(SB)/8, $1e6
DATA numPow10<>+56(SB)/8, $1e7
DATA numPow10<>+64(SB)/8, $1e8
DATA numPow10<>+72(SB)/8, $1e9
DATA numPow10<>+80(SB)/8, $1e10
DATA numPow10<>+88(SB)/8, $1e11
DATA numPow10<>+96(SB)/8, $1e12
DATA numPow10<>+104(SB)/8, $1e13
DATA numPow10<>+112(SB)/8, $1e14
DATA numPow10<>+120(SB)/8, $1e15
GLOBL numPow10<>(SB), RODATA|NOPTR, $128

// numIota is the bytes 0 … 15 in each 16-byte lane: the identity VPSHUFB control.
DATA numIota<>+0(SB)/8, $0x0706050403020100
DATA numIota<>+8(SB)/8, $0x0f0e0d0c0b0a0908
GLOBL numIota<>(SB), RODATA|NOPTR, $16

// numSel is, for each of the 64 bytes of two Z registers of four 16-byte lanes, the value whose
// lane it is: 0 … 3 in the first, 4 … 7 in the second (VPERMB indices that broadcast a value's
// byte over its lane).
DATA numSel<>+0(SB)/8, $0x0000000000000000
DATA numSel<>+8(SB)/8, $0x0000000000000000
DATA numSel<>+16(SB)/8, $0x0101010101010101
DATA numSel<>+24(SB)/8, $0x0101010101010101
DATA numSel<>+32(SB)/8, $0x0202020202020202
DATA numSel<>+40(SB)/8, $0x0202020202020202
DATA numSel<>+48(SB)/8, $0x0303030303030303
DATA numSel<>+56(SB)/8, $0x0303030303030303
DATA numSel<>+64(SB)/8, $0x0404040404040404
DATA numSel<>+72(SB)/8, $0x0404040404040404
DATA numSel<>+80(SB)/8, $0x0505050505050505
DATA numSel<>+88(SB)/8, $0x0505050505050505
DATA numSel<>+96(SB)/8, $0x0606060606060606
DATA numSel<>+104(SB)/8, $0x0606060606060606
DATA numSel<>+112(SB)/8, $0x0707070707070707
DATA numSel<>+120(SB)/8, $0x0707070707070707
GLOBL numSel<>(SB), RODATA|NOPTR, $128

// numPrimes are XXH64's primes 1–5, then the weights of the digit pairs, quads and octets (bytes 10,1; words 100,1;
// words 10000,1) as broadcast qwords.
DATA numPrimes<>+0(SB)/8, $0x9E3779B185EBCA87
DATA numPrimes<>+8(SB)/8, $0xC2B2AE3D27D4EB4F
DATA numPrimes<>+16(SB)/8, $0x165667B19E3779F9
DATA numPrimes<>+24(SB)/8, $0x85EBCA77C2B2AE63
DATA numPrimes<>+32(SB)/8, $0x27D4EB2F165667C5
DATA numPrimes<>+40(SB)/8, $0x010a010a010a010a
DATA numPrimes<>+48(SB)/8, $0x0001006400010064
DATA numPrimes<>+56(SB)/8, $0x0001271000012710
GLOBL numPrimes<>(SB), RODATA|NOPTR, $64

// OFFSETS writes block DI's value starts (relative to data) and lengths to the frame, for
// LOAD, and leaves the lengths in Y2. Y15 = base.
#define OFFSETS \
	VMOVDQU32 (DI), Y0; \
	VMOVDQU32 4(DI), Y1; \
	VPSUBD    Y0, Y1, Y2; \
	VPSUBD    Y15, Y0, Y0; \
	VMOVDQU32 Y0, (SP); \
	VMOVDQU32 Y2, 32(SP)

// LOAD loads value j's first min(len, 16) bytes into X, zero-padded, under a byte mask:
// masked-out bytes are not read, so the load touches no memory outside the value. R12 = 16,
// R13 = 0xffff.
#define LOAD(j, X) \
	MOVL       j*4(SP), R8; \
	MOVL       32+j*4(SP), R9; \
	CMPL       R9, $16; \
	CMOVLGT    R12, R9; \
	BZHIL      R9, R13, R10; \
	KMOVW      R10, K2; \
	VMOVDQU8.Z (SI)(R8*1), K2, X

// LOADINIT sets what OFFSETS and LOAD use: Y15 = base (from the frame), R12 = 16, R13 = 0xffff.
#define LOADINIT \
	MOVQ         base+8(FP), R8; \
	VPBROADCASTD R8, Y15; \
	MOVL         $16, R12; \
	MOVL         $0xffff, R13

// SPREAD moves value j's first min(len_j, 16) bytes (the others zero) into the 16-byte lane of
// DST for the four values of the numSel half at OFF: Z3 holds the block's bytes, X9 the values'
// starts in it and X8 their lengths capped at 16, as bytes. Z1 = the lane iota; Z4, Z7, Z12
// scratch.
#define SPREAD(OFF, DST) \
	VMOVDQU64 numSel<>+OFF(SB), Z12; \
	VPERMB    Z9, Z12, Z7; \
	VPERMB    Z8, Z12, Z4; \
	VPCMPUB   $1, Z4, Z1, K3; \
	VPADDB    Z1, Z7, Z7; \
	VPERMB.Z  Z3, Z7, K3, DST

// WORDS loads block DI's eight values into the 16-byte lanes of Z10 (values 0–3) and Z11 (4–7),
// zero-padded, and gathers their first and second eight bytes into the qword lanes of Z5 and Z6
// with the VPERMI2Q indices I0 and I1 (numIdx, from memory or a register); Y2 keeps the
// lengths. When the block's values span at most 64 bytes (numbers and short text: nearly
// always) and the processor has VBMI (blockVBMI), one masked load takes
// them all and VPERMB spreads them over the lanes (BENCHMARKS.md, "A block's values in one
// load"); otherwise each value is loaded under its own mask (OFFSETS, LOAD4). Labels SLOW and
// LOADED are the caller's.
#define WORDS(I0, I1, SLOW, LOADED) \
	VMOVDQU32    (DI), Y0; \
	VMOVDQU32    4(DI), Y1; \
	VPSUBD       Y0, Y1, Y2; \
	CMPB         ·blockVBMI(SB), $0; \
	JEQ          SLOW; \
	MOVL         32(DI), R9; \
	SUBL         (DI), R9; \
	CMPL         R9, $64; \
	JA           SLOW; \
	VPSUBD       Y15, Y0, Y9; \
	VMOVD        X9, R8; \
	MOVQ         $-1, R10; \
	BZHIQ        R9, R10, R10; \
	KMOVQ        R10, K2; \
	VMOVDQU8.Z   (SI)(R8*1), K2, Z3; \
	VPBROADCASTD X0, Y9; \
	VPSUBD       Y9, Y0, Y9; \
	VPMOVDB      Y9, X9; \
	VPBROADCASTD R12, Y8; \
	VPMINUD      Y8, Y2, Y8; \
	VPMOVDB      Y8, X8; \
	VBROADCASTI32X4 numIota<>+0(SB), Z1; \
	SPREAD(0, Z10); \
	SPREAD(64, Z11); \
	JMP          LOADED; \
SLOW: \
	OFFSETS; \
	LOAD4(0, 1, 2, 3, X10, Z10); \
	LOAD4(4, 5, 6, 7, X11, Z11); \
LOADED: \
	VMOVDQU64 I0, Z5; \
	VPERMI2Q  Z11, Z10, Z5; \
	VMOVDQU64 I1, Z6; \
	VPERMI2Q  Z11, Z10, Z6

// LOAD4 loads values a, b, c, d into the 16-byte lanes 0–3 of Z; X is its low lane.
#define LOAD4(a, b, c, d, X, Z) \
	LOAD(a, X); \
	LOAD(b, X0); \
	VINSERTI32X4 $1, X0, Z, Z; \
	LOAD(c, X0); \
	VINSERTI32X4 $2, X0, Z, Z; \
	LOAD(d, X0); \
	VINSERTI32X4 $3, X0, Z, Z

// XXSTEP is XXH64's eight-byte step on the lanes of K of the hash H (T scratch): H ^= round(0, W);
// H = rotl(H, 27)·p1 + p4.
#define XXSTEP(W, K, H, T) \
	VPMULLQ Z21, W, T; \
	VPROLQ  $31, T, T; \
	VPMULLQ Z20, T, T; \
	VPXORQ  T, H, K, H; \
	VPROLQ  $27, H, K, H; \
	VPMULLQ Z20, H, K, H; \
	VPADDQ  Z23, H, K, H

// XXFOUR is XXH64's four-byte step on the lanes of K, the low four bytes of the tail word TW,
// which then moves on: H ^= w·p1; H = rotl(H, 23)·p2 + p3.
#define XXFOUR(K, H, TW, T) \
	VPSLLQ  $32, TW, T; \
	VPSRLQ  $32, T, T; \
	VPMULLQ Z20, T, T; \
	VPXORQ  T, H, K, H; \
	VPROLQ  $23, H, K, H; \
	VPMULLQ Z21, H, K, H; \
	VPADDQ  Z22, H, K, H; \
	VPSRLQ  $32, TW, K, TW

// XXBYTE is XXH64's one-byte step on the lanes of K, the byte the low one of the tail word TW,
// which then moves on: H ^= b·p5; H = rotl(H, 11)·p1.
#define XXBYTE(K, H, TW, T) \
	VPANDQ  Z26, TW, T; \
	VPMULLQ Z24, T, T; \
	VPXORQ  T, H, K, H; \
	VPROLQ  $11, H, K, H; \
	VPMULLQ Z20, H, K, H; \
	VPSRLQ  $8, TW, K, TW

// HINIT starts the hashes H of the lengths L: H = seed + p5 + len, K8 the lanes of at least eight
// bytes, K16 those of sixteen (T scratch).
#define HINIT(L, H, T, K8, K16) \
	VPADDQ   Z25, L, H; \
	VPSRLQ   $3, L, T; \
	VPTESTMQ T, T, K8; \
	VPSRLQ   $4, L, T; \
	VPTESTMQ T, T, K16

// FOURMASK sets K to the lanes whose length L leaves a four-byte step (len mod 8 ≥ 4).
#define FOURMASK(L, M, T, K) \
	VPSLLQ   $61, L, M; \
	VPSRLQ   $61, M, M; \
	VPSRLQ   $2, M, T; \
	VPTESTMQ T, T, K

// BYTEMASKS sets K1, K2, K3 to the lanes whose length L leaves at least one, two, three bytes
// after the four-byte step (len mod 4).
#define BYTEMASKS(L, M, T, K1, K2, K3) \
	VPSLLQ   $62, L, M; \
	VPSRLQ   $62, M, M; \
	VPTESTMQ M, M, K1; \
	VPSRLQ   $1, M, T; \
	VPTESTMQ T, T, K2; \
	VPTESTMQ T, M, K3

// AVALANCHE finishes the hashes H and packs them as hll.Pack does: the register index (the top
// nine bits) << 8 | the rank, the leading zeros of h << 9 | 1 << 8, plus one (Z13 = 1 << 8,
// Z12 = 1).
#define AVALANCHE(H, T) \
	VPSRLQ   $33, H, T; \
	VPXORQ   T, H, H; \
	VPMULLQ  Z21, H, H; \
	VPSRLQ   $29, H, T; \
	VPXORQ   T, H, H; \
	VPMULLQ  Z22, H, H; \
	VPSRLQ   $32, H, T; \
	VPXORQ   T, H, H; \
	VPSLLQ   $9, H, T; \
	VPORQ    Z13, T, T; \
	VPLZCNTQ T, T; \
	VPADDQ   Z12, T, T; \
	VPSRLQ   $55, H, H; \
	VPSLLQ   $8, H, H; \
	VPORQ    T, H, H

// DIGITS turns the 16-byte lanes of R (values zero-padded) into the masks of their digit, point
// and minus bytes (GPRs D, P, S) and leaves the digits' values in R (0 elsewhere).
#define DIGITS(R, D, P, S) \
	VPCMPEQB   Z27, R, K1; \
	KMOVQ      K1, P; \
	VPCMPEQB   Z28, R, K1; \
	KMOVQ      K1, S; \
	VPSUBB     Z29, R, R; \
	VPCMPUB    $1, Z30, R, K1; \
	KMOVQ      K1, D; \
	VMOVDQU8.Z R, K1, R

// MANTISSA moves the digits in R at and before the point (all of them without one) up one byte,
// by the 64-bit lane mask K — the point is overwritten, the first byte gets 0 — and leaves in
// each lane's first qword the integer its sixteen bytes spell as digits.
#define MANTISSA(R, K) \
	VMOVDQA64  Z31, Z12; \
	VPSUBB     Z16, Z12, K, Z12; \
	VPSHUFB    Z12, R, R; \
	VPMADDUBSW Z17, R, R; \
	VPMADDWD   Z18, R, R; \
	VPACKUSDW  R, R, R; \
	VPMADDWD   Z19, R, R; \
	VPMULUDQ   Z14, R, Z12; \
	VPSRLQ     $32, R, R; \
	VPADDQ     Z12, R, R

// func numBlocks(data *byte, base int, offs *int32, nb int, hs *uint64, xs *float64, masks *uint32, ws *[3][8]uint64, cast bool)
//
// Eight values per block: value i is data[offs[i]-base : offs[i+1]-base], loaded into a 16-byte
// lane under a length mask. The hash runs in the qword lanes of one register, each XXH64 step
// applied to the lanes it concerns; hs gets each hash's HyperLogLog update (hll.Pack). The cast checks the plain shape -?[0-9]+(\.[0-9]+)? on the
// values' byte masks, eight 16-bit words at once; the bytes up to the point move up one (over
// the point; all bytes of an integer), so that the sixteen byte positions, read as digits, spell
// N = m·10^k < 10^15, where m is the value's digits as an integer and k = 15 - the bytes before
// the point (with a minus); N comes from multiply-adds of pairs, quads and octets. The double is
// N / 10^k, one IEEE division of exact operands: the correctly rounded m / 10^(digits after the
// point), which is what Parse computes; negated for a minus (not an integer zero: Parse gives
// +0 for "-0"). Plain values have at most 15 bytes besides the point (so at most 15 digits).
// masks[b]: bits 0–7 the values longer than 16 bytes (their hash not computed), 8–15 the plain
// values (their xs set), 16–23 the plain values with a point.
//
// Two loops: the first loads and casts the blocks and leaves each one's words and lengths in
// ws[b]; the second hashes them. A block's hash is one chain of dependent 15-cycle VPMULLQs
// (~130 cycles for seven-byte values); in a loop that also casts, one iteration is ~240 µops and
// the reorder buffer holds about one and a half, so the chains ran one after the other. The hash
// loop takes two blocks an iteration, their chains side by side, and several iterations are in
// flight at once (BENCHMARKS.md, "numBlocks in two loops", "Hashes two blocks at a time").
TEXT ·numBlocks(SB), NOSPLIT, $64-65
	MOVQ  data+0(FP), SI
	MOVQ  offs+16(FP), DI
	MOVQ  nb+24(FP), CX
	MOVQ  hs+32(FP), BX
	MOVQ  xs+40(FP), DX
	MOVQ  masks+48(FP), AX
	MOVQ  ws+56(FP), R11
	TESTQ CX, CX
	JLE   done

	LOADINIT
	MOVQ         $100000000, R8
	VPBROADCASTQ R8, Z14
	MOVQ         $1, R8
	VPBROADCASTB R8, Z16
	VPBROADCASTQ numPrimes<>+40(SB), Z17
	VPBROADCASTQ numPrimes<>+48(SB), Z18
	VPBROADCASTQ numPrimes<>+56(SB), Z19
	VPBROADCASTQ numPrimes<>+0(SB), Z20  // p1
	VPBROADCASTQ numPrimes<>+8(SB), Z21  // p2
	VPBROADCASTQ numPrimes<>+16(SB), Z22 // p3
	VPBROADCASTQ numPrimes<>+24(SB), Z23 // p4
	VPBROADCASTQ numPrimes<>+32(SB), Z24 // p5
	MOVQ         $42, R8                 // Spark's seed
	VPBROADCASTQ R8, Z25
	VPADDQ       Z24, Z25, Z25           // p5 + seed
	MOVQ         $0xff, R8
	VPBROADCASTQ R8, Z26
	MOVQ         $0x100, R8
	VPBROADCASTQ R8, Z13
	MOVQ         $'.', R8
	VPBROADCASTB R8, Z27
	MOVQ         $'-', R8
	VPBROADCASTB R8, Z28
	MOVQ         $'0', R8
	VPBROADCASTB R8, Z29
	MOVQ         $10, R8
	VPBROADCASTB R8, Z30
	VBROADCASTI32X4 numIota<>(SB), Z31

block:
	WORDS(numIdx<>+0(SB), numIdx<>+64(SB), slowload, loaded)
	VPBROADCASTD R12, Y9
	VPCMPUD      $6, Y9, Y2, K7 // longer than 16
	KMOVB        K7, R14

	// The hash's inputs for the second loop: the words and lengths as qword lanes.
	VPMOVZXDQ  Y2, Z4
	VMOVDQU64  Z5, (R11)
	VMOVDQU64  Z6, 64(R11)
	VMOVDQU64  Z4, 128(R11)

	CMPB       cast+64(FP), $0
	JEQ        nocast                // hashes only (a text column): masks bits 0–7

	// Cast. Byte masks of digits, points and minus signs as 16-bit words per value (X0 digits,
	// X1 points, X3 minus), with X4 the value's bytes ((1 << len) - 1).
	DIGITS(Z10, R8, R9, R10)
	VMOVQ      R8, X0
	VMOVQ      R9, X1
	VMOVQ      R10, X3
	DIGITS(Z11, R8, R9, R10)
	VPINSRQ    $1, R8, X0, X0
	VPINSRQ    $1, R9, X1, X1
	VPINSRQ    $1, R10, X3, X3
	VPMOVDW    Y2, X4
	VPBROADCASTW R12, X5
	VPMINUW    X5, X4, X4
	VPSUBW     X4, X5, X4            // 16 - len
	VPTERNLOGD $0xff, X6, X6, X6     // 0xffff
	VPSRLVW    X4, X6, X4
	VPSRLW     $15, X6, X5           // 1
	// bad: bytes that are not digits, points or a leading minus; two points; a point without a
	// digit on either side (or last).
	VPORQ      X0, X1, X7
	VPORQ      X3, X7, X7
	VPXORQ     X4, X7, X7            // bytes of no kind
	VPXORQ     X8, X8, X8
	VPSUBW     X4, X8, X9
	VPANDQ     X4, X9, X9            // the first byte
	VPANDNQ    X3, X9, X2            // a minus not first
	VPORQ      X2, X7, X7
	VPSUBW     X5, X1, X2
	VPANDQ     X1, X2, X2            // a second point
	VPORQ      X2, X7, X7
	VPSLLW     $1, X1, X2
	VPANDNQ    X2, X0, X2            // no digit after a point
	VPORQ      X2, X7, X7
	VPSRLW     $1, X1, X2
	VPANDNQ    X2, X0, X2            // no digit before a point
	VPORQ      X2, X7, X7
	VPSLLW     $15, X5, X2
	VPANDQ     X1, X2, X2            // a point last
	VPORQ      X2, X7, X7
	VPTESTNMW  X7, X7, K1
	// The first byte after a minus is a digit; at most fifteen bytes besides the point.
	VPANDNQ    X4, X3, X2            // bytes but the minus
	VPSUBW     X2, X8, X9
	VPANDQ     X2, X9, X9
	VPTESTMW   X0, X9, K2
	KANDB      K2, K1, K1
	VPORQ      X0, X3, X7            // bytes but the point
	VPCMPW     $4, X6, X7, K2
	KANDB      K2, K1, K1
	KANDNB     K1, K7, K1            // plain: K1
	VPTESTMW   X1, X1, K2            // a point: K2
	VPTESTMW   X3, X3, K3            // a minus: K3
	// The bytes at and before the point (all without one) move up one; k = 15 - their number.
	VPSLLW     $1, X1, X2
	VPSUBW     X5, X2, X2            // (point << 1) - 1, 0xffff without a point
	VPANDQ     X2, X7, X9
	VPOPCNTW   X9, X9
	VPSRLW     $12, X6, X8           // 15
	VPSUBW     X9, X8, X9
	VPMOVZXWQ  X9, Z9                // k
	VMOVQ      X2, R8
	VPEXTRQ    $1, X2, R9
	KMOVQ      R8, K4
	KMOVQ      R9, K5
	MANTISSA(Z10, K4)
	MANTISSA(Z11, K5)
	VMOVDQU64  numIdx<>+0(SB), Z0
	VPERMI2Q   Z11, Z10, Z0          // N
	VPTESTMQ   Z0, Z0, K4
	VCVTUQQ2PD Z0, Z0
	VMOVUPD    numPow10<>+0(SB), Z1
	VPERMI2PD  numPow10<>+64(SB), Z1, Z9 // 10^k
	VDIVPD     Z9, Z0, Z0
	KORB       K2, K4, K4            // fractional, or an integer but zero
	KANDB      K3, K4, K4
	MOVQ       $0x8000000000000000, R8
	VPBROADCASTQ R8, Z9
	VPXORQ     Z9, Z0, K4, Z0
	VMOVUPD    Z0, (DX)

	KANDB      K1, K2, K2
	KMOVB      K1, R8
	KMOVB      K2, R9
	SHLL       $8, R8
	SHLL       $16, R9
	ORL        R8, R14
	ORL        R9, R14

nocast:
	MOVL       R14, (AX)

	ADDQ $32, DI
	ADDQ $192, R11
	ADDQ $64, DX
	ADDQ $4, AX
	DECQ CX
	JNZ  block

	MOVQ   nb+24(FP), CX
	MOVQ   ws+56(FP), R11
	VPSRLQ $8, Z13, Z12 // 1
	SUBQ   $2, CX
	JLT    hone

hpair:
	// Two blocks an iteration, A (Z5, Z6, Z4 → Z8) and B (Z10, Z11, Z14 → Z15), their steps
	// side by side: a block's hash is one chain of dependent 15-cycle VPMULLQs, and with one
	// block an iteration the scheduler held the chains of about two (BENCHMARKS.md, "Hashes two
	// blocks at a time"). Z5/Z10 = first eight bytes, Z6/Z11 = next eight, Z4/Z14 = lengths, as
	// qword lanes j = 0 … 7. Each step is skipped when it concerns no lane of either block
	// (within a column lengths repeat, so the jumps are predicted); a step under an empty mask
	// changes nothing.
	VMOVDQU64 (R11), Z5
	VMOVDQU64 64(R11), Z6
	VMOVDQU64 128(R11), Z4
	VMOVDQU64 192(R11), Z10
	VMOVDQU64 256(R11), Z11
	VMOVDQU64 320(R11), Z14

hpairbody:
	HINIT(Z4, Z8, Z9, K1, K2)
	HINIT(Z14, Z15, Z17, K6, K7)
	KORTESTB  K1, K6
	JZ        pword2
	XXSTEP(Z5, K1, Z8, Z9)
	XXSTEP(Z10, K6, Z15, Z17)

pword2:
	KORTESTB  K2, K7
	JZ        ptail
	XXSTEP(Z6, K2, Z8, Z9)
	XXSTEP(Z11, K7, Z15, Z17)

ptail:
	VPBLENDMQ Z6, Z5, K1, Z7 // the word holding the tail bytes
	VPBLENDMQ Z11, Z10, K6, Z16
	FOURMASK(Z4, Z3, Z9, K3)
	FOURMASK(Z14, Z18, Z17, K4)
	KORTESTB  K3, K4
	JZ        pbytes
	XXFOUR(K3, Z8, Z7, Z9)
	XXFOUR(K4, Z15, Z16, Z17)

pbytes:
	BYTEMASKS(Z4, Z3, Z9, K1, K2, K3)
	BYTEMASKS(Z14, Z18, Z17, K4, K5, K6)
	KORTESTB  K1, K4
	JZ        pavalanche
	XXBYTE(K1, Z8, Z7, Z9)
	XXBYTE(K4, Z15, Z16, Z17)
	KORTESTB  K2, K5
	JZ        pavalanche
	XXBYTE(K2, Z8, Z7, Z9)
	XXBYTE(K5, Z15, Z16, Z17)
	KORTESTB  K3, K6
	JZ        pavalanche
	XXBYTE(K3, Z8, Z7, Z9)
	XXBYTE(K6, Z15, Z16, Z17)

pavalanche:
	AVALANCHE(Z8, Z9)
	AVALANCHE(Z15, Z17)
	VMOVDQU64 Z8, (BX)
	CMPQ      CX, $-1
	JEQ       done // the last block of an odd number: B was a copy of it
	VMOVDQU64 Z15, 64(BX)

	ADDQ $384, R11
	ADDQ $128, BX
	SUBQ $2, CX
	JGE  hpair

hone:
	// The last block of an odd number goes through the pair's steps as both A and B; only A's
	// hashes are stored.
	CMPQ      CX, $-1
	JNE       done
	VMOVDQU64 (R11), Z5
	VMOVDQU64 64(R11), Z6
	VMOVDQU64 128(R11), Z4
	VMOVDQA64 Z5, Z10
	VMOVDQA64 Z6, Z11
	VMOVDQA64 Z4, Z14
	JMP       hpairbody

done:
	VZEROUPPER
	RET

// func memoWords(data *byte, base int, offs *int32, nb int, out *[4]uint64)
//
// For addStrings' memo: eight values per block, each loaded into a 16-byte lane under its length
// mask as numBlocks loads it (the bytes past a value are zero, what the memo keys on), then its
// two words and memoHash of them in qword lanes. out gets one record per value: its first word,
// second word, hash and length (four qwords), the columns of a block's lanes transposed into
// rows so that memoHits reads a value's record from one place.
TEXT ·memoWords(SB), NOSPLIT, $64-40
	MOVQ  data+0(FP), SI
	MOVQ  offs+16(FP), DI
	MOVQ  nb+24(FP), CX
	MOVQ  out+32(FP), BX
	TESTQ CX, CX
	JLE   memodone

	LOADINIT
	MOVQ         $0x9E3779B97F4A7C15, R8
	VPBROADCASTQ R8, Z20
	MOVQ         $0xC2B2AE3D27D4EB4F, R8
	VPBROADCASTQ R8, Z21
	VMOVDQU64    numIdx<>+0(SB), Z22
	VMOVDQU64    numIdx<>+64(SB), Z23

memoblock:
	WORDS(Z22, Z23, memoslow, memoloaded)
	VPMULLQ   Z20, Z5, Z7
	VPMULLQ   Z21, Z6, Z8
	VPXORQ    Z8, Z7, Z7   // w0·c0 ^ w1·c1
	VPSRLQ    $29, Z7, Z8
	VPSRLQ    $47, Z7, Z9
	VPTERNLOGQ $0x96, Z9, Z8, Z7 // h ^ h>>29 ^ h>>47
	VPMOVZXDQ Y2, Z4       // lengths
	// Transpose the columns w0 (Z5), w1 (Z6), h (Z7), len (Z4) into records j = 0 … 7:
	// unpack pairs them per 128-bit lane (even j low, odd j high), the shuffles gather lanes.
	VPUNPCKLQDQ Z6, Z5, Z12 // w0_j w1_j, j = 0 2 4 6
	VPUNPCKHQDQ Z6, Z5, Z13 // j = 1 3 5 7
	VPUNPCKLQDQ Z4, Z7, Z14 // h_j len_j, j = 0 2 4 6
	VPUNPCKHQDQ Z4, Z7, Z16 // j = 1 3 5 7
	VSHUFI64X2 $0x44, Z14, Z12, Z17 // records 0, 2 halves: w 0 2, hl 0 2
	VSHUFI64X2 $0x44, Z16, Z13, Z18 // w 1 3, hl 1 3
	VSHUFI64X2 $0xEE, Z14, Z12, Z19 // w 4 6, hl 4 6
	VSHUFI64X2 $0xEE, Z16, Z13, Z24 // w 5 7, hl 5 7
	VSHUFI64X2 $0x88, Z18, Z17, Z12 // records 0, 1
	VSHUFI64X2 $0xDD, Z18, Z17, Z13 // records 2, 3
	VSHUFI64X2 $0x88, Z24, Z19, Z14 // records 4, 5
	VSHUFI64X2 $0xDD, Z24, Z19, Z16 // records 6, 7
	VMOVDQU64 Z12, (BX)
	VMOVDQU64 Z13, 64(BX)
	VMOVDQU64 Z14, 128(BX)
	VMOVDQU64 Z16, 192(BX)
	ADDQ      $32, DI
	ADDQ      $256, BX
	DECQ      CX
	JNZ       memoblock

memodone:
	VZEROUPPER
	RET

// SMALLMATCH sets K1 to the lanes of the block (first words Z5, second words Z6, lengths Y2)
// that hold entry R14 of the smallSet at BX, and R8 to their number.
#define SMALLMATCH \
	VPCMPEQQ.BCST (BX)(R14*8), Z5, K1; \
	VPCMPEQQ.BCST 128(BX)(R14*8), Z6, K1, K1; \
	VPCMPEQD.BCST 256(BX)(R14*4), Y2, K1, K1; \
	KMOVB         K1, R8; \
	POPCNTL       R8, R8

// func smallHits(data *byte, base int, offs *int32, nb int, set *smallSet, xs *float64, d, dok int) (blocks, nx int)
//
// For addStrings' memo when it holds at most smallMax values: eight values per block, loaded as
// memoWords loads them (WORDS: first words Z5, second words Z6, lengths Y2), each compared with
// the set's entries in order (first word, second word and length equal: VPCMPEQQ/VPCMPEQD
// against the entry broadcast from memory), until every lane has matched one: each entry's
// matches are added to set.n, and for entries 0 … dok-1 (those with a number, when addStrings
// still gathers numbers) the number is put in the lanes it matched. A block whose eight values
// all matched then stores its numbers in lane order at xs (one store of eight, of which the
// first popcount are kept; the caller's xs has room for one number per value). A block with a
// value of no entry has its counts taken back, and the kernel stops before it. It returns the
// blocks done and the numbers written. smallSet: w0 at 0, w1 at 128, ln (uint32) at 256, x at
// 320, n at 448. Frame: WORDS' slow path.
TEXT ·smallHits(SB), NOSPLIT, $64-80
	MOVQ  data+0(FP), SI
	MOVQ  offs+16(FP), DI
	MOVQ  nb+24(FP), CX
	MOVQ  set+32(FP), BX
	MOVQ  xs+40(FP), DX
	MOVQ  dok+56(FP), R11 // d stays in the frame: WORDS' global read may clobber R15 (-dynlink)
	XORQ  AX, AX
	TESTQ CX, CX
	JLE   smalldone

	LOADINIT
	VMOVDQU64 numIdx<>+0(SB), Z22
	VMOVDQU64 numIdx<>+64(SB), Z23

smallblock:
	WORDS(Z22, Z23, smallslow, smallloaded)
	KXORB K4, K4, K4 // lanes matched
	KXORB K5, K5, K5 // lanes whose number goes to xs
	XORQ  R14, R14

smallentry:
	SMALLMATCH
	ADDQ          R8, 448(BX)(R14*8)
	KORB          K1, K4, K4
	CMPQ          R14, R11
	JAE           smallnext
	VBROADCASTSD  320(BX)(R14*8), K1, Z16
	KORB          K1, K5, K5

smallnext:
	INCQ     R14
	KORTESTB K4, K4
	JCS      smallall // every lane has matched
	CMPQ     R14, d+48(FP)
	JB       smallentry

	// A lane matched no entry: take the block's counts back and leave it to the caller.
	XORQ R14, R14

smallundo:
	SMALLMATCH
	SUBQ          R8, 448(BX)(R14*8)
	INCQ          R14
	CMPQ          R14, d+48(FP)
	JB            smallundo
	JMP           smalldone

smallall:
	TESTQ       R11, R11
	JZ          smallstored // no numbers to gather
	VCOMPRESSPD Z16, K5, Z16
	VMOVUPD     Z16, (DX)
	KMOVB       K5, R8
	POPCNTL     R8, R8
	LEAQ        (DX)(R8*8), DX

smallstored:
	ADDQ $32, DI
	INCQ AX
	DECQ CX
	JNZ  smallblock

smalldone:
	MOVQ AX, blocks+64(FP)
	SUBQ xs+40(FP), DX
	SHRQ $3, DX
	MOVQ DX, nx+72(FP)
	VZEROUPPER
	RET
