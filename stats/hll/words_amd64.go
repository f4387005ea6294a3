//go:build amd64 && !purego

package hll

import "golang.org/x/sys/cpu"

// useAVX512 selects packWordsAVX512 (VPMULLQ is AVX-512 DQ, VPLZCNTQ CD; BZHI is BMI2); tests
// turn it off to run the portable loop.
var useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512DQ && cpu.X86.HasAVX512CD && cpu.X86.HasBMI2

// packWordsAVX512 sets out[i] to Pack(HashInt64(vs[i])) (float: of HashFloat64 of their bits)
// for i < n.
//
//go:noescape
func packWordsAVX512(vs *uint64, n int, out *uint64, float bool)
