package decode

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
)

// pqPoolFile writes rec with the given writer properties in row groups of 9,000 rows.
func pqPoolFile(t *testing.T, rec arrow.RecordBatch, props ...parquet.WriterProperty) []byte {
	t.Helper()
	return pqWrite(t, pqWriteOpts{rowGroupRows: 9000, props: props}, rec)
}

// pqCells returns the cells of a batch, strings cloned so that they outlive the batch.
func pqCells(t testing.TB, rec arrow.RecordBatch) map[string][]any {
	out := map[string][]any{}
	for i, f := range rec.Schema().Fields() {
		vals := pqValues(t, rec.Column(i))
		for j, v := range vals {
			if s, ok := v.(string); ok {
				vals[j] = strings.Clone(s)
			}
		}
		out[f.Name] = vals
	}
	return out
}

// pqBatchKey names a batch: file, row group, and first row within the row group.
type pqBatchKey struct {
	file, rg, first int
}

// TestParquetPoolRecycledMatchesFresh reads several files, row group by row group, on two
// goroutines sharing one Pool (as the pipeline does), and checks every cell against a read of the
// same files in fresh Go memory. Some batches are kept (Retain) until every read is done: their
// buffers must not be recycled while they are held, so their cells must still match at the end.
// The files cover PLAIN, dictionary, delta and byte-stream-split pages, block and stream codecs,
// page versions 1 and 2, nulls at every level and nested columns, with batches and pages large
// enough for the pool to recycle them. With -tags invariants, freed buffers are poisoned.
func TestParquetPoolRecycledMatchesFresh(t *testing.T) {
	rec := pqRandomBatch(t, 30000, 7)
	defer rec.Release()
	files := [][]byte{
		pqPoolFile(t, rec, parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDictionaryDefault(true)),
		pqPoolFile(t, rec, parquet.WithCompression(compress.Codecs.Uncompressed), parquet.WithDictionaryDefault(false)),
		pqPoolFile(t, rec, parquet.WithCompression(compress.Codecs.Zstd), parquet.WithDictionaryDefault(false),
			parquet.WithDataPageVersion(parquet.DataPageV2),
			parquet.WithEncodingFor("i64", parquet.Encodings.DeltaBinaryPacked),
			parquet.WithEncodingFor("s_high", parquet.Encodings.DeltaByteArray),
			parquet.WithEncodingFor("f64", parquet.Encodings.ByteStreamSplit)),
		pqPoolFile(t, rec, parquet.WithCompression(compress.Codecs.Lz4Raw), parquet.WithDictionaryDefault(true),
			parquet.WithDataPageSize(64<<10)),
	}
	const batchRows = 8500 // int64 values of a batch: 68,000 bytes, above the pool's smallest buffer

	// fresh Go memory, one whole-file read per file
	want := map[pqBatchKey]map[string][]any{}
	for fi, data := range files {
		first := map[int]int{}
		err := ReadParquet("fresh.parquet", bytes.NewReader(data), batchRows, nil, func(rg int, rec arrow.RecordBatch) error {
			want[pqBatchKey{fi, rg, first[rg]}] = pqCells(t, rec)
			first[rg] += int(rec.NumRows())
			return nil
		})
		if err != nil {
			t.Fatalf("file %d, fresh read: %v", fi, err)
		}
	}

	// recycled memory: one task per row group, two workers, one pool
	pool := NewPool(64 << 20)
	type task struct{ file, rg, groups int }
	var tasks []task
	for fi := range files {
		groups := (30000 + 8999) / 9000
		for rg := range groups {
			tasks = append(tasks, task{fi, rg, groups})
		}
	}
	var (
		mu   sync.Mutex
		got  = map[pqBatchKey]map[string][]any{}
		kept = map[pqBatchKey]arrow.RecordBatch{}
		errs []error
	)
	next := make(chan task)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for tk := range next {
				first := 0
				err := ReadParquetGroups("pooled.parquet", bytes.NewReader(files[tk.file]), batchRows, memory.DefaultAllocator, pool,
					func(g int) bool { return g == tk.rg },
					func(rg int, rec arrow.RecordBatch) error {
						key := pqBatchKey{tk.file, rg, first}
						first += int(rec.NumRows())
						mu.Lock()
						defer mu.Unlock()
						if key.first == 0 {
							rec.Retain() // read at the end, after many buffers went round the pool
							kept[key] = rec
							return nil
						}
						got[key] = pqCells(t, rec)
						return nil
					})
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("file %d row group %d: %w", tk.file, tk.rg, err))
					mu.Unlock()
				}
			}
		}()
	}
	for _, tk := range tasks {
		next <- tk
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		t.Error(err)
	}
	if pool.bytes == 0 {
		t.Fatal("nothing went back to the pool: the test does not exercise recycled memory")
	}
	// more reads through the same pool while the kept batches are still held
	for fi, data := range files {
		if err := ReadParquetGroups("again.parquet", bytes.NewReader(data), batchRows, nil, pool, nil,
			func(int, arrow.RecordBatch) error { return nil }); err != nil {
			t.Fatalf("file %d, second read: %v", fi, err)
		}
	}
	for key, rec := range kept {
		got[key] = pqCells(t, rec)
		rec.Release()
	}

	if len(got) != len(want) {
		t.Fatalf("%d batches read with the pool, %d in fresh memory", len(got), len(want))
	}
	cells := 0
	for key, w := range want {
		g, ok := got[key]
		if !ok {
			t.Fatalf("batch %+v missing from the pooled read", key)
		}
		cells += pqCompareCells(t, fmt.Sprintf("batch %+v, recycled memory", key), "fresh memory", g, w)
	}
	t.Logf("%d cells compared", cells)
}

// TestParquetPoolRetainedBatchSurvivesReuse checks that a retained batch read with a pool holds its
// values: releasing everything else and reusing every pooled buffer leaves it intact.
func TestParquetPoolRetainedBatchSurvivesReuse(t *testing.T) {
	rec := pqIDBatch(0, 40000)
	defer rec.Release()
	data := pqWrite(t, pqWriteOpts{rowGroupRows: 20000}, rec)
	pool := NewPool(64 << 20)
	var kept arrow.RecordBatch
	err := ReadParquetGroups("ids.parquet", bytes.NewReader(data), 20000, nil, pool, nil, func(rg int, rec arrow.RecordBatch) error {
		if rg == 0 {
			rec.Retain()
			kept = rec
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Release()
	// take every idle buffer and scribble over it, as the next reader would
	for c := range pool.free {
		for len(pool.free[c]) > 0 {
			b := pool.Allocate(cap(pool.free[c][len(pool.free[c])-1]))
			for i := range b {
				b[i] = 0x5A
			}
		}
	}
	ids := kept.Column(0).(*array.Int64)
	names := kept.Column(1).(*array.String)
	for i := range int(kept.NumRows()) {
		if ids.Value(i) != int64(i) {
			t.Fatalf("row %d: id %d after the pool's buffers were reused", i, ids.Value(i))
		}
		if i%7 != 0 && names.Value(i) != fmt.Sprintf("n%d", i) {
			t.Fatalf("row %d: name %q after the pool's buffers were reused", i, names.Value(i))
		}
	}
}

// TestParquetPoolBuffersComeBack: once a read has ended and its batches are released, every
// buffer it drew from the pool is back (Pool.outstanding is zero), with dictionary arrays and
// without, on dictionary-encoded and plain files. A buffer that is never given back costs a
// fresh allocation per batch: the dictionary indices' did, ~400 MB per GB of Parquet.
func TestParquetPoolBuffersComeBack(t *testing.T) {
	rec := pqRandomBatch(t, 40000, 11)
	defer rec.Release()
	// Row groups and batches of 20,000 rows: 80,000 bytes of indices, from the pool.
	files := [][]byte{
		pqWrite(t, pqWriteOpts{rowGroupRows: 20000, props: []parquet.WriterProperty{
			parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDictionaryDefault(true)}}, rec),
		pqWrite(t, pqWriteOpts{rowGroupRows: 20000, props: []parquet.WriterProperty{
			parquet.WithCompression(compress.Codecs.Uncompressed), parquet.WithDictionaryDefault(false)}}, rec),
	}
	for fi, data := range files {
		for _, dicts := range []bool{false, true} {
			pf, err := OpenParquet("pool.parquet", bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			pf.Dictionaries = dicts
			pool := NewPool(64 << 20)
			kept := 0
			err = pf.ReadGroups(bytes.NewReader(data), 20000, memory.DefaultAllocator, pool, nil, func(rg int, rec arrow.RecordBatch) error {
				for _, c := range rec.Columns() {
					if _, ok := c.(*array.Dictionary); ok {
						kept++
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if fi == 0 && dicts && kept == 0 {
				t.Fatal("no dictionary array in a dictionary-encoded file: the test misses its case")
			}
			if out := pool.outstanding(); out != 0 {
				t.Errorf("file %d, dictionaries %v: %d bytes of pool buffers not given back", fi, dicts, out)
			}
		}
	}
}
