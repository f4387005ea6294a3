package capture

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/driftwatch/driftwatch/analyzer/decode"
)

// sd is one side of a record for the test builders; a nil *sd leaves the side out.
type sd struct{ enc, ct, data string }

func csvSide(data string) *sd  { return &sd{"CSV", "text/csv", data} }
func jsonSide(data string) *sd { return &sd{"JSON", "application/json", data} }

// line builds a capture record with encoding/json (keys in sorted order, strings escaped as
// encoding/json does, which is not how the platform escapes them: Parse must not care).
func line(inferenceTime string, in, out *sd) string {
	cd := map[string]any{}
	for name, s := range map[string]*sd{"endpointInput": in, "endpointOutput": out} {
		if s != nil {
			cd[name] = map[string]string{"encoding": s.enc, "observedContentType": s.ct, "data": s.data, "mode": "X"}
		}
	}
	meta := map[string]string{"eventId": "e"}
	if inferenceTime != "" {
		meta["inferenceTime"] = inferenceTime
	}
	b, err := json.Marshal(map[string]any{"captureData": cd, "eventMetadata": meta, "eventVersion": "0"})
	if err != nil {
		panic(err)
	}
	return string(b)
}

// checkOracle compares a parse of s with the oracle.
func checkOracle(t *testing.T, s string, opt Options, got [][]string, sum Summary) {
	t.Helper()
	ref := refParse([]byte(s), opt)
	if !equalRows(got, ref.rows) {
		t.Errorf("oracle disagrees\nParse:\n%s\noracle:\n%s", show(got), show(ref.rows))
	}
	if sum.Records != ref.records || sum.OutsideWindow != ref.outside || sum.Unusable != int64(len(ref.problems)) {
		t.Errorf("summary %+v, oracle %d records, %d outside, problems %v", sum, ref.records, ref.outside, ref.problems)
	}
}

func TestWindowBoundaries(t *testing.T) {
	t0 := time.Date(2024, 2, 26, 7, 0, 0, 0, time.UTC)
	t1 := t0.Add(time.Hour)
	cases := []struct {
		time  string
		start bool // kept with Start = t0 only
		both  bool // kept with [t0, t1)
		end   bool // kept with End = t1 only
	}{
		{"2024-02-26T06:59:59Z", false, false, true},
		{"2024-02-26T06:59:59.999999999Z", false, false, true},
		{"2024-02-26T07:00:00Z", true, true, true},      // Start is inclusive
		{"2024-02-26T08:00:00+01:00", true, true, true}, // the same instant as t0
		{"2024-02-26T07:30:00.5Z", true, true, true},
		{"2024-02-26T07:59:59Z", true, true, true},
		{"2024-02-26T07:59:59.999Z", true, true, true},
		{"2024-02-26T08:00:00Z", true, false, false}, // End is exclusive
		{"2024-02-26T08:00:00.000000001Z", true, false, false},
		{"2031-01-01T00:00:00Z", true, false, false},
	}
	var b strings.Builder
	for i, c := range cases {
		b.WriteString(line(c.time, csvSide(strconv.Itoa(i)), csvSide("o")) + "\n")
	}
	for _, w := range []struct {
		name       string
		opt        Options
		kept       func(int) bool
		unfiltered bool
	}{
		{"start", Options{Start: t0}, func(i int) bool { return cases[i].start }, false},
		{"both", Options{Start: t0, End: t1}, func(i int) bool { return cases[i].both }, false},
		{"end", Options{End: t1}, func(i int) bool { return cases[i].end }, false},
		{"none", Options{}, func(int) bool { return true }, true},
	} {
		t.Run(w.name, func(t *testing.T) {
			got, sum := parseString(t, b.String(), w.opt)
			var want [][]string
			for i := range cases {
				if w.kept(i) {
					want = append(want, []string{strconv.Itoa(i), "o"})
				}
			}
			if !equalRows(got, want) {
				t.Errorf("got\n%swant\n%s", show(got), show(want))
			}
			if sum.OutsideWindow != int64(len(cases)-len(want)) || sum.Unusable != 0 {
				t.Errorf("summary %+v", sum)
			}
			checkOracle(t, b.String(), w.opt, got, sum)
		})
	}
}

func TestParseTimeMatchesTimeParse(t *testing.T) {
	for _, s := range []string{
		"2019-11-27T17:48:05Z", "2024-02-29T00:00:00Z", "2023-02-29T00:00:00Z", "2024-04-31T00:00:00Z",
		"2024-13-01T00:00:00Z", "2024-00-01T00:00:00Z", "2024-01-00T00:00:00Z", "2024-01-01T24:00:00Z",
		"2024-01-01T23:60:00Z", "2024-01-01T23:59:60Z", "2024-01-01T23:59:59z", "2024-01-01t23:59:59Z",
		"0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "2024-1-01T00:00:00Z", "+024-01-01T00:00:00Z",
		"2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00+05:30", "{%s}", "", "2024-01-01 00:00:00Z",
	} {
		got, ok := parseTime([]byte(s))
		want, err := time.Parse(time.RFC3339Nano, s)
		if ok != (err == nil) || ok && !got.Equal(want) {
			t.Errorf("parseTime(%q) = %v, %v; time.Parse: %v, %v", s, got, ok, want, err)
		}
	}
}

func TestSidesAndOrder(t *testing.T) {
	in, out := csvSide("i1,i2\n"), jsonSide(`{"predictions": [0.5]}`)
	rec := line("2024-01-01T00:00:00Z", in, out)
	onlyIn := line("2024-01-01T00:00:00Z", in, nil)
	onlyOut := line("2024-01-01T00:00:00Z", nil, out)
	cases := []struct {
		name string
		data string
		opt  Options
		want [][]string
	}{
		{"output first", rec, Options{OutputFirst: true}, [][]string{{"0.5", "i1", "i2"}}},
		{"input first", rec, Options{}, [][]string{{"i1", "i2", "0.5"}}},
		{"input only selected", rec, Options{OutputFirst: true, IndexNames: []string{"endpointInput"}}, [][]string{{"i1", "i2"}}},
		{"output only selected", rec, Options{IndexNames: []string{"endpointOutput"}}, [][]string{{"0.5"}}},
		{"both selected", rec, Options{IndexNames: []string{"endpointInput", "endpointOutput"}}, [][]string{{"i1", "i2", "0.5"}}},
		{"only input captured", onlyIn, Options{OutputFirst: true}, [][]string{{"i1", "i2"}}},
		{"only output captured", onlyOut, Options{OutputFirst: true}, [][]string{{"0.5"}}},
		{"widest row wins", onlyOut + "\n" + rec, Options{OutputFirst: true}, [][]string{{"0.5", null, null}, {"0.5", "i1", "i2"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, sum := parseString(t, c.data, c.opt)
			if !equalRows(got, c.want) {
				t.Errorf("got\n%swant\n%s", show(got), show(c.want))
			}
			if sum.Unusable != 0 || sum.Rows != int64(len(c.want)) {
				t.Errorf("summary %+v", sum)
			}
			checkOracle(t, c.data, c.opt, got, sum)
		})
	}
	// A name that selects nothing usable leaves every record without data.
	_, sum := parseString(t, rec, Options{IndexNames: []string{"groundTruthData"}})
	if sum.Reasons[reasonNoData] != 1 {
		t.Errorf("unknown index name: %+v", sum)
	}
}

// TestMixedEncodings: the container refuses different encodings on the two sides (#2785); here
// each side is decoded by its own encoding.
func TestMixedEncodings(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cases := []struct {
		name    string
		in, out *sd
		want    []string
	}{
		{"CSV in, JSON out", csvSide("1,2.5,a\n"), jsonSide(`{"score": 0.9, "label": "x"}`), []string{"x", "0.9", "1", "2.5", "a"}},
		{"JSON in, CSV out", jsonSide(`[1, 2]`), csvSide("0.1\n"), []string{"0.1", "1", "2"}},
		{"BASE64 CSV in, JSON out", &sd{"BASE64", "text/csv", b64("3,4\r\n")}, jsonSide(`7`), []string{"7", "3", "4"}},
		{"CSV in, BASE64 JSON out", csvSide("5"), &sd{"BASE64", "Application/JSON; charset=utf-8", b64(`{"p":[8,9]}`)}, []string{"8", "9", "5"}},
		{"lower-case encodings", &sd{"csv", "text/csv", "6"}, &sd{"json", "application/json", `"y"`}, []string{"y", "6"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := line("2024-01-01T00:00:00Z", c.in, c.out)
			got, sum := parseString(t, data, Options{OutputFirst: true})
			if !equalRows(got, [][]string{c.want}) {
				t.Errorf("got\n%swant %q", show(got), c.want)
			}
			if sum.Records != 1 || sum.Rows != 1 || sum.Unusable != 0 {
				t.Errorf("summary %+v", sum)
			}
			checkOracle(t, data, Options{OutputFirst: true}, got, sum)
		})
	}
}

// TestCSVPayload: the CSV dialect of data strings (package documentation).
func TestCSVPayload(t *testing.T) {
	cases := []struct {
		data string
		want [][]string
	}{
		{"1,2,3", [][]string{{"1", "2", "3"}}},
		{"1,2,3\n", [][]string{{"1", "2", "3"}}},
		{"1,2,3\r\n", [][]string{{"1", "2", "3"}}},
		{"1,2,3\r", [][]string{{"1", "2", "3"}}},
		{"1,2\n3,4\n", [][]string{{"1", "2"}, {"3", "4"}}},
		{"1,2\n\n3,4", [][]string{{"1", "2"}, {"3", "4"}}},               // empty rows are skipped
		{"1,,3,", [][]string{{"1", null, "3", null}}},                    // empty fields are null
		{" 1 , 2\t", [][]string{{" 1 ", " 2\t"}}},                        // whitespace kept
		{`"a,b","say ""hi""",""`, [][]string{{"a,b", `say "hi"`, null}}}, // RFC 4180 quoting
		{"\"two\nlines\",x\n", [][]string{{"two\nlines", "x"}}},          // quoted line break is data
		{`a"b,"c"d`, [][]string{{`a"b`, `c"d`}}},                         // stray quotes are data
		{"1\r2,3", [][]string{{"1\r2", "3"}}},                            // a CR inside a row is data
		{"", nil}, {"\n", nil}, {"\r\n\r\n", nil},                        // no rows
	}
	for _, c := range cases {
		t.Run(strconv.Quote(c.data), func(t *testing.T) {
			data := line("", csvSide(c.data), nil)
			got, sum := parseString(t, data, Options{})
			want := padRows(c.want)
			if !equalRows(got, want) {
				t.Errorf("got\n%swant\n%s", show(got), show(want))
			}
			if len(c.want) == 0 && sum.Reasons[reasonNoData] != 1 {
				t.Errorf("empty payload: %+v", sum)
			}
			checkOracle(t, data, Options{}, got, sum)
		})
	}
}

// TestJSONPayload: the JSON row rules (package documentation), one case per rule and corner.
func TestJSONPayload(t *testing.T) {
	cases := []struct {
		name, data string
		want       [][]string
	}{
		{"rule 1 unwraps instances", `{"instances": [1, 2.0, "a"]}`, [][]string{{"1", "2.0", "a"}}},
		{"rule 1 then rule 2", `{"instances": [{"b": 1, "a": 2}, {"a": 3, "b": 4}]}`, [][]string{{"2", "1"}, {"3", "4"}}},
		{"rule 1 needs an array", `{"x": {"b": 1, "a": 2}}`, [][]string{{"2", "1"}}},
		{"rule 1 needs one key", `{"b": [1], "a": [2, 3]}`, [][]string{{"2", "3", "1"}}},
		{"rule 1 with a repeated key", `{"a": [[1]], "a": [[2], [3]]}`, [][]string{{"2"}, {"3"}}},
		{"rule 2 arrays", `[[1, 2], [3, 4], [5]]`, [][]string{{"1", "2"}, {"3", "4"}, {"5", null}}},
		{"rule 2 nested arrays at row top", `[[1, [2, 3]], [4, [5, [6]]]]`, [][]string{{"1", "2", "3"}, {"4", "[5,[6]]", null}}},
		{"rule 2 objects", `[{"a": 1}, {"a": null}]`, [][]string{{"1"}, {null}}},
		{"rule 3 scalars", `[0.25, "x", true, false, null]`, [][]string{{"0.25", "x", "true", "false", null}}},
		{"rule 3 mixed", `[1, {"b": 2, "a": [3, 4]}, [5]]`, [][]string{{"1", "3", "4", "2", "5"}}},
		{"rule 3 empty", `[]`, nil},
		{"rule 4 object", `{"z": 1, "a": {"y": "s", "b": [1, 2]}, "m": []}`, [][]string{{"1", "2", "s", "1"}}},
		{"rule 4 deep array as compact text", `{"a": [ {"k" : "v w"}, [ 1 ] ], "b": 0}`, [][]string{{`[{"k":"v w"},[1]]`, "0"}}},
		{"rule 4 scalar", `"just text"`, [][]string{{"just text"}}},
		{"string holding JSON stays a string", `{"a": "{\"b\": 1}"}`, [][]string{{`{"b": 1}`}}},
		{"escapes", `["\u00e9\n\ud83d\ude00\"", "\ud800"]`, [][]string{{"é\n😀\"", "\ufffd"}}},
		{"numbers as written", `[1e5, -0.0, 10, 1.50]`, [][]string{{"1e5", "-0.0", "10", "1.50"}}},
		{"empty string is a value", `{"a": ""}`, [][]string{{""}}},
		{"repeated key: last wins", `{"a": 1, "b": 2, "a": 3}`, [][]string{{"3", "2"}}},
		{"keys in byte order", `{"b": 1, "B": 2, "é": 3, "a": 4}`, [][]string{{"2", "4", "1", "3"}}},
		{"no field at all", `[{}, {}]`, nil},
		{"JSON Lines", "{\"a\": 1}\n{\"a\": 2}\n", [][]string{{"1"}, {"2"}}},
		{"whitespace only", " \n ", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := line("", jsonSide(c.data), nil)
			got, sum := parseString(t, data, Options{})
			want := padRows(c.want)
			if !equalRows(got, want) {
				t.Errorf("got\n%swant\n%s", show(got), show(want))
			}
			checkOracle(t, data, Options{}, got, sum)
		})
	}
}

// TestBadRecords: each bad record is counted under its reason with its line; the good records
// around it still give rows.
func TestBadRecords(t *testing.T) {
	const ts = "2024-01-01T00:30:00Z"
	win := Options{OutputFirst: true, Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 1, 1, 1, 0, 0, 0, time.UTC)}
	good := line(ts, csvSide("1,2\n"), csvSide("0.5\n"))
	cases := []struct {
		name, bad, reason string
		opt               Options
	}{
		{"broken JSON", good[:len(good)-1], "invalid JSON", win},
		{"not an object", `["captureData"]`, "invalid JSON", win},
		{"trailing data", good + " x", "invalid JSON", win},
		{"invalid UTF-8", strings.Replace(good, "1,2", "1,\xff", 1), "invalid UTF-8", win},
		{"bad BASE64", line(ts, &sd{"BASE64", "text/csv", "not*base64"}, csvSide("0.5")), "invalid BASE64 data", win},
		{"BASE64 not UTF-8", line(ts, &sd{"BASE64", "text/csv", base64.StdEncoding.EncodeToString([]byte{0xff})}, nil), "invalid UTF-8 in BASE64 data", win},
		{"unknown encoding", line(ts, &sd{"XML", "text/xml", "<a/>"}, csvSide("0.5")), `unknown encoding "XML"`, win},
		{"BASE64 image", line(ts, &sd{"BASE64", "image/png", "iVBORw0KGgo="}, csvSide("0.5")), `BASE64 payload with unsupported content type "image/png"`, win},
		{"row count 1 vs 2", line(ts, csvSide("1\n2\n"), csvSide("0.5\n")), reasonMismatch, win},
		{"row count 2 vs 3", line(ts, csvSide("1\n2\n"), jsonSide("[[1],[2],[3]]")), reasonMismatch, win},
		{"missing inferenceTime", line("", csvSide("1,2"), csvSide("0.5")), reasonTime, win},
		{"unparseable inferenceTime", line("{%s}", csvSide("1,2"), csvSide("0.5")), reasonTime, win},
		{"no sides", `{"captureData": {}, "eventMetadata": {"inferenceTime": "` + ts + `"}}`, reasonNoData, win},
		{"no captureData", `{"eventMetadata": {"inferenceTime": "` + ts + `"}}`, reasonNoData, win},
		{"captureData not an object", `{"captureData": 1}`, reasonCaptureData, Options{OutputFirst: true}},
		{"side not an object", `{"captureData": {"endpointInput": "x"}}`, "captureData.endpointInput is not an object", Options{OutputFirst: true}},
		{"data not a string", `{"captureData": {"endpointOutput": {"encoding": "JSON", "data": {"a": 1}}}}`, "captureData.endpointOutput.data is not a string", Options{OutputFirst: true}},
		{"missing encoding", `{"captureData": {"endpointOutput": {"data": "1"}}}`, reasonEncoding, Options{OutputFirst: true}},
		{"missing data", `{"captureData": {"endpointOutput": {"encoding": "CSV"}}}`, reasonData, Options{OutputFirst: true}},
		{"invalid JSON payload", line(ts, jsonSide(`{"a": }`), csvSide("0.5")), "invalid JSON data", win},
		{"unclosed quote", line(ts, csvSide(`"abc`), csvSide("0.5")), "unclosed quote in CSV data", win},
		{"empty payloads", line(ts, csvSide(""), jsonSide("[]")), reasonNoData, win},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := good + "\n" + c.bad + "\n\n" + good + "\n" // the blank line is not a record
			got, sum := parseString(t, data, c.opt)
			row := []string{"0.5", "1", "2"}
			if !equalRows(got, [][]string{row, row}) {
				t.Errorf("good records: got\n%s", show(got))
			}
			want := Summary{Records: 3, Rows: 2, Unusable: 1, Reasons: map[string]int64{c.reason: 1},
				Examples: []Problem{{File: "t.jsonl", Line: 2, Reason: c.reason}}}
			if sum.Records != want.Records || sum.Rows != want.Rows || sum.Unusable != want.Unusable || sum.OutsideWindow != 0 ||
				!maps.Equal(sum.Reasons, want.Reasons) || !slices.Equal(sum.Examples, want.Examples) {
				t.Errorf("summary %+v\nwant    %+v", sum, want)
			}
			checkOracle(t, data, c.opt, got, sum)
		})
	}
}

// TestOutsideWindowNotExamined: a record outside the window is counted as such even when its data
// is unusable.
func TestOutsideWindowNotExamined(t *testing.T) {
	data := line("2020-01-01T00:00:00Z", &sd{"XML", "", "x"}, nil)
	_, sum := parseString(t, data, Options{Start: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
	if sum.OutsideWindow != 1 || sum.Unusable != 0 {
		t.Errorf("summary %+v", sum)
	}
}

func TestMerge(t *testing.T) {
	var total Summary
	var wantExamples []Problem
	for chunk := range 4 {
		var s Summary
		for i := range 4 { // 16 problems in all, more than MaxExamples
			p := Problem{File: "f", Line: int64(chunk*100 + i), Reason: []string{"a", "b"}[i%2]}
			s.unusable(p.File, p.Line, p.Reason)
			wantExamples = append(wantExamples, p)
		}
		s.Records, s.Rows, s.OutsideWindow = 10, 5, 1
		total.Merge(s)
	}
	if total.Records != 40 || total.Rows != 20 || total.OutsideWindow != 4 || total.Unusable != 16 ||
		!maps.Equal(total.Reasons, map[string]int64{"a": 8, "b": 8}) {
		t.Errorf("merged %+v", total)
	}
	if !slices.Equal(total.Examples, wantExamples[:MaxExamples]) {
		t.Errorf("examples %v", total.Examples)
	}
}

// TestChunkingInvariant: the rows, counts and example lines do not depend on the chunk size.
func TestChunkingInvariant(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		switch i % 7 {
		case 3:
			b.WriteString("{bad json\n")
		case 5:
			b.WriteString("\n")
		default:
			b.WriteString(line("2024-01-01T00:00:00Z", csvSide(strings.Repeat("x,", i%4)+strconv.Itoa(i)), jsonSide(`[0.5]`)) + "\n")
		}
	}
	data := []byte(b.String())
	want, wantSum := parseAll(t, "f", data, Options{OutputFirst: true}, 0)
	if crlf, crlfSum := parseAll(t, "f", bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n")), Options{OutputFirst: true}, 0); !equalRows(crlf, want) || !slices.Equal(crlfSum.Examples, wantSum.Examples) {
		t.Errorf("CRLF line ends change the result")
	}
	for _, size := range []int{1, 100, 1000, 4096} {
		got, sum := parseAll(t, "f", data, Options{OutputFirst: true}, size)
		if !equalRows(got, want) || sum.Records != wantSum.Records || sum.Rows != wantSum.Rows ||
			sum.Unusable != wantSum.Unusable || !slices.Equal(sum.Examples, wantSum.Examples) {
			t.Errorf("chunk size %d changes the result: %+v vs %+v", size, sum, wantSum)
		}
	}
	ref := refParse(data, Options{OutputFirst: true})
	if !equalRows(want, ref.rows) || !slices.Equal(wantSum.Examples, fileAs(ref.problems[:MaxExamples], "f")) {
		t.Errorf("oracle disagrees: %v vs %v", wantSum.Examples, ref.problems[:MaxExamples])
	}
}

func fileAs(ps []Problem, file string) []Problem {
	out := slices.Clone(ps)
	for i := range out {
		out[i].File = file
	}
	return out
}

// TestNoRows: a chunk without rows gives a batch with no columns and no rows, never nil.
func TestNoRows(t *testing.T) {
	for _, s := range []string{"", "\n \r\n\t\n", "{}\n", line("", nil, nil)} {
		rec, sum, err := Parse(decode.Chunk{File: "f", Data: []byte(s)}, Options{}, nil)
		if err != nil || rec == nil {
			t.Fatalf("%q: %v, %v", s, rec, err)
		}
		if rec.NumRows() != 0 || rec.NumCols() != 0 || sum.Rows != 0 {
			t.Errorf("%q: %d rows, %d columns, %+v", s, rec.NumRows(), rec.NumCols(), sum)
		}
		rec.Release()
	}
}

// TestNestingLimit: nesting is bounded like encoding/json's (10000 levels, the record object
// included); a record is invalid JSON exactly when json.Valid says so.
func TestNestingLimit(t *testing.T) {
	for _, depth := range []int{9998, 9999, 10000} {
		rec := `{"captureData": {"endpointOutput": {"encoding": "CSV", "data": "1"}}, "x": ` +
			strings.Repeat("[", depth) + strings.Repeat("]", depth) + "}"
		_, sum := parseString(t, rec, Options{})
		valid := json.Valid([]byte(rec))
		if (sum.Rows == 1) != valid || !valid && sum.Reasons[reasonJSON] != 1 {
			t.Errorf("depth %d+1: json.Valid %v, summary %+v", depth, valid, sum)
		}
		if depth == 9999 && !valid {
			t.Errorf("encoding/json refuses depth %d: the limit moved", depth+1)
		}
		if depth == 10000 && valid {
			t.Errorf("encoding/json accepts depth %d: the limit moved", depth+1)
		}
	}
}

// TestLimits: a row may hold 20480 fields (Spark's maxColumns default), not one more, whether one
// side or the pair is that wide; a record may hold 4194304 JSON values.
func TestLimits(t *testing.T) {
	fields := func(n int) string { return strings.TrimSuffix(strings.Repeat("1,", n), ",") }
	cases := []struct {
		name    string
		in, out *sd
		ok      bool
	}{
		{"one side at the limit", csvSide(fields(20480)), nil, true},
		{"one side over", csvSide(fields(20481)), nil, false},
		{"JSON side over", jsonSide("[" + fields(20481) + "]"), nil, false},
		{"pair at the limit", csvSide(fields(20000)), csvSide(fields(480)), true},
		{"pair over", csvSide(fields(20000)), jsonSide("[" + fields(481) + "]"), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			data := line("", c.in, c.out)
			got, sum := parseString(t, data, Options{})
			if c.ok != (sum.Rows == 1) || !c.ok && sum.Reasons["row wider than 20480 fields"] != 1 {
				t.Errorf("summary %+v", sum)
			}
			if c.ok && len(got[0]) != 20480 {
				t.Errorf("%d columns", len(got[0]))
			}
			checkOracle(t, data, Options{}, got, sum)
		})
	}
	// The JSON value limit, lowered to 100 so that the test does not need 256 MiB of nodes.
	env := countValues(t, line("", jsonSide("0"), nil)) // the data string is one of them; its payload is parsed apart
	for _, total := range []int{100, 101} {
		k := total - env - 4 // {"a": [[1,…,1]], "b": 0} holds k+4 values in two fields
		rp := newRecordParser(Options{})
		rp.p.limit = 100
		payload := `{"a": [[` + fields(k) + `]], "b": 0}`
		if got := countValues(t, payload); got != k+4 {
			t.Fatalf("payload holds %d values, want %d", got, k+4)
		}
		out, reason := rp.record([]byte(line("", jsonSide(payload), nil)), false)
		if total <= 100 && out != rowsOK || total > 100 && reason != reasonLarge {
			t.Errorf("%d values (%d in the envelope): %v %q", total, env, out, reason)
		}
	}
}

// countValues counts the JSON values in s with encoding/json's tokenizer: every token starts a
// value except closing delimiters and object keys.
func countValues(t *testing.T, s string) int {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	var stack []bool // true: inside an object
	n, key := 0, false
	for {
		tok, err := dec.Token()
		if err != nil {
			return n
		}
		if tok == json.Delim('}') || tok == json.Delim(']') {
			stack = stack[:len(stack)-1]
			key = len(stack) > 0 && stack[len(stack)-1]
			continue
		}
		if key {
			key = false
			continue
		}
		n++
		switch tok {
		case json.Delim('{'):
			stack = append(stack, true)
			key = true
		case json.Delim('['):
			stack = append(stack, false)
		default:
			key = len(stack) > 0 && stack[len(stack)-1]
		}
	}
}

// TestPlainRun: plainRun (eight bytes at a time) stops where the byte loop over strPlain stops,
// for every start, on runs that hold each byte value at each position of a word, and on random
// text mixing ASCII, UTF-8, quotes, backslashes and control characters.
func TestPlainRun(t *testing.T) {
	byteLoop := func(d []byte, j int) int {
		for j < len(d) && strPlain[d[j]] {
			j++
		}
		return j
	}
	check := func(d []byte) {
		t.Helper()
		for j := 0; j <= len(d); j++ {
			if got, want := plainRun(d, j), byteLoop(d, j); got != want {
				t.Fatalf("plainRun(%q, %d) = %d, want %d", d, j, got, want)
			}
		}
	}
	for c := range 256 {
		for at := range 20 {
			d := []byte(strings.Repeat("a\u00e9", 12)) // plain bytes, some ≥ 0x80
			d[at] = byte(c)
			check(d)
		}
	}
	r := rand.New(rand.NewPCG(4, 4))
	alphabet := []byte("ab \"\\\x00\x1f\x20\x7f\x80\xff\xe2\x82\xac/{}")
	for range 3000 {
		d := make([]byte, r.IntN(40))
		for i := range d {
			d[i] = alphabet[r.IntN(len(alphabet))]
			if r.IntN(3) > 0 {
				d[i] = 'x' // mostly plain, so that runs are long
			}
		}
		check(d)
	}
}
