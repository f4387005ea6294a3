//go:build !amd64 || purego

package decode

var useAVX2 = false // no assembly here; a variable so that tests can set it as on amd64

func byteMasksAVX2(b []byte, c0, c1 byte, m0, m1 []uint64) uint64 { panic("unreachable") }

func validityAVX2(offs *int32, valid *byte, blocks int) (set int, longest int32) {
	panic("unreachable")
}
