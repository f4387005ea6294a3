//go:build amd64 && !purego

package stats

import "golang.org/x/sys/cpu"

// useBlockKernels selects the kernels of numblock_amd64.s and numstats_amd64.s: numBlocks for
// addStrings' numeric loop, memoWords for the memo's keys, statsOcto for the numbers'
// statistics; tests turn it off to run the per-value code. The kernels need AVX-512 F, BW, DQ
// and VL (byte masks, qword products, unsigned conversions and VRANGEPD on any register width),
// CD (VPLZCNTQ), BITALG (VPOPCNTW) and BMI2 (BZHI).
var useBlockKernels = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ &&
	cpu.X86.HasAVX512VL && cpu.X86.HasAVX512CD && cpu.X86.HasAVX512BITALG && cpu.X86.HasBMI2

// blockVBMI lets numBlocks and memoWords load a block's values with one load and VPERMB
// (AVX-512 VBMI) when they span at most 64 bytes; tests turn it off to run the per-value loads.
var blockVBMI = cpu.X86.HasAVX512VBMI

// numBlocks casts and hashes nb blocks of eight values of a string array: value i is
// data[offs[i]-base : offs[i+1]-base], i < 8·nb. For every value of at most 16 bytes hs[i] is
// hll.Pack(hll.HashString(v)), its HyperLogLog update (hll.Sketch.AddPacked); for every plain value (-?[0-9]+(\.[0-9]+)?, at most 15 bytes besides
// the point) xs[i] is the number dtype.Parse returns, if cast is set (without it masks has bits 0–7 only and xs, not written, may be nil). ws is scratch for nb blocks. masks[b] describes block b: bits 0–7 its
// values longer than 16 bytes (hash not computed), 8–15 its plain values, 16–23 its plain values
// with a point (Fractional; the others Integral). Other values' xs are unspecified.
//
//go:noescape
func numBlocks(data *byte, base int, offs *int32, nb int, hs *uint64, xs *float64, masks *uint32, ws *[3][8]uint64, cast bool)

// memoWords sets, for each value i of nb blocks of eight (as numBlocks takes them), out[i][0]
// and out[i][1] to its bytes as addStrings' memo keys them (two little-endian words, zero past
// the value; only the first 16 bytes of a longer one), out[i][2] to memoHash of them and
// out[i][3] to its length.
//
//go:noescape
func memoWords(data *byte, base int, offs *int32, nb int, out *[4]uint64)

// statsOcto adds xs[c][0 … k-1] to st[c] for the eight columns c, exactly as k calls of
// numStats.add per column do (the same operations in the same order), with the columns' states
// in registers, two columns to a register (both lanes of each instruction): the Go loop
// (addPendingQuad) keeps them on the stack, and every step of a column's division chain then
// waits on a store and a reload. It needs AVX-512 F, DQ (VRANGEPD) and VL (the upper sixteen
// registers), which useBlockKernels implies. k ≥ 0.
//
//go:noescape
func statsOcto(st *[8]numStats, xs *[8]*float64, k int)

// smallHits counts the values of nb blocks of eight (as memoWords takes them) that are all among
// set's d entries (smallSet), block by block, stopping before the first block with another
// value; see numblock_amd64.s. It returns the blocks done and the numbers written to xs.
//
//go:noescape
func smallHits(data *byte, base int, offs *int32, nb int, set *smallSet, xs *float64, d, dok int) (blocks, nx int)
