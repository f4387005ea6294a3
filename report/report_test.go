package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// sharedDir locates the shared/ folder (../../shared from this package) or skips; under CI=true a
// missing folder fails the test instead.
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "shared"))
	if err == nil {
		_, err = os.Stat(dir)
	}
	if err != nil {
		skipOrFail(t, "shared folder not available (%v)", err)
	}
	return dir
}

func skipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; required when CI=true")
	}
	t.Skip(msg)
}

// needEcharts skips (fails under CI=true) when the library was not fetched.
func needEcharts(t testing.TB) {
	t.Helper()
	if _, err := assetFS.Open(echartsPath); err != nil {
		skipOrFail(t, "report/%s missing: run make report-assets", echartsPath)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// history is three earlier executions, hourly before the capture window of the monitoring case.
func history() []HistoryPoint {
	t0 := time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC)
	var h []HistoryPoint
	for i, city := range []float64{0.02, 0.07, 0.12} {
		h = append(h, HistoryPoint{
			Time:         t0.Add(time.Duration(i) * time.Hour),
			Status:       []string{"Completed", "Completed", "CompletedWithViolations"}[i],
			Drift:        map[string]float64{"city": city, "age": 0, "income": 0.01 * float64(i)},
			Completeness: map[string]float64{"city": 1, "age": 1 - 0.01*float64(i), "income": 1},
		})
	}
	// Given out of order: Build sorts by time.
	h[0], h[2] = h[2], h[0]
	return h
}

// input is one named test input.
type input struct {
	name string
	in   func(t testing.TB) Input
}

// inputs are the report inputs the golden and browser tests render.
func inputs() []input {
	sc := func(p string) string { return filepath.Join("testdata", "scenario", p) }
	return []input{
		{"baseline", func(t testing.TB) Input {
			// A baseline job: one statistics.json, nothing to compare it with.
			return Input{Current: readFile(t, sc("baseline_statistics.json"))}
		}},
		{"monitoring", func(t testing.TB) Input {
			// A monitoring job on captured traffic with a window, records and execution history.
			d := sc("capture_categorical")
			return Input{
				Title:      "ep: hourly monitoring",
				Current:    readFile(t, filepath.Join(d, "statistics.json")),
				Baseline:   readFile(t, sc("baseline_statistics.json")),
				Violations: readFile(t, filepath.Join(d, "constraint_violations.json")),
				Details:    readFile(t, filepath.Join(d, "violation_details.json")),
				Outcome:    string(readFile(t, filepath.Join(d, "message"))),
				History:    history(),
			}
		}},
		{"numeric_drift", func(t testing.TB) Input {
			d := sc("numeric_drift")
			return Input{
				Current:    readFile(t, filepath.Join(d, "statistics.json")),
				Baseline:   readFile(t, sc("baseline_statistics.json")),
				Violations: readFile(t, filepath.Join(d, "constraint_violations.json")),
				Details:    readFile(t, filepath.Join(d, "violation_details.json")),
				Outcome:    string(readFile(t, filepath.Join(d, "message"))),
			}
		}},
		{"chisquared", func(t testing.TB) Input {
			// A categorical feature tested by p-value (ChiSquared), the others by distance.
			d := sc("chisquared")
			return Input{
				Current:    readFile(t, filepath.Join(d, "statistics.json")),
				Baseline:   readFile(t, sc("baseline_statistics.json")),
				Violations: readFile(t, filepath.Join(d, "constraint_violations.json")),
				Details:    readFile(t, filepath.Join(d, "violation_details.json")),
				Outcome:    string(readFile(t, filepath.Join(d, "message"))),
			}
		}},
		{"housing_self", func(t testing.TB) Input {
			// The real container's statistics as both baseline and current (2024, with completeness).
			s := readFile(t, filepath.Join(sharedDir(t), "conformance", "aai540-scottreidux-housing", "statistics.json"))
			return Input{Title: "housing against itself", Current: s, Baseline: s}
		}},
		{"housing_drift", func(t testing.TB) Input {
			// The real container's baseline; a drifted current from driftwatch (testdata/README.md).
			d := filepath.Join("testdata", "housing_drift")
			return Input{
				Title:      "housing: drifted prices",
				Current:    readFile(t, filepath.Join(d, "statistics.json")),
				Baseline:   readFile(t, filepath.Join(sharedDir(t), "conformance", "aai540-scottreidux-housing", "statistics.json")),
				Violations: readFile(t, filepath.Join(d, "constraint_violations.json")),
				Details:    readFile(t, filepath.Join(d, "violation_details.json")),
				Outcome:    string(readFile(t, filepath.Join(d, "message"))),
			}
		}},
		{"movielens", func(t testing.TB) Input {
			// The container of 2019: no completeness; its own constraint_violations.json only.
			d := filepath.Join(sharedDir(t), "conformance", "mme-movielens-2019")
			return Input{
				Current:    readFile(t, filepath.Join(d, "statistics.json")),
				Violations: readFile(t, filepath.Join(d, "constraint_violations.json")),
			}
		}},
	}
}

// TestGolden compares the model of each input with testdata/golden/NAME.json; run with -update
// to rewrite them, and review the diff.
func TestGolden(t *testing.T) {
	for _, tc := range inputs() {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Build(tc.in(t))
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(m, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", tc.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := readFile(t, path)
			if !bytes.Equal(got, want) {
				t.Errorf("model differs from %s (run go test ./report -run TestGolden -update and review the diff):\n%s", path, firstDiff(got, want))
			}
		})
	}
}

// firstDiff shows the first differing line of two texts.
func firstDiff(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < max(len(g), len(w)); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, gl, wl)
		}
	}
	return "(same lines)"
}

// TestModel checks what the golden files encode, so that a wrong golden file cannot pass review
// unnoticed.
func TestModel(t *testing.T) {
	in := inputs()
	build := func(name string) *Model {
		t.Helper()
		for _, tc := range in {
			if tc.name == name {
				m, err := Build(tc.in(t))
				if err != nil {
					t.Fatal(err)
				}
				return m
			}
		}
		t.Fatalf("no input %s", name)
		return nil
	}
	feature := func(m *Model, name string) *Feature {
		t.Helper()
		for i := range m.Features {
			if m.Features[i].Name == name {
				return &m.Features[i]
			}
		}
		t.Fatalf("no feature %s", name)
		return nil
	}

	t.Run("baseline", func(t *testing.T) {
		m := build("baseline")
		if m.Kind != KindBaseline || m.Rows.Current != 2000 || m.Rows.Baseline != nil || len(m.Violations) != 0 || len(m.DriftRanking) != 0 {
			t.Fatalf("kind %v rows %+v violations %d drift %d", m.Kind, m.Rows, len(m.Violations), len(m.DriftRanking))
		}
		if m.Outcome.Status != "Completed" || !m.Outcome.Derived {
			t.Errorf("outcome %+v", m.Outcome)
		}
		for _, f := range m.Features {
			if f.Histogram != nil && (f.Histogram.Baseline != nil || f.CDF.MaxGap != nil) {
				t.Errorf("%s: baseline side or gap in a baseline job", f.Name)
			}
		}
	})

	t.Run("numeric_drift", func(t *testing.T) {
		m := build("numeric_drift")
		if m.Outcome.Status != "CompletedWithViolations" || m.Outcome.Derived {
			t.Errorf("outcome %+v", m.Outcome)
		}
		if len(m.DriftRanking) != 5 || m.DriftRanking[0].Feature != "income" || !m.DriftRanking[0].Violated {
			t.Fatalf("ranking %+v", m.DriftRanking)
		}
		v := m.Violations[0]
		// 0.7525…, 0.1, Robust, 2000, 500: violation_details.json of testdata/scenario/numeric_drift.
		if v.Observed == nil || *v.Observed != 0.7525000000000001 || *v.Threshold != 0.1 || v.Method != "Robust" || *v.BaselineN != 2000 || *v.CurrentN != 500 {
			t.Errorf("evidence %+v", v)
		}
		inc := feature(m, "income")
		if inc.CDF.MaxGap == nil || inc.CDF.MaxGap.Distance < 0.75 {
			// The robust distance 0.7525 is the L∞ distance minus 1.8·sqrt((n+m)/(nm)) ≈ 0.09,
			// so the plain largest gap must exceed it.
			t.Errorf("income gap %+v, want > 0.75", inc.CDF.MaxGap)
		}
		if len(inc.Violations) != 1 || inc.Violations[0] != "baseline_drift_check" {
			t.Errorf("income violations %v", inc.Violations)
		}
		for _, f := range m.Features {
			if h := f.Histogram; h != nil {
				for _, side := range [][]float64{h.Baseline, h.Current} {
					sum := 0.0
					for _, p := range side {
						sum += p
					}
					if math.Abs(sum-100) > 0.05 { // 20 bins rounded to 4 significant digits
						t.Errorf("%s: histogram sums to %v%%", f.Name, sum)
					}
				}
			}
		}
	})

	t.Run("monitoring", func(t *testing.T) {
		m := build("monitoring")
		if m.Window == nil || m.Window.Start != "2026-11-01T10:00:00Z" || m.Rows.Records == nil || m.Rows.Records.Read != 1000 {
			t.Fatalf("window %+v records %+v", m.Window, m.Rows.Records)
		}
		tr := m.Trend
		if tr == nil || len(tr.Labels) != 4 || tr.Labels[0] != "2026-11-01 07:00" || tr.Labels[3] != "this run" {
			t.Fatalf("trend %+v", tr)
		}
		if tr.Drift[0].Feature != "city" || *tr.Drift[0].Values[0] != 0.02 || *tr.Drift[0].Values[3] != 0.1833 {
			t.Errorf("city drift trend %v", tr.Drift[0])
		}
		city := feature(m, "city")
		if city.Categories == nil || city.Trend == nil || len(city.Trend.Drift) != 4 {
			t.Errorf("city categories %+v trend %+v", city.Categories, city.Trend)
		}
	})

	t.Run("chisquared", func(t *testing.T) {
		m := build("chisquared")
		// city's p-value 2.7e-12 is below its threshold 0.1: the worst drift, first.
		if d := m.DriftRanking[0]; d.Feature != "city" || !d.PValue || !d.Violated {
			t.Errorf("ranking %+v", m.DriftRanking)
		}
	})

	t.Run("housing_self", func(t *testing.T) {
		m := build("housing_self")
		for _, d := range m.DriftRanking {
			if d.Value != 0 || !d.Computed || d.Threshold != nil {
				t.Errorf("%s: drift %+v against itself", d.Feature, d)
			}
		}
		if len(m.DriftRanking) == 0 {
			t.Error("no drift computed")
		}
	})

	t.Run("housing_drift", func(t *testing.T) {
		m := build("housing_drift")
		if len(m.Violations) != 5 || len(m.ViolationsByType) != 3 || m.ViolationsByType[0] != (TypeCount{"baseline_drift_check", 3}) {
			t.Errorf("violations %d by type %+v", len(m.Violations), m.ViolationsByType)
		}
		zip := feature(m, "zipcode")
		if len(zip.Violations) != 1 || zip.Violations[0] != "data_type_check" || zip.Categories != nil {
			t.Errorf("zipcode violations %v categories %v", zip.Violations, zip.Categories)
		}
		bath := feature(m, "bathrooms")
		if c := float64(*bath.Current.Completeness); c > 0.93 || c < 0.91 {
			t.Errorf("bathrooms completeness %v, want ≈ 0.92", c)
		}
	})

	t.Run("type change and missing column", func(t *testing.T) {
		num := `{"name":"a","inferred_type":"Integral","numerical_statistics":{"common":{"num_present":2,"num_missing":0},"min":1,"max":2,
			"distribution":{"kll":{"sketch":{"parameters":{"c":0.64,"k":2048.0},"data":[[1.0,2.0]]}}}}}`
		str := `{"name":"a","inferred_type":"String","string_statistics":{"common":{"num_present":1,"num_missing":1},
			"distribution":{"categorical":{"buckets":[{"value":"x","count":1},{"value":"NullValue","count":1}]}}}}`
		gone := `{"name":"b","inferred_type":"String","string_statistics":{"common":{"num_present":2,"num_missing":0}}}`
		m, err := Build(Input{
			Current:  []byte(`{"dataset":{"item_count":2},"features":[` + str + `]}`),
			Baseline: []byte(`{"dataset":{"item_count":2},"features":[` + num + `,` + gone + `]}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		a, b := feature(m, "a"), feature(m, "b")
		if a.Kind != Categorical || a.Histogram != nil || a.Categories == nil || a.Categories.Baseline != nil || a.Drift != nil ||
			len(a.Notes) != 1 || !strings.Contains(a.Notes[0], "Type changed from Integral in the baseline to String") {
			t.Errorf("a: %+v", a)
		}
		// Completeness is derived from the counts when the file has none: 1 of 2.
		if c := a.Current.Completeness; c == nil || *c != 0.5 {
			t.Errorf("a completeness %v", c)
		}
		if b.Current != nil || b.Baseline == nil || !strings.Contains(b.Notes[0], "Missing from the current data") {
			t.Errorf("b: %+v", b)
		}
	})

	t.Run("movielens", func(t *testing.T) {
		m := build("movielens")
		if m.Kind != KindMonitoring || len(m.Violations) == 0 {
			t.Fatalf("kind %v violations %d", m.Kind, len(m.Violations))
		}
		for _, c := range m.Completeness {
			// 2019 files have no completeness: derived from the counts.
			if c.Current == nil {
				t.Errorf("%s: no completeness", c.Feature)
			}
		}
	})
}

func TestBuildErrors(t *testing.T) {
	good := readFile(t, filepath.Join("testdata", "scenario", "baseline_statistics.json"))
	for _, tc := range []struct {
		name string
		in   Input
		want []string
	}{
		{"no current", Input{}, []string{"statistics.json of the job is required"}},
		{"empty current", Input{Current: []byte(" \n")}, []string{"statistics.json: empty file"}},
		{"broken current", Input{Current: []byte("{")}, []string{"statistics.json"}},
		{"constraints.json as statistics", Input{Current: readFile(t, filepath.Join(sharedDir(t), "conformance", "aai540-scottreidux-housing", "constraints.json"))},
			[]string{`feature "id" has neither numerical_statistics nor string_statistics`}},
		{"violations as baseline", Input{Current: good, Baseline: []byte(`{"violations": []}`)}, []string{`baseline statistics.json: no "features" list`}},
		{"every broken file at once", Input{Current: good, Baseline: []byte("["), Violations: []byte("x"), Details: []byte(`{"drift": 3}`)},
			[]string{"baseline statistics.json", "constraint_violations.json", "violation_details.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build(tc.in)
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("err = %v, want ErrBadInput", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestRenderWithoutEcharts(t *testing.T) {
	m, err := Build(Input{Current: readFile(t, filepath.Join("testdata", "scenario", "baseline_statistics.json"))})
	if err != nil {
		t.Fatal(err)
	}
	saved := assets
	t.Cleanup(func() { assets = saved })
	assets = fstest.MapFS{"assets/README.md": {Data: []byte("placeholder")}}
	err = Render(&bytes.Buffer{}, m)
	if !errors.Is(err, ErrNoEcharts) || err.Error() != "report built without echarts: run make report-assets" {
		t.Fatalf("err = %v", err)
	}
}

// TestRenderSelfContained checks that the page loads nothing from anywhere and escapes what it
// shows, including a feature name that tries to close the script.
func TestRenderSelfContained(t *testing.T) {
	needEcharts(t)
	evil := `</script><img src=x onerror=alert(1)>`
	stats := fmt.Sprintf(`{"version":0.0,"dataset":{"item_count":2},"features":[
	 {"name":%q,"inferred_type":"String","string_statistics":{"common":{"num_present":2,"num_missing":0},"distinct_count":2.0,
	  "distribution":{"categorical":{"buckets":[{"value":%q,"count":1},{"value":"b","count":1}]}}}},
	 {"name":"x","inferred_type":"Fractional","numerical_statistics":{"common":{"num_present":2,"num_missing":0},"mean":"NaN","sum":3.0,"std_dev":0.5,"min":1.0,"max":2.0,
	  "distribution":{"kll":{"buckets":[],"sketch":{"parameters":{"c":0.64,"k":2048.0},"data":[[1.0,2.0]]}}}}}]}`, evil, evil)
	m, err := Build(Input{Current: []byte(stats), Baseline: []byte(stats)})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Render(&b, m); err != nil {
		t.Fatal(err)
	}
	lib, err := assetFS.ReadFile(echartsPath)
	if err != nil {
		t.Fatal(err)
	}
	page := strings.Replace(b.String(), string(lib), "", 1) // echarts itself builds <img> tags
	if strings.Contains(page, evil) || strings.Contains(page, "<img") {
		t.Error("feature name not escaped")
	}
	for _, bad := range []string{`src="http`, `href="http`, "src='http", "go-echarts.github.io", "cdn.", "@import", "url(http"} {
		if strings.Contains(page, bad) {
			t.Errorf("page refers to the network: %q", bad)
		}
	}
	if !strings.Contains(page, `content="default-src 'none';`) {
		t.Error("no Content-Security-Policy")
	}
	if n := strings.Count(page, "<script"); n != 3 {
		t.Errorf("%d script elements, want 3 (options, echarts, page)", n)
	}
	if !strings.Contains(page, `"mean": "NaN"`) && !strings.Contains(page, ">NaN<") {
		t.Error("NaN mean not shown")
	}
}

// hostile is appended to every string of a model by markStrings: it tries to close the script,
// open an element, end a quoted attribute either way, start an entity, and carries the characters
// html/template also replaced (+, NUL), invalid UTF-8, a line separator (U+2028, a line break for
// old JavaScript parsers) and template syntax. It is lower case, so that data-name (the name in
// lower case) carries it unchanged.
const hostile = "</script><img src=x onerror=alert(1)> a+b \"q\" 'q' &amp; \x00 \xff é\u2028 {{.}} <!-- -->"

// hostileModel is the monitoring report with records, reasons and examples added, once as it is
// and once with hostile appended to every string but the generated anchors (Feature.ID,
// FeatureID: "f" and a number).
func hostileModel(t testing.TB) (plain, marked *Model) {
	t.Helper()
	for _, tc := range inputs() {
		if tc.name != "monitoring" {
			continue
		}
		for _, m := range []**Model{&plain, &marked} {
			var err error
			if *m, err = Build(tc.in(t)); err != nil {
				t.Fatal(err)
			}
			r := (*m).Rows.Records
			r.UnusableReasons = []ReasonCount{{Reason: "not JSON", Count: 2}}
			r.Examples = []RecordProblem{{File: "a.jsonl", Line: 12, Reason: "not JSON"}}
			(*m).Notes = append((*m).Notes, "a note")
			(*m).Features[0].Notes = []string{"a feature note"}
		}
	}
	markStrings(reflect.ValueOf(marked))
	return plain, marked
}

// markStrings appends hostile to every string reachable from v, except the fields ID and FeatureID.
func markStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			markStrings(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() && f.Name != "ID" && f.Name != "FeatureID" {
				markStrings(v.Field(i))
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			markStrings(v.Index(i))
		}
	case reflect.String:
		v.SetString(v.String() + hostile)
	}
}

// TestRenderEscapesEveryString renders a model whose every string carries markup and quotes, and
// checks that none of it reaches the page as markup: outside the inlined library, style and
// script, the page has exactly as many raw <, >, ", ', + and NUL bytes as the page of the same
// model without the marks, and the marks appear escaped in the places a reader sees them.
func TestRenderEscapesEveryString(t *testing.T) {
	needEcharts(t)
	plain, marked := hostileModel(t)
	strip := func(m *Model) (markup, options string) {
		t.Helper()
		var b bytes.Buffer
		if err := Render(&b, m); err != nil {
			t.Fatal(err)
		}
		page := b.String()
		for _, name := range []string{"page.css", "page.js"} {
			own, err := pageFS.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			page = strings.Replace(page, string(own), "", 1)
		}
		lib, err := assetFS.ReadFile(echartsPath)
		if err != nil {
			t.Fatal(err)
		}
		page = strings.Replace(page, string(lib), "", 1)
		const open = `<script type="application/json" id="dw-options">`
		before, rest, ok := strings.Cut(page, open)
		if !ok {
			t.Fatal("no option table")
		}
		options, after, ok := strings.Cut(rest, "</script>")
		if !ok {
			t.Fatal("option table not closed")
		}
		return before + open + "</script>" + after, options
	}
	want, _ := strip(plain)
	got, options := strip(marked)
	for _, c := range []string{"<", ">", `"`, "'", "+", "\x00"} {
		if g, w := strings.Count(got, c), strings.Count(want, c); g != w {
			t.Errorf("%d raw %q in the marked page, %d without the marks: a string reached the page unescaped", g, c, w)
		}
	}
	if strings.ContainsAny(options, "<>&") {
		t.Error("the option table holds a raw <, > or &")
	}
	if _, err := json.Marshal(json.RawMessage(options)); err != nil {
		t.Errorf("the option table is not JSON: %v", err)
	}
	// What html/template wrote: & < > " ' + as entities, NUL as U+FFFD, the rest as it is.
	esc := "&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt; a&#43;b &#34;q&#34; &#39;q&#39; &amp;amp; \uFFFD \xff é\u2028 {{.}} &lt;!-- --&gt;"
	name := plain.Features[0].Name
	id := plain.Features[0].ID
	// strings.ToLower writes invalid UTF-8 as U+FFFD.
	lowerEsc := strings.Replace(esc, "\xff", "\uFFFD", 1)
	for _, place := range []string{
		"<title>" + plain.Title + esc + "</title>",
		"<h1>" + plain.Title + esc + "</h1>",
		`<section class="feature" id="` + id + `" data-name="` + strings.ToLower(name) + lowerEsc + `" data-kind=`,
		`<h3 id="` + id + `-h">` + name + esc + ` <span class="tag">`,
		`aria-label="` + name + esc + ": ",
		"<li>a feature note" + esc + "</li>",
		"<li>a.jsonl" + esc + " line 12: not JSON" + esc + "</li>",
	} {
		if !strings.Contains(got, place) {
			t.Errorf("page lacks %q", place)
		}
	}
	if n := strings.Count(got, esc); n < len(marked.Features)*3 {
		t.Errorf("the escaped mark appears %d times, want at least 3 per feature (name, data-name, caption)", n)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{0, "0"},
		{23432, "23,432"},
		{614658.9799806821, "614,659"},
		{1.4402689218907343e10, "14,402,689,219"},
		{0.7525000000000001, "0.7525"},
		{3.14159265, "3.14159"},
		{1234.5678, "1,234.57"},
		{-0.5, "−0.5"},
		{-1234567, "−1,234,567"},
		{2.5e-7, "2.5e−7"},
		{3.8e15, "3.8e15"},
		{0.0001, "0.0001"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "∞"},
	} {
		if got := formatNum(tc.x); got != tc.want {
			t.Errorf("formatNum(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
	for _, tc := range []struct {
		x    float64
		want string
	}{
		{1, "100%"}, {0, "0%"}, {0.5, "50.0%"}, {0.920844890121613, "92.1%"},
		{0.99996, "99.996%"}, {0.0000123, "0.001%"}, {0.99, "99.0%"},
	} {
		if got := formatPct(tc.x); got != tc.want {
			t.Errorf("formatPct(%v) = %q, want %q", tc.x, got, tc.want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1000: "−1,000"} {
		if got := formatInt(n); got != want {
			t.Errorf("formatInt(%d) = %q, want %q", n, got, want)
		}
	}
}

// FuzzBuild: Build must not panic on any file, and a model it returns must marshal.
func FuzzBuild(f *testing.F) {
	f.Add(readFile(f, filepath.Join("testdata", "scenario", "numeric_drift", "statistics.json")),
		readFile(f, filepath.Join("testdata", "scenario", "numeric_drift", "violation_details.json")))
	f.Add([]byte(`{"features":[{"name":"a","numerical_statistics":{"min":"Infinity","max":1,"distribution":{"kll":{"sketch":{"parameters":{"c":2,"k":-1},"data":[[1]]}}}}}]}`), []byte(`{}`))
	f.Add([]byte(`{"features":[{"name":"a","numerical_statistics":{"min":0,"max":1e308,"distribution":{"kll":{"sketch":{"parameters":{"c":0.64,"k":8},"data":[[-1e308,1e308],[0]]}}}}}]}`), []byte(`{"drift":[{"feature_name":"a","value":"NaN"}]}`))
	f.Fuzz(func(t *testing.T, stats, details []byte) {
		m, err := Build(Input{Current: stats, Baseline: stats, Details: details})
		if err != nil {
			return
		}
		if _, err := json.Marshal(m); err != nil {
			t.Fatalf("model does not marshal: %v", err)
		}
	})
}
