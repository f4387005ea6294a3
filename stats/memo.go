package stats

import (
	"math/bits"
	"sync"

	"github.com/driftwatch/driftwatch/stats/dtype"
)

// The array-local tables of Column.addStrings: open addressing with linear probing, starting at
// minSlots slots and doubling up to maxSlots, the memo's once a quarter full (see inserted), the
// counts' once half full. Their slot arrays come from per-size pools, so profiling a chunk does
// not allocate them again.

const (
	// memoMaxLen is the longest value (in bytes) the memo keeps: two 64-bit words.
	memoMaxLen = 16
	// memoMinRows is the smallest array for which addStrings uses a memo: below it, setting the
	// table up costs more than it saves.
	memoMinRows = 256
	// memoProbe is the number of short values after which addStrings drops its memo if more
	// than 3/4 of them were distinct (after 4·memoProbe values: more than half).
	memoProbe = 256
	// memoBatch is the number of blocks of eight values addStrings has memoWords key at a time
	// (a 32-byte record per value: 4 KiB on the stack).
	memoBatch = 16

	minSlots = 64
	// maxSlots holds CategoryCap+1 entries at most half full: the tables never need more (the
	// memo, which doubles at a quarter, fills its last size past that).
	maxSlots = 4 * CategoryCap
	numSizes = 7 // minSlots << (numSizes-1) == maxSlots
)

// memoEntry is one distinct short value of an array: its bytes (zero-padded, little-endian) and
// length, its kind, cast value and XXH64, its number of occurrences (0: free slot) and the index
// of its first occurrence.
type memoEntry struct {
	w0, w1 uint64
	n      int64
	x      float64
	h      uint64
	first  int32
	ln     uint8
	k      dtype.Kind
	ok     bool
}

// memoTable maps short values to their memoEntry.
type memoTable struct {
	slots []memoEntry
	used  int
}

var memoPools [numSizes]sync.Pool

func sizeClass(slots int) int { return bits.TrailingZeros(uint(slots / minSlots)) }

func getMemoSlots(n int) []memoEntry {
	if p, ok := memoPools[sizeClass(n)].Get().(*[]memoEntry); ok {
		clear(*p)
		return *p
	}
	return make([]memoEntry, n)
}

func putMemoSlots(s []memoEntry) {
	if s != nil {
		memoPools[sizeClass(len(s))].Put(&s)
	}
}

func (m *memoTable) init()    { m.slots = getMemoSlots(minSlots) }
func (m *memoTable) release() { putMemoSlots(m.slots); m.slots = nil }

// find returns the entry of the value (w0, w1, l), or the free slot where it belongs.
func (m *memoTable) find(w0, w1 uint64, l uint8) (*memoEntry, bool) {
	j, e := m.at(memoHash(w0, w1))
	if e.holds(w0, w1, l) {
		return e, true
	}
	return m.probe(j, w0, w1, l)
}

// at returns the slot where the search for a value whose memoHash is h starts, and its index. With holds
// it is find's first probe, where a repeated value is found most of the time, in pieces small
// enough to be inlined into addStrings' loop, which calls probe only when it misses: a call per
// value there makes the loop spill and reload its live registers around it.
func (m *memoTable) at(h uint64) (uint64, *memoEntry) {
	j := h & uint64(len(m.slots)-1)
	return j, &m.slots[j]
}

// holds reports whether e is the entry of the value (w0, w1, l).
func (e *memoEntry) holds(w0, w1 uint64, l uint8) bool {
	return e.n != 0 && e.w0 == w0 && e.w1 == w1 && e.ln == l
}

// probe is find from slot j on. It is kept out of line: the miss path stays out of addStrings'
// loop.
//
//go:noinline
func (m *memoTable) probe(j, w0, w1 uint64, l uint8) (*memoEntry, bool) {
	mask := uint64(len(m.slots) - 1)
	for {
		e := &m.slots[j]
		if e.n == 0 {
			return e, false
		}
		if e.w0 == w0 && e.w1 == w1 && e.ln == l {
			return e, true
		}
		j = (j + 1) & mask
	}
}

// inserted records that a free slot returned by find was filled, doubling the table once it is
// a quarter full. memoHits and memoWords' batches only take a value found at the first slot its
// hash selects, the others take addStrings' loop one at a time: at half full, 4 of 70 two-digit
// integers (in 256 slots) and 9 of 47 (in 128) were not at their first slot, at a quarter 0 and
// 2 (a one-off count with memoHash). Doubling at a quarter took the 1 GB CSV job's CPU from
// 1.88–1.94 to 1.83–1.88 s (BENCHMARKS.md). Entry pointers from find are invalid afterwards.
func (m *memoTable) inserted() {
	m.used++
	if 4*m.used < len(m.slots) || len(m.slots) >= maxSlots {
		return
	}
	old := m.slots
	m.slots = getMemoSlots(2 * len(old))
	for i := range old {
		if old[i].n != 0 {
			e, _ := m.find(old[i].w0, old[i].w1, old[i].ln)
			*e = old[i]
		}
	}
	putMemoSlots(old)
}

// memoHash mixes a value's words into a slot hash (multiplicative hashing, then folding the high
// bits down, since the slot is taken from the low bits).
func memoHash(w0, w1 uint64) uint64 {
	h := w0*0x9E3779B97F4A7C15 ^ w1*0xC2B2AE3D27D4EB4F
	return h ^ h>>29 ^ h>>47
}

// countEntry is one distinct value of an array, by XXH64: its number of occurrences (0: free
// slot) and the index of its first occurrence.
type countEntry struct {
	h     uint64
	n     int64
	first int32
}

// countTable counts values by XXH64.
type countTable struct {
	slots []countEntry
	used  int
}

var countPools [numSizes]sync.Pool

func getCountSlots(n int) []countEntry {
	if p, ok := countPools[sizeClass(n)].Get().(*[]countEntry); ok {
		clear(*p)
		return *p
	}
	return make([]countEntry, n)
}

func putCountSlots(s []countEntry) {
	if s != nil {
		countPools[sizeClass(len(s))].Put(&s)
	}
}

func (t *countTable) init()    { t.slots = getCountSlots(minSlots) }
func (t *countTable) release() { putCountSlots(t.slots); t.slots = nil }

// add counts one occurrence of the value with hash h at index i and returns the number of
// distinct values counted. Once that exceeds CategoryCap the table stops growing and counting
// (the caller drops the exact counts).
func (t *countTable) add(h uint64, i int32) int {
	if t.used > CategoryCap {
		return t.used
	}
	mask := uint64(len(t.slots) - 1)
	// XXH64 output is uniform: its low bits make the slot (HLL++ uses the high ones).
	for j := h & mask; ; j = (j + 1) & mask {
		e := &t.slots[j]
		if e.n == 0 {
			*e = countEntry{h: h, n: 1, first: i}
			t.used++
			if 2*t.used >= len(t.slots) && len(t.slots) < maxSlots {
				t.grow()
			}
			return t.used
		}
		if e.h == h {
			e.n++
			return t.used
		}
	}
}

func (t *countTable) grow() {
	old := t.slots
	t.slots = getCountSlots(2 * len(old))
	mask := uint64(len(t.slots) - 1)
	for _, o := range old {
		if o.n == 0 {
			continue
		}
		j := o.h & mask
		for t.slots[j].n != 0 {
			j = (j + 1) & mask
		}
		t.slots[j] = o
	}
	putCountSlots(old)
}

// smallMax is the most entries a memo may hold for addStrings to compare values with all of them
// at once (smallHits) instead of looking each up: booleans, codes, a handful of categories.
const smallMax = 16

// smallLimit is the most entries for which addStrings uses smallHits (≤ smallMax; 0: never): a
// value is compared with the entries in turn, so the kernel's cost grows with their number, and
// past eight the memo's lookups were faster (BenchmarkSmallSets: 3.1× at 2 entries, 1.2× at 8,
// 0.89× at 12; BENCHMARKS.md). A variable so that tests and benchmarks can compare both paths.
var smallLimit = 8

// smallSet is the memo's entries as smallHits reads them (the layout is the assembly's): their
// words, lengths and numbers side by side, the kernel's count of matches per entry, and the
// slot of each entry in the memo's table. Entries 0 … dok-1 are those with a number to gather.
type smallSet struct {
	w0, w1 [smallMax]uint64
	ln     [smallMax]uint32
	x      [smallMax]float64
	n      [smallMax]int64
	slot   [smallMax]int32
	d, dok int
	used   int  // memo.used when built: an insertion (which may move entries) rebuilds it
	numOn  bool // addStrings' numOn when built: it decides dok
}

// build fills s from m's entries (at most smallMax): those with a number first when numOn, each
// group most frequent first, so that smallHits finds most blocks' values in its first entries.
func (s *smallSet) build(m *memoTable, numOn bool) {
	var order [smallMax]int32 // slots, in the set's order
	s.d, s.used, s.numOn = 0, m.used, numOn
	for pass := range 2 {
		start := s.d
		for j := range m.slots {
			e := &m.slots[j]
			if e.n == 0 || (numOn && e.ok) != (pass == 0) {
				continue
			}
			// Insertion by count, descending, within the pass's group.
			k := s.d
			for ; k > start && m.slots[order[k-1]].n < e.n; k-- {
				order[k] = order[k-1]
			}
			order[k] = int32(j)
			s.d++
		}
		if pass == 0 {
			s.dok = s.d
		}
	}
	for d, j := range order[:s.d] {
		e := &m.slots[j]
		s.w0[d], s.w1[d], s.ln[d], s.x[d], s.n[d], s.slot[d] = e.w0, e.w1, uint32(e.ln), e.x, 0, j
	}
}

// commit adds the matches smallHits counted to the memo's entries and clears them.
func (s *smallSet) commit(m *memoTable) {
	for e := range s.d {
		m.slots[s.slot[e]].n += s.n[e]
		s.n[e] = 0
	}
}
