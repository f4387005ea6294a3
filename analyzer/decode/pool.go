package decode

import (
	"math/bits"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Pool is a memory.Allocator that recycles the large buffers of released record batches.
//
// Every chunk of a text file (CSV, JSON Lines, capture) becomes a batch whose offsets, bytes and
// validity take about twice the chunk's size, and the chunk itself is read into a buffer; with the Go allocator each of them is fresh memory that the runtime zeroes and the
// kernel faults in page by page, and the garbage collector runs once per few chunks to reclaim them.
// A batch lives only until its chunk is profiled, so a handful of buffers, recycled, carry a whole
// file. Pool keeps freed buffers of at least poolMinSize bytes in size classes a quarter of a power
// of two apart (at most 25 % over the request) and hands them out again without zeroing: its
// callers (strCol, the splitters, the Parquet reader) write every byte they expose. Small buffers go to the Go allocator. At most max
// bytes are kept; beyond that, freed buffers are left to the garbage collector, so a Pool never
// holds more than the peak of buffers in use plus max.
//
// A Pool is safe for concurrent use. Batches built with it must be released exactly once, and no
// one may keep a string or slice of their data past the release (the stats package clones what it
// keeps); the invariants build poisons freed buffers so that a violation shows up in tests.
type Pool struct {
	mu    sync.Mutex
	free  [poolClasses][][]byte
	bytes int // bytes held in free
	max   int
	// out is the bytes of size-class buffers handed out and not yet freed (tests: a buffer that
	// is never given back costs a fresh allocation per use).
	out int
}

const (
	// poolMinSize is the smallest buffer Pool recycles: below it the Go allocator is cheap.
	poolMinSize = 64 << 10
	// poolClasses covers sizes up to 2^(poolMinShift+poolClasses/4) bytes (4 GiB).
	poolClasses  = 4 * (32 - poolMinShift)
	poolMinShift = 16 // log2(poolMinSize)
)

// NewPool returns a Pool that keeps at most max bytes of freed buffers.
func NewPool(max int) *Pool { return &Pool{max: max} }

// poolClass returns the size class of a request of size bytes (≥ poolMinSize) and that class's
// buffer size: the smallest (4+q)·2^(e-2), q = 1…4, that holds size, with 2^(e-1) < size ≤ 2^e.
// It returns -1 for sizes beyond the largest class.
func poolClass(size int) (class, classSize int) {
	e := bits.Len(uint(size - 1)) // 2^(e-1) < size ≤ 2^e
	step := 1 << (e - 3)          // a quarter of 2^(e-1)
	q := (size - (1 << (e - 1)) + step - 1) / step
	class = 4*(e-1-poolMinShift) + q - 1
	if class < 0 || class >= poolClasses {
		return -1, 0
	}
	return class, (4 + q) * step
}

// Allocate returns a buffer of len size. Recycled buffers are not zeroed.
func (p *Pool) Allocate(size int) []byte {
	if size < poolMinSize {
		return make([]byte, size)
	}
	class, classSize := poolClass(size)
	if class < 0 {
		return make([]byte, size)
	}
	p.mu.Lock()
	p.out += classSize
	if f := p.free[class]; len(f) > 0 {
		b := f[len(f)-1]
		f[len(f)-1] = nil
		p.free[class] = f[:len(f)-1]
		p.bytes -= cap(b)
		p.mu.Unlock()
		return b[:size]
	}
	p.mu.Unlock()
	return make([]byte, size, classSize)
}

// Reallocate returns a buffer of len size holding b's bytes (b itself if it has the capacity) and
// frees b otherwise.
func (p *Pool) Reallocate(size int, b []byte) []byte {
	if size <= cap(b) {
		return b[:size]
	}
	nb := p.Allocate(size)
	copy(nb, b)
	p.Free(b)
	return nb
}

// Free takes b back for reuse if it came from a size class and the pool has room.
func (p *Pool) Free(b []byte) {
	c := cap(b)
	if c < poolMinSize {
		return
	}
	class, classSize := poolClass(c)
	if class < 0 || classSize != c {
		return // not one of ours (or an odd size): leave it to the garbage collector
	}
	b = b[:c]
	if invariants {
		poison(b)
	}
	p.mu.Lock()
	p.out -= c
	if p.bytes+c <= p.max {
		p.free[class] = append(p.free[class], b)
		p.bytes += c
	}
	p.mu.Unlock()
}

// outstanding returns the bytes of size-class buffers handed out and not yet freed.
func (p *Pool) outstanding() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out
}

// release is Free for a buffer that may be nil, to a pool that may be nil.
func (p *Pool) release(b []byte) {
	if p != nil && b != nil {
		p.Free(b)
	}
}

var _ memory.Allocator = (*Pool)(nil)

// poison overwrites a freed buffer so that a reader holding on to it sees garbage.
func poison(b []byte) {
	for i := range b {
		b[i] = 0xA5
	}
}
