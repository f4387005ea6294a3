//go:build !amd64 || purego

package hll

var useAVX512 = false // no assembly here; a variable so that tests can set it as on amd64

func hashWordsAVX512(vs *uint64, n int, out *uint64, float, pack bool) { panic("unreachable") }
