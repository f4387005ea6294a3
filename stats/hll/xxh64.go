package hll

import (
	"encoding/binary"
	"math"
	"math/bits"
	"unsafe"
)

// sparkSeed is the XXH64 seed Deequ passes to XxHash64Function.hash in
// StatefulHyperloglogPlus.update (42L), the same default seed as Spark's
// xxhash64 expression (Spark hash.scala, XxHash64).
const sparkSeed uint64 = 42

// XXH64 primes, from the xxHash specification
// (github.com/Cyan4973/xxHash, doc/xxhash_spec.md, "XXH64 algorithm").
const (
	prime1 uint64 = 11400714785074694791
	prime2 uint64 = 14029467366897019727
	prime3 uint64 = 1609587929392839161
	prime4 uint64 = 9650029242287828579
	prime5 uint64 = 2870177450012600261
)

// Hash returns XXH64(b, 42): the hash Spark's XxHash64Function computes for
// a BinaryType value or for the UTF-8 bytes of a StringType value.
func Hash(b []byte) uint64 { return xxh64(b, sparkSeed) }

// HashString returns XXH64 with seed 42 of the bytes of s (Go strings are the
// UTF-8 bytes Spark's UTF8String holds). It does not allocate.
func HashString(s string) uint64 {
	// The slice aliases s and is only read, so the conversion is safe.
	return xxh64(unsafe.Slice(unsafe.StringData(s), len(s)), sparkSeed)
}

// HashInt64 returns the hash Spark uses for a LongType value
// (XXH64.hashLong(v, 42)); it equals XXH64 with seed 42 of the 8 little-endian
// bytes of v (reference/hll.py h_long).
func HashInt64(v int64) uint64 {
	h := sparkSeed + prime5 + 8
	h ^= round(0, uint64(v))
	h = bits.RotateLeft64(h, 27)*prime1 + prime4
	return avalanche(h)
}

// javaCanonicalNaN is the bit pattern java.lang.Double.doubleToLongBits returns
// for every NaN (0x7ff8000000000000, Double.doubleToLongBits javadoc).
const javaCanonicalNaN uint64 = 0x7ff8000000000000

// HashFloat64 returns the hash Spark uses for a DoubleType value (Spark
// hash.scala genHashDouble): -0.0 hashes as 0.0, every other value as
// HashInt64 of java.lang.Double.doubleToLongBits(v), which maps all NaNs to
// the canonical NaN 0x7ff8000000000000. reference/hll.py h_double does the
// same for -0.0; for NaN it packs the payload as is, which agrees for the NaN
// Python and Go produce by default (that canonical pattern).
func HashFloat64(v float64) uint64 {
	switch {
	case v == 0: // both +0.0 and -0.0
		return HashInt64(0)
	case v != v:
		return HashInt64(int64(javaCanonicalNaN))
	}
	return HashInt64(int64(math.Float64bits(v)))
}

// xxh64 is the one-shot XXH64 of b with the given seed, written from the
// xxHash specification (doc/xxhash_spec.md): four striped accumulators over
// 32-byte stripes when len(b) >= 32, then 8-, 4- and 1-byte tail steps and the
// final avalanche. All arithmetic is modulo 2^64. It does not allocate.
func xxh64(b []byte, seed uint64) uint64 {
	n := len(b)
	var h uint64
	if n >= 32 {
		v1 := seed + prime1 + prime2
		v2 := seed + prime2
		v3 := seed
		v4 := seed - prime1
		for len(b) >= 32 {
			v1 = round(v1, binary.LittleEndian.Uint64(b[0:8]))
			v2 = round(v2, binary.LittleEndian.Uint64(b[8:16]))
			v3 = round(v3, binary.LittleEndian.Uint64(b[16:24]))
			v4 = round(v4, binary.LittleEndian.Uint64(b[24:32]))
			b = b[32:]
		}
		h = bits.RotateLeft64(v1, 1) + bits.RotateLeft64(v2, 7) +
			bits.RotateLeft64(v3, 12) + bits.RotateLeft64(v4, 18)
		h = mergeRound(h, v1)
		h = mergeRound(h, v2)
		h = mergeRound(h, v3)
		h = mergeRound(h, v4)
	} else {
		h = seed + prime5
	}
	h += uint64(n)
	for ; len(b) >= 8; b = b[8:] {
		h ^= round(0, binary.LittleEndian.Uint64(b))
		h = bits.RotateLeft64(h, 27)*prime1 + prime4
	}
	if len(b) >= 4 {
		h ^= uint64(binary.LittleEndian.Uint32(b)) * prime1
		h = bits.RotateLeft64(h, 23)*prime2 + prime3
		b = b[4:]
	}
	for _, c := range b {
		h ^= uint64(c) * prime5
		h = bits.RotateLeft64(h, 11) * prime1
	}
	return avalanche(h)
}

// round is the XXH64 accumulator step: rotl(acc + in*prime2, 31) * prime1.
func round(acc, in uint64) uint64 {
	acc += in * prime2
	return bits.RotateLeft64(acc, 31) * prime1
}

// mergeRound folds one stripe accumulator into h: (h ^ round(0, v))*prime1 + prime4.
func mergeRound(h, v uint64) uint64 {
	h ^= round(0, v)
	return h*prime1 + prime4
}

// avalanche is the XXH64 final mix.
func avalanche(h uint64) uint64 {
	h ^= h >> 33
	h *= prime2
	h ^= h >> 29
	h *= prime3
	h ^= h >> 32
	return h
}
