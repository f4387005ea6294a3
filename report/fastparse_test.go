package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/driftwatch/driftwatch/internal/mutate"
)

// statsCorpus is every statistics.json under report/testdata: files the analyzer wrote.
func statsCorpus(t testing.TB) map[string][]byte {
	out := map[string][]byte{}
	err := filepath.WalkDir("testdata", func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || filepath.Ext(p) != ".json" || !bytes.Contains([]byte(filepath.Base(p)), []byte("statistics")) {
			return err
		}
		b, err := os.ReadFile(p)
		out[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < 4 {
		t.Fatalf("%d statistics files under testdata, want the 5 committed ones", len(out))
	}
	return out
}

// checkSameAsJSON fails if decodeStatsFast accepts b but json.Unmarshal rejects it or reads
// something else; it returns whether the fast path took b.
func checkSameAsJSON(t testing.TB, name string, b []byte) bool {
	var fast, slow statsFile
	ok := decodeStatsFast(b, &fast)
	err := json.Unmarshal(b, &slow)
	if !ok {
		return false
	}
	if err != nil {
		t.Fatalf("%s: fast decoder accepted what encoding/json rejects: %v\n%.300s", name, err, b)
	}
	// Marshal compares NaN, -0 and nil against empty exactly (Num writes NaN as "NaN").
	fj, err1 := json.Marshal(fast)
	sj, err2 := json.Marshal(slow)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: marshal: %v, %v", name, err1, err2)
	}
	if !bytes.Equal(fj, sj) {
		t.Fatalf("%s: fast decoder read\n%.600s\nencoding/json read\n%.600s", name, fj, sj)
	}
	return true
}

// TestDecodeStatsFastSameAsJSON: on the analyzer's files the fast decoder is taken and reads what
// encoding/json reads; on unusual or broken input it either agrees or declines.
func TestDecodeStatsFastSameAsJSON(t *testing.T) {
	for name, b := range statsCorpus(t) {
		if !checkSameAsJSON(t, name, b) {
			t.Errorf("%s: the fast decoder declined a file the analyzer wrote", name)
		}
	}
	for _, tc := range []struct {
		in       string
		wantFast bool // whether the fast decoder must take it
	}{
		{`{}`, true},
		{` {"dataset": {"item_count": 3}, "features": []} `, true},
		{`{"dataset": null, "features": null}`, true},
		{`{"features": [null, {"name": "a", "numerical_statistics": null, "string_statistics": null}]}`, true},
		{`{"features": [{"name": "x\u00e9\"\\\/y", "inferred_type": "String"}]}`, true},
		{`{"features": [{"name": "é ünïcode ✓"}]}`, true},
		{"{\"features\": [{\"name\": \"bad \xff utf8\"}]}", true},
		{`{"features": [{"numerical_statistics": {"mean": "NaN", "sum": "Infinity", "min": "-Infinity", "max": -0.0, "std_dev": 1e-310, "completeness": null,
			"distribution": {"kll": {"buckets": [{"lower_bound": 1, "upper_bound": 2.5e3, "count": 7.0}, null],
			"sketch": {"parameters": {"c": 0.64, "k": 2048.0}, "data": [[1, 2, "3", null], [], null, [-0.5E-2]]}}}}}]}`, true},
		{`{"features": [{"string_statistics": {"common": {"num_present": 5, "num_missing": 0}, "distinct_count": 2.0,
			"distribution": {"categorical": {"buckets": [{"value": "a", "count": 3}, {"value": "", "count": 2}]}}}}]}`, true},
		{`{"version": 0.0, "extra": {"deep": [1, [2, {"x": true, "y": false, "z": null}]], "s": "t"}, "features": []}`, true},
		// Declined: encoding/json decides (an error, or a reading the fast decoder does not copy).
		{`{"Features": []}`, false},                                  // case-insensitive key match
		{`{"features": [], "features": [{"name": "a"}]}`, false},     // repeated key
		{`{"dataset": {"item_count": 1.5}}`, false},                  // fraction into an int64
		{`{"dataset": {"item_count": 1e3}}`, false},                  // exponent into an int64
		{`{"dataset": {"item_count": 99999999999999999999}}`, false}, // out of range
		{`{"features": [{"numerical_statistics": {"mean": 1e999}}]}`, false},
		{`{"features": [{"numerical_statistics": {"mean": "abc"}}]}`, false},
		{`{"features": [{"name": 3}]}`, false},
		{`{"features": {}}`, false},
		{`{"features": []} x`, false},
		{`{"features": [01]}`, false},
		{`{"features": [1.]}`, false},
		{`{"features": [-]}`, false},
		{`{"features": [,]}`, false},
		{`{"features": [{"name": "a",}]}`, false},
		{"{\"features\": [{\"name\": \"tab\tinside\"}]}", false},
		{`{"features": [{"name": "bad \q escape"}]}`, false},
		{`[]`, false},
		{`{"features": [tru]}`, false},
		{`{"features"`, false},
		{"\xef\xbb\xbf{}", false}, // byte order mark
	} {
		got := checkSameAsJSON(t, tc.in, []byte(tc.in))
		if tc.wantFast && !got {
			t.Errorf("fast decoder declined %s", tc.in)
		}
		if !tc.wantFast && got {
			t.Errorf("fast decoder took %s", tc.in)
		}
	}
}

// TestDecodeStatsFastMutations runs checkSameAsJSON on 3,000 mutants of the corpus (fixed seed):
// bytes replaced by JSON punctuation, digits, letters or quotes, deleted, duplicated, or the file
// cut short — near misses of the real format, which random fuzzing rarely reaches.
func TestDecodeStatsFastMutations(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	var files [][]byte
	for _, b := range statsCorpus(t) {
		if len(b) <= 70<<10 { // the four scenario files; the 250 kB one only slows the test down
			files = append(files, b)
		}
	}
	slices.SortFunc(files, bytes.Compare)
	took := 0
	for i := range 3000 {
		b := mutate.Edit(r, files[i%len(files)], mutate.JSONAlphabet, nil)
		if checkSameAsJSON(t, fmt.Sprintf("mutant %d", i), b) {
			took++
		}
	}
	t.Logf("fast decoder took %d of 3000 mutants, all read as encoding/json reads them", took)
}

// TestDecodeFallsBack: a file the fast decoder declines after filling part of the result is
// read from scratch by encoding/json, with its error.
func TestDecodeFallsBack(t *testing.T) {
	var f statsFile
	err := decode("statistics.json", []byte(`{"features": [{"name": "a"}], "dataset": {"item_count": 1.5}}`), &f)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("statistics.json: bad input: json: cannot unmarshal number 1.5")) {
		t.Fatalf("err = %v, want encoding/json's error naming the file", err)
	}
	f = statsFile{}
	if err := decode("statistics.json", []byte(`{"FEATURES": [{"name": "a"}]}`), &f); err != nil || len(f.Features) != 1 || f.Features[0].Name != "a" {
		t.Fatalf("case-insensitive key: %+v, %v; want encoding/json's reading", f, err)
	}
}

// FuzzDecodeStatsFast: whatever the fast decoder accepts, encoding/json reads the same way.
//
//	go test -run '^$' -fuzz FuzzDecodeStatsFast ./report/
func FuzzDecodeStatsFast(f *testing.F) {
	for _, b := range statsCorpus(f) {
		if len(b) <= 32<<10 { // the fuzzer mutates large inputs slowly; the test above takes them all
			f.Add(b)
		}
	}
	f.Add([]byte(`{"features": [{"name": "x\u00e9", "numerical_statistics": {"mean": "NaN", "distribution": {"kll": {"sketch": {"data": [[1, null, "2"]]}}}}}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkSameAsJSON(t, "fuzz input", b)
	})
}
