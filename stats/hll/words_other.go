//go:build !amd64 || purego

package hll

var useAVX512 = false // no assembly here; a variable so that tests can set it as on amd64

func packWordsAVX512(vs *uint64, n int, out *uint64, float bool) { panic("unreachable") }
