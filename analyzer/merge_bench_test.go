package analyzer

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/stats"
)

// benchUnit profiles rows of a table with numeric (typed float64, as Parquet gives them),
// low-cardinality string (≤ 50 values) and high-cardinality string (ids) columns: the shape of one
// merge unit. 256 MiB of a 100-column CSV is about 300,000 rows; the KLL sketches are at their
// working size long before that.
func benchUnit(b *testing.B, seed uint64, rows, numeric, lowCard, highCard int) *stats.Profile {
	b.Helper()
	r := rand.New(rand.NewPCG(seed, 1))
	p := stats.NewProfile()
	p.TrackValues(nil)
	const batch = 1 << 14
	for done := 0; done < rows; done += batch {
		n := min(batch, rows-done)
		var fields []arrow.Field
		var cols []arrow.Array
		for c := range numeric {
			fb := array.NewFloat64Builder(memory.DefaultAllocator)
			for range n {
				fb.Append(r.NormFloat64()*float64(c+1) + float64(c))
			}
			fields = append(fields, arrow.Field{Name: "n" + strconv.Itoa(c), Type: arrow.PrimitiveTypes.Float64, Nullable: true})
			cols = append(cols, fb.NewArray())
		}
		for c := range lowCard + highCard {
			sb := array.NewStringBuilder(memory.DefaultAllocator)
			for range n {
				if c < lowCard {
					sb.Append("v" + strconv.Itoa(r.IntN(50)))
				} else {
					sb.Append("id-" + strconv.FormatUint(r.Uint64(), 36))
				}
			}
			fields = append(fields, arrow.Field{Name: "s" + strconv.Itoa(c), Type: arrow.BinaryTypes.String, Nullable: true})
			cols = append(cols, sb.NewArray())
		}
		rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
		chunk := stats.NewProfile()
		chunk.TrackValues(nil)
		if err := chunk.Add(rec); err != nil {
			b.Fatal(err)
		}
		rec.Release()
		p.Merge(chunk)
	}
	return p
}

// BenchmarkPartialSize reports the encoded size of one unit's accumulators per feature, by kind:
// numeric (moments, extremes, HLL++ registers and the KLL sketch), low-cardinality string (HLL++
// and exact category counts) and high-cardinality string (HLL++ only; exact counts dropped). The
// size does not grow with rows: compare rows=10k and rows=300k.
//
//	go test ./analyzer/ -run '^$' -bench BenchmarkPartialSize -benchtime 1x
func BenchmarkPartialSize(b *testing.B) {
	for _, rows := range []int{10_000, 300_000} {
		for _, kind := range []struct {
			name           string
			num, low, high int
		}{{"numeric", 10, 0, 0}, {"low-cardinality", 0, 10, 0}, {"high-cardinality", 0, 0, 10}} {
			b.Run(fmt.Sprintf("%s/rows=%d", kind.name, rows), func(b *testing.B) {
				p := benchUnit(b, 1, rows, kind.num, kind.low, kind.high)
				var enc []byte
				for b.Loop() {
					var err error
					if enc, err = p.MarshalBinary(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(len(enc))/10, "B/feature")
			})
		}
	}
}

// BenchmarkMerge1000Partials merges 1,000 partial profiles of one unit each, 100 features per
// unit (70 numeric, 20 low- and 10 high-cardinality strings, 100,000 rows per unit), from local
// files: the merge job of a 1,000-shard run (or of 1,000 units of 256 MiB, 250 GB of input),
// including reading, checksums, decoding, the 999 in-order merges and finishing the features.
//
//	go test ./analyzer/ -run '^$' -bench BenchmarkMerge1000Partials -benchtime 1x
func BenchmarkMerge1000Partials(b *testing.B) {
	const n, distinct = 1000, 4
	dir := b.TempDir()
	var units []*stats.Profile
	for i := range distinct {
		units = append(units, benchUnit(b, uint64(i+10), 100_000, 70, 20, 10))
	}
	want := partialHeader{FormatVersion: PartialFormatVersion, Version: Version, Kind: kindBaseline,
		DatasetFormat: formatJSON(Format{Kind: FormatParquet}), DatasetSource: "s3://bench/data/", Tracked: trackedFingerprint(nil),
		UnitSize: DefaultUnitSize, ChunkSize: defaultChunkSize, Listing: make([]byte, 32), Files: n, Bytes: n * DefaultUnitSize, Units: n}
	var total int64
	for i := range n {
		h := want
		h.Index, h.Count, h.First, h.End = i, n, i, i+1
		f, err := os.Create(filepath.Join(dir, partialName(i, n)))
		if err != nil {
			b.Fatal(err)
		}
		pw, err := newPartialWriter(f, &h)
		if err == nil {
			err = pw.unit(i, unitProfile{profile: units[i%distinct]})
		}
		if err == nil {
			err = pw.close(inputColumns{})
		}
		if err != nil {
			b.Fatal(err)
		}
		fi, _ := f.Stat()
		total += fi.Size()
		f.Close()
	}
	log := testLogger(b)
	for b.Loop() {
		cfg := DefaultConfig()
		cfg.Sharding = Sharding{Merge: true, Partials: dir}
		start := time.Now()
		ds, _, _, err := mergePartials(context.Background(), &cfg, want, nil, log)
		if err != nil {
			b.Fatal(err)
		}
		if f := ds.profile.Features(); len(f) != 100 || ds.profile.Rows != n*100_000 {
			b.Fatalf("%d features, %d rows", len(f), ds.profile.Rows)
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/merge")
	}
	b.SetBytes(total)
	b.ReportMetric(float64(total)/n, "B/partial")
}
