package bucketorder

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"unicode/utf16"
)

func javaHashSlow(s string) uint32 {
	var h uint32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + uint32(u)
	}
	return h
}

func TestJavaHash(t *testing.T) {
	// "" → 0 and "a" → 97 by definition of String.hashCode; the rest against the UTF-16 oracle.
	if JavaHash("") != 0 || JavaHash("a") != 97 {
		t.Fatal("JavaHash basics")
	}
	for _, s := range []string{"California", "New Mexico", "é", "日本語", "😀x", "Zürich"} {
		if got, want := JavaHash(s), javaHashSlow(s); got != want {
			t.Errorf("JavaHash(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestSmallMapsKeepCountOrder(t *testing.T) {
	e := []Entry{{"b", 1}, {"a", 1}, {"c", 5}, {"d", 2}}
	Sort(e)
	want := []Entry{{"c", 5}, {"d", 2}, {"a", 1}, {"b", 1}}
	if !slices.Equal(e, want) {
		t.Fatalf("got %v want %v", e, want)
	}
}

func TestSortIgnoresInputOrder(t *testing.T) {
	e := []Entry{{"x1", 3}, {"x2", 9}, {"x3", 3}, {"x4", 1}, {"x5", 7}, {"x6", 2}}
	a := slices.Clone(e)
	Sort(a)
	slices.Reverse(e)
	Sort(e)
	if !slices.Equal(a, e) {
		t.Fatalf("order depends on input order: %v vs %v", a, e)
	}
}

// TestHousingBucketOrder checks the order against the real container's output: for every String
// feature with categorical buckets in the housing statistics, the exact counts recomputed from the
// CSV, sorted by Sort, must list the values in the file's order.
func TestHousingBucketOrder(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "shared", "conformance", "aai540-scottreidux-housing")
	f, err := os.Open(filepath.Join(dir, "train_data.csv"))
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance data missing in CI: %v", err)
		}
		t.Skipf("conformance data not beside the checkout (%v): skipping", err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "statistics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var stats struct {
		Features []struct {
			Name    string
			Strings *struct {
				Distribution *struct {
					Categorical struct {
						Buckets []struct {
							Value string
							Count int64
						}
					}
				}
			} `json:"string_statistics"`
		}
	}
	if err := json.Unmarshal(raw, &stats); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, feat := range stats.Features {
		if feat.Strings == nil || feat.Strings.Distribution == nil {
			continue
		}
		col := slices.Index(rows[0], feat.Name)
		counts := map[string]int64{}
		for _, r := range rows[1:] {
			if r[col] != "" {
				counts[r[col]]++
			}
		}
		var entries []Entry
		for v, c := range counts {
			entries = append(entries, Entry{v, c})
		}
		Sort(entries)
		var want []Entry
		for _, b := range feat.Strings.Distribution.Categorical.Buckets {
			want = append(want, Entry{b.Value, b.Count})
		}
		if !slices.Equal(entries, want) {
			t.Errorf("%s: order differs from the real container\n got %v\nwant %v", feat.Name, entries, want)
		}
		checked++
	}
	if checked != 3 {
		t.Fatalf("checked %d features with buckets, the housing file has 3", checked)
	}
}
