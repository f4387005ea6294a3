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
	"math"
	"slices"
	"strconv"
	"strings"
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
	// escaped (optionTable), Echarts was checked for "</script" (checkEcharts), CSS and Script
	// are this package's page.css and page.js.
	Options []byte
	Echarts io.Reader
	CSS     []byte
	Script  []byte
	// echartsErr is the error of copying Echarts into the page, if any.
	echartsErr error
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
	// The ~1 MB library is streamed from the embedded file twice (checked, then copied into the
	// page) through small buffers instead of being copied into a fresh 1 MB slice: in a process
	// as short as an hourly monitoring job, fresh pages cost more than the copies.
	if err := checkEcharts(); err != nil {
		return err
	}
	lib, err := assets.Open(echartsPath)
	if err != nil {
		return fmt.Errorf("read embedded echarts: %w", err)
	}
	defer lib.Close()
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
	if err := errors.Join(d.echartsErr, bw.Flush()); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// checkEcharts fails if the embedded library is missing (ErrNoEcharts) or holds "</script",
// which would end its inline script early.
func checkEcharts() error {
	lib, err := assets.Open(echartsPath)
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNoEcharts
	}
	if err != nil {
		return fmt.Errorf("read embedded echarts: %w", err)
	}
	defer lib.Close()
	found, err := scriptEndIn(lib, make([]byte, 32<<10))
	if err != nil {
		return fmt.Errorf("read embedded echarts: %w", err)
	}
	if found {
		return fmt.Errorf("embedded echarts contains </script and cannot be inlined")
	}
	return nil
}

// scriptEndIn is containsScriptEnd of everything r reads, read into buf (at least 16 bytes)
// piece by piece; the last len("</script")-1 bytes of each piece are searched again with the next,
// so a match across two pieces is found.
func scriptEndIn(r io.Reader, buf []byte) (bool, error) {
	const keep = len("</script") - 1
	n := 0 // bytes in buf carried over or read
	for {
		m, err := r.Read(buf[n:])
		n += m
		if containsScriptEnd(buf[:n]) {
			return true, nil
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if n > keep {
			n = copy(buf, buf[n-keep:n])
		}
	}
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
		opt, err := encodeOption(c.option)
		if err != nil {
			return nil, fmt.Errorf("chart %s (%s): %w", c.ID, c.Title, err)
		}
		fmt.Fprintf(&b, "%q:", c.ID)
		b.Write(opt)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// encodeOption is how optionTable writes each option; tests swap in optionJSONSlow.
var encodeOption = optionJSON

// optionJSON is optionJSONSlow of a chart's option: json.Marshal, then prunedJSON in one pass over
// the bytes instead of decoding them into maps and marshalling those again (which cost ~8,000
// allocations per report); optionJSONSlow decides whenever prunedJSON declines.
func optionJSON(opt any) ([]byte, error) {
	b, err := json.Marshal(opt)
	if err != nil {
		return nil, err
	}
	if out, ok := prunedJSON(b); ok {
		return out, nil
	}
	return optionJSONSlow(opt)
}

// optionJSONSlow writes opt as JSON without the null and empty-object members go-echarts writes
// for unset options (prune), object keys sorted as encoding/json sorts a map's.
func optionJSONSlow(opt any) ([]byte, error) {
	b, err := json.Marshal(opt)
	var generic any
	if err == nil {
		err = json.Unmarshal(b, &generic)
	}
	if err == nil {
		b, err = json.Marshal(prune(generic))
	}
	return b, err
}

// prunedJSON returns json.Marshal(prune(v)) for v decoded from b by json.Unmarshal into an any,
// where b was written by json.Marshal: objects lose their null and (pruned) empty-object members,
// recursively, and their keys are sorted (the last of a repeated key wins); array elements stay
// as they are, pruned inside; numbers are rewritten as encoding/json writes a float64; strings
// are copied, since json.Marshal writes a decoded string back as it was. It returns false for
// anything it is not sure of (an escaped key, a number outside float64, malformed input), and
// the caller takes the slow path.
func prunedJSON(b []byte) ([]byte, bool) {
	p := jsonPruner{b: b}
	out, empty, ok := p.value(make([]byte, 0, len(b)))
	if !ok || empty && len(out) == 0 {
		return nil, false
	}
	if p.space(); p.i != len(b) {
		return nil, false
	}
	return out, true
}

// jsonPruner walks json.Marshal output for prunedJSON.
type jsonPruner struct {
	b []byte
	i int
}

func (p *jsonPruner) space() {
	for p.i < len(p.b) && (p.b[p.i] == ' ' || p.b[p.i] == '\t' || p.b[p.i] == '\n' || p.b[p.i] == '\r') {
		p.i++
	}
}

// value appends the pruned value at p to dst; prunable says it is null or an object left empty.
func (p *jsonPruner) value(dst []byte) (out []byte, prunable, ok bool) {
	p.space()
	if p.i >= len(p.b) {
		return dst, false, false
	}
	switch c := p.b[p.i]; {
	case c == '{':
		return p.object(dst)
	case c == '[':
		p.i++
		dst = append(dst, '[')
		p.space()
		if p.i < len(p.b) && p.b[p.i] == ']' {
			p.i++
			return append(dst, ']'), false, true
		}
		for {
			// prune keeps array elements: a null stays null and an object left empty stays {}.
			p.space()
			null := p.i < len(p.b) && p.b[p.i] == 'n'
			var prunable bool
			if dst, prunable, ok = p.value(dst); !ok {
				return dst, false, false
			}
			switch {
			case prunable && null:
				dst = append(dst, "null"...)
			case prunable:
				dst = append(dst, "{}"...)
			}
			p.space()
			if p.i >= len(p.b) {
				return dst, false, false
			}
			p.i++
			switch p.b[p.i-1] {
			case ']':
				return append(dst, ']'), false, true
			case ',':
				dst = append(dst, ',')
			default:
				return dst, false, false
			}
		}
	case c == '"':
		s, ok := p.str()
		return append(dst, s...), false, ok
	case c == 'n':
		return dst, true, p.lit("null")
	case c == 't':
		return append(dst, "true"...), false, p.lit("true")
	case c == 'f':
		return append(dst, "false"...), false, p.lit("false")
	}
	start := p.i
	for p.i < len(p.b) && strings.IndexByte("0123456789+-.eE", p.b[p.i]) >= 0 {
		p.i++
	}
	f, err := strconv.ParseFloat(string(p.b[start:p.i]), 64)
	if err != nil || p.i == start {
		return dst, false, false
	}
	return appendJSONFloat(dst, f), false, true
}

// object appends the pruned object at p to dst: members sorted by key, null and empty-object
// members dropped.
func (p *jsonPruner) object(dst []byte) ([]byte, bool, bool) {
	type member struct{ key, val []byte } // key with its quotes
	var ms []member
	p.i++ // '{'
	p.space()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return dst, true, true
	}
	for {
		p.space()
		key, ok := p.str()
		if !ok || bytes.IndexByte(key, '\\') >= 0 {
			return dst, false, false // an escaped key would need decoding to sort
		}
		if p.space(); p.i >= len(p.b) || p.b[p.i] != ':' {
			return dst, false, false
		}
		p.i++
		val, prunable, ok := p.value(nil)
		if !ok {
			return dst, false, false
		}
		// Unmarshal keeps the last of a repeated key; prune then drops it if null or empty.
		ms = slices.DeleteFunc(ms, func(m member) bool { return bytes.Equal(m.key, key) })
		if !prunable {
			ms = append(ms, member{key, val})
		}
		p.space()
		if p.i >= len(p.b) {
			return dst, false, false
		}
		p.i++
		if c := p.b[p.i-1]; c == '}' {
			break
		} else if c != ',' {
			return dst, false, false
		}
	}
	if len(ms) == 0 {
		return dst, true, true
	}
	// Without escapes the quoted keys compare as encoding/json compares the decoded ones.
	slices.SortFunc(ms, func(a, b member) int { return bytes.Compare(a.key[1:len(a.key)-1], b.key[1:len(b.key)-1]) })
	dst = append(dst, '{')
	for i, m := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(append(append(dst, m.key...), ':'), m.val...)
	}
	return append(dst, '}'), false, true
}

// str returns the string token at p, quotes included.
func (p *jsonPruner) str() ([]byte, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false
	}
	for j := p.i + 1; j < len(p.b); j++ {
		switch p.b[j] {
		case '\\':
			j++
		case '"':
			s := p.b[p.i : j+1]
			p.i = j + 1
			return s, true
		}
	}
	return nil, false
}

// lit skips the literal s at p.
func (p *jsonPruner) lit(s string) bool {
	if !bytes.HasPrefix(p.b[p.i:], []byte(s)) {
		return false
	}
	p.i += len(s)
	return true
}

// appendJSONFloat appends f as encoding/json writes a float64: shortest form, exponent form
// below 1e-6 and from 1e21 on, with a two-digit negative exponent shortened ("e-09" → "e-9").
func appendJSONFloat(dst []byte, f float64) []byte {
	abs, format := math.Abs(f), byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if n := len(dst); format == 'e' && n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
		dst[n-2] = dst[n-1]
		dst = dst[:n-1]
	}
	return dst
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
