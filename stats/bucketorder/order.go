// Package bucketorder reproduces the order in which the real container lists categorical buckets
// and string domains: the iteration order of the Scala 2.12 immutable Map that Deequ's Histogram
// builds from its frequency rows (contract §5.4).
//
// Deequ collects the histogram rows sorted by count descending (value ascending on ties) and turns
// them into an immutable Map. Scala's Map builder keeps up to four entries in the insertion-ordered
// Map1…Map4 classes; from five entries on it builds a HashMap, a hash trie whose iteration order is
// fixed by the improved Java String.hashCode of each key, read in 5-bit groups from the least
// significant end. Keys whose improved hashes are equal keep insertion order.
package bucketorder

import (
	"cmp"
	"slices"
	"unicode/utf16"
	"unicode/utf8"
)

// Entry is one categorical bucket.
type Entry struct {
	Value string
	Count int64
}

// smallMapMax is the largest map Scala 2.12 keeps in an insertion-ordered Map1..Map4 class.
const smallMapMax = 4

// Sort orders entries in place as the real container prints them: first by count descending and
// value ascending (byte order, as Spark compares UTF8String), which is the insertion order; then, for
// more than four entries, stably by HashMap trie position.
func Sort(entries []Entry) {
	slices.SortFunc(entries, func(a, b Entry) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Value, b.Value)
	})
	if len(entries) <= smallMapMax {
		return
	}
	keys := make([]uint64, len(entries))
	idx := make([]int, len(entries))
	for i, e := range entries {
		keys[i] = trieKey(improve(JavaHash(e.Value)))
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(keys[a], keys[b]) })
	sorted := make([]Entry, len(entries))
	for i, j := range idx {
		sorted[i] = entries[j]
	}
	copy(entries, sorted)
}

// JavaHash is Java's String.hashCode: s[0]*31^(n-1) + … + s[n-1] over UTF-16 code units, mod 2^32.
// Invalid UTF-8 bytes count as U+FFFD, as Java decodes them.
func JavaHash(s string) uint32 {
	var h uint32
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			h = 31*h + uint32(c)
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			h = 31*h + uint32(r1)
			h = 31*h + uint32(r2)
			continue
		}
		h = 31*h + uint32(r)
	}
	return h
}

// improve is scala.collection.immutable.HashMap.improve (Scala 2.12), on 32 bits.
func improve(h uint32) uint32 {
	h += ^(h << 9)
	h ^= h >> 14
	h += h << 4
	h ^= h >> 10
	return h
}

// trieKey reverses the 5-bit groups of h (bits 0–4 become the most significant group), so that
// comparing trie keys as integers compares trie paths level by level: 32 bits are 7 groups, the last
// one 2 bits wide.
func trieKey(h uint32) uint64 {
	var k uint64
	for level := 0; level < 7; level++ {
		k = k<<5 | uint64(h>>(5*level)&31)
	}
	return k
}
