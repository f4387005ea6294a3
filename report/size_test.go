package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/driftwatch/driftwatch/stats/kll"
)

// sizeBudget is issue 5's budget for a page of 100 features, the echarts library included.
const sizeBudget = 2_000_000 // bytes

// genStats writes a statistics.json of n features over rows rows: 7 in 10 numeric (normal, with
// a KLL sketch built by stats/kll as the analyzer does), 3 in 10 categorical with 25 values.
// shift moves every numeric mean by shift standard deviations and skews the categories, so that
// a current file differs from its baseline. Fixed seed: the same arguments give the same file.
func genStats(n, rows int, shift float64) []byte {
	r := rand.New(rand.NewPCG(uint64(n), uint64(rows)))
	type obj = map[string]any
	var features []obj
	for i := range n {
		name := fmt.Sprintf("feature_%04d_measurement", i)
		if i%10 >= 7 {
			counts := make([]int64, 25)
			for range rows {
				j := int(r.ExpFloat64() * (6 + 4*shift))
				counts[min(j, 24)]++
			}
			var buckets []obj
			for j, c := range counts {
				if c > 0 {
					buckets = append(buckets, obj{"value": fmt.Sprintf("category-%02d", j), "count": c})
				}
			}
			features = append(features, obj{"name": name, "inferred_type": "String", "string_statistics": obj{
				"common": obj{"num_present": rows, "num_missing": 0}, "distinct_count": float64(len(buckets)), "completeness": 1.0,
				"distribution": obj{"categorical": obj{"buckets": buckets}}}})
			continue
		}
		s := kll.New()
		mean, sd := float64(i)*10, 1+float64(i%7)
		lo, hi, sum := 1e300, -1e300, 0.0
		for range rows {
			x := mean + sd*(r.NormFloat64()+shift)
			s.Update(x)
			lo, hi, sum = min(lo, x), max(hi, x), sum+x
		}
		var buckets []obj
		for _, b := range s.Buckets(lo, hi, 10) {
			buckets = append(buckets, obj{"lower_bound": b.Lower, "upper_bound": b.Upper, "count": b.Count})
		}
		features = append(features, obj{"name": name, "inferred_type": "Fractional", "numerical_statistics": obj{
			"common": obj{"num_present": rows, "num_missing": 0}, "mean": sum / float64(rows), "sum": sum, "std_dev": sd,
			"min": lo, "max": hi, "approximate_num_distinct_values": rows, "completeness": 1.0,
			"distribution": obj{"kll": obj{"buckets": buckets, "sketch": obj{
				"parameters": obj{"c": kll.DefaultC, "k": float64(kll.DefaultK)}, "data": s.Levels()}}}}})
	}
	b, err := json.Marshal(obj{"version": 0.0, "dataset": obj{"item_count": rows}, "features": features})
	if err != nil {
		panic(err)
	}
	return b
}

// genInput is a monitoring input of n features, drifted by half a standard deviation.
func genInput(n, rows int) Input {
	return Input{Current: genStats(n, rows, 0.5), Baseline: genStats(n, rows, 0),
		Outcome: "Completed: Job completed successfully with no violations."}
}

func renderedSize(t testing.TB, in Input) int {
	t.Helper()
	m, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	var w countWriter
	if err := Render(&w, m); err != nil {
		t.Fatal(err)
	}
	return int(w)
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

// TestSize checks issue 5's budget (< 2 MB for 100 features, library included), that the page
// grows linearly with the features, and that it does not grow with the rows.
func TestSize(t *testing.T) {
	needEcharts(t)
	if testing.Short() {
		t.Skip("builds 1,000-feature reports")
	}
	lib, err := assetFS.ReadFile(echartsPath)
	if err != nil {
		t.Fatal(err)
	}
	sizes := map[int]int{}
	for _, n := range []int{10, 100, 1000} {
		sizes[n] = renderedSize(t, genInput(n, 3000))
		t.Logf("%5d features: %9d bytes, %6d bytes per feature beyond echarts (%d bytes)",
			n, sizes[n], (sizes[n]-len(lib))/n, len(lib))
	}
	if sizes[100] >= sizeBudget {
		t.Errorf("100 features: %d bytes, budget %d", sizes[100], sizeBudget)
	}
	// Linear growth: the cost of each feature from 100 to 1,000 is the cost from 10 to 100,
	// within 25 % (longer ids and a few wider numbers account for a few per cent).
	small := float64(sizes[100]-sizes[10]) / 90
	large := float64(sizes[1000]-sizes[100]) / 900
	if ratio := large / small; ratio < 0.8 || ratio > 1.25 {
		t.Errorf("per-feature size %.0f bytes from 10 to 100 features but %.0f from 100 to 1,000: not linear", small, large)
	}

	// Rows: 100 times more rows (so that the sketches compact) leave the page the same size
	// within 2 %: only a few numbers get wider.
	few, many := renderedSize(t, genInput(100, 1000)), renderedSize(t, genInput(100, 100_000))
	t.Logf("100 features: %d bytes at 1,000 rows, %d bytes at 100,000 rows", few, many)
	if d := float64(many-few) / float64(few); d > 0.02 || d < -0.02 {
		t.Errorf("size changes by %.1f%% with 100 times the rows", 100*d)
	}
}

// BenchmarkRender measures Build and Render of a 100-feature monitoring report.
//
//	go test -run '^$' -bench Render -benchmem ./report/ | tee new.txt; benchstat old.txt new.txt
func BenchmarkRender(b *testing.B) {
	needEcharts(b)
	in := genInput(100, 3000)
	b.ReportAllocs()
	var size int
	for b.Loop() {
		m, err := Build(in)
		if err != nil {
			b.Fatal(err)
		}
		var buf bytes.Buffer
		if err := Render(&buf, m); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.SetBytes(int64(size))
	b.ReportMetric(float64(size)/100, "B/feature")
}
