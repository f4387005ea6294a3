package hll

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cespare/xxhash/v2"
)

// xxh64Digest is the independent XXH64 implementation the one-shot xxh64 is
// checked against: cespare/xxhash's streaming Digest with a seed.
func xxh64Digest(b []byte, seed uint64) uint64 {
	d := xxhash.NewWithSeed(seed)
	d.Write(b)
	return d.Sum64()
}

// TestXXH64MatchesDigest compares xxh64 with cespare/xxhash for every length
// 0..300 (all stripe and tail combinations: 32-byte stripes, 8-, 4- and 1-byte
// tails) and several seeds, including Spark's 42 and the edges 0 and 2^64-1.
func TestXXH64MatchesDigest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	buf := make([]byte, 300)
	for i := range buf {
		buf[i] = byte(rng.Uint32())
	}
	seeds := []uint64{0, 1, sparkSeed, math.MaxUint64, rng.Uint64(), rng.Uint64()}
	for _, seed := range seeds {
		for n := 0; n <= len(buf); n++ {
			b := buf[:n]
			if got, want := xxh64(b, seed), xxh64Digest(b, seed); got != want {
				t.Fatalf("xxh64(len %d, seed %d) = %#x, cespare/xxhash %#x", n, seed, got, want)
			}
		}
	}
	// Unseeded cespare one-shot as a second reference for seed 0.
	for n := 0; n <= len(buf); n++ {
		if got, want := xxh64(buf[:n], 0), xxhash.Sum64(buf[:n]); got != want {
			t.Fatalf("xxh64(len %d, seed 0) = %#x, xxhash.Sum64 %#x", n, got, want)
		}
	}
}

// TestHashVariants checks that the typed entry points are XXH64 seed 42 of the
// byte encodings hll.py uses: UTF-8 bytes for strings, 8 little-endian bytes
// for int64 (h_long) and for the float64 bit pattern (h_double), and Spark's
// normalisation of -0.0 and NaN for doubles.
func TestHashVariants(t *testing.T) {
	le := func(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }
	rng := rand.New(rand.NewPCG(1, 1))
	for range 1000 {
		v := rng.Uint64()
		if got, want := HashInt64(int64(v)), xxh64Digest(le(v), 42); got != want {
			t.Fatalf("HashInt64(%d) = %#x, want %#x", int64(v), got, want)
		}
		f := math.Float64frombits(v)
		if f != f || f == 0 {
			continue
		}
		if got, want := HashFloat64(f), xxh64Digest(le(v), 42); got != want {
			t.Fatalf("HashFloat64(%v) = %#x, want %#x", f, got, want)
		}
		s := string(le(v))
		if got, want := HashString(s), Hash([]byte(s)); got != want {
			t.Fatalf("HashString(%q) = %#x, Hash %#x", s, got, want)
		}
	}
	for _, n := range []int64{0, 1, -1, math.MinInt64, math.MaxInt64} {
		if got, want := HashInt64(n), Hash(le(uint64(n))); got != want {
			t.Errorf("HashInt64(%d) = %#x, want %#x", n, got, want)
		}
	}

	tests := []struct {
		name string
		v    float64
		bits uint64 // the bit pattern Spark hashes (doubleToLongBits after -0.0 → 0)
	}{
		{"+0", 0, 0},
		{"-0 hashes as +0", math.Copysign(0, -1), 0},
		{"one", 1, 0x3ff0000000000000},
		{"+Inf", math.Inf(1), 0x7ff0000000000000},
		{"-Inf", math.Inf(-1), 0xfff0000000000000},
		{"NaN", math.NaN(), javaCanonicalNaN},
		{"NaN with payload canonicalised", math.Float64frombits(0x7ff0000000000001), javaCanonicalNaN},
		{"negative NaN canonicalised", math.Float64frombits(0xfff8000000000000), javaCanonicalNaN},
		{"smallest subnormal", math.SmallestNonzeroFloat64, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, want := HashFloat64(tt.v), xxh64Digest(le(tt.bits), 42); got != want {
				t.Errorf("HashFloat64 = %#x, want %#x", got, want)
			}
		})
	}
}

// TestNoAllocs checks the hot path: hashing a string and adding it to a
// sketch must not allocate.
func TestNoAllocs(t *testing.T) {
	var s Sketch
	str := "5c5dec80-595c-410e-80df-f83de591f893" // a 36-byte id from the housing data
	b := []byte(str)
	var sink uint64
	for name, f := range map[string]func(){
		"HashString": func() { sink += HashString(str) },
		"Hash":       func() { sink += Hash(b) },
		"HashInt64":  func() { sink += HashInt64(int64(len(str))) },
		"AddString":  func() { s.AddString(str) },
		"AddBytes":   func() { s.AddBytes(b) },
		"Estimate":   func() { sink += uint64(s.Estimate()) },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s allocates %v times per call", name, n)
		}
	}
	_ = sink
}

// FuzzHash compares the one-shot xxh64 with cespare/xxhash's seeded Digest on
// arbitrary input and seed, and checks that Hash and HashString agree. The
// seed corpus (testdata/fuzz/FuzzHash) covers every length class of XXH64.
//
//	go test ./stats/hll/ -run '^$' -fuzz FuzzHash -fuzztime 60s
func FuzzHash(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte, seed uint64) {
		if got, want := xxh64(b, seed), xxh64Digest(b, seed); got != want {
			t.Fatalf("xxh64(%x, %d) = %#x, cespare/xxhash %#x", b, seed, got, want)
		}
		if h, hs := Hash(b), HashString(string(b)); h != hs || h != xxh64Digest(b, 42) {
			t.Fatalf("Hash = %#x, HashString = %#x, want %#x", h, hs, xxh64Digest(b, 42))
		}
	})
}
