package decode

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var pqWriteSeeds = flag.Bool("parquet.write-seeds", false, "rewrite testdata/fuzz/FuzzReadParquet from pqFuzzSeeds")

// pqFuzzSeeds are small inputs covering the reader's paths: a valid file with flat, nested and
// list columns in two row groups, the same with dictionary pages, and broken framings.
func pqFuzzSeeds(t testing.TB) map[string][]byte {
	t.Helper()
	js := func(dt arrow.DataType, s string) arrow.Array {
		a, _, err := array.FromJSON(memory.DefaultAllocator, dt, strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	st := arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		arrow.Field{Name: "y", Type: arrow.BinaryTypes.String, Nullable: true})
	cols := []arrow.Array{
		js(arrow.PrimitiveTypes.Int64, `[1, null, 3, 4]`),
		js(arrow.PrimitiveTypes.Float32, `[0.5, 1, null, "NaN"]`),
		js(arrow.BinaryTypes.String, `["a", "bb", null, "a"]`),
		js(&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, `[0, null, -1, 1730050771000000]`),
		js(&arrow.Decimal128Type{Precision: 9, Scale: 2}, `["1.50", null, "-0.01", "0"]`),
		js(st, `[{"x": 1, "y": "p"}, null, {"x": null, "y": "q"}, {"x": 2, "y": null}]`),
		js(arrow.ListOf(arrow.PrimitiveTypes.Int16), `[[1, 2], [], null, [null]]`),
		js(arrow.MapOf(arrow.BinaryTypes.String, arrow.FixedWidthTypes.Boolean), `[[{"key": "k", "value": true}], null, [], []]`),
	}
	fields := make([]arrow.Field, len(cols))
	for i, c := range cols {
		defer c.Release()
		fields[i] = arrow.Field{Name: fmt.Sprintf("c%d", i), Type: c.DataType(), Nullable: true}
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 4)
	defer rec.Release()
	plain := pqWrite(t, pqWriteOpts{rowGroupRows: 2}, rec)
	dict := pqWrite(t, pqWriteOpts{rowGroupRows: 2, dictionary: true}, rec)
	return map[string][]byte{
		"valid-plain":      plain,
		"valid-dictionary": dict,
		"truncated":        plain[:len(plain)*2/3],
		"bad-magic":        append([]byte("PAR0"), plain[4:]...),
		"framing-only":     []byte("PAR1\x00\x00\x00\x00PAR1"),
	}
}

// FuzzReadParquet checks that no input makes the reader panic, that every failure is a
// bad-input error naming the file, and that every batch it yields is consistent with
// ParquetColumns.
//
//	go test -run '^$' -fuzz FuzzReadParquet -fuzztime 60s ./analyzer/decode/
func FuzzReadParquet(f *testing.F) {
	for _, seed := range pqFuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "fuzz.parquet"
		sc, colsErr := ParquetColumns(name, bytes.NewReader(data))
		if colsErr != nil && (!errors.Is(colsErr, ErrBadInput) || !strings.Contains(colsErr.Error(), name)) {
			t.Fatalf("ParquetColumns: %v, want a bad-input error naming the file", colsErr)
		}
		for _, dicts := range []bool{false, true} {
			pqFuzzRead(t, name, data, sc, colsErr, dicts)
		}
	})
}

// pqFuzzRead is FuzzReadParquet's read of data, with dictionary arrays when dicts is set.
func pqFuzzRead(t *testing.T, name string, data []byte, sc *arrow.Schema, colsErr error, dicts bool) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	rows := 0
	err := pqReadDicts(name, data, 3, mem, dicts, func(_ int, rec arrow.RecordBatch) error {
		if sc == nil || (!rec.Schema().Equal(sc) && !dicts) {
			t.Fatalf("batch schema %v, ParquetColumns gave %v (%v)", rec.Schema(), sc, colsErr)
		}
		if rec.NumRows() < 1 || rec.NumRows() > 3 {
			t.Fatalf("batch of %d rows, want 1..3", rec.NumRows())
		}
		for i, col := range rec.Columns() {
			if col.Len() != int(rec.NumRows()) {
				t.Fatalf("column %d has %d rows in a batch of %d", i, col.Len(), rec.NumRows())
			}
			if v, ok := col.(interface{ ValidateFull() error }); ok { // string columns: offsets in range
				if err := v.ValidateFull(); err != nil {
					t.Fatalf("column %d: invalid array: %v", i, err)
				}
			}
			pqValues(t, col) // every cell is readable
		}
		rows += int(rec.NumRows())
		return nil
	})
	if err != nil {
		if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), name) {
			t.Fatalf("ReadParquet: %v, want a bad-input error naming the file", err)
		}
		return
	}
	if colsErr != nil {
		t.Fatalf("ReadParquet succeeded where ParquetColumns failed: %v", colsErr)
	}
	mem.AssertSize(t, 0)
}

// pqReadDicts is ReadParquet, with dictionary arrays (ParquetFile.Dictionaries) when dicts is set.
func pqReadDicts(name string, data []byte, batchRows int, mem memory.Allocator, dicts bool, yield func(int, arrow.RecordBatch) error) error {
	if !dicts {
		return ReadParquet(name, bytes.NewReader(data), batchRows, mem, yield)
	}
	pf, err := OpenParquet(name, bytes.NewReader(data))
	if err != nil {
		return err
	}
	pf.Dictionaries = true
	return pf.ReadGroups(bytes.NewReader(data), batchRows, mem, nil, nil, yield)
}

// TestParquetFuzzSeeds keeps the checked-in seed corpus in step with pqFuzzSeeds; run with
// go test ./analyzer/decode/ -run TestParquetFuzzSeeds -args -parquet.write-seeds to rewrite it.
func TestParquetFuzzSeeds(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzReadParquet")
	seeds := pqFuzzSeeds(t)
	if *pqWriteSeeds {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range seeds {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
			if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name := range seeds {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("seed %s missing from %s (run go test -run TestParquetFuzzSeeds -parquet.write-seeds): %v", name, dir, err)
		}
	}
}
