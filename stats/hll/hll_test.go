package hll

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// TestPrecision recomputes Deequ's precision from its relative standard
// deviation: P = ceil(2 * ln(1.106 / 0.05) / ln(2)) (DeequHyperLogLogPlusPlusUtils).
func TestPrecision(t *testing.T) {
	const relativeSD = 0.05 // DeequHyperLogLogPlusPlusUtils.RELATIVE_SD
	if p := int(math.Ceil(2.0 * math.Log(1.106/relativeSD) / math.Log(2.0))); p != Precision {
		t.Fatalf("Deequ's formula gives p = %d, Precision = %d", p, Precision)
	}
	// Deequ packs 6-bit registers 10 per long in NUM_WORDS = 52 words.
	if words := (NumRegisters + 9) / 10; words != 52 {
		t.Fatalf("%d registers need %d words, Deequ allocates 52", NumRegisters, words)
	}
}

// addHashSlow is the naive oracle for AddHash: the register is the hash's top
// p bits; the rank is 1 + the number of zero bits that follow them, counting
// at most 64 − p (the padding bit stops the count).
func addHashSlow(reg *[NumRegisters]uint8, x uint64) {
	idx := x >> (64 - Precision)
	rank := uint8(1)
	for bit := 63 - Precision; bit >= 0 && x&(1<<bit) == 0; bit-- {
		rank++
	}
	if rank > reg[idx] {
		reg[idx] = rank
	}
}

// TestAddHashMatchesSlow compares AddHash, and AddPacked of Pack, with
// addHashSlow on random hashes and on hashes with every possible rank,
// including the maximum.
func TestAddHashMatchesSlow(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	var s, sp Sketch
	var want [NumRegisters]uint8
	add := func(x uint64) {
		s.AddHash(x)
		sp.AddPacked(Pack(x))
		addHashSlow(&want, x)
		if s.reg != want {
			t.Fatalf("after AddHash(%#x) registers differ from the naive oracle", x)
		}
		if sp.reg != want {
			t.Fatalf("after AddPacked(Pack(%#x)) registers differ from the naive oracle", x)
		}
	}
	for range 100_000 {
		add(rng.Uint64())
	}
	for r := 1; r <= MaxRegister; r++ {
		add(hashWithRank(rng, uint64(rng.IntN(NumRegisters)), r))
	}
	add(0)              // register 0, rank 56
	add(math.MaxUint64) // register 511, rank 1
	if s.reg[0] != MaxRegister {
		t.Fatalf("hash 0 gives rank %d, want MaxRegister %d", s.reg[0], MaxRegister)
	}
}

func TestEmpty(t *testing.T) {
	var s Sketch
	if got := s.Estimate(); got != 0 {
		t.Fatalf("empty sketch estimates %d", got)
	}
}

// TestAccuracy compares Estimate with exact distinct counts (a map) on random
// int64 data with duplicates. HLL's relative standard error is σ = 1.04/√m
// (Flajolet et al. 2007) = 4.6 % for m = 512. Every trial must be within 4σ
// (a normal deviate exceeds that with probability 6e-5), and the root mean
// square over the 20 trials of a size within 1.5σ (a χ²₂₀ variable exceeds
// 45 with probability about 0.001). The seeds are fixed, so the result is
// deterministic; the bounds say how unlucky a correct sketch would have to be.
func TestAccuracy(t *testing.T) {
	sigma := 1.04 / math.Sqrt(NumRegisters)
	rng := rand.New(rand.NewPCG(1, 1))
	tests := []struct {
		name   string
		n      int // values added; the distinct count is about 0.43n (draws from [0, 2n))
		trials int
	}{
		{"1k", 1_000, 20},
		{"10k", 10_000, 20},
		{"100k", 100_000, 20},
		{"1M", 1_000_000, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sumSq float64
			exact := make(map[int64]struct{}, tt.n)
			for trial := range tt.trials {
				var s Sketch
				clear(exact)
				offset := rng.Int64() // a fresh value range per trial
				for range tt.n {
					v := offset + rng.Int64N(int64(2*tt.n))
					exact[v] = struct{}{}
					s.AddHash(HashInt64(v))
				}
				rel := (float64(s.Estimate()) - float64(len(exact))) / float64(len(exact))
				if math.Abs(rel) > 4*sigma {
					t.Errorf("trial %d: estimate %d for %d distinct, relative error %.3f > 4σ = %.3f",
						trial, s.Estimate(), len(exact), rel, 4*sigma)
				}
				sumSq += rel * rel
			}
			if rms := math.Sqrt(sumSq / float64(tt.trials)); tt.trials > 1 && rms > 1.5*sigma {
				t.Errorf("RMS relative error %.4f > 1.5σ = %.4f", rms, 1.5*sigma)
			} else {
				t.Logf("RMS relative error %.4f (σ = %.4f)", rms, sigma)
			}
		})
	}
}

// TestMerge checks that merging partial sketches gives exactly the sketch of
// the concatenated input, whatever the split and the merge order.
func TestMerge(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	vals := make([]string, 30_000)
	for i := range vals {
		vals[i] = strconv.FormatUint(rng.Uint64N(20_000), 16) // duplicates within and across parts
	}
	sketchOf := func(vs []string) Sketch {
		var s Sketch
		for _, v := range vs {
			s.AddString(v)
		}
		return s
	}
	all := sketchOf(vals)

	// Contiguous split (Spark file splits) and random interleaving.
	cut := rng.IntN(len(vals))
	var a, b, c []string
	for _, v := range vals {
		switch rng.IntN(3) {
		case 0:
			a = append(a, v)
		case 1:
			b = append(b, v)
		default:
			c = append(c, v)
		}
	}
	tests := []struct {
		name  string
		parts [][]string
	}{
		{"contiguous", [][]string{vals[:cut], vals[cut:]}},
		{"interleaved 3", [][]string{a, b, c}},
		{"with empty part", [][]string{nil, vals, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := make([]Sketch, len(tt.parts))
			for i, p := range tt.parts {
				parts[i] = sketchOf(p)
			}
			// Forward and reverse merge order must both equal the whole.
			var fwd, rev Sketch
			for i := range parts {
				fwd.Merge(&parts[i])
				rev.Merge(&parts[len(parts)-1-i])
			}
			if fwd != all || rev != all {
				t.Fatalf("merged registers differ from the sketch of the concatenation (forward %v, reverse %v)", fwd == all, rev == all)
			}
			// Commutative pairwise: A∪B == B∪A.
			ab, ba := parts[0], parts[1]
			ab.Merge(&parts[1])
			ba.Merge(&parts[0])
			if ab != ba {
				t.Fatal("A.Merge(B) != B.Merge(A)")
			}
			if fwd.Estimate() != all.Estimate() {
				t.Fatal("estimates differ")
			}
		})
	}
	// Idempotent.
	self := all
	self.Merge(&all)
	if self != all {
		t.Fatal("merging a sketch with itself changed it")
	}
}

func TestRegistersRoundTrip(t *testing.T) {
	var s Sketch
	for i := range 5000 {
		s.AddString(strconv.Itoa(i))
	}
	r := s.Registers()
	if len(r) != NumRegisters {
		t.Fatalf("Registers() has %d values", len(r))
	}
	back, err := FromRegisters(r)
	if err != nil {
		t.Fatal(err)
	}
	if back != s {
		t.Fatal("FromRegisters(Registers()) differs")
	}
	r[0]++ // the copy must not alias the sketch
	if s.reg[0] == r[0] {
		t.Fatal("Registers() aliases the sketch")
	}
}

func TestFromRegistersErrors(t *testing.T) {
	valid := make([]uint8, NumRegisters)
	with := func(i int, v uint8) []uint8 {
		r := append([]uint8(nil), valid...)
		r[i] = v
		return r
	}
	tests := []struct {
		name    string
		r       []uint8
		wantErr bool
	}{
		{"nil", nil, true},
		{"too short", valid[:NumRegisters-1], true},
		{"too long", append(append([]uint8(nil), valid...), 0), true},
		{"max register", with(7, MaxRegister), false},
		{"above max", with(7, MaxRegister+1), true},
		{"6-bit overflow", with(511, 64), true},
		{"all zero", valid, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromRegisters(tt.r)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidRegisters) {
				t.Fatalf("err = %v does not wrap ErrInvalidRegisters", err)
			}
		})
	}
}

// TestZTermJVMShift pins the JVM semantics of Deequ's 1.0 / (1 << Midx) with
// an Int 1 and a Long count: the Java Language Specification §15.19 uses only
// the low 5 bits of the count for an int shift, and 1 << 31 is Int.MinValue.
func TestZTermJVMShift(t *testing.T) {
	tests := []struct {
		r    int
		want float64
	}{
		{0, 1},
		{1, 0.5},
		{30, math.Ldexp(1, -30)},
		{31, -math.Ldexp(1, -31)}, // 1 << 31 == Int.MinValue
		{32, 1},                   // 1 << 32 == 1 << 0
		{33, 0.5},
		{MaxRegister, math.Ldexp(1, -(MaxRegister - 32))},
	}
	for _, tt := range tests {
		if got := zTerm[tt.r]; got != tt.want {
			t.Errorf("zTerm[%d] = %v, want %v", tt.r, got, tt.want)
		}
	}
	// Consequence: a sketch whose registers all hold r + 32 estimates exactly
	// like one whose registers all hold r.
	for r := 1; r+32 <= MaxRegister; r++ {
		lo, hi := make([]uint8, NumRegisters), make([]uint8, NumRegisters)
		for i := range lo {
			lo[i], hi[i] = uint8(r), uint8(r+32)
		}
		a, _ := FromRegisters(lo)
		b, _ := FromRegisters(hi)
		if a.Estimate() != b.Estimate() {
			t.Errorf("registers %d and %d estimate %d and %d", r, r+32, a.Estimate(), b.Estimate())
		}
	}
}

// TestJavaRound pins java.lang.Math.round(double) (JDK 7+ javadoc: the closest
// long, ties towards positive infinity; JDK-6430675 fixed 0.49999999999999994).
func TestJavaRound(t *testing.T) {
	tests := []struct {
		x    float64
		want int64
	}{
		{0, 0},
		{0.49999999999999994, 0}, // floor(x + 0.5) in float64 would give 1
		{0.5, 1},
		{1.5, 2},
		{2.5, 3},
		{2.4999999, 2},
		{-0.5, 0},
		{-2.5, -2},
		{-2.5000001, -3},
		{24000.4, 24000},
		{math.Ldexp(1, 52) + 1, 1<<52 + 1}, // odd integer ≥ 2^52: x + 0.5 would round to even
	}
	for _, tt := range tests {
		if got := javaRound(tt.x); got != tt.want {
			t.Errorf("javaRound(%v) = %d, want %d", tt.x, got, tt.want)
		}
	}
}

// TestAlphaM2 checks α_m·m² against the JVM's step-by-step evaluation,
// (0.7213 / (1.0 + 1.079 / 512)) * 512 * 512, done here with explicitly
// rounded float64 steps. (The same expression as a Go constant is evaluated
// exactly and rounds to 188686.82445861163, one ulp below the JVM's
// 188686.82445861166, so this test catches that mistake.)
func TestAlphaM2(t *testing.T) {
	m := float64(NumRegisters)
	q := float64(1.079) / m
	d := float64(1.0) + q
	a := float64(0.7213) / d
	a = float64(a * m)
	a = float64(a * m)
	if alphaM2 != a {
		t.Fatalf("alphaM2 = %v, want %v", alphaM2, a)
	}
}

// TestMaxBytes checks the eight-register maximum Merge uses against the bytewise one, on every
// pair of byte values in each lane position.
func TestMaxBytes(t *testing.T) {
	for x := range 256 {
		for y := range 256 {
			for lane := range 8 {
				sh := 8 * uint(lane)
				// The other lanes hold values that make a borrow or carry across lanes show.
				a := uint64(x)<<sh | 0x00ff00ff00ff00ff&^(0xff<<sh)
				b := uint64(y)<<sh | 0xff00ff00ff00ff00&^(0xff<<sh)
				got := maxBytes(a, b)
				for k := range 8 {
					ka, kb := byte(a>>(8*k)), byte(b>>(8*k))
					if g := byte(got >> (8 * k)); g != max(ka, kb) {
						t.Fatalf("maxBytes(%#x, %#x) byte %d = %#x, want %#x", a, b, k, g, max(ka, kb))
					}
				}
			}
		}
	}
}
