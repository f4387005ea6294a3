// Package hll provides the HyperLogLog++ distinct-count sketch that Deequ's
// ApproxCountDistinct (and so the SageMaker Model Monitor analyzer) uses for
// distinct_count and approximate_num_distinct_values, bit-compatible with it:
// precision 9, XXH64 with seed 42, the HLL++ bias-correction tables and the
// JVM's arithmetic (contract §5.6).
//
//	var s hll.Sketch
//	for _, v := range values { s.AddString(v) }
//	n := s.Estimate()
//
// Sources: Deequ analyzers/catalyst/StatefulHyperloglogPlus.scala
// (DeequHyperLogLogPlusPlusUtils, update, merge, count, estimateBias),
// HLLConstants.scala (THRESHOLDS, K, RAW_ESTIMATE_DATA, BIAS_DATA), Spark
// hash.scala (XxHash64Function), and Heule, Nunkesser, Hall, "HyperLogLog in
// Practice" (EDBT 2013).
package hll

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sort"
)

// Precision is the number p of hash bits that select a register.
// 9: Deequ DeequHyperLogLogPlusPlusUtils.P =
// ceil(2 * log2(1.106 / RELATIVE_SD)) with RELATIVE_SD = 0.05
// (StatefulHyperloglogPlus.scala), i.e. ceil(8.93) = 9.
const Precision = 9

// NumRegisters is the number of registers m = 2^Precision = 512.
const NumRegisters = 1 << Precision

// MaxRegister is the largest value a register can reach: the rank
// nlz((x << p) | 1 << (p-1)) + 1 is at most 64 - p + 1 = 56, because the
// padding bit caps the leading-zero count at 64 - p. Deequ stores registers in
// 6 bits (REGISTER_SIZE), so 56 fits.
const MaxRegister = 64 - Precision + 1

// ErrInvalidRegisters is wrapped by FromRegisters for input that no sketch
// can produce.
var ErrInvalidRegisters = errors.New("invalid hll registers")

// Sketch is a HyperLogLog++ sketch with NumRegisters registers. The zero
// value is an empty sketch; it is a plain value (512 bytes) that can be
// copied, compared with == and embedded without allocation. Deequ packs the
// same registers 10 per 64-bit word in 52 words; that packing is a storage
// detail and is not reproduced here.
type Sketch struct {
	reg [NumRegisters]uint8
}

// AddHash adds one hashed value x (Deequ StatefulHyperloglogPlus.update):
//
//	idx = x >>> (64 - p)                                 (top p bits)
//	pw  = numberOfLeadingZeros((x << p) | 1 << (p-1)) + 1 (1 ≤ pw ≤ 56)
//	M[idx] = max(M[idx], pw)
func (s *Sketch) AddHash(x uint64) { s.AddPacked(Pack(x)) }

// Pack returns what AddHash does with x as one word: idx<<8 | pw. Kernels that
// hash many values at once compute it in vector lanes (stats.numBlocks,
// packWordsAVX512), so that their callers' loops only compare and store
// (AddPacked).
func Pack(x uint64) uint64 {
	return x>>(64-Precision)<<8 | uint64(bits.LeadingZeros64(x<<Precision|1<<(Precision-1))+1)
}

// AddPacked is AddHash(x) for p = Pack(x).
func (s *Sketch) AddPacked(p uint64) {
	pw := uint8(p)
	if r := &s.reg[p>>8&(NumRegisters-1)]; pw > *r {
		*r = pw
	}
}

// AddString adds a string value: AddHash(HashString(str)). It does not
// allocate.
func (s *Sketch) AddString(str string) { s.AddHash(HashString(str)) }

// AddBytes adds a binary or UTF-8 value: AddHash(Hash(b)).
func (s *Sketch) AddBytes(b []byte) { s.AddHash(Hash(b)) }

// Merge sets s to the union of s and o: the register-wise maximum
// (Deequ DeequHyperLogLogPlusPlusUtils.merge). Merging is commutative,
// associative and idempotent, so partition order does not matter.
func (s *Sketch) Merge(o *Sketch) {
	// Eight registers per step (SWAR): a wide profile merges 1,000 sketches per chunk, and the
	// byte loop was 1 % of such a job.
	for i := 0; i < NumRegisters; i += 8 {
		a := binary.LittleEndian.Uint64(s.reg[i:])
		b := binary.LittleEndian.Uint64(o.reg[i:])
		binary.LittleEndian.PutUint64(s.reg[i:], maxBytes(a, b))
	}
}

// maxBytes returns the bytewise unsigned maximum of a and b. Bit 7 of each byte of ge is set
// where a's byte ≥ b's: from the high bits when they differ, else from the low seven bits'
// comparison (a borrow-free subtraction with bit 7 set on a's side); it then widens to a mask.
func maxBytes(a, b uint64) uint64 {
	const hi = 0x8080808080808080
	low := ((a | hi) - (b &^ hi)) & hi // bit 7: a's low 7 bits ≥ b's
	ge := (a&^b | ^(a^b)&low) & hi
	mask := (ge >> 7) * 0xff
	return a&mask | b&^mask
}

// Estimate returns the HLL++ cardinality estimate, computed exactly as Deequ's
// DeequHyperLogLogPlusPlusUtils.count does on the JVM:
//
//	Z⁻¹ = Σ_j 1.0 / (1 << M[j])  (summed in register order, Int shift; see zTerm)
//	V   = number of registers equal to 0
//	E   = α_m m² / Z⁻¹, α_m m² = (0.7213 / (1 + 1.079/m)) · m · m
//	E'  = E − bias(E) if E < 5m, else E        (bias: estimateBias)
//	est = m · ln(m / V) if V > 0 and that is ≤ 400 (linear counting), else E'
//
// and rounds with Java's Math.round, floor(est + 1/2) computed exactly, which
// equals reference/hll.py's math.floor(est + 0.5) for every reachable
// estimate below 2^52. An empty sketch estimates 0.
func (s *Sketch) Estimate() int64 {
	var zInverse, v float64
	for _, r := range &s.reg {
		zInverse += zTerm[r&63]
		if r == 0 {
			v++
		}
	}
	m := float64(NumRegisters)
	var est float64
	if v > 0 {
		h := m * math.Log(m/v)
		if h <= linearCountingThreshold {
			est = h
		} else {
			est = biasCorrected(alphaM2 / zInverse)
		}
	} else {
		est = biasCorrected(alphaM2 / zInverse)
	}
	return javaRound(est)
}

// Registers returns a copy of the NumRegisters register values (each in
// 0..MaxRegister), in index order, for serialising partial profiles.
func (s *Sketch) Registers() []uint8 {
	r := make([]uint8, NumRegisters)
	copy(r, s.reg[:])
	return r
}

// FromRegisters rebuilds a sketch from the output of Registers. It returns an
// error wrapping ErrInvalidRegisters if len(r) != NumRegisters or a value
// exceeds MaxRegister.
func FromRegisters(r []uint8) (Sketch, error) {
	var s Sketch
	if len(r) != NumRegisters {
		return s, fmt.Errorf("hll: %d registers, want %d: %w", len(r), NumRegisters, ErrInvalidRegisters)
	}
	for i, v := range r {
		if v > MaxRegister {
			return s, fmt.Errorf("hll: register %d is %d, above the maximum %d: %w", i, v, MaxRegister, ErrInvalidRegisters)
		}
	}
	copy(s.reg[:], r)
	return s, nil
}

// linearCountingThreshold is the largest linear-counting estimate used as is.
// 400: HLLConstants.THRESHOLDS(p - 4) for p = 9 (the HLL++ paper's empirical
// thresholds, Heule et al. 2013, appendix).
const linearCountingThreshold = 400.0

// biasK is the number of nearest raw estimates whose biases are averaged.
// 6: HLLConstants.K (Heule et al. 2013 use k = 6 nearest neighbours).
const biasK = 6

// alphaM2 is α_m·m² for m = 512, evaluated step by step in float64 as the JVM
// does ((0.7213 / (1.0 + 1.079 / M)) * M * M, DeequHyperLogLogPlusPlusUtils
// ALPHA_M2 for p ≥ 7). It is computed from a float64 variable on purpose: an
// untyped Go constant expression is evaluated exactly and rounded once, which
// gives 188686.82445861163 instead of the JVM's 188686.82445861166.
var alphaM2 = func() float64 {
	m := float64(NumRegisters)
	return (0.7213 / (1.0 + 1.079/m)) * m * m
}()

// zTerm[r] is the term Deequ adds to Z⁻¹ for a register holding r. Deequ
// writes 1.0 / (1 << Midx) with 1 an Int and Midx a Long; Scala (like Java)
// shifts an Int by the low 5 bits of the count, so the term is
// 1.0 / int32(1 << (r mod 32)): exact 2^-r for r ≤ 30, −2^-31 for r = 31 and
// 2^-(r-32) for r ≥ 32. Registers above 30 need a hash whose 31 bits after the
// index are zero (probability 2^-30 per distinct value), so this only matters
// for very large columns; reference/hll.py uses the exact 2^-r and agrees
// everywhere else.
var zTerm = func() (t [64]float64) {
	for r := range t {
		t[r] = 1.0 / float64(int32(1)<<(r&31))
	}
	return t
}()

// biasCorrected returns e − estimateBias(e) when e < 5m, else e
// (EBiasCorrected in DeequHyperLogLogPlusPlusUtils.count; p < 19 always).
func biasCorrected(e float64) float64 {
	if e < 5.0*NumRegisters {
		return e - estimateBias(e)
	}
	return e
}

// estimateBias returns the mean of the biases of the biasK raw estimates
// nearest to e (DeequHyperLogLogPlusPlusUtils.estimateBias): start the window
// [low, low+K) at the binary-search insertion point minus K−1, then slide it
// up while the element just above it is strictly closer (squared distance)
// than its lowest element; average BIAS_DATA over the window, summed in index
// order.
func estimateBias(e float64) float64 {
	n := len(rawEstimate9)
	// java.util.Arrays.binarySearch's insertion point; the table is strictly
	// increasing, so an exact hit gives the same index.
	nearest := sort.SearchFloat64s(rawEstimate9[:], e)
	dist := func(i int) float64 {
		d := e - rawEstimate9[i]
		return d * d
	}
	low := max(nearest-biasK+1, 0)
	high := min(low+biasK, n)
	for high < n && dist(high) < dist(low) {
		low++
		high++
	}
	var sum float64
	for i := low; i < high; i++ {
		sum += bias9[i]
	}
	return sum / float64(high-low)
}

// javaRound is java.lang.Math.round(double) for finite x whose result fits in
// an int64: floor(x + 1/2) evaluated without rounding the addition (JDK 7+).
func javaRound(x float64) int64 {
	f := math.Floor(x)
	if x-f >= 0.5 {
		f++
	}
	return int64(f)
}
