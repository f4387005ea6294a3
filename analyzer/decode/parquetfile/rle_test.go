package parquetfile

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

// naiveHybrid encodes values with the RLE / bit-packed hybrid the slow, obvious way (the oracle
// for the decoder): runs of 8 or more equal values as RLE runs, everything else bit-packed in
// groups of 8, one bit at a time, least significant first, the groups between two RLE runs in one
// bit-packed run (as writers do). Bit-packed runs are padded with zeros to whole groups.
func naiveHybrid(values []int32, width uint) []byte {
	var out, packed []byte
	groups := 0
	put := func(v uint64) { out = binary.AppendUvarint(out, v) }
	flush := func() {
		if groups > 0 {
			put(uint64(groups)<<1 | 1)
			out = append(out, packed...)
		}
		packed, groups = packed[:0], 0
	}
	for i := 0; i < len(values); {
		j := i
		for j < len(values) && values[j] == values[i] {
			j++
		}
		if j-i >= 8 {
			flush()
			put(uint64(j-i) << 1)
			for b := range int(width+7) / 8 {
				out = append(out, byte(uint32(values[i])>>(8*b)))
			}
			i = j
			continue
		}
		// one bit-packed group of 8 (padded at the end)
		group := make([]int32, 8)
		copy(group, values[i:min(i+8, len(values))])
		bits := make([]byte, width) // 8 values * width bits = width bytes
		pos := 0
		for _, v := range group {
			for b := range width {
				if uint32(v)>>b&1 == 1 {
					bits[pos/8] |= 1 << (pos % 8)
				}
				pos++
			}
		}
		packed = append(packed, bits...)
		groups++
		i += 8
	}
	flush()
	return out
}

// TestRLEDecoderAgainstNaive decodes every bit width with runs and packed groups of random
// lengths, read back in requests of random sizes that cut across runs.
func TestRLEDecoderAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for width := uint(0); width <= 32; width++ {
		values := make([]int32, 0, 5000)
		for len(values) < 5000 {
			v := int32(0)
			if width > 0 {
				v = int32(rng.Uint64() & (1<<width - 1))
			}
			n := 1 + rng.IntN(3)
			if rng.IntN(40) == 0 {
				n = 8 + rng.IntN(100) // an RLE run; between them, long bit-packed runs
			}
			for range n {
				values = append(values, v)
			}
		}
		data := naiveHybrid(values, width)
		var d rleDecoder
		if err := d.reset(data, width); err != nil {
			t.Fatal(err)
		}
		var got []int32
		for len(got) < len(values) {
			n := 1 + rng.IntN(50)
			if rng.IntN(4) == 0 {
				n = 1 + rng.IntN(1000) // many groups in one request
			}
			n = min(n, len(values)-len(got))
			buf := make([]int32, n)
			if err := d.int32s(buf); err != nil {
				t.Fatalf("width %d after %d values: %v", width, len(got), err)
			}
			got = append(got, buf...)
		}
		if !slices.Equal(got, values) {
			t.Fatalf("width %d: decoded values differ", width)
		}
		// Asking for more than the data holds (beyond the zero padding of the last group) fails.
		if err := d.int32s(make([]int32, 16)); err == nil {
			t.Errorf("width %d: read past the end without an error", width)
		}
	}
}

// TestBitPackedLevels decodes the deprecated BIT_PACKED levels (most significant bit first).
func TestBitPackedLevels(t *testing.T) {
	// width 2, levels 3 0 1 2 | 2 1: 11 00 01 10 | 10 01 0000
	b := bitPackedLevels{data: []byte{0b11000110, 0b10010000}, width: 2}
	got := make([]int16, 6)
	atMax, err := b.levels(got, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, []int16{3, 0, 1, 2, 2, 1}) || atMax != 1 {
		t.Errorf("got %v, %d at the maximum", got, atMax)
	}
	if _, err := b.levels(make([]int16, 3), 3); err == nil {
		t.Error("read past the end without an error")
	}
	// a level above the maximum is corrupt data
	b = bitPackedLevels{data: []byte{0b11000000}, width: 2}
	if _, err := b.levels(make([]int16, 1), 2); err == nil {
		t.Error("level 3 accepted for a column whose maximum is 2")
	}
}

// TestRLELevelsAgainstNaive reads levels (RLE runs filled directly, packed groups through the
// scratch buffer) in requests that cut across runs, and checks the maximum in both kinds of run.
func TestRLELevelsAgainstNaive(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	for width := uint(1); width <= 4; width++ {
		max := int16(1<<width - 1)
		var values []int32
		for len(values) < 3000 {
			v := int32(rng.IntN(int(max) + 1))
			n := 1 + rng.IntN(3)
			if rng.IntN(3) == 0 {
				n = 8 + rng.IntN(200)
			}
			for range n {
				values = append(values, v)
			}
		}
		data := naiveHybrid(values, width)
		var d rleDecoder
		if err := d.reset(data, width); err != nil {
			t.Fatal(err)
		}
		scratch := make([]int32, 7)
		var got []int16
		for len(got) < len(values) {
			buf := make([]int16, min(1+rng.IntN(300), len(values)-len(got)))
			atMax, err := d.levels(buf, max, scratch)
			if err != nil {
				t.Fatalf("width %d after %d levels: %v", width, len(got), err)
			}
			// The count of levels at the maximum, whichever kind of run they came from.
			if want := len(buf) - len(slices.DeleteFunc(slices.Clone(buf), func(l int16) bool { return l == max })); atMax != want {
				t.Fatalf("width %d after %d levels: %d at the maximum, want %d", width, len(got), atMax, want)
			}
			got = append(got, buf...)
		}
		for i, v := range values {
			if int32(got[i]) != v {
				t.Fatalf("width %d: level %d is %d, want %d", width, i, got[i], v)
			}
		}
		// The same data read with a lower maximum fails at the first level above it.
		if err := d.reset(data, width); err != nil {
			t.Fatal(err)
		}
		if _, err := d.levels(make([]int16, len(values)), max-1, scratch); err == nil {
			t.Errorf("width %d: levels above maximum %d accepted", width, max-1)
		}
	}
	// An RLE run of level 3 in a column whose maximum is 2.
	var d rleDecoder
	if err := d.reset(naiveHybrid([]int32{3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, 2), 2); err != nil {
		t.Fatal(err)
	}
	if _, err := d.levels(make([]int16, 10), 2, make([]int32, 4)); err == nil {
		t.Error("RLE run of level 3 accepted for a column whose maximum is 2")
	}
}

// BenchmarkRLEInt32s decodes dictionary indices of several widths from long bit-packed runs, as
// writers store them for columns of many distinct values.
func BenchmarkRLEInt32s(b *testing.B) {
	for _, width := range []uint{4, 7, 12, 20} {
		b.Run(fmt.Sprintf("w%d", width), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			values := make([]int32, 1<<16)
			for i := range values {
				values[i] = int32(rng.Uint64() & (1<<width - 1))
			}
			data := naiveHybrid(values, width)
			dst := make([]int32, len(values))
			b.SetBytes(int64(len(values)) * 4)
			b.ReportAllocs()
			for b.Loop() {
				var d rleDecoder
				if err := d.reset(data, width); err != nil {
					b.Fatal(err)
				}
				if err := d.int32s(dst); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
