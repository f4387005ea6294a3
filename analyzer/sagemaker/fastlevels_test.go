package sagemaker

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/driftwatch/driftwatch/internal/mutate"
)

// statsFiles is every statistics.json the report's tests keep (files the analyzer wrote, 22 KB to
// 250 KB) plus the real SageMaker ones beside the checkout when present.
func statsFiles(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	dirs := []string{filepath.Join("..", "..", "report", "testdata"), filepath.Join("..", "..", "..", "shared", "conformance")}
	for _, dir := range dirs {
		err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() || !bytes.Contains([]byte(filepath.Base(p)), []byte("statistics")) || filepath.Ext(p) != ".json" {
				return err
			}
			b, err := os.ReadFile(p)
			out[p] = b
			return err
		})
		if err != nil && dir == dirs[0] {
			t.Fatal(err)
		}
	}
	if len(out) < 5 {
		t.Fatalf("%d statistics files, want at least the 5 under report/testdata", len(out))
	}
	return out
}

// checkSameAsJSON fails unless ParseStatistics reads b exactly as the plain encoding/json reading
// does (same result, NaN, -0 and nil-versus-empty included, or the same error); it returns whether
// the one-pass sketch reader took b.
func checkSameAsJSON(t testing.TB, name string, b []byte) bool {
	got, gotErr := ParseStatistics(name, b)
	want, wantErr := parseStatistics(name, b, flexLevels)
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
		t.Fatalf("%s: error %v, encoding/json reading gives %v", name, gotErr, wantErr)
	}
	// %#v writes every float exactly (shortest round-trip form) and tells nil from empty.
	if g, w := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); g != w {
		t.Fatalf("%s: read\n%.600s\nencoding/json reading\n%.600s", name, g, w)
	}
	_, fastErr := parseStatistics(name, b, fastLevels.levels)
	return fastErr == nil
}

// TestParseStatisticsFastSameAsJSON: the analyzer's and SageMaker's files take the one-pass
// reader and come out as encoding/json reads them; so do unusual sketch data.
func TestParseStatisticsFastSameAsJSON(t *testing.T) {
	for name, b := range statsFiles(t) {
		took := checkSameAsJSON(t, name, b)
		if !took && bytes.Contains(b, []byte(`"sketch"`)) {
			t.Errorf("%s: the one-pass sketch reader declined a real file", name)
		}
	}
	wrap := func(data string) []byte {
		return []byte(`{"features": [{"name": "a", "inferred_type": "Fractional", "numerical_statistics": {"distribution": {"kll": {"sketch": {"parameters": {"c": 0.64, "k": 2048}, "data": ` + data + `}}}}}]}`)
	}
	cases := []struct {
		data string
		fast bool // the one-pass reader takes it
	}{
		{`[]`, true},
		{`[[]]`, true},
		{`[[], [1]]`, true},
		{" [ [ 1 , -2.5e-3 ,3E+2 ] ,\n\t[ 0, -0 ] ] ", true},
		{`[[1.7976931348623157e308, 5e-324, 1e-400]]`, true}, // 1e-400 rounds to 0 without an error
		{`null`, false},
		{`[null]`, false},
		{`[[1, null]]`, false},
		{`[["NaN", "Infinity", "-Infinity", "1.5"]]`, false},
		{`[[1e400]]`, false}, // out of range: flexFloat's error
		{`[[[1]]]`, false},
		{`[[1], 2]`, false},
		{`{"a": 1}`, false},
		{`[[true]]`, false},
		{`[["x"]]`, false},
	}
	for _, c := range cases {
		if took := checkSameAsJSON(t, c.data, wrap(c.data)); took != c.fast {
			t.Errorf("%s: one-pass reader took it: %v, want %v", c.data, took, c.fast)
		}
	}
	// A repeated "data" key: the last one stands in both readings.
	checkSameAsJSON(t, "repeated data", []byte(`{"features": [{"name": "a", "numerical_statistics": {"distribution": {"kll": {"sketch": {"parameters": {"c": 0.64, "k": 2048}, "data": [[1, 2, 3], [4]], "DATA": [[5]]}}}}}]}`))
}

// TestFastLevelsCapacity: levels share one backing array, so each must end at its length.
func TestFastLevelsCapacity(t *testing.T) {
	var f fastLevels
	if err := f.UnmarshalJSON([]byte(`[[1, 2], [3], [], [4, 5, 6]]`)); err != nil {
		t.Fatal(err)
	}
	lv := f.levels()
	want := [][]float64{{1, 2}, {3}, {}, {4, 5, 6}}
	if len(lv) != len(want) {
		t.Fatalf("%v, want %v", lv, want)
	}
	for i := range lv {
		if !slices.Equal(lv[i], want[i]) || cap(lv[i]) != len(lv[i]) || lv[i] == nil {
			t.Fatalf("level %d: %v (cap %d), want %v with cap = len, not nil", i, lv[i], cap(lv[i]), want[i])
		}
	}
	lv[0] = append(lv[0], 9)
	if lv[1][0] != 3 {
		t.Fatal("appending to level 0 overwrote level 1")
	}
}

// TestParseStatisticsMutations: seeded random edits of the smaller files (broken syntax, strings
// and nulls among the items, cut files) read the same as with encoding/json, result or error.
func TestParseStatisticsMutations(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 7))
	var files [][]byte
	for _, b := range statsFiles(t) {
		if len(b) <= 70<<10 {
			files = append(files, b)
		}
	}
	slices.SortFunc(files, bytes.Compare)
	// Edit inside the sketch data most of the time: that is what the fast reader reads.
	nearData := func(r *rand.Rand, b []byte) int {
		if j := bytes.Index(b, []byte(`"data"`)); j >= 0 && r.IntN(4) > 0 {
			return min(len(b)-1, j+r.IntN(4000))
		}
		return r.IntN(len(b))
	}
	took := 0
	for i := range 2000 {
		b := mutate.Edit(r, files[i%len(files)], mutate.JSONAlphabet, nearData)
		if checkSameAsJSON(t, fmt.Sprintf("mutant %d", i), b) {
			took++
		}
	}
	t.Logf("one-pass reader took %d of 2000 mutants, all read as encoding/json reads them", took)
}

// FuzzParseStatistics: ParseStatistics reads any input as the plain encoding/json reading does.
//
//	go test -run '^$' -fuzz FuzzParseStatistics ./analyzer/sagemaker/
func FuzzParseStatistics(f *testing.F) {
	for _, b := range statsFiles(f) {
		if len(b) <= 40<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"features": [{"name": "a", "numerical_statistics": {"mean": "NaN", "distribution": {"kll": {"sketch": {"parameters": {"c": 0.64, "k": 2048}, "data": [[1, null, "2"], [1e400]]}}}}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkSameAsJSON(t, "fuzz input", b)
	})
}

// BenchmarkParseStatistics reads the report's 250 KB housing statistics.json (14 features).
//
//	go test -run '^$' -bench BenchmarkParseStatistics -count 8 ./analyzer/sagemaker/ | benchstat -
func BenchmarkParseStatistics(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "..", "report", "testdata", "housing_drift", "statistics.json"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseStatistics("statistics.json", data); err != nil {
			b.Fatal(err)
		}
	}
}
