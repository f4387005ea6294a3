package hll

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// TestHousingGolden reproduces the real container's HLL++ results: for every
// feature of the conformance pair aai540-scottreidux-housing, adding each
// non-empty raw CSV value as a string must give exactly the
// approximate_num_distinct_values (numeric features) or distinct_count
// (String features) in the statistics.json the container wrote for that CSV
// (contract §5.3, §5.4, §5.6). The expected numbers are read from that file.
func TestHousingGolden(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "conformance", "aai540-scottreidux-housing")
	f, err := os.Open(filepath.Join(dir, "train_data.csv"))
	if err != nil {
		skipOrFail(t, "housing conformance pair not available: "+err.Error())
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		t.Fatalf("train_data.csv header: %v", err)
	}
	sketches := make([]Sketch, len(header))
	rows := 0
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("train_data.csv: %v", err)
		}
		rows++
		for i, v := range rec {
			if v != "" { // empty CSV fields are nulls, which Deequ's update skips
				sketches[i].AddString(v)
			}
		}
	}

	b, err := os.ReadFile(filepath.Join(dir, "statistics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var stats struct {
		Features []struct {
			Name      string `json:"name"`
			Numerical *struct {
				ApproxDistinct *float64 `json:"approximate_num_distinct_values"`
			} `json:"numerical_statistics"`
			String *struct {
				DistinctCount *float64 `json:"distinct_count"`
			} `json:"string_statistics"`
		} `json:"features"`
	}
	if err := json.Unmarshal(b, &stats); err != nil {
		t.Fatal(err)
	}
	if len(stats.Features) != len(header) {
		t.Fatalf("statistics.json has %d features, train_data.csv %d columns", len(stats.Features), len(header))
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[h] = i
	}
	for _, feat := range stats.Features {
		t.Run(feat.Name, func(t *testing.T) {
			i, ok := col[feat.Name]
			if !ok {
				t.Fatalf("feature %q is not a CSV column", feat.Name)
			}
			var want *float64
			switch {
			case feat.Numerical != nil:
				want = feat.Numerical.ApproxDistinct
			case feat.String != nil:
				want = feat.String.DistinctCount
			}
			if want == nil {
				t.Fatal("statistics.json has no distinct count for this feature")
			}
			if got := sketches[i].Estimate(); float64(got) != *want {
				t.Errorf("Estimate() = %d over %d rows, container wrote %v", got, rows, *want)
			}
		})
	}
}
