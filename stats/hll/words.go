package hll

import "unsafe"

// AddInt64s adds every value of vs as AddHash(HashInt64(v)) does, hashing eight at a time with
// AVX-512 (the kernel hands back the register updates, Pack) in batches on the stack.
func (s *Sketch) AddInt64s(vs []int64) { addWords(s, vs) }

// AddFloat64s adds every value of vs as AddHash(HashFloat64(v)) does (see AddInt64s).
func (s *Sketch) AddFloat64s(vs []float64) { addWords(s, vs) }

func addWords[T int64 | float64](s *Sketch, vs []T) {
	_, float := any(vs).([]float64)
	var ps [wordsBatch]uint64
	for len(vs) > 0 {
		part := vs[:min(len(vs), wordsBatch)]
		if useAVX512 {
			packWordsAVX512((*uint64)(unsafe.Pointer(unsafe.SliceData(part))), len(part), &ps[0], float)
		} else {
			switch part := any(part).(type) {
			case []int64:
				for i, v := range part {
					ps[i] = Pack(HashInt64(v))
				}
			case []float64:
				for i, v := range part {
					ps[i] = Pack(HashFloat64(v))
				}
			}
		}
		for _, p := range ps[:len(part)] {
			s.AddPacked(p)
		}
		vs = vs[len(part):]
	}
}

// wordsBatch is the number of values AddInt64s and AddFloat64s hash at a time (2 KiB on the
// stack).
const wordsBatch = 256
