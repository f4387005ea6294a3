package hll

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/cespare/xxhash/v2"
)

// benchSizes are typical CSV cell lengths: a short number ("1764.0" padded),
// a 16-byte value such as a timestamp date, and a 36-byte UUID (housing id).
var benchSizes = []struct {
	name string
	n    int
}{
	{"Small_8B", 8},
	{"Medium_16B", 16},
	{"Large_36B", 36},
}

func benchStrings(n int) []string {
	rng := rand.New(rand.NewPCG(1, 1))
	out := make([]string, 1024)
	for i := range out {
		b := make([]byte, n)
		for j := range b {
			b[j] = byte('a' + rng.IntN(26))
		}
		out[i] = string(b)
	}
	return out
}

var sinkHash uint64

// BenchmarkHashString measures the seeded one-shot XXH64 of a string.
//
//	go test ./stats/hll/ -run '^$' -bench 'HashString' -benchmem -count 10 > new.txt && benchstat old.txt new.txt
func BenchmarkHashString(b *testing.B) {
	for _, sz := range benchSizes {
		strs := benchStrings(sz.n)
		b.Run(sz.name, func(b *testing.B) {
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			var h uint64
			for i := 0; b.Loop(); i++ {
				h += HashString(strs[i&1023])
			}
			sinkHash = h
		})
	}
}

// BenchmarkHashStringDigest is the alternative this package does not use:
// cespare/xxhash's seeded streaming Digest (there is no seeded one-shot in
// v2.3.0), for comparison with BenchmarkHashString.
//
//	go test ./stats/hll/ -run '^$' -bench 'HashString' -benchmem -count 10 > new.txt && benchstat old.txt new.txt
func BenchmarkHashStringDigest(b *testing.B) {
	for _, sz := range benchSizes {
		strs := benchStrings(sz.n)
		b.Run(sz.name, func(b *testing.B) {
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			var h uint64
			d := xxhash.NewWithSeed(sparkSeed)
			for i := 0; b.Loop(); i++ {
				d.ResetWithSeed(sparkSeed)
				d.WriteString(strs[i&1023])
				h += d.Sum64()
			}
			sinkHash = h
		})
	}
}

// BenchmarkAddString measures hashing plus the register update for one value,
// the per-cell cost of a String or numeric column's distinct count.
//
//	go test ./stats/hll/ -run '^$' -bench 'AddString' -benchmem -count 10 > new.txt && benchstat old.txt new.txt
func BenchmarkAddString(b *testing.B) {
	for _, sz := range benchSizes {
		strs := benchStrings(sz.n)
		b.Run(sz.name, func(b *testing.B) {
			b.SetBytes(int64(sz.n))
			b.ReportAllocs()
			var s Sketch
			for i := 0; b.Loop(); i++ {
				s.AddString(strs[i&1023])
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "values/s")
		})
	}
}

// BenchmarkEstimate measures one estimate over a sketch in each estimator
// branch (once per column per job, so only its order of magnitude matters).
//
//	go test ./stats/hll/ -run '^$' -bench 'Estimate' -benchmem -count 10 > new.txt && benchstat old.txt new.txt
func BenchmarkEstimate(b *testing.B) {
	for _, tier := range []struct {
		name string
		n    int
	}{
		{"Small_linear_100", 100},
		{"Medium_bias_1000", 1000},
		{"Large_raw_1M", 1_000_000},
	} {
		var s Sketch
		for i := range tier.n {
			s.AddString(strconv.Itoa(i))
		}
		b.Run(tier.name, func(b *testing.B) {
			b.ReportAllocs()
			var e int64
			for b.Loop() {
				e += s.Estimate()
			}
			sinkHash = uint64(e)
		})
	}
}

// BenchmarkMerge measures merging one sketch into another (a wide profile merges one per column
// per chunk): Merge against the byte-by-byte maximum it replaced.
//
//	go test ./stats/hll/ -run '^$' -bench 'Merge' -count 10
func BenchmarkMerge(b *testing.B) {
	var s, o Sketch
	for i := range 5000 {
		s.AddString(strconv.Itoa(i))
		o.AddString(strconv.Itoa(i + 2500))
	}
	b.Run("swar", func(b *testing.B) {
		b.SetBytes(NumRegisters)
		for b.Loop() {
			s.Merge(&o)
		}
	})
	b.Run("bytewise", func(b *testing.B) {
		b.SetBytes(NumRegisters)
		for b.Loop() {
			for i := range s.reg {
				s.reg[i] = max(s.reg[i], o.reg[i])
			}
		}
	})
}
