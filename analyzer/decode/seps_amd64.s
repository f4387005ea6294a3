//go:build amd64 && !purego

#include "textflag.h"

// sepsIota is 0, 1, …, 15: the byte offsets within a block of a quarter's sixteen lanes.
DATA sepsIota<>+0(SB)/8, $0x0000000100000000
DATA sepsIota<>+8(SB)/8, $0x0000000300000002
DATA sepsIota<>+16(SB)/8, $0x0000000500000004
DATA sepsIota<>+24(SB)/8, $0x0000000700000006
DATA sepsIota<>+32(SB)/8, $0x0000000900000008
DATA sepsIota<>+40(SB)/8, $0x0000000b0000000a
DATA sepsIota<>+48(SB)/8, $0x0000000d0000000c
DATA sepsIota<>+56(SB)/8, $0x0000000f0000000e
GLOBL sepsIota<>(SB), RODATA|NOPTR, $64

DATA sepsSixteen<>+0(SB)/4, $16
GLOBL sepsSixteen<>(SB), RODATA|NOPTR, $4

// QUARTER packs the positions of the set bits of a quarter's bitmap (the low 16 bits of r, the
// rest zero) at seps[k] and advances k (R8) by their count and Z5 to the next quarter.
#define QUARTER(r) \
	KMOVW       r, K2; \
	VPCOMPRESSD Z5, K2, Z6; \
	VMOVDQU32   Z6, (DI)(R8*4); \
	POPCNTL     r, r; \
	ADDQ        r, R8; \
	VPADDD      Z3, Z5, Z5

// func sepsAVX512(d *byte, blocks int, seps *int32, k, limit int, c0, c1 byte, expect *uint64, mods *int32, ph int) (next, done int, high, bad uint64)
//
// One 64-byte block per step: two byte compares give the block's bitmaps of c0 and c1 bytes in
// mask registers, and each 16-bit quarter of their union packs the positions of its set bits
// (VPCOMPRESSD of the quarter's sixteen positions, kept in Z5 and advanced by 16) into the low
// lanes of a register, stored whole at seps[k]; k advances by the quarter's population count.
// The stores write up to 16 entries past the positions, so a block is taken only while k ≤
// limit, which the caller sets to len(seps) - 64.
//
// The record check in the same step: PEXT of the c1 bitmap by the union gives, for the block's
// separators in order, which are c1 (line breaks); they must be exactly those whose index is a
// multiple of the row length, expect[ph] for the phase ph = k mod ncol (mods[x] = x mod ncol
// advances it). Mismatches among the block's separators are ORed into bad. No branch depends on
// the data.
TEXT ·sepsAVX512(SB), NOSPLIT, $0-104
	MOVQ         d+0(FP), SI
	MOVQ         blocks+8(FP), CX
	MOVQ         seps+16(FP), DI
	MOVQ         k+24(FP), R8
	MOVQ         limit+32(FP), R9
	VPBROADCASTB c0+40(FP), Z0
	VPBROADCASTB c1+41(FP), Z1
	MOVQ         expect+48(FP), R12
	MOVQ         mods+56(FP), R13
	MOVQ         ph+64(FP), R15
	VMOVDQU32    sepsIota<>(SB), Z5
	VPBROADCASTD sepsSixteen<>(SB), Z3
	VPXORQ       Z7, Z7, Z7
	XORQ         BX, BX
	XORQ         R14, R14

loop:
	CMPQ      BX, CX
	JGE       done
	CMPQ      R8, R9
	JGT       done
	PREFETCHT0 2048(SI) // the chunk comes from L3: the splitter read it on another core (BENCHMARKS.md, "Separators prefetched")
	VMOVDQU64 (SI), Z4
	VPORQ     Z4, Z7, Z7
	VPCMPEQB  Z0, Z4, K1
	VPCMPEQB  Z1, Z4, K2
	KORQ      K1, K2, K1
	KMOVQ     K1, AX

	// The check: which separators are line breaks, against which must be.
	KMOVQ   K2, R10
	PEXTQ   AX, R10, R10
	XORQ    (R12)(R15*8), R10
	POPCNTQ AX, R11
	BZHIQ   R11, R10, R10 // only the block's separators count
	ORQ     R10, R14
	ADDQ    R11, R15
	MOVLQZX (R13)(R15*4), R15

	MOVWLZX AX, DX
	QUARTER(DX)
	SHRQ    $16, AX
	MOVWLZX AX, DX
	QUARTER(DX)
	SHRQ    $16, AX
	MOVWLZX AX, DX
	QUARTER(DX)
	SHRQ    $16, AX
	QUARTER(AX)

	ADDQ $64, SI
	INCQ BX
	JMP  loop

done:
	VPMOVB2M Z7, K1
	KMOVQ    K1, AX
	MOVQ     R8, next+72(FP)
	MOVQ     BX, done+80(FP)
	MOVQ     AX, high+88(FP)
	MOVQ     R14, bad+96(FP)
	VZEROUPPER
	RET
