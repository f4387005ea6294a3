//go:build amd64 && !purego

#include "textflag.h"

// reverse8 is the VPERMQ index vector that reverses the eight qwords of a Z register.
DATA reverse8<>+0(SB)/8, $7
DATA reverse8<>+8(SB)/8, $6
DATA reverse8<>+16(SB)/8, $5
DATA reverse8<>+24(SB)/8, $4
DATA reverse8<>+32(SB)/8, $3
DATA reverse8<>+40(SB)/8, $2
DATA reverse8<>+48(SB)/8, $1
DATA reverse8<>+56(SB)/8, $0
GLOBL reverse8<>(SB), RODATA|NOPTR, $64

// partLow[c] is the mask of the low c lanes of eight (c = 0 … 8), as 16-bit words (KMOVW is
// AVX-512 F): the left store mask of a partition step with c keys below the pivot, loaded by
// index instead of computed with shifts.
DATA partLow<>+0(SB)/8, $0x0007000300010000
DATA partLow<>+8(SB)/8, $0x007f003f001f000f
DATA partLow<>+16(SB)/2, $0x00ff
GLOBL partLow<>(SB), RODATA|NOPTR, $18

// PERMUTEK1 leaves in Z3 the lanes of Z1 in mask K1 (the keys below the pivot) first and the
// others after them (partPerm at R14, by the mask) and in AX how many are in K1.
#define PERMUTEK1 \
	KMOVW     K1, AX              \
	VPMOVZXBQ (R14)(AX*8), Z2     \
	POPCNTL   AX, AX              \
	VPERMQ    Z1, Z2, Z3

// PERMUTE8 loads the eight keys at SI, compares them with the pivot (Z0) and permutes them
// (PERMUTEK1).
#define PERMUTE8 \
	VMOVDQU64 (SI), Z1            \
	VPCMPUQ   $1, Z0, Z1, K1      \
	PERMUTEK1

// ADVANCE8 moves the cursors past a step of eight keys, AX of them below the pivot: the left
// one up by AX keys, the right one down by 8 − AX, the source by eight.
#define ADVANCE8 \
	LEAQ (BX)(AX*8), BX           \
	SUBQ $8, AX                   \
	LEAQ (DX)(AX*8), DX           \
	ADDQ $64, SI                  \
	SUBQ $8, CX

// func partitionAVX512(src, dst []uint64, pivot uint64) int
//
// Eight keys per iteration: one unsigned compare with the broadcast pivot gives the lanes below
// it, which go to the left cursor, and the others, which go below the right cursor (it starts at
// the end of dst): one permutation of the eight keys (partPerm, by the compare mask) puts the
// lanes below the pivot first. While 16 keys are left the register is stored whole twice
// (loop16); the last 8–15 keys take masked stores, and the last len(src) mod 8 are loaded under
// a mask. No branch depends on the keys. The permutation replaced two VPCOMPRESSQ
// (BENCHMARKS.md, ninth session: the sorts 10–25 % faster; by uops.info's tables, not measured
// here, 2 port-5 operations a step instead of 4).
TEXT ·partitionAVX512(SB), NOSPLIT, $0-64
	MOVQ         src_base+0(FP), SI
	MOVQ         src_len+8(FP), CX
	MOVQ         dst_base+24(FP), DI
	VPBROADCASTQ pivot+48(FP), Z0
	LEAQ         (DI)(CX*8), DX // right cursor: keys ≥ pivot are stored below it
	MOVQ         DI, BX         // left cursor
	LEAQ         partLow<>(SB), R12
	LEAQ         ·partPerm(SB), R14

	// While 16 or more keys are left, one permutation (by the compare mask, from partPerm) puts
	// the lanes below the pivot first and the others after them, and the register is stored
	// whole twice: at the left cursor (its first c lanes count) and ending at the right cursor
	// (its last 8 − c lanes count). The other lanes land in the gap between the cursors, which
	// is at least 16 keys wide, so later stores overwrite them, and neither store reaches a key
	// already placed.
loop16:
	CMPQ        CX, $16
	JB          loop
	PERMUTE8
	VMOVDQU64   Z3, (BX)
	VMOVDQU64   Z3, -64(DX)
	ADVANCE8
	JMP         loop16

loop:
	// 8–15 keys left: the same permutation, stored under masks (the gap may be too narrow for
	// whole stores).
	CMPQ        CX, $8
	JB          tail
	PERMUTE8
	KMOVW       (R12)(AX*2), K3 // the AX low lanes
	KNOTW       K3, K4          // the others (bits 8–15 name no lane)
	VMOVDQU64   Z3, K3, (BX)
	VMOVDQU64   Z3, K4, -64(DX)
	ADVANCE8
	JMP         loop

tail:
	// The last CX < 8 keys, loaded under a mask: the gap is now exactly CX keys wide, and the
	// permutation puts the keys below the pivot first, then the other keys, then the empty
	// lanes, so one masked store fills it.
	TESTQ       CX, CX
	JZ          done
	MOVL        $1, AX
	SHLL        CX, AX
	DECL        AX
	KMOVW       AX, K3 // the CX lanes that hold keys
	VMOVDQU64.Z (SI), K3, Z1
	VPCMPUQ     $1, Z0, Z1, K3, K1
	PERMUTEK1
	VMOVDQU64   Z3, K3, (BX)
	LEAQ        (BX)(AX*8), BX

done:
	SUBQ       DI, BX
	SHRQ       $3, BX
	MOVQ       BX, ret+56(FP)
	VZEROUPPER
	RET

// STAGE is one compare-exchange stage of a bitonic network on the eight lanes of R: P is R with
// each lane's partner lane (a permutation), the lanes in mask K take the maximum of lane and
// partner, the others the minimum.
#define STAGE(R, P, T, K) \
	VPMINUQ P, R, T    \
	VPMAXUQ P, R, K, T \
	VMOVDQA64 T, R

// SORT8 sorts the eight lanes of R ascending (bitonic sort: partners at distances 1; 2, 1; 4, 2,
// 1 with the masks in K1 … K6), using P and T as temporaries.
#define SORT8(R, P, T) \
	VPSHUFD    $0x4e, R, P    \
	STAGE(R, P, T, K1)        \
	VPERMQ     $0x4e, R, P    \
	STAGE(R, P, T, K2)        \
	VPSHUFD    $0x4e, R, P    \
	STAGE(R, P, T, K3)        \
	MERGE8(R, P, T)

// MERGE8MASKS sets MERGE8's masks K4, K5, K6 (lanes taking the maximum at distances 4, 2, 1),
// using the GPR T.
#define MERGE8MASKS(T) \
	MOVW  $0xf0, T \
	KMOVW T, K4    \
	MOVW  $0xcc, T \
	KMOVW T, K5    \
	MOVW  $0xaa, T \
	KMOVW T, K6

// MERGE8 sorts the eight lanes of R ascending if they are bitonic (the last three stages).
#define MERGE8(R, P, T) \
	VSHUFI64X2 $0x4e, R, R, P \
	STAGE(R, P, T, K4)        \
	VPERMQ     $0x4e, R, P    \
	STAGE(R, P, T, K5)        \
	VPSHUFD    $0x4e, R, P    \
	STAGE(R, P, T, K6)

// MERGE16(A, B, T1, T2) sorts the sixteen lanes of A then B ascending if they are bitonic: a
// compare-exchange of the two registers (distance 8), then each register merged (MERGE8).
#define MERGE16(A, B, T1, T2) \
	VPMINUQ B, A, T1 \
	VPMAXUQ B, A, B  \
	VMOVDQA64 T1, A  \
	MERGE8(A, T1, T2) \
	MERGE8(B, T1, T2)

// SORT16(A, B, T1, T2) sorts the sixteen lanes of A then B ascending: each register sorted, B
// reversed (Z31 holds the reversing index), the lane-wise minimum in A and maximum in B (each
// bitonic), each merged.
#define SORT16(A, B, T1, T2) \
	SORT8(A, T1, T2)     \
	SORT8(B, T1, T2)     \
	VPERMQ  B, Z31, B    \
	VPMINUQ B, A, T1     \
	VPMAXUQ B, A, B      \
	VMOVDQA64 T1, A      \
	MERGE8(A, T1, T2)    \
	MERGE8(B, T1, T2)

// func sort32AVX512(src, dst *uint64, n int)
//
// Sorts the n ≤ 32 keys at src into dst (which may be src): the keys are loaded into four Z
// registers under masks over a fill of all ones (MaxUint64 sorts last), the first two and the
// last two are sorted as sixteen keys each (SORT16), and the two sixteens merged: the second
// reversed, lane-wise minima and maxima give the sixteen smallest and the sixteen largest keys
// as bitonic sequences, each merged (MERGE16). The first n lanes are stored. Up to sixteen keys
// are sorted by SORT16 alone, up to eight by SORT8.
TEXT ·sort32AVX512(SB), NOSPLIT, $0-24
	MOVQ src+0(FP), SI
	MOVQ dst+8(FP), DI
	MOVQ n+16(FP), CX

	// R8: the lanes of the 32 that hold keys, eight bits per register.
	MOVQ $1, R8
	SHLQ CX, R8
	DECQ R8

	MOVW  $0x66, R9
	KMOVW R9, K1
	MOVW  $0x3c, R9
	KMOVW R9, K2
	MOVW  $0x5a, R9
	KMOVW R9, K3
	MERGE8MASKS(R9)
	VMOVDQU64 reverse8<>(SB), Z31

	VPTERNLOGQ $0xff, Z1, Z1, Z1 // all ones
	VMOVDQA64  Z1, Z2
	VMOVDQA64  Z1, Z3
	VMOVDQA64  Z1, Z4
	MOVQ       R8, R9
	KMOVW      R9, K7 // KMOVW takes the low 16 bits; eight lanes use the low 8
	VMOVDQU64  (SI), K7, Z1
	CMPQ       CX, $8
	JLE        upto8
	SHRQ       $8, R9
	KMOVW      R9, K7
	VMOVDQU64  64(SI), K7, Z2
	CMPQ       CX, $16
	JLE        upto16
	SHRQ       $8, R9
	KMOVW      R9, K7
	VMOVDQU64  128(SI), K7, Z3
	SHRQ       $8, R9
	KMOVW      R9, K7
	VMOVDQU64  192(SI), K7, Z4

	SORT16(Z1, Z2, Z5, Z6)
	SORT16(Z3, Z4, Z7, Z8)

	// Merge: (Z1, Z2) against (Z3, Z4) reversed, which is (rev Z4, rev Z3).
	VPERMQ  Z4, Z31, Z4
	VPERMQ  Z3, Z31, Z3
	VPMINUQ Z4, Z1, Z5 // lo1
	VPMAXUQ Z4, Z1, Z6 // hi1
	VPMINUQ Z3, Z2, Z7 // lo2
	VPMAXUQ Z3, Z2, Z8 // hi2
	MERGE16(Z5, Z7, Z1, Z2)
	MERGE16(Z6, Z8, Z3, Z4)

	KMOVW     R8, K7
	VMOVDQU64 Z5, K7, (DI)
	SHRQ      $8, R8
	KMOVW     R8, K7
	VMOVDQU64 Z7, K7, 64(DI)
	SHRQ      $8, R8
	KMOVW     R8, K7
	VMOVDQU64 Z6, K7, 128(DI)
	SHRQ      $8, R8
	KMOVW     R8, K7
	VMOVDQU64 Z8, K7, 192(DI)
	VZEROUPPER
	RET

	// Most partitions quickSort leaves are well under 32 keys: eight or sixteen take a smaller
	// network.
upto16:
	SORT16(Z1, Z2, Z5, Z6)
	KMOVW     R8, K7
	VMOVDQU64 Z1, K7, (DI)
	SHRQ      $8, R8
	KMOVW     R8, K7
	VMOVDQU64 Z2, K7, 64(DI)
	VZEROUPPER
	RET

upto8:
	SORT8(Z1, Z5, Z6)
	KMOVW     R8, K7
	VMOVDQU64 Z1, K7, (DI)
	VZEROUPPER
	RET

// evens is the VPERMT2Q index vector that picks lanes 0, 2, …, 14 of a pair of Z registers.
DATA evens<>+0(SB)/8, $0
DATA evens<>+8(SB)/8, $2
DATA evens<>+16(SB)/8, $4
DATA evens<>+24(SB)/8, $6
DATA evens<>+32(SB)/8, $8
DATA evens<>+40(SB)/8, $10
DATA evens<>+48(SB)/8, $12
DATA evens<>+56(SB)/8, $14
GLOBL evens<>(SB), RODATA|NOPTR, $64

// func toKeysAVX512(keys []uint64, xs []float64)
//
// keys[i] = javaKey(xs[i]) for the first len(xs) &^ 7 values, eight per iteration: NaN lanes
// replaced by canonicalNaN's bits, then bits ^ (bits >> 63 (arithmetic) | signBit) in one
// VPTERNLOGQ (truth table 0x1e: A ^ (B | C)).
TEXT ·toKeysAVX512(SB), NOSPLIT, $0-48
	MOVQ         keys_base+0(FP), DI
	MOVQ         xs_base+24(FP), SI
	MOVQ         xs_len+32(FP), CX
	SHRQ         $3, CX
	JZ           tkdone
	MOVQ         $0x8000000000000000, AX
	VPBROADCASTQ AX, Z30
	MOVQ         $0x7ff8000000000000, AX
	VPBROADCASTQ AX, Z31

tkloop:
	VMOVUPD    (SI), Z1
	VCMPPD     $3, Z1, Z1, K1 // unordered with itself: NaN
	VPBLENDMQ  Z31, Z1, K1, Z1
	VPSRAQ     $63, Z1, Z2
	VPTERNLOGQ $0x1e, Z30, Z2, Z1
	VMOVDQU64  Z1, (DI)
	ADDQ       $64, SI
	ADDQ       $64, DI
	DECQ       CX
	JNZ        tkloop

tkdone:
	VZEROUPPER
	RET

// func fromEvenKeysAVX512(out []float64, keys []uint64)
//
// out[i] = fromJavaKey(keys[2i]) for the first len(out) &^ 7 values (len(keys) ≥ 2·that), eight
// per iteration: the even lanes of sixteen keys by VPERMT2Q, then k ^ (^(k >> 63 (arithmetic)) |
// signBit) in one VPTERNLOGQ (truth table 0x4b: A ^ (^B | C)).
TEXT ·fromEvenKeysAVX512(SB), NOSPLIT, $0-48
	MOVQ         out_base+0(FP), DI
	MOVQ         out_len+8(FP), CX
	MOVQ         keys_base+24(FP), SI
	SHRQ         $3, CX
	JZ           fkdone
	MOVQ         $0x8000000000000000, AX
	VPBROADCASTQ AX, Z30
	VMOVDQU64    evens<>(SB), Z29

fkloop:
	VMOVDQU64  (SI), Z1
	VMOVDQU64  64(SI), Z2
	VPERMT2Q   Z2, Z29, Z1
	VPSRAQ     $63, Z1, Z3
	VPTERNLOGQ $0x4b, Z30, Z3, Z1
	VMOVDQU64  Z1, (DI)
	ADDQ       $128, SI
	ADDQ       $64, DI
	DECQ       CX
	JNZ        fkloop

fkdone:
	VZEROUPPER
	RET

// func scanRunsAVX512(keys *uint64, n int, starts *[maxMergeRuns + 1]int, max int) (runs, equal, next int)
//
// sortKeys' run count, eight keys a step: from i = 1, in whole blocks of eight while i+8 ≤ n,
// VPCMPUQ of keys[i…i+7] with keys[i-1…i+6] gives the descents (a key below the one before
// starts a run: starts[runs] = i, runs++) and the equal neighbours (counted). It stops after
// the block in which runs exceeds max (then equal is partial), or before the first block that
// would pass n, and returns runs (from 1), equal and the next i for the caller's scalar loop.
TEXT ·scanRunsAVX512(SB), NOSPLIT, $0-56
	MOVQ keys+0(FP), SI
	MOVQ n+8(FP), CX
	MOVQ starts+16(FP), DI
	MOVQ max+24(FP), R8
	MOVQ $1, AX  // runs
	XORQ BX, BX  // equal
	MOVQ $1, DX  // i

scanloop:
	LEAQ      8(DX), R9
	CMPQ      R9, CX
	JA        scandone
	VMOVDQU64 (SI)(DX*8), Z0
	VMOVDQU64 -8(SI)(DX*8), Z1
	VPCMPUQ   $1, Z1, Z0, K1 // keys[i+j] < keys[i+j-1]: a descent
	VPCMPUQ   $0, Z1, Z0, K2 // equal neighbours
	KMOVW     K2, R10 // KMOVW (AVX-512 F): the eight-lane compares leave the upper bits zero
	POPCNTL   R10, R10
	ADDQ      R10, BX
	KMOVW     K1, R10
	TESTL     R10, R10
	JNZ       descents
	MOVQ      R9, DX
	JMP       scanloop

descents:
	TZCNTL R10, R11
	ADDQ   DX, R11
	MOVQ   R11, (DI)(AX*8)
	INCQ   AX
	CMPQ   AX, R8
	JA     stop
	BLSRL  R10, R10
	JNZ    descents
	MOVQ   R9, DX
	JMP    scanloop

stop:
	MOVQ R9, DX

scandone:
	MOVQ AX, runs+32(FP)
	MOVQ BX, equal+40(FP)
	MOVQ DX, next+48(FP)
	VZEROUPPER
	RET

// func mergeAVX512(out, a, b *uint64, na, nb int, h *[8]uint64) (ia, ib int)
//
// Merges the ascending runs a (na ≥ 8 keys) and b (nb ≥ 8) eight keys at a time, without a
// branch on the keys: H holds the eight largest keys read so far (at first b's first eight);
// each step reverses the next block of eight, takes the lane-wise minima and maxima with H
// (two bitonic sequences), sorts each (MERGE8), stores the minima at out and keeps the maxima
// as H. The next block comes from the run whose next key is smaller (CMOV), as long as both
// runs have eight keys left; then H goes to h, and the caller merges h with a[ia:] and b[ib:]
// into out[ia+ib-8:]. The chain from one step to the next runs through H only (a reversal, a
// compare-exchange and MERGE8's three stages).
TEXT ·mergeAVX512(SB), NOSPLIT, $0-64
	MOVQ out+0(FP), DI
	MOVQ a+8(FP), SI
	MOVQ b+16(FP), DX
	MOVQ na+24(FP), R10
	MOVQ nb+32(FP), R11

	MERGE8MASKS(AX)
	VMOVDQU64 reverse8<>(SB), Z31

	VMOVDQU64 (SI), Z1 // the next block: a's first eight
	VMOVDQU64 (DX), Z2 // H: b's first eight
	MOVQ      $8, R8   // ia
	MOVQ      $8, R9   // ib

mergeloop:
	VPERMQ    Z1, Z31, Z1
	VPMINUQ   Z1, Z2, Z3
	VPMAXUQ   Z1, Z2, Z2
	MERGE8(Z2, Z4, Z5)
	MERGE8(Z3, Z6, Z7)
	VMOVDQU64 Z3, (DI)
	ADDQ      $64, DI

	MOVQ      R10, AX
	SUBQ      R8, AX
	CMPQ      AX, $8
	JLT       mergedone
	MOVQ      R11, AX
	SUBQ      R9, AX
	CMPQ      AX, $8
	JLT       mergedone
	LEAQ      (SI)(R8*8), AX // &a[ia]
	LEAQ      (DX)(R9*8), BX // &b[ib]
	MOVQ      (AX), CX
	XORL      R12, R12
	CMPQ      CX, (BX)
	SETHI     R12B           // 1: b's next key is the smaller
	CMOVQHI   BX, AX
	VMOVDQU64 (AX), Z1
	SHLQ      $3, R12
	ADDQ      R12, R9        // ib += 8 (from b)
	SUBQ      R12, R8
	ADDQ      $8, R8         // ia += 8 (from a)
	JMP       mergeloop

mergedone:
	MOVQ      h+40(FP), AX
	VMOVDQU64 Z2, (AX)
	MOVQ      R8, ia+48(FP)
	MOVQ      R9, ib+56(FP)
	VZEROUPPER
	RET
