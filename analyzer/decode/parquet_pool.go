package decode

// Recycled memory for the Parquet reader (ReadParquetGroups).
//
// A batch's decoded values are handed to its Arrow arrays without a copy where they need no
// conversion, so their storage lives as long as the arrays: a value buffer taken from the pool is
// wrapped in a memory.Buffer that frees it to the pool when the last array holding it is released
// (the record's release, after the consumer is done with it), and a value buffer that no array
// took (converted or gathered around nulls) is freed when the batch is built. Levels and scratch
// indices are the reader's own and go back when the read ends, with the column readers' chunk and
// page buffers. Nothing the reader hands out points into those: parquetfile copies every value into
// the batch, and dictionaries are decoded into memory of their own.

import (
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/analyzer/decode/parquetfile"
)

// pqAlloc returns a []T of len 0 and capacity at least n: from pool when it is set and the storage
// is large enough to be recycled, else from the Go allocator. Pool buffers are not zeroed; callers
// append to the slice, so they write every element they expose.
func pqAlloc[T any](pool *Pool, n int) []T {
	var z T
	size := int(unsafe.Sizeof(z))
	if pool == nil || n*size < poolMinSize {
		return make([]T, 0, n)
	}
	b := pool.Allocate(n * size)
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(b))), cap(b)/size)[:0]
}

// pqBytes is the storage of s as bytes: len(s) elements long, with s's whole capacity (which
// Pool.Free needs to recognise its buffers).
func pqBytes[T any](s []T) []byte {
	if cap(s) == 0 {
		return nil
	}
	var z T
	size := int(unsafe.Sizeof(z))
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), size*cap(s))[:size*len(s)]
}

// pqFree gives s's storage to pool (nothing when pool is nil). s must not be read afterwards.
func pqFree[T any](pool *Pool, s []T) {
	if pool != nil && cap(s) > 0 {
		pool.Free(pqBytes(s))
	}
}

// pqTake allocates storage of n values for the batch: from c.pool (remembered in c.own, so that
// endBatch or the array it is handed to frees it) when the column recycles its memory.
func pqTake[T any](c *pqColumn, n int) []T {
	s := pqAlloc[T](c.pool, n)
	if c.pool != nil && cap(s) > 0 {
		c.own = append(c.own, pqBytes(s[:cap(s)]))
	}
	return s
}

// buffer wraps b for an array. When b starts the pool storage of one of the batch's value slices,
// the buffer frees that storage to the pool on its last release, and endBatch leaves it alone;
// any other b (converted values, or storage that decoding grew with the Go allocator) is plain Go
// memory. A value slice is handed to one array at most.
func (c *pqColumn) buffer(b []byte) *memory.Buffer {
	if c.pool == nil || cap(b) == 0 {
		return memory.NewBufferBytes(b)
	}
	p := unsafe.SliceData(b)
	for _, h := range c.handed {
		if h == p {
			panic("decode: internal: a Parquet value buffer handed to two arrays")
		}
	}
	for i, o := range c.own {
		if unsafe.SliceData(o) == p {
			c.own[i] = c.own[len(c.own)-1]
			c.own = c.own[:len(c.own)-1]
			c.handed = append(c.handed, p)
			return memory.NewBufferWithAllocator(b[:len(b):cap(o)], c.pool)
		}
	}
	return memory.NewBufferBytes(b)
}

// endBatch frees the pool storage of the batch's values that no array took (including storage
// that decoding outgrew and copied away); the batch's values are cleared, so nothing reads them
// afterwards.
func (c *pqColumn) endBatch() {
	for _, o := range c.own {
		c.pool.Free(o)
	}
	clear(c.own)
	c.own, c.handed = c.own[:0], c.handed[:0]
	c.batch.Values = parquetfile.Values{}
}

// release frees the column's pool storage when the read ends.
func (c *pqColumn) release() {
	c.endBatch()
	c.pool.release(c.defOwn)
	c.batch.Def, c.batch.Rep, c.vpos, c.defOwn = nil, nil, nil, nil
	if c.dict != nil {
		c.dict.Release()
	}
	c.dictOf, c.dict = nil, nil
}
