package stats

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/cpu"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/stats/dtype"
	"github.com/driftwatch/driftwatch/stats/hll"
)

// numBlockValue returns a random value of one of the shapes numBlocks must tell apart: plain
// integers and decimals of every length up to and past its limits (16 bytes, 15 digits), and
// values a byte away from plain.
func numBlockValue(r *rand.Rand) string {
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		if n > 1 && r.IntN(3) > 0 {
			b[0] = byte('1' + r.IntN(9))
		}
		return string(b)
	}
	sign := func() string {
		if r.IntN(3) == 0 {
			return "-"
		}
		return ""
	}
	switch r.IntN(12) {
	case 0, 1, 2:
		return sign() + digits(1+r.IntN(17))
	case 3, 4, 5:
		return sign() + digits(1+r.IntN(9)) + "." + digits(1+r.IntN(9))
	case 6:
		return [...]string{"-0", "0", "-0.0", "0.0", "-0.000", "00", "-00.0", "5.", ".5", "-.5", "-", "", ".",
			"1..2", "1.2.3", "+5", " 5", "5 ", "1e5", "1.5e-3", "--5", "5-", "-5-", "1-2", "abc", "true",
			"NaN", "-Infinity", "1,5", "1_000", "١٢", "9007199254740993", "999999999999999", "-999999999999999",
			"0.00000000000001", "99999999.9999999", "1234567890123456", "-1234567890.12345"}[r.IntN(38)]
	case 7:
		// A plain value with one byte replaced by a non-digit, or one byte dropped.
		v := []byte(sign() + digits(1+r.IntN(7)) + "." + digits(1+r.IntN(7)))
		i := r.IntN(len(v))
		if r.IntN(2) == 0 {
			v[i] = "-.+ e,x/:"[r.IntN(9)]
		} else {
			v = append(v[:i], v[i+1:]...)
		}
		return string(v)
	case 8:
		// Exactly 15 or 16 bytes, or past 16.
		return sign() + digits(r.IntN(3)+14) + "." + digits(1+r.IntN(3))
	case 9:
		return strconv.FormatFloat(r.NormFloat64()*math.Pow(10, float64(r.IntN(12)-4)), 'f', r.IntN(8), 64)
	case 10:
		return strings.Repeat(digits(1+r.IntN(4)), 1+r.IntN(8))
	default:
		return string([]byte{byte(r.IntN(256)), byte(r.IntN(256))})[:r.IntN(3)]
	}
}

// checkNumBlocks runs numBlocks over the values laid out in data (value i at
// data[offs[i]-base : offs[i+1]-base]) and compares every outcome with dtype.Parse and
// hll.Pack(hll.HashString).
func checkNumBlocks(t *testing.T, data []byte, base int, offs []int32, vals []string) {
	t.Helper()
	nb := len(vals) / 8
	if nb == 0 {
		return
	}
	hs := make([]uint64, 8*nb)
	xs := make([]float64, 8*nb)
	masks := make([]uint32, nb)
	numBlocks(&data[0], base, &offs[0], nb, &hs[0], &xs[0], &masks[0], &make([][3][8]uint64, nb)[0], true)
	// Without the casts: the same hashes and long-value bits, no other bits.
	hs2, masks2 := make([]uint64, 8*nb), make([]uint32, nb)
	numBlocks(&data[0], base, &offs[0], nb, &hs2[0], nil, &masks2[0], &make([][3][8]uint64, nb)[0], false)
	for b := range masks {
		if masks2[b] != masks[b]&0xff {
			t.Errorf("block %d without casts: masks %#x, want %#x", b, masks2[b], masks[b]&0xff)
		}
		for j := 8 * b; j < 8*b+8; j++ {
			if masks[b]>>(j%8)&1 == 0 && hs2[j] != hs[j] {
				t.Errorf("%q without casts: packed hash %#x, want %#x", vals[j], hs2[j], hs[j])
			}
		}
	}
	for i, v := range vals[:8*nb] {
		m, bit := masks[i/8], uint32(1)<<(i%8)
		long, plain, frac := m&bit != 0, m>>8&bit != 0, m>>16&bit != 0
		if long != (len(v) > 16) {
			t.Errorf("%q: long %v", v, long)
		}
		if !long && hs[i] != hll.Pack(hll.HashString(v)) {
			t.Errorf("%q: packed hash %#x, want %#x", v, hs[i], hll.Pack(hll.HashString(v)))
		}
		k, x, ok := dtype.Parse(v)
		// Plain: the shape, at most 15 bytes besides the point.
		want := len(v) <= 16 && strings.Count(v, ".") <= 1 && strings.TrimLeft(strings.TrimPrefix(v, "-"), "0123456789.") == ""
		if want {
			intPart, fracPart, dot := strings.Cut(strings.TrimPrefix(v, "-"), ".")
			want = intPart != "" && (!dot || fracPart != "") && len(v)-strings.Count(v, ".") <= 15
		}
		if plain != want {
			t.Errorf("%q: plain %v, want %v", v, plain, want)
			continue
		}
		if !plain {
			continue
		}
		if !ok || (k == dtype.Fractional) != frac || (k != dtype.Fractional && k != dtype.Integral) {
			t.Errorf("%q: plain (frac %v), Parse says %v ok %v", v, frac, k, ok)
		}
		if math.Float64bits(xs[i]) != math.Float64bits(x) {
			t.Errorf("%q: %v (%#x), Parse %v (%#x)", v, xs[i], math.Float64bits(xs[i]), x, math.Float64bits(x))
		}
	}
}

// blockValues returns 8 … 8·maxBlocks values of numBlockValue's shapes, a whole number of
// blocks of eight.
func blockValues(r *rand.Rand, maxBlocks int) []string {
	vals := make([]string, 8*(1+r.IntN(maxBlocks)))
	for i := range vals {
		vals[i] = numBlockValue(r)
	}
	return vals
}

// layout packs vals after pad bytes of junk into one buffer with Arrow-style offsets starting at
// base.
func layout(vals []string, pad, base int) ([]byte, []int32) {
	data := []byte(strings.Repeat("7", pad))
	offs := []int32{int32(base)}
	for _, v := range vals {
		data = append(data, v...)
		offs = append(offs, int32(base+len(data)-pad))
	}
	return data[pad:], offs
}

func TestNumBlocks(t *testing.T) {
	if !useBlockKernels {
		t.Skip("numBlocks needs AVX-512 F/BW/DQ/VL, BITALG and BMI2, which this processor lacks")
	}
	defer func(was bool) { blockVBMI = was }(blockVBMI)
	for _, vbmi := range []bool{false, blockVBMI} {
		// Both ways of loading a block: one load spread with VPERMB (blocks of at most 64
		// bytes: the short values below) and a load per value.
		blockVBMI = vbmi
		r := rand.New(rand.NewPCG(1, 2))
		for round := range 300 {
			vals := blockValues(r, 40)
			if round%2 == 0 {
				vals = shortValues(r, vals)
			}
			data, offs := layout(vals, r.IntN(20), r.IntN(1000))
			if len(data) == 0 {
				continue
			}
			t.Run(fmt.Sprintf("vbmi=%v/%d", vbmi, round), func(t *testing.T) { checkNumBlocks(t, data, int(offs[0]), offs, vals) })
		}
	}
}

// shortValues cuts vals to at most 8 bytes each (or empties them), so that most blocks of eight
// span at most 64 bytes, some exactly 64.
func shortValues(r *rand.Rand, vals []string) []string {
	for i, v := range vals {
		if n := r.IntN(9); n < len(v) {
			vals[i] = v[:n]
		}
	}
	return vals
}

// FuzzNumBlocks: the input's lines are the values (padded to a multiple of eight with the
// first ones), checked as TestNumBlocks checks them.
func FuzzNumBlocks(f *testing.F) {
	if !useBlockKernels {
		f.Skip("numBlocks needs AVX-512 F/BW/DQ/VL, BITALG and BMI2, which this processor lacks")
	}
	for _, seed := range []string{"1\n-2.5\n0.000\n-0\n5.\n.5\n1e3\nabc", "123456789012345\n1234567890123456\n-99.99\n\n\n7"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		vals := strings.Split(in, "\n")
		for i := 0; len(vals)%8 != 0; i++ {
			vals = append(vals, vals[i])
		}
		data, offs := layout(vals, 3, 5)
		if len(data) == 0 {
			return
		}
		checkNumBlocks(t, data, 5, offs, vals)
	})
}

// BenchmarkNumBlocks: the kernel alone on 4,096 plain decimals and integers of 1–8 digits.
func BenchmarkNumBlocks(b *testing.B) {
	if !useBlockKernels {
		b.Skip("numBlocks needs AVX-512 F/BW/DQ/VL, BITALG and BMI2, which this processor lacks")
	}
	r := rand.New(rand.NewPCG(5, 6))
	vals := make([]string, 4096)
	for i := range vals {
		if i%2 == 0 {
			vals[i] = strconv.FormatFloat(r.NormFloat64()*20000+35000, 'f', 2, 64)
		} else {
			vals[i] = strconv.Itoa(r.IntN(1e8))
		}
	}
	data, offs := layout(vals, 0, 0)
	const batch = 32
	hs := make([]uint64, 8*batch)
	xs := make([]float64, 8*batch)
	masks := make([]uint32, batch)
	ws := make([][3][8]uint64, batch)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		for i := 0; i < len(vals); i += 8 * batch {
			numBlocks(&data[0], 0, &offs[i], batch, &hs[0], &xs[0], &masks[0], &ws[0], true)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vals)), "ns/value")
}

// BenchmarkNumberColumn: Column.Add of 64 Ki decimals to a column whose category counts were
// dropped (addStrings' numeric loop, then the moments and the KLL sketch), per value loop and
// eight at a time.
func BenchmarkNumberColumn(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 8))
	vals := make([]*string, 64<<10)
	size := 0
	for i := range vals {
		vals[i] = s(strconv.FormatFloat(r.NormFloat64()*20000+35000, 'f', 2, 64))
		size += len(*vals[i])
	}
	arr := stringArray(vals)
	defer arr.Release()
	for _, blocks := range []bool{false, true} {
		if blocks && !useBlockKernels {
			continue
		}
		b.Run(fmt.Sprintf("blocks=%v", blocks), func(b *testing.B) {
			defer func(was bool) { useBlockKernels = was }(useBlockKernels)
			useBlockKernels = blocks
			c := NewColumn("income")
			c.DropCategories()
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				c.Add(arr)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(vals)), "ns/value")
		})
	}
}

// BenchmarkTypedColumn: Column.Add of 64 Ki int64s without nulls (hashTyped, then the moments
// and the KLL sketch).
func BenchmarkTypedColumn(b *testing.B) {
	r := rand.New(rand.NewPCG(9, 10))
	ib := array.NewInt64Builder(memory.DefaultAllocator)
	for range 64 << 10 {
		ib.Append(r.Int64N(1e9))
	}
	arr := ib.NewArray()
	defer arr.Release()
	c := NewColumn("id")
	c.DropCategories()
	b.SetBytes(8 << 16)
	b.ReportAllocs()
	for b.Loop() {
		c.Add(arr)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N<<16), "ns/value")
}

// TestMemoWords: memoWords' words and hashes against the value's bytes zero-padded to sixteen
// and memoHash, for values of up to sixteen bytes laid out at random offsets.
func TestMemoWords(t *testing.T) {
	if !useBlockKernels {
		t.Skip("memoWords needs AVX-512 F/BW/DQ/VL and BMI2, which this processor lacks")
	}
	defer func(was bool) { blockVBMI = was }(blockVBMI)
	r := rand.New(rand.NewPCG(13, 13))
	for round := range 400 {
		blockVBMI = round%2 == 1 && useBlockKernels && cpu.X86.HasAVX512VBMI
		vals := blockValues(r, 20)
		if round%4 < 2 {
			vals = shortValues(r, vals)
		}
		data, offs := layout(vals, r.IntN(20), r.IntN(1000))
		if len(data) == 0 {
			continue
		}
		out := make([][4]uint64, len(vals)/8*8)
		memoWords(&data[0], int(offs[0]), &offs[0], len(out)/8, &out[0])
		for i, v := range vals[:len(out)] {
			var b [16]byte
			copy(b[:], v)
			w0, w1 := binary.LittleEndian.Uint64(b[:]), binary.LittleEndian.Uint64(b[8:])
			want := [4]uint64{w0, w1, memoHash(w0, w1), uint64(len(v))}
			if out[i] != want {
				t.Fatalf("%q (value %d): record %#x, want %#x", v, i, out[i], want)
			}
		}
	}
}

// TestSmallSetLayout: smallHits reads smallSet at fixed offsets (numblock_amd64.s).
func TestSmallSetLayout(t *testing.T) {
	var s smallSet
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"w0", unsafe.Offsetof(s.w0), 0}, {"w1", unsafe.Offsetof(s.w1), 128},
		{"ln", unsafe.Offsetof(s.ln), 256}, {"x", unsafe.Offsetof(s.x), 320},
		{"n", unsafe.Offsetof(s.n), 448},
	} {
		if f.got != f.want {
			t.Errorf("smallSet.%s at offset %d, the assembly reads it at %d", f.name, f.got, f.want)
		}
	}
}
