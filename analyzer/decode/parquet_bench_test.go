package decode

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// pqBenchCategories is the low-cardinality string column's vocabulary (20 values).
var pqBenchCategories = []string{"books", "music", "toys", "garden", "tools", "sports", "food", "beauty",
	"auto", "baby", "health", "games", "office", "pets", "shoes", "home", "movies", "jewelry", "outdoor", "tech"}

var pqBenchFiles sync.Map // "rows/nulls" -> []byte

// pqBenchFile is the file docs/parquet-choice.md measured, at a given size: int64, float64,
// low- and high-cardinality strings and a bool, snappy, dictionary pages, 256Ki-row row groups,
// optionally 10% nulls in every column. Seeded, so every run reads the same bytes.
func pqBenchFile(b *testing.B, rows int, nulls bool) []byte {
	key := fmt.Sprint(rows, nulls)
	if v, ok := pqBenchFiles.Load(key); ok {
		return v.([]byte)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: nulls},
		{Name: "price", Type: arrow.PrimitiveTypes.Float64, Nullable: nulls},
		{Name: "category", Type: arrow.BinaryTypes.String, Nullable: nulls},
		{Name: "user", Type: arrow.BinaryTypes.String, Nullable: nulls},
		{Name: "flag", Type: arrow.FixedWidthTypes.Boolean, Nullable: nulls},
	}, nil)
	bld := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer bld.Release()
	isNull := func() bool { return nulls && rng.IntN(10) == 0 }
	var recs []arrow.RecordBatch
	for start := 0; start < rows; start += 1 << 16 {
		for i := start; i < min(rows, start+1<<16); i++ {
			if isNull() {
				bld.Field(0).AppendNull()
			} else {
				bld.Field(0).(*array.Int64Builder).Append(int64(i)*7919 - 3_000_000)
			}
			if isNull() {
				bld.Field(1).AppendNull()
			} else {
				bld.Field(1).(*array.Float64Builder).Append(rng.NormFloat64()*25 + 100)
			}
			if isNull() {
				bld.Field(2).AppendNull()
			} else {
				bld.Field(2).(*array.StringBuilder).Append(pqBenchCategories[rng.IntN(len(pqBenchCategories))])
			}
			if isNull() {
				bld.Field(3).AppendNull()
			} else {
				bld.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("user-%016x", rng.Uint64()))
			}
			if isNull() {
				bld.Field(4).AppendNull()
			} else {
				bld.Field(4).(*array.BooleanBuilder).Append(rng.IntN(3) == 0)
			}
		}
		recs = append(recs, bld.NewRecordBatch())
	}
	data := pqWrite(b, pqWriteOpts{rowGroupRows: 1 << 18, dictionary: true}, recs...)
	for _, r := range recs {
		r.Release()
	}
	pqBenchFiles.Store(key, data)
	return data
}

// pqBenchSizes are the benchmarks' file sizes.
var pqBenchSizes = []struct {
	name string
	rows int
}{{"Small", 10_000}, {"Medium", 200_000}}

// BenchmarkReadParquet reads a whole generated file through ReadParquet (decode, normalise,
// yield, release), one core's worth of work per op. cpu-MB/s counts process CPU time, GC
// included, so it holds up on a loaded machine. Compare runs with:
//
//	go test -run '^$' -bench ReadParquet -benchmem -count 6 ./analyzer/decode/ > new.txt
//	benchstat old.txt new.txt
func BenchmarkReadParquet(b *testing.B) {
	for _, size := range pqBenchSizes {
		for _, nulls := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/nulls=%v", size.name, nulls), func(b *testing.B) {
				data := pqBenchFile(b, size.rows, nulls)
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuTime()
				for range b.N {
					rows := 0
					err := ReadParquet("bench.parquet", bytes.NewReader(data), 0, nil, func(_ int, rec arrow.RecordBatch) error {
						rows += int(rec.NumRows())
						return nil
					})
					if err != nil || rows != size.rows {
						b.Fatalf("read %d rows, err %v", rows, err)
					}
				}
				b.ReportMetric(float64(size.rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				reportCPU(b, cpu0, len(data))
			})
		}
	}
}

// BenchmarkReadParquetPqarrow does the same work with arrow-go's pqarrow reader (the reader
// ReadParquet replaced): read each row group in batches of 65536 rows and normalise them with the
// same rules. It keeps the before/after comparison of docs/parquet-choice.md reproducible in one
// run, side by side:
//
//	go test -run '^$' -bench 'ReadParquet' -benchmem -count 6 ./analyzer/decode/
func BenchmarkReadParquetPqarrow(b *testing.B) {
	for _, size := range pqBenchSizes {
		for _, nulls := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/nulls=%v", size.name, nulls), func(b *testing.B) {
				data := pqBenchFile(b, size.rows, nulls)
				b.SetBytes(int64(len(data)))
				b.ReportAllocs()
				b.ResetTimer()
				cpu0 := cpuTime()
				for range b.N {
					if rows := pqarrowReadAll(b, data); rows != size.rows {
						b.Fatalf("read %d rows", rows)
					}
				}
				b.ReportMetric(float64(size.rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				reportCPU(b, cpu0, len(data))
			})
		}
	}
}

// pqarrowReadAll reads and normalises a flat file with pqarrow, batch by batch, as the reader
// before this one did, and returns the rows read.
func pqarrowReadAll(b *testing.B, data []byte) int {
	mem := memory.DefaultAllocator
	pr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		b.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: DefaultParquetBatchRows}, mem)
	if err != nil {
		b.Fatal(err)
	}
	sc, err := fr.Schema()
	if err != nil {
		b.Fatal(err)
	}
	plan, err := newPQPlan(sc)
	if err != nil {
		b.Fatal(err)
	}
	rr, err := fr.GetRecordReader(context.Background(), nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer rr.Release()
	rows := 0
	for rr.Next() {
		rec := rr.RecordBatch()
		cols, err := plan.normalise(rec.Columns(), mem)
		if err != nil {
			b.Fatal(err)
		}
		out := array.NewRecordBatch(plan.schema, cols, rec.NumRows())
		for _, c := range cols {
			c.Release()
		}
		rows += int(out.NumRows())
		out.Release()
	}
	if err := rr.Err(); err != nil {
		b.Fatal(err)
	}
	return rows
}
