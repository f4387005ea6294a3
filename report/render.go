package report

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
)

// assetFS holds report/assets: echarts.min.js when scripts/fetch-echarts.sh has run (make
// report-assets), and always the committed README.md, so that the package compiles without it.
//
//go:embed assets
var assetFS embed.FS

// assets is where Render reads echarts from; tests replace it.
var assets fs.FS = assetFS

// echartsPath is the library's place in assets.
const echartsPath = "assets/echarts.min.js"

//go:embed page.css page.js
var pageFS embed.FS

// ErrNoEcharts is returned by Render when the binary was built before echarts was fetched.
var ErrNoEcharts = errors.New("report built without echarts: run make report-assets")

// statusClass maps a job status to the page's style and symbol (never colour alone).
func statusClass(status string) string {
	switch status {
	case "Completed":
		return "ok"
	case "CompletedWithViolations":
		return "warn"
	case "":
		return "none"
	}
	return "bad"
}

// pageData is what writePage lays out.
type pageData struct {
	M           *Model
	HasBaseline bool
	HasEvidence bool // some violation has evidence from violation_details.json
	Drift       *chart
	Complete    *chart
	Trends      []*chart
	Features    []featureView
	// Options, Echarts, CSS and Script are inlined as they are: Options is JSON that encoding/json
	// escaped (optionTable), Echarts was checked for "</script" (containsScriptEnd), CSS and Script
	// are this package's page.css and page.js.
	Options []byte
	Echarts []byte
	CSS     []byte
	Script  []byte
}

// featureView is one feature's section.
type featureView struct {
	F      *Feature
	Charts []*chart
	Stats  []statRow
}

type statRow struct{ Name, Baseline, Current string }

// Render writes the model as one self-contained HTML page: styles, script, the echarts library and
// every chart's data inline, nothing loaded from anywhere (a Content-Security-Policy of
// default-src 'none' enforces it), so that it opens from file:// with no network. Charts are drawn
// when they scroll into view, so that a page with a thousand features opens at once.
//
// The page is written by plain Go (writePage), not by a template: executing text/template or
// html/template makes the linker keep every exported method of every reachable type, 11.3 MB
// of the binary (issue #4, docs/report.md).
func Render(w io.Writer, m *Model) error {
	lib, err := fs.ReadFile(assets, echartsPath)
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNoEcharts
	}
	if err != nil {
		return fmt.Errorf("read embedded echarts: %w", err)
	}
	if containsScriptEnd(lib) {
		return fmt.Errorf("embedded echarts contains </script and cannot be inlined")
	}
	css, err := pageFS.ReadFile("page.css")
	if err != nil {
		return err
	}
	script, err := pageFS.ReadFile("page.js")
	if err != nil {
		return err
	}
	d := pageData{M: m, Echarts: lib, CSS: css, Script: script}
	for _, f := range m.Features {
		if f.Baseline != nil {
			d.HasBaseline = true
		}
	}
	for _, v := range m.Violations {
		if v.Observed != nil || v.Method != "" {
			d.HasEvidence = true
		}
	}
	cs := chartSet{single: m.Kind == KindBaseline}
	if len(m.DriftRanking) > 0 {
		d.Drift = cs.driftChart(m)
	}
	if len(m.Completeness) > 0 {
		d.Complete = cs.completenessChart(m)
	}
	if t := m.Trend; t != nil {
		n := fmt.Sprintf("%d executions, oldest first", len(t.Labels))
		if len(t.Drift) > 0 {
			d.Trends = append(d.Trends, cs.trendChart(t, t.Drift,
				"Drift distance over the last executions", fmt.Sprintf("%s · the %d features with the largest drift", n, len(t.Drift)), ""))
		}
		if len(t.Completeness) > 0 {
			d.Trends = append(d.Trends, cs.trendChart(t, t.Completeness,
				"Completeness over the last executions (%)", fmt.Sprintf("%s · the %d least complete features", n, len(t.Completeness)), "%"))
		}
	}
	for i := range m.Features {
		f := &m.Features[i]
		v := featureView{F: f, Stats: statRows(f)}
		if f.Histogram != nil {
			v.Charts = append(v.Charts, cs.histogramChart(f))
		}
		if f.CDF != nil {
			v.Charts = append(v.Charts, cs.cdfChart(f))
		}
		if f.Categories != nil {
			v.Charts = append(v.Charts, cs.categoriesChart(f))
		}
		if f.Trend != nil && m.Trend != nil {
			v.Charts = append(v.Charts, cs.featureTrendChart(m.Trend, f))
		}
		d.Features = append(d.Features, v)
	}
	opt, err := optionTable(cs.list)
	if err != nil {
		return err
	}
	d.Options = opt
	bw := bufio.NewWriterSize(w, 1<<16)
	writePage(pageWriter{bw}, &d)
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// containsScriptEnd reports whether b holds "</script" in any letter case, which would end an
// inline <script> early. It scans for "</" rather than lower-casing a megabyte of library.
func containsScriptEnd(b []byte) bool {
	const end = "</script"
	for {
		i := bytes.Index(b, []byte("</"))
		if i < 0 {
			return false
		}
		b = b[i:]
		if len(b) >= len(end) && bytes.EqualFold(b[:len(end)], []byte(end)) {
			return true
		}
		b = b[2:]
	}
}

// optionTable writes every chart's echarts option as one JSON object keyed by chart id, in page
// order. encoding/json escapes <, > and & inside strings, so the text is safe inside <script>.
func optionTable(list []*chart) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, c := range list {
		if i > 0 {
			b.WriteString(",\n")
		}
		opt, err := json.Marshal(c.option)
		var generic any
		if err == nil {
			err = json.Unmarshal(opt, &generic)
		}
		if err == nil {
			opt, err = json.Marshal(prune(generic))
		}
		if err != nil {
			return nil, fmt.Errorf("chart %s (%s): %w", c.ID, c.Title, err)
		}
		fmt.Fprintf(&b, "%q:", c.ID)
		b.Write(opt)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// statRows are the rows of a feature's statistics table.
func statRows(f *Feature) []statRow {
	side := func(s *Summary, get func(*Summary) string) string {
		if s == nil {
			return "–"
		}
		return get(s)
	}
	row := func(name string, get func(*Summary) string) statRow {
		return statRow{Name: name, Baseline: side(f.Baseline, get), Current: side(f.Current, get)}
	}
	nump := func(n *Num) string {
		if n == nil {
			return "–"
		}
		return formatNum(float64(*n))
	}
	rows := []statRow{
		row("inferred type", func(s *Summary) string { return s.Type }),
		row("values present", func(s *Summary) string { return formatInt(s.Present) }),
		row("values missing", func(s *Summary) string { return formatInt(s.Missing) }),
		row("completeness", func(s *Summary) string {
			if s.Completeness == nil {
				return "–"
			}
			return formatPct(float64(*s.Completeness))
		}),
		row("distinct values (approx.)", func(s *Summary) string {
			if s.Distinct == nil {
				return "–"
			}
			return "≈ " + formatNum(float64(*s.Distinct))
		}),
	}
	if f.Kind == Numeric {
		rows = append(rows,
			row("mean", func(s *Summary) string { return nump(s.Mean) }),
			row("standard deviation", func(s *Summary) string { return nump(s.StdDev) }),
			row("minimum", func(s *Summary) string { return nump(s.Min) }),
			row("maximum", func(s *Summary) string { return nump(s.Max) }),
		)
	}
	return rows
}

// prune drops the null and empty-object members go-echarts writes for unset options (about a
// fifth of a chart's option) from decoded JSON, recursively; array elements are kept as they are.
func prune(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			e = prune(e)
			if isEmpty(e) {
				delete(x, k)
				continue
			}
			x[k] = e
		}
	case []any:
		for i, e := range x {
			x[i] = prune(e)
		}
	}
	return v
}

func isEmpty(v any) bool {
	if v == nil {
		return true
	}
	m, ok := v.(map[string]any)
	return ok && len(m) == 0
}
