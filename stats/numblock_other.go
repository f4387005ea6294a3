//go:build !amd64 || purego

package stats

var useBlockKernels = false // no assembly here; a variable so that tests can set it as on amd64

func numBlocks(data *byte, base int, offs *int32, nb int, hs *uint64, xs *float64, masks *uint32, ws *[3][8]uint64, cast bool) {
	panic("unreachable")
}

func memoWords(data *byte, base int, offs *int32, nb int, out *[4]uint64) { panic("unreachable") }

func statsOcto(st *[8]numStats, xs *[8]*float64, k int) { panic("unreachable") }

// blockVBMI is false: no assembly here (a variable so that tests can set it as on amd64).
var blockVBMI = false

func smallHits(data *byte, base int, offs *int32, nb int, set *smallSet, xs *float64, d, dok int) (blocks, nx int) {
	panic("unreachable")
}
