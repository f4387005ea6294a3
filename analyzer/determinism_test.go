package analyzer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// writeDataset writes a CSV with numeric, categorical, high-cardinality and boolean columns and
// some nulls, with a fixed seed.
func writeDataset(t *testing.T, path string, rows int, seed uint64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	r := rand.New(rand.NewPCG(seed, 1))
	fmt.Fprintln(w, "id,x,y,cat,user,flag,mixed")
	for i := 0; i < rows; i++ {
		y := ""
		if r.IntN(50) != 0 {
			y = fmt.Sprint(r.IntN(1000) - 100)
		}
		mixed := fmt.Sprint(r.IntN(10))
		if r.IntN(1000) == 0 {
			mixed = "n/a"
		}
		fmt.Fprintf(w, "%d,%g,%s,c%d,u%d,%t,%s\n", i, r.NormFloat64()*10+math.Pi, y, r.IntN(7), r.IntN(1e6), r.IntN(2) == 0, mixed)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
}

func runBaselineDir(t *testing.T, in string, parallelism, chunkSize int) (stats, cons []byte) {
	t.Helper()
	out := t.TempDir()
	cfg := DefaultConfig()
	cfg.DatasetSource, cfg.OutputPath, cfg.OutputMessageFile = in, out, ""
	cfg.DatasetFormat, _ = ParseFormat(`{"csv": {"header": true}}`)
	cfg.Parallelism, cfg.ChunkSize = parallelism, chunkSize
	if o := Run(t.Context(), cfg, testLogger(t)); o.Status != Completed {
		t.Fatalf("parallelism %d chunk %d: %v %s", parallelism, chunkSize, o.Status, o.Message)
	}
	s, err := os.ReadFile(filepath.Join(out, StatisticsFile))
	if err != nil {
		t.Fatal(err)
	}
	c, err := os.ReadFile(filepath.Join(out, ConstraintsFile))
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// TestSameBytesAnyCoreCount: the output bytes do not depend on GOMAXPROCS or on how many chunks
// are profiled at once (issue acceptance: "the same result with GOMAXPROCS=1 and with all cores").
func TestSameBytesAnyCoreCount(t *testing.T) {
	in := t.TempDir()
	rows := 60000
	if testing.Short() {
		rows = 15000
	}
	writeDataset(t, filepath.Join(in, "part-0.csv"), rows, 1)
	writeDataset(t, filepath.Join(in, "part-1.csv"), rows/3, 2)
	const chunk = 64 << 10 // many chunks per file
	prev := runtime.GOMAXPROCS(1)
	s1, c1 := runBaselineDir(t, in, 1, chunk)
	runtime.GOMAXPROCS(max(prev, 4))
	s4, c4 := runBaselineDir(t, in, 4, chunk)
	s9, c9 := runBaselineDir(t, in, 9, chunk)
	runtime.GOMAXPROCS(prev)
	if !bytes.Equal(s1, s4) || !bytes.Equal(s1, s9) {
		t.Errorf("statistics.json differs between 1, 4 and 9 workers: %s", firstDiff(s4, s1))
	}
	if !bytes.Equal(c1, c4) || !bytes.Equal(c1, c9) {
		t.Errorf("constraints.json differs between 1, 4 and 9 workers")
	}
}

// TestChunkingKeepsExactFields: profiling in many chunks and in one chunk gives identical exact
// statistics (counts, types, extremes, distinct estimates, categorical buckets, constraints), and
// sums and moments that agree to rounding.
func TestChunkingKeepsExactFields(t *testing.T) {
	in := t.TempDir()
	writeDataset(t, filepath.Join(in, "d.csv"), 40000, 3)
	sMany, cMany := runBaselineDir(t, in, 3, 16<<10)
	sOne, cOne := runBaselineDir(t, in, 3, 1<<30)
	if !bytes.Equal(cMany, cOne) {
		t.Errorf("constraints differ between chunked and single-chunk runs")
	}
	var many, one statsDoc
	if err := json.Unmarshal(sMany, &many); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(sOne, &one); err != nil {
		t.Fatal(err)
	}
	if many.Dataset.ItemCount != one.Dataset.ItemCount || len(many.Features) != len(one.Features) {
		t.Fatalf("item counts or feature lists differ")
	}
	for i := range one.Features {
		a, b := many.Features[i], one.Features[i]
		if a.Name != b.Name || a.InferredType != b.InferredType {
			t.Errorf("feature %d: %s/%s vs %s/%s", i, a.Name, a.InferredType, b.Name, b.InferredType)
			continue
		}
		if a.Num != nil {
			if a.Num.Common != b.Num.Common || a.Num.Min != b.Num.Min || a.Num.Max != b.Num.Max || a.Num.Distinct != b.Num.Distinct {
				t.Errorf("%s: exact numeric fields differ: %+v vs %+v", a.Name, a.Num, b.Num)
			}
			if !approxEqual(a.Num.Sum, b.Num.Sum) || !approxEqual(a.Num.Mean, b.Num.Mean) || !approxEqual(a.Num.StdDev, b.Num.StdDev) {
				t.Errorf("%s: sum/mean/std_dev disagree beyond rounding: %+v vs %+v", a.Name, a.Num, b.Num)
			}
		}
		if !bytes.Equal(a.Str, b.Str) {
			t.Errorf("%s: string statistics differ: %s vs %s", a.Name, a.Str, b.Str)
		}
	}
}

func approxEqual(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

type statsDoc struct {
	Dataset struct {
		ItemCount int64 `json:"item_count"`
	}
	Features []struct {
		Name         string
		InferredType string `json:"inferred_type"`
		Num          *struct {
			Common struct {
				NumPresent int64 `json:"num_present"`
				NumMissing int64 `json:"num_missing"`
			}
			Mean     float64
			Sum      float64
			StdDev   float64 `json:"std_dev"`
			Min, Max float64
			Distinct int64 `json:"approximate_num_distinct_values"`
		} `json:"numerical_statistics"`
		Str json.RawMessage `json:"string_statistics"`
	}
}
