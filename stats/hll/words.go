package hll

import "unsafe"

// HashInt64s sets out[i] = HashInt64(vs[i]) for every i < len(vs) (len(out) ≥ len(vs)): eight
// at a time with AVX-512, for the columns of a typed array.
func HashInt64s(vs []int64, out []uint64) {
	out = out[:len(vs)]
	if useAVX512 && len(vs) > 0 {
		hashWordsAVX512((*uint64)(unsafe.Pointer(unsafe.SliceData(vs))), len(vs), unsafe.SliceData(out), false)
		return
	}
	for i, v := range vs {
		out[i] = HashInt64(v)
	}
}

// HashFloat64s sets out[i] = HashFloat64(vs[i]) for every i < len(vs) (len(out) ≥ len(vs)).
func HashFloat64s(vs []float64, out []uint64) {
	out = out[:len(vs)]
	if useAVX512 && len(vs) > 0 {
		hashWordsAVX512((*uint64)(unsafe.Pointer(unsafe.SliceData(vs))), len(vs), unsafe.SliceData(out), true)
		return
	}
	for i, v := range vs {
		out[i] = HashFloat64(v)
	}
}
