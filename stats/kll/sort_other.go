//go:build !amd64 || purego

package kll

var useAVX512 = false // no assembly here; a variable so that tests can set it as on amd64

func partitionAVX512(src, dst []uint64, pivot uint64) int { panic("unreachable") }

func sort32AVX512(src, dst *uint64, n int) { panic("unreachable") }

func mergeAVX512(out, a, b *uint64, na, nb int, h *[8]uint64) (ia, ib int) { panic("unreachable") }

func toKeysAVX512(keys []uint64, xs []float64) { panic("unreachable") }

func fromEvenKeysAVX512(out []float64, keys []uint64) { panic("unreachable") }

func scanRunsAVX512(keys *uint64, n int, starts *[maxMergeRuns + 1]int, max int) (runs, equal, next int) {
	panic("unreachable")
}
