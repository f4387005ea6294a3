//go:build !amd64 || purego

package decode

var useAVX2 = false // no assembly here; a variable so that tests can set it as on amd64

var useAVX512 = false

func sepsAVX512(d *byte, blocks int, seps *int32, k, limit int, c0, c1 byte, expect *uint64, mods *int32, ph int) (next, done int, high, bad uint64) {
	panic("unreachable")
}

func byteMasksAVX2(b []byte, c0, c1 byte, m0, m1 []uint64) uint64 { panic("unreachable") }

func validityAVX2(offs *int32, valid *byte, blocks int) (set int, longest int32) {
	panic("unreachable")
}

func colSumsAVX512(m *int32, vecs int, acc *int64, period int) { panic("unreachable") }

func linesAVX512(b *byte, blocks int, prevLF, prevCR uint64) (lines, blank int, crs, quotes, lastLF, lastCR uint64) {
	panic("unreachable")
}

// useFillAsm is false: fillRows is fillSafe here.
var useFillAsm = false

// fillRows is fillSafe (no assembly here).
func fillRows(src, data *byte, seps, offs *int32, ncol, m, dn int) int {
	return fillSafe(src, data, seps, offs, ncol, m, dn)
}
