//go:build amd64 && !purego

#include "textflag.h"

// func linesAVX512(b *byte, blocks int, prevLF, prevCR uint64) (lines, blank int, crs, quotes, lastLF, lastCR uint64)
//
// csvLines' word arithmetic on bitmaps made in mask registers, one 64-byte block per step, with
// a third class: the quotes, which csvLines' caller must not pass over. Per block: l, c and q
// the bitmaps of line feeds, carriage returns and quotes; a line feed ends a blank line when the
// byte before it is a line feed (l1), or a carriage return (c1) preceded by one (l2), the bytes
// before the block coming from the previous block's bitmaps (prevLF, prevCR).
TEXT ·linesAVX512(SB), NOSPLIT, $0-80
	MOVQ  b+0(FP), SI
	MOVQ  blocks+8(FP), CX
	MOVQ  prevLF+16(FP), R10
	MOVQ  prevCR+24(FP), R11
	MOVL  $0x0a, AX
	VPBROADCASTB AX, Z0
	MOVL  $0x0d, AX
	VPBROADCASTB AX, Z1
	MOVL  $0x22, AX
	VPBROADCASTB AX, Z2
	XORQ  R12, R12 // lines
	XORQ  R13, R13 // blank lines
	XORQ  R14, R14 // carriage returns seen
	XORQ  R15, R15 // quotes seen
	TESTQ CX, CX
	JZ    done

loop:
	VMOVDQU64 (SI), Z4
	VPCMPEQB  Z0, Z4, K1
	VPCMPEQB  Z1, Z4, K2
	VPCMPEQB  Z2, Z4, K3
	KMOVQ     K1, AX // l
	KMOVQ     K2, BX // c
	KMOVQ     K3, DX
	ORQ       DX, R15
	ORQ       BX, R14

	MOVQ AX, R8 // l1 = l<<1 | prevLF>>63
	SHLQ $1, R8
	MOVQ R10, R9
	SHRQ $63, R9
	ORQ  R9, R8
	MOVQ BX, R9 // c1 = c<<1 | prevCR>>63
	SHLQ $1, R9
	MOVQ R11, DI
	SHRQ $63, DI
	ORQ  DI, R9
	MOVQ AX, DI // l2 = l<<2 | prevLF>>62
	SHLQ $2, DI
	SHRQ $62, R10
	ORQ  R10, DI
	ANDQ DI, R9
	ORQ  R9, R8
	ANDQ AX, R8 // the line feeds that end blank lines

	POPCNTQ R8, R8
	ADDQ    R8, R13
	POPCNTQ AX, R9
	ADDQ    R9, R12
	MOVQ    AX, R10
	MOVQ    BX, R11
	ADDQ    $64, SI
	DECQ    CX
	JNZ     loop

done:
	MOVQ R12, lines+32(FP)
	MOVQ R13, blank+40(FP)
	MOVQ R14, crs+48(FP)
	MOVQ R15, quotes+56(FP)
	MOVQ R10, lastLF+64(FP)
	MOVQ R11, lastCR+72(FP)
	VZEROUPPER
	RET
