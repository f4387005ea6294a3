package kll

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// statsFile is the part of statistics.json (contract §6.1) these tests read.
type statsFile struct {
	Features []struct {
		Name      string `json:"name"`
		Numerical *struct {
			Common struct {
				NumPresent int64 `json:"num_present"`
			} `json:"common"`
			Min          float64 `json:"min"`
			Max          float64 `json:"max"`
			Distribution struct {
				KLL struct {
					Buckets []struct {
						Lower float64 `json:"lower_bound"`
						Upper float64 `json:"upper_bound"`
						Count float64 `json:"count"`
					} `json:"buckets"`
					Sketch struct {
						Parameters struct {
							C float64 `json:"c"`
							K float64 `json:"k"`
						} `json:"parameters"`
						Data [][]float64 `json:"data"`
					} `json:"sketch"`
				} `json:"kll"`
			} `json:"distribution"`
		} `json:"numerical_statistics"`
	} `json:"features"`
}

func readStats(t *testing.T, path string) statsFile {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		skipOrFail(t, "fixture not available: %v", err)
	}
	var s statsFile
	must(t, json.Unmarshal(raw, &s))
	return s
}

// checkBuckets compares Buckets with the recorded ones, bit for bit.
func checkBuckets(t *testing.T, name string, s *Sketch, min, max float64, want statsFile, i int) {
	t.Helper()
	rec := want.Features[i].Numerical.Distribution.KLL.Buckets
	got := s.Buckets(min, max, len(rec))
	if len(rec) != 10 {
		t.Errorf("%s: %d buckets recorded, the analyzer writes 10", name, len(rec))
	}
	for j, b := range rec {
		g := got[j]
		if math.Float64bits(g.Lower) != math.Float64bits(b.Lower) || math.Float64bits(g.Upper) != math.Float64bits(b.Upper) ||
			math.Float64bits(g.Count) != math.Float64bits(b.Count) {
			t.Errorf("%s: bucket %d = %+v, want %+v", name, j, g, b)
		}
	}
}

// TestGoldenHousing reproduces the KLL section of the real container's statistics.json for the
// housing baseline (contract §14, FX:aai540-scottreidux-housing, one Spark partition) from its
// input CSV: every numeric column's non-empty values, parsed in file order, go into New(); Spark's
// final aggregation then merges that partition buffer into a fresh sketch; the levels must equal
// sketch.data and Buckets(state min, state max, 10) the recorded buckets, bit for bit.
func TestGoldenHousing(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "conformance", "aai540-scottreidux-housing")
	want := readStats(t, filepath.Join(dir, "statistics.json"))
	f, err := os.Open(filepath.Join(dir, "train_data.csv"))
	if err != nil {
		skipOrFail(t, "fixture not available: %v", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	must(t, err)
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	checked := 0
	for i, feat := range want.Features {
		if feat.Numerical == nil {
			continue
		}
		t.Run(feat.Name, func(t *testing.T) {
			kll := feat.Numerical.Distribution.KLL
			if kll.Sketch.Parameters.K != DefaultK || kll.Sketch.Parameters.C != DefaultC {
				t.Errorf("parameters %+v, want k=%d c=%v", kll.Sketch.Parameters, DefaultK, DefaultC)
			}
			c, ok := col[feat.Name]
			if !ok {
				t.Fatalf("column %q not in the CSV header", feat.Name)
			}
			part := New()
			var xs []float64
			for line, row := range rows[1:] {
				if row[c] == "" {
					continue
				}
				x, err := strconv.ParseFloat(row[c], 64)
				if err != nil {
					t.Fatalf("line %d: %v", line+2, err)
				}
				xs = append(xs, x)
				part.Update(x)
			}
			final := New()
			final.Merge(part)
			if err := sameBits(final.Levels(), kll.Sketch.Data); err != nil {
				t.Errorf("sketch.data: %v", err)
			}
			if got := final.Count(); got != feat.Numerical.Common.NumPresent {
				t.Errorf("Count() = %d, num_present %d", got, feat.Numerical.Common.NumPresent)
			}
			min, max := stateMinMax(xs)
			checkBuckets(t, feat.Name, final, min, max, want, i)
		})
		checked++
	}
	if checked != 8 { // the housing file has 8 numeric features (contract §14 / check_housing.py)
		t.Errorf("checked %d numeric features, want 8", checked)
	}
}

// TestGoldenMovielens rebuilds every sketch of a second real statistics.json (2019 container,
// 46 numeric features, 63398 rows, FX:mme-movielens-2019, input not available) with FromLevels
// and checks Count against num_present and Buckets against the recorded buckets. The Spark state
// extremes are min(Int.MaxValue, min) and max(Int.MinValue, max) of the recorded data extremes.
func TestGoldenMovielens(t *testing.T) {
	want := readStats(t, filepath.Join(sharedDir(t), "conformance", "mme-movielens-2019", "statistics.json"))
	checked := 0
	for i, feat := range want.Features {
		if feat.Numerical == nil {
			continue
		}
		kll := feat.Numerical.Distribution.KLL
		s := FromLevels(kll.Sketch.Data, int(kll.Sketch.Parameters.K), kll.Sketch.Parameters.C)
		if err := sameBits(s.Levels(), kll.Sketch.Data); err != nil {
			t.Errorf("%s: levels do not round-trip: %v", feat.Name, err)
		}
		if got := s.Count(); got != feat.Numerical.Common.NumPresent {
			t.Errorf("%s: Count() = %d, num_present %d", feat.Name, got, feat.Numerical.Common.NumPresent)
		}
		min := math.Min(float64(math.MaxInt32), feat.Numerical.Min)
		max := math.Max(float64(math.MinInt32), feat.Numerical.Max)
		checkBuckets(t, feat.Name, s, min, max, want, i)
		checked++
	}
	if checked != 46 { // 27 Integral + 19 Fractional features (shared/conformance/MANIFEST.md)
		t.Errorf("checked %d numeric features, want 46", checked)
	}
}
