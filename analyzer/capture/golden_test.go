package capture

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// capRecord is the envelope of a capture record as encoding/json reads it (contract §4.1).
type capRecord struct {
	CaptureData struct {
		EndpointInput  capSide `json:"endpointInput"`
		EndpointOutput capSide `json:"endpointOutput"`
	} `json:"captureData"`
	EventMetadata struct {
		InferenceTime string `json:"inferenceTime"`
	} `json:"eventMetadata"`
}

type capSide struct {
	ObservedContentType string `json:"observedContentType"`
	Data                string `json:"data"`
	Encoding            string `json:"encoding"`
}

// decodeRecords reads every non-blank line of a real file with encoding/json.
func decodeRecords(t *testing.T, data []byte) []capRecord {
	t.Helper()
	var recs []capRecord
	for _, ln := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(ln)) == 0 {
			continue
		}
		var r capRecord
		if err := json.Unmarshal(ln, &r); err != nil {
			t.Fatalf("encoding/json cannot read a real record: %v", err)
		}
		recs = append(recs, r)
	}
	return recs
}

// splitCSV is the naive reading of a CSV payload without quotes: drop the trailing newline, split
// on commas; an empty field is null.
func splitCSV(s string) []string {
	f := strings.Split(strings.TrimSuffix(s, "\n"), ",")
	for i, v := range f {
		if v == "" {
			f[i] = null
		}
	}
	return f
}

// csvExpected derives the rows of a CSV-encoded capture file: output fields then input fields
// (or the reverse), keeping the records for which keep returns true.
func csvExpected(t *testing.T, recs []capRecord, outputFirst bool, keep func(capRecord) bool) [][]string {
	t.Helper()
	var rows [][]string
	for _, r := range recs {
		in, out := r.CaptureData.EndpointInput, r.CaptureData.EndpointOutput
		if in.Encoding != "CSV" || out.Encoding != "CSV" || strings.Contains(in.Data, `"`) {
			t.Fatalf("fixture is not the plain CSV capture the derivation expects: %+v", r)
		}
		if keep != nil && !keep(r) {
			continue
		}
		if outputFirst {
			rows = append(rows, append(splitCSV(out.Data), splitCSV(in.Data)...))
		} else {
			rows = append(rows, append(splitCSV(in.Data), splitCSV(out.Data)...))
		}
	}
	return padRows(rows)
}

// checkClean checks a summary with no unusable or filtered record.
func checkClean(t *testing.T, sum Summary, records int) {
	t.Helper()
	if sum.Records != int64(records) || sum.Rows != int64(records) || sum.Unusable != 0 || sum.OutsideWindow != 0 ||
		len(sum.Reasons) != 0 || len(sum.Examples) != 0 {
		t.Errorf("summary %+v, want %d records giving %d rows and nothing else", sum, records, records)
	}
}

// TestGoldenCSV parses the real CSV-encoded capture files, whole and in small chunks, and checks
// every cell against the naive split of the data strings decoded by encoding/json.
func TestGoldenCSV(t *testing.T) {
	files := []struct {
		path  string
		width int // input features + 1 output, counted in the fixture (MANIFEST.md describes them)
	}{
		{"mme-movielens-2019/capture-sample.jsonl", 46 + 1},
		{"mq-churn-examples/capture-sample-with-inferenceId.jsonl", 69 + 1},
		{"sdk-tests-monitor/capture.jsonl", 7 + 1},
	}
	for _, f := range files {
		for _, outputFirst := range []bool{true, false} {
			for _, chunk := range []int{0, 512} { // 0: one 4 MiB chunk; 512: a chunk per record or two
				name := f.path + "/outputFirst=" + map[bool]string{true: "true", false: "false"}[outputFirst] +
					"/chunk=" + map[bool]string{true: "default", false: "512"}[chunk == 0]
				t.Run(name, func(t *testing.T) {
					data := readReal(t, f.path)
					recs := decodeRecords(t, data)
					want := csvExpected(t, recs, outputFirst, nil)
					got, sum := parseAll(t, f.path, data, Options{OutputFirst: outputFirst}, chunk)
					if !equalRows(got, want) {
						t.Fatalf("rows differ\ngot:\n%s\nwant:\n%s", show(got), show(want))
					}
					if len(got[0]) != f.width {
						t.Errorf("%d columns, want %d", len(got[0]), f.width)
					}
					checkClean(t, sum, len(recs))
					ref := refParse(data, Options{OutputFirst: outputFirst})
					if !equalRows(got, ref.rows) {
						t.Errorf("oracle disagrees")
					}
				})
			}
		}
	}
}

// TestGoldenWindow filters the movielens records with a window cut from their own inference times.
func TestGoldenWindow(t *testing.T) {
	data := readReal(t, "mme-movielens-2019/capture-sample.jsonl")
	recs := decodeRecords(t, data)
	times := make([]time.Time, len(recs))
	for i, r := range recs {
		var err error
		if times[i], err = time.Parse(time.RFC3339, r.EventMetadata.InferenceTime); err != nil {
			t.Fatal(err)
		}
	}
	start, end := times[10], times[40] // any two records inside the file
	keep := func(r capRecord) bool {
		ts, _ := time.Parse(time.RFC3339, r.EventMetadata.InferenceTime)
		return !ts.Before(start) && ts.Before(end)
	}
	want := csvExpected(t, recs, true, keep)
	got, sum := parseAll(t, "capture.jsonl", data, Options{OutputFirst: true, Start: start, End: end}, 1024)
	if !equalRows(got, want) {
		t.Fatalf("rows differ\ngot:\n%s\nwant:\n%s", show(got), show(want))
	}
	if sum.Records != int64(len(recs)) || sum.Rows != int64(len(want)) || sum.OutsideWindow != int64(len(recs)-len(want)) ||
		sum.Unusable != 0 {
		t.Errorf("summary %+v: want %d records, %d rows, %d outside", sum, len(recs), len(want), len(recs)-len(want))
	}
	if len(want) == 0 || len(want) == len(recs) {
		t.Fatalf("the window keeps %d of %d records: the test needs both kinds", len(want), len(recs))
	}
}

// TestGoldenSDKTemplateTimes: the SDK's test capture has "{%s}" for inferenceTime. Without a window
// the time is not read; with one every record is unusable, with its line.
func TestGoldenSDKTemplateTimes(t *testing.T) {
	data := readReal(t, "sdk-tests-monitor/capture.jsonl")
	recs := decodeRecords(t, data)
	for _, r := range recs {
		if r.EventMetadata.InferenceTime != "{%s}" {
			t.Fatalf("fixture changed: inferenceTime %q", r.EventMetadata.InferenceTime)
		}
	}
	got, sum := parseAll(t, "capture.jsonl", data, Options{OutputFirst: true}, 0)
	if !equalRows(got, csvExpected(t, recs, true, nil)) {
		t.Fatalf("rows differ without a window")
	}
	checkClean(t, sum, len(recs))

	for _, opt := range []Options{
		{OutputFirst: true, Start: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		{OutputFirst: true, End: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)}, // one bound is a window too
	} {
		for _, chunk := range []int{0, 2048} { // one chunk, and several merged
			got, sum = parseAll(t, "capture.jsonl", data, opt, chunk)
			if len(got) != 0 {
				t.Errorf("%d rows with a window, want none", len(got))
			}
			n := int64(len(recs))
			if sum.Records != n || sum.Unusable != n || sum.Rows != 0 || sum.Reasons[reasonTime] != n || len(sum.Reasons) != 1 {
				t.Errorf("summary %+v, want all %d records unusable for the time", sum, n)
			}
			if _, one := parseString(t, string(data), opt); len(one.Examples) != MaxExamples { // no Merge involved
				t.Errorf("one chunk: %d examples, want %d", len(one.Examples), MaxExamples)
			}
			if len(sum.Examples) != MaxExamples {
				t.Fatalf("%d examples, want %d", len(sum.Examples), MaxExamples)
			}
			for i, p := range sum.Examples {
				if p != (Problem{File: "capture.jsonl", Line: int64(i + 1), Reason: reasonTime}) {
					t.Errorf("example %d = %+v", i, p)
				}
			}
		}
	}
}

// TestGoldenSDKJSON: {"instances": [...]} and {"predictions": [...]} unwrap to one row each of their
// values, numbers as written; the row is the predictions then the instances.
func TestGoldenSDKJSON(t *testing.T) {
	data := readReal(t, "sdk-tests-monitor/captured-data.jsonl")
	recs := decodeRecords(t, data)
	var want [][]string
	for _, r := range recs {
		numbers := func(s capSide, key string) []string {
			dec := json.NewDecoder(strings.NewReader(s.Data))
			dec.UseNumber()
			var m map[string][]json.Number
			if err := dec.Decode(&m); err != nil || len(m) != 1 {
				t.Fatalf("fixture payload %q: %v", s.Data, err)
			}
			var out []string
			for _, n := range m[key] {
				out = append(out, n.String())
			}
			return out
		}
		want = append(want, append(numbers(r.CaptureData.EndpointOutput, "predictions"),
			numbers(r.CaptureData.EndpointInput, "instances")...))
	}
	got, sum := parseAll(t, "captured-data.jsonl", data, Options{OutputFirst: true}, 0)
	if !equalRows(got, want) {
		t.Fatalf("rows differ\ngot:\n%s\nwant:\n%s", show(got), show(want))
	}
	if !slices.Contains(got[0], "4.0") { // the literal text: "4.0" stays Fractional (§5.2)
		t.Errorf("number text not kept: %q", got[0])
	}
	checkClean(t, sum, len(recs))
}

// TestGoldenEmotionJSON: the output is a JSON array of two strings, the first holding JSON text. It
// is one row of the two strings (the inner JSON is not parsed), followed by the input's "text".
func TestGoldenEmotionJSON(t *testing.T) {
	data := readReal(t, "aai540-jeffreykthomas-emotion/capture-sample-json.jsonl")
	recs := decodeRecords(t, data)
	var want [][]string
	for _, r := range recs {
		var out []string
		var in map[string]string
		if err := json.Unmarshal([]byte(r.CaptureData.EndpointOutput.Data), &out); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(r.CaptureData.EndpointInput.Data), &in); err != nil || len(in) != 1 {
			t.Fatal(err)
		}
		want = append(want, append(out, in["text"]))
	}
	got, sum := parseAll(t, "capture-sample-json.jsonl", data, Options{OutputFirst: true}, 0)
	if !equalRows(got, want) {
		t.Fatalf("rows differ\ngot:\n%s\nwant:\n%s", show(got), show(want))
	}
	if len(got[0]) != 3 || !strings.HasPrefix(got[0][0], `{"slack_app": {`) || got[0][1] != "application/json" {
		t.Errorf("row shape: %q", got[0])
	}
	checkClean(t, sum, len(recs))

	got, _ = parseAll(t, "capture-sample-json.jsonl", data, Options{OutputFirst: false}, 0)
	if got[0][0] != want[0][2] || got[0][1] != want[0][0] {
		t.Errorf("input first: %q", got[0])
	}
}
