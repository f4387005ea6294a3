package decode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestPoolClass checks the size classes against their definition: the smallest size
// (4+q)·2^(e-3), q = 1…4, at least the request, at most 25 % over it, classes increasing.
func TestPoolClass(t *testing.T) {
	prevClass, prevSize := -1, 0
	for size := poolMinSize; size <= 1<<26; size += 1 + size/97 {
		class, cs := poolClass(size)
		if size == poolMinSize {
			if class != -1 {
				t.Fatalf("poolClass(%d) = %d, want -1 (2^16 itself is below the first class)", size, class)
			}
			continue
		}
		if cs < size || float64(cs) > 1.25*float64(size) {
			t.Fatalf("poolClass(%d) size %d: want within [size, 1.25·size]", size, cs)
		}
		if class < prevClass || (class == prevClass) != (cs == prevSize) {
			t.Fatalf("poolClass(%d) = (%d, %d) after (%d, %d): classes must grow with sizes", size, class, cs, prevClass, prevSize)
		}
		// A class's own size maps to itself: Free finds the class of a buffer by its capacity.
		if c2, s2 := poolClass(cs); c2 != class || s2 != cs {
			t.Fatalf("poolClass(%d) = (%d, %d), want (%d, %d)", cs, c2, s2, class, cs)
		}
		prevClass, prevSize = class, cs
	}
}

// TestPoolReuse checks that a freed buffer is handed out again for a request of its class, not for
// another class, and that the pool keeps no more than its bound.
func TestPoolReuse(t *testing.T) {
	p := NewPool(1 << 20)
	a := p.Allocate(300_000)
	if len(a) != 300_000 {
		t.Fatalf("len %d, want 300000", len(a))
	}
	p.Free(a)
	b := p.Allocate(290_000) // same class
	if unsafe.SliceData(b) != unsafe.SliceData(a) {
		t.Fatal("a request of the same class did not reuse the freed buffer")
	}
	c := p.Allocate(290_000) // pool empty again: fresh
	if unsafe.SliceData(c) == unsafe.SliceData(a) {
		t.Fatal("one buffer handed out twice")
	}
	p.Free(b)
	d := p.Allocate(100_000) // another class
	if unsafe.SliceData(d) == unsafe.SliceData(a) {
		t.Fatal("a buffer reused across size classes")
	}
	// Small buffers and foreign ones are not kept.
	p.Free(make([]byte, 1000))
	p.Free(make([]byte, 300_001))
	if p.bytes != cap(b) {
		t.Fatalf("pool holds %d bytes, want %d (only b)", p.bytes, cap(b))
	}
	// The bound: 1 MiB holds two ~384 KiB buffers, not three.
	bufs := [][]byte{p.Allocate(300_000), p.Allocate(300_000), p.Allocate(300_000), c, d}
	for _, x := range bufs {
		p.Free(x)
	}
	if p.bytes > p.max {
		t.Fatalf("pool holds %d bytes, bound %d", p.bytes, p.max)
	}
	// Reallocate within the capacity keeps the buffer; beyond it, copies and frees the old one.
	e := p.Allocate(70_000)
	copy(e, "hello")
	f := p.Reallocate(75_000, e)
	if unsafe.SliceData(f) != unsafe.SliceData(e) || len(f) != 75_000 {
		t.Fatal("Reallocate within the class capacity moved the buffer")
	}
	g := p.Reallocate(500_000, f)
	if string(g[:5]) != "hello" || len(g) != 500_000 {
		t.Fatalf("Reallocate lost the bytes: %q", g[:5])
	}
}

// TestPooledCSVSameBatches parses the same CSV with and without a Pool for both the chunks'
// buffers and the batches' buffers, releasing everything as the pipeline does, and compares every
// value: recycled, unzeroed memory must not show through (short fields are copied 16 bytes at a
// time, validity bits are or-ed in).
func TestPooledCSVSameBatches(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	var b bytes.Buffer
	b.WriteString("a,b,c\n")
	for i := range 40_000 {
		switch r.IntN(5) {
		case 0:
			fmt.Fprintf(&b, "%d,,\"q,%d\"\n", i, r.IntN(100))
		case 1:
			fmt.Fprintf(&b, ",%s,x\n", bytes.Repeat([]byte{'z'}, r.IntN(40)))
		default:
			fmt.Fprintf(&b, "%d,%.3f,%s\n", r.IntN(1000), r.Float64()*1e4, []string{"red", "green", "", "blue"}[r.IntN(4)])
		}
	}
	wide := b.Bytes()
	// Two columns of one-byte values and nulls: a chunk of 2 MiB holds ~600 k rows, so the validity
	// bitmaps (> 64 KiB) are recycled too, and must be cleared.
	b = bytes.Buffer{}
	b.WriteString("v,w\n")
	for range 1_500_000 {
		b.WriteString([]string{"7,\n", ",7\n", "7,7\n"}[r.IntN(3)])
	}
	for _, tc := range []struct {
		name  string
		data  []byte
		chunk int
	}{{"mixed", wide, 64 << 10}, {"narrow", b.Bytes(), 2 << 20}} {
		t.Run(tc.name, func(t *testing.T) { testPooledCSV(t, tc.data, tc.chunk) })
	}
}

func testPooledCSV(t *testing.T, data []byte, chunk int) {
	parse := func(pool *Pool) []string {
		opts := CSVOptions{Header: true, ChunkSize: chunk, Pool: pool}
		sp, err := NewCSVSplitter("t.csv", bytes.NewReader(data), opts)
		if err != nil {
			t.Fatal(err)
		}
		var mem memory.Allocator = memory.NewGoAllocator()
		if pool != nil {
			mem = pool
		}
		var out []string
		for {
			c, err := sp.Next()
			if errors.Is(err, io.EOF) {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			rec, err := ParseCSV(c, sp.Columns(), mem)
			c.Release()
			if err != nil {
				t.Fatal(err)
			}
			for k := range int(rec.NumCols()) {
				a := rec.Column(k).(*array.String)
				for i := range a.Len() {
					if a.IsNull(i) {
						out = append(out, "<null>")
					} else {
						out = append(out, strings.Clone(a.Value(i))) // the batch is released below
					}
				}
			}
			rec.Release()
		}
	}
	want := parse(nil)
	pool := NewPool(32 << 20)
	for round := range 3 { // later rounds run on recycled memory only
		got := parse(pool)
		if len(got) != len(want) {
			t.Fatalf("round %d: %d values, want %d", round, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("round %d: value %d = %q, want %q", round, i, got[i], want[i])
			}
		}
	}
	if pool.bytes == 0 {
		t.Fatal("nothing came back to the pool: the test did not exercise recycling")
	}
}

// TestPooledJSONLinesSameBatches is TestPooledCSVSameBatches for JSON Lines: chunks and batches on
// recycled memory must give the same values as fresh memory, round after round.
func TestPooledJSONLinesSameBatches(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	var b bytes.Buffer
	for i := range 60_000 {
		switch r.IntN(4) {
		case 0:
			fmt.Fprintf(&b, "{\"a\":%d,\"b\":null,\"c\":\"x%d\"}\n", i, r.IntN(50))
		case 1:
			fmt.Fprintf(&b, "{\"c\":\"%s\",\"d\":[%d,%d]}\n", strings.Repeat("q", r.IntN(30)), i, r.IntN(9))
		default:
			fmt.Fprintf(&b, "{\"a\":%.4f,\"b\":{\"x\":%t},\"c\":\"\"}\n", r.Float64()*100, r.IntN(2) == 0)
		}
	}
	data := b.Bytes()
	parse := func(pool *Pool) []string {
		sp := NewLineSplitter("t.jsonl", bytes.NewReader(data), 256<<10, pool)
		var mem memory.Allocator = memory.NewGoAllocator()
		if pool != nil {
			mem = pool
		}
		var out []string
		for {
			c, err := sp.Next()
			if errors.Is(err, io.EOF) {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			rec, err := ParseJSONLines(c, mem)
			c.Release()
			if err != nil {
				t.Fatal(err)
			}
			for k := range int(rec.NumCols()) {
				out = append(out, rec.ColumnName(k))
				a := rec.Column(k).(*array.String)
				for i := range a.Len() {
					if a.IsNull(i) {
						out = append(out, "<null>")
					} else {
						out = append(out, strings.Clone(a.Value(i)))
					}
				}
			}
			rec.Release()
		}
	}
	want := parse(nil)
	pool := NewPool(32 << 20)
	for round := range 3 {
		if got := parse(pool); !slices.Equal(got, want) {
			t.Fatalf("round %d: values on recycled memory differ from fresh memory", round)
		}
	}
	if pool.bytes == 0 {
		t.Fatal("nothing came back to the pool: the test did not exercise recycling")
	}
}
