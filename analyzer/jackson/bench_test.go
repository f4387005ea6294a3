package jackson

import (
	"io"
	"testing"
)

// doubleCases are typical values of statistics.json, from the housing fixture, plus the slow
// subnormal path.
var doubleCases = []struct {
	name string
	x    float64
}{
	{"Integral", 575000},                      // sketch items, bucket bounds, counts
	{"Short", 0.64},                           // KLL parameter c
	{"Long", 614658.9799806821},               // a mean
	{"Scientific", 1.4402689218907343e10},     // a sum
	{"SmallScientific", 5.092682820403929e-4}, // a small value
	{"Subnormal", 5e-324},                     // the m = 1 rule with a ParseFloat check
}

// TestAppendDoubleAllocs requires the hot path to be allocation-free for every normal value.
func TestAppendDoubleAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	for _, c := range doubleCases {
		if c.name == "Subnormal" {
			continue // converts its two-digit candidate to a string for ParseFloat
		}
		if n := testing.AllocsPerRun(100, func() { buf = AppendDouble(buf[:0], c.x) }); n != 0 {
			t.Errorf("AppendDouble(%v) allocates %v times", c.x, n)
		}
	}
}

// BenchmarkAppendDouble measures one double per operation; 0 allocs/op expected except for
// subnormals.
//
//	go test ./analyzer/jackson/ -run '^$' -bench 'AppendDouble' -benchmem -count 10 > new.txt
//	benchstat old.txt new.txt
func BenchmarkAppendDouble(b *testing.B) {
	for _, c := range doubleCases {
		b.Run(c.name, func(b *testing.B) {
			buf := make([]byte, 0, 64)
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendDouble(buf[:0], c.x)
			}
		})
	}
}

// BenchmarkEncode writes real documents to io.Discard: Small = housing constraints.json (4 KB),
// Medium = housing statistics.json (392 KB, 34k doubles), Large = movielens statistics.json
// (1.3 MB, 234k doubles). Trees use DoubleArray for the sketch data, as the analyzer will.
//
//	go test ./analyzer/jackson/ -run '^$' -bench 'Encode' -benchmem -count 10 > new.txt
//	benchstat old.txt new.txt
func BenchmarkEncode(b *testing.B) {
	for _, tier := range []struct{ name, rel string }{
		{"Small", "aai540-scottreidux-housing/constraints.json"},
		{"Medium", "aai540-scottreidux-housing/statistics.json"},
		{"Large", "mme-movielens-2019/statistics.json"},
	} {
		b.Run(tier.name, func(b *testing.B) {
			data := readFixture(b, tier.rel)
			v, st, err := parseJSON(data, true)
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := Encode(io.Discard, v); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(st.doubles), "ns/double")
		})
	}
}
