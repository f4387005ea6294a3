//go:build amd64 && !purego

#include "textflag.h"

// func fillRowsAsm(src, data *byte, seps, offs *int32, ncol, m, dn int) int
//
// fillSafe's loop (csvfast.go) in nine instructions a field, two fields an iteration: the
// compiled Go took seventeen (each address formed by its own LEAs). Field r: s = seps[r·ncol]
// (its separator, the field starts one after), e = seps[r·ncol+1]; the 16 bytes at src+s+1 go
// to data+dn, dn grows by e-s-1 and is stored to offs[r]. m ≥ 0.
TEXT ·fillRowsAsm(SB), NOSPLIT, $0-64
	MOVQ src+0(FP), SI
	MOVQ data+8(FP), DI
	MOVQ seps+16(FP), BX
	MOVQ offs+24(FP), DX
	MOVQ ncol+32(FP), CX
	SHLQ $2, CX                 // a row's stride in seps, in bytes
	MOVQ m+40(FP), R8
	MOVQ dn+48(FP), AX
	SUBQ $2, R8
	JLT  one

two:
	MOVLQSX (BX), R9            // the separator before the field
	MOVLQSX 4(BX), R10          // the one after
	MOVOU   1(SI)(R9*1), X0
	MOVOU   X0, (DI)(AX*1)
	SUBQ    R9, R10
	LEAQ    -1(AX)(R10*1), AX
	MOVL    AX, (DX)
	MOVLQSX (BX)(CX*1), R9
	MOVLQSX 4(BX)(CX*1), R10
	MOVOU   1(SI)(R9*1), X1
	MOVOU   X1, (DI)(AX*1)
	SUBQ    R9, R10
	LEAQ    -1(AX)(R10*1), AX
	MOVL    AX, 4(DX)
	LEAQ    (BX)(CX*2), BX
	ADDQ    $8, DX
	SUBQ    $2, R8
	JGE     two

one:
	CMPQ    R8, $-1
	JNE     done
	MOVLQSX (BX), R9
	MOVLQSX 4(BX), R10
	MOVOU   1(SI)(R9*1), X0
	MOVOU   X0, (DI)(AX*1)
	SUBQ    R9, R10
	LEAQ    -1(AX)(R10*1), AX
	MOVL    AX, (DX)

done:
	MOVQ AX, ret+56(FP)
	RET
