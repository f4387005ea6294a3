package report

import (
	"bufio"
	"strconv"
	"strings"
)

// The page is written by plain Go rather than by html/template: executing a template makes the
// Go linker keep every exported method of every reachable type (text/template calls methods by
// name through reflect), 11.3 MB of the binary (issue #4). The escaping html/template did is
// kept by construction: every string of the model goes through pageWriter.text, which escapes for
// element text and for double-quoted attribute values alike; only this file's literal markup,
// page.css, page.js, the checked echarts library and the JSON option table are written raw.

// escaper replaces the characters that could end or change an element's text or a double-quoted
// attribute value: the five of html.EscapeString (& < > " ') written as html/template writes them,
// plus the two more html/template replaces, NUL (U+FFFD, as an HTML parser would) and + (&#43;),
// so that the page is byte for byte what the former template (page.html.tmpl) wrote. Invalid
// UTF-8 passes through, as with html/template (json.Marshal replaces it in the option table).
var escaper = strings.NewReplacer(
	"\x00", "\uFFFD",
	`"`, "&#34;",
	"&", "&amp;",
	"'", "&#39;",
	"+", "&#43;",
	"<", "&lt;",
	">", "&gt;",
)

// pageWriter writes HTML to a buffered writer. Write errors are sticky in bufio.Writer and reported by
// its Flush, so the methods return nothing.
type pageWriter struct{ w *bufio.Writer }

// raw writes markup as it is; never pass it data from the model.
func (p pageWriter) raw(markup ...string) {
	for _, s := range markup {
		p.w.WriteString(s)
	}
}

// text writes s escaped, for element text or a double-quoted attribute value.
func (p pageWriter) text(s string) { escaper.WriteString(p.w, s) }

// elem writes open, s escaped, then close.
func (p pageWriter) elem(open, s, close string) {
	p.raw(open)
	p.text(s)
	p.raw(close)
}

// when writes markup if cond holds.
func (p pageWriter) when(cond bool, markup string) {
	if cond {
		p.raw(markup)
	}
}

// either writes yes if cond holds, else no.
func (p pageWriter) either(cond bool, yes, no string) {
	if cond {
		p.raw(yes)
	} else {
		p.raw(no)
	}
}

// numOr writes "–" for nil, else the number formatted for people.
func numOr(n *Num) string {
	if n == nil {
		return "–"
	}
	return formatNum(float64(*n))
}

// pctOr writes "–" for nil, else the share as a percentage.
func pctOr(n *Num) string {
	if n == nil {
		return "–"
	}
	return formatPct(float64(*n))
}

// intOr writes "–" for nil, else the count.
func intOr(n *int64) string {
	if n == nil {
		return "–"
	}
	return formatInt(*n)
}

// writePage lays out the whole page: head, summary, overview, violations, features, footer and
// the three inline scripts (the option table, echarts, page.js).
func writePage(p pageWriter, d *pageData) {
	m := d.M
	monitoring := m.Kind == KindMonitoring
	hasOverview := d.Drift != nil || d.Complete != nil || len(d.Trends) > 0
	p.raw(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="generator" content="driftwatch">
`)
	p.elem("<title>", m.Title, "</title>\n")
	p.raw("<style>")
	p.w.Write(d.CSS)
	p.raw("</style>\n</head>\n<body>\n<header>\n")
	p.elem("<h1>", m.Title, "</h1>\n")
	p.raw(`<p class="sub">`)
	switch {
	case monitoring && d.HasBaseline:
		p.raw("Monitoring job: the data compared with its baseline")
	case monitoring:
		p.raw("Monitoring job: the data checked against its constraints")
	default:
		p.raw("Baseline job: the profile of the data")
	}
	p.raw(" · ", strconv.Itoa(len(m.Features)), " features · made by driftwatch</p>\n")
	p.raw(`<nav aria-label="Sections"><a href="#summary">Summary</a>`)
	if hasOverview {
		p.raw(` · <a href="#overview">`)
		p.either(len(m.DriftRanking) > 0, "Drift and completeness", "Completeness")
		p.raw("</a>")
	}
	p.when(monitoring, ` · <a href="#violations">Violations</a>`)
	p.raw(` · <a href="#features">Features</a></nav>
</header>
<main>
`)
	writeSummary(p, d)
	p.raw("\n")
	if hasOverview {
		writeOverview(p, d)
	}
	p.raw("\n\n")
	if monitoring {
		writeViolations(p, d)
	}
	p.raw("\n\n")
	writeFeatures(p, d)
	p.raw(`</main>
<footer>
<p>Charts drawn with Apache ECharts 5.4.3 (Apache License 2.0, © The Apache Software Foundation), embedded in this file; options built with go-echarts. Numbers are rounded for reading; statistics.json has the exact values. Distributions are estimated from the KLL sketches of statistics.json.</p>
</footer>
<script type="application/json" id="dw-options">`)
	p.w.Write(d.Options)
	p.raw("</script>\n<script>")
	if _, err := p.w.ReadFrom(d.Echarts); err != nil {
		d.echartsErr = err
	}
	p.raw("</script>\n<script>")
	p.w.Write(d.Script)
	p.raw("</script>\n</body>\n</html>\n\n")
}

// writeSummary writes the summary section: outcome, rows, window, violations and records cards,
// then the model's notes.
func writeSummary(p pageWriter, d *pageData) {
	m := d.M
	monitoring := m.Kind == KindMonitoring
	p.raw(`<section id="summary" aria-labelledby="h-summary">
<h2 id="h-summary">Summary</h2>
<div class="cards">
`)
	o := m.Outcome
	p.elem(`<div class="card status `, statusClass(o.Status), `">
<h3>Outcome</h3>
<p class="big"><span aria-hidden="true" class="icon"></span>`)
	if o.Status != "" {
		p.text(o.Status)
	} else {
		p.raw("Unknown")
	}
	p.raw("</p>\n")
	msg := o.Message
	if o.Status != "" {
		msg = strings.TrimSpace(strings.TrimPrefix(msg, o.Status+":"))
	}
	if msg != "" {
		p.elem("<p>", msg, "</p>")
	}
	p.when(o.Derived, `<p class="small">No message file was given: the status is derived from the violations.</p>`)
	p.raw("\n</div>\n")

	p.raw(`<div class="card">
<h3>Rows</h3>
<dl>
<dt>`)
	p.either(monitoring, "current data", "data")
	p.elem("</dt><dd>", formatInt(m.Rows.Current), "</dd>\n")
	if m.Rows.Baseline != nil {
		p.elem("<dt>baseline</dt><dd>", formatInt(*m.Rows.Baseline), "</dd>")
	}
	p.raw("\n</dl>\n</div>\n")

	if w := m.Window; w != nil {
		p.raw(`<div class="card">
<h3>Window</h3>
<p>from `)
		p.text(orDash(w.Start))
		p.raw("<br>to ")
		p.text(orDash(w.End))
		p.raw("</p>\n</div>")
	}
	p.raw("\n")

	if monitoring {
		p.raw(`<div class="card">
<h3>Violations</h3>
`)
		if len(m.ViolationsByType) > 0 {
			p.raw(`<table class="compact"><thead><tr><th scope="col">check</th><th scope="col" class="n">count</th></tr></thead><tbody>` + "\n")
			for _, tc := range m.ViolationsByType {
				p.elem("<tr><td>", tc.Type, "</td>")
				p.elem(`<td class="n">`, formatInt(int64(tc.Count)), "</td></tr>\n")
			}
			p.raw("</tbody></table>")
		} else {
			p.raw(`<p class="big ok-text">✓ none</p>`)
		}
		p.raw("\n</div>")
	}
	p.raw("\n")

	if r := m.Rows.Records; r != nil {
		p.raw(`<div class="card">
<h3>Records</h3>
`)
		p.elem("<dl><dt>read</dt><dd>", formatInt(r.Read), "</dd>")
		p.elem("<dt>rows</dt><dd>", formatInt(r.Rows), "</dd>")
		p.elem("<dt>outside the window</dt><dd>", formatInt(r.OutsideWindow), "</dd>")
		p.elem("<dt>unusable</dt><dd>", formatInt(r.Unusable), "</dd></dl>\n")
		if len(r.UnusableReasons) > 0 {
			p.raw(`<table class="compact"><thead><tr><th scope="col">unusable because</th><th scope="col" class="n">records</th></tr></thead><tbody>` + "\n")
			for _, rc := range r.UnusableReasons {
				p.elem("<tr><td>", rc.Reason, "</td>")
				p.elem(`<td class="n">`, formatInt(rc.Count), "</td></tr>")
			}
			p.raw("\n</tbody></table>")
		}
		p.raw("\n")
		if len(r.Examples) > 0 {
			p.raw(`<details><summary>First problems</summary><ul class="small">`)
			for _, e := range r.Examples {
				p.elem("<li>", e.File, " line ")
				p.elem("", formatInt(e.Line), ": ")
				p.elem("", e.Reason, "</li>")
			}
			p.raw("</ul></details>")
		}
		p.raw("\n</div>")
	}
	p.raw("\n</div>\n")
	writeNotes(p, m.Notes)
	p.raw("\n</section>\n")
}

// orDash is s, or "–" when it is empty.
func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// writeNotes writes notes as a list, nothing when there are none.
func writeNotes(p pageWriter, notes []string) {
	if len(notes) == 0 {
		return
	}
	p.raw(`<ul class="notes">`)
	for _, n := range notes {
		p.elem("<li>", n, "</li>")
	}
	p.raw("</ul>")
}

// writeChart writes a chart's container; page.js draws it from the option table by its id.
func writeChart(p pageWriter, c *chart) {
	p.elem(`<div class="chart" id="`, c.ID, `" style="height:`)
	p.raw(strconv.Itoa(c.Height))
	p.elem(`px" role="img" aria-label="`, c.Title, `" data-units="`)
	p.elem("", c.UnitsJSON(), "\"></div>\n")
}

// featureLink writes a link to a feature's section, named by the feature. The id is escaped like
// any attribute value; ids are "f" and a number (Feature.ID), so html/template's percent-encoding
// of URL fragments would change nothing.
func featureLink(p pageWriter, id, name string) {
	p.elem(`<a href="#`, id, `">`)
	p.elem("", name, "</a>")
}

// writeOverview writes the drift and completeness section: charts, tables and trends.
func writeOverview(p pageWriter, d *pageData) {
	m := d.M
	p.raw(`<section id="overview" aria-labelledby="h-overview">
<h2 id="h-overview">`)
	p.either(len(m.DriftRanking) > 0, "Drift and completeness", "Completeness")
	p.raw("</h2>\n")
	if d.Drift != nil {
		writeChart(p, d.Drift)
	}
	p.raw("\n")
	if len(m.DriftRanking) > 0 {
		p.raw(`<details><summary>All `, strconv.Itoa(len(m.DriftRanking)), ` drift results as a table</summary>
<table><thead><tr><th scope="col">feature</th><th scope="col" class="n">value</th><th scope="col" class="n">threshold</th><th scope="col">method</th><th scope="col">result</th></tr></thead><tbody>
`)
		for i := range m.DriftRanking {
			r := &m.DriftRanking[i]
			p.raw("<tr><td>")
			featureLink(p, r.FeatureID, r.Feature)
			p.elem(`</td><td class="n">`, formatNum(float64(r.Value)), "")
			p.when(r.PValue, " (p-value)")
			p.elem(`</td><td class="n">`, numOr(r.Threshold), "</td>")
			p.elem("<td>", r.Method, "</td><td>")
			switch {
			case r.Violated:
				p.raw(`<span class="badge bad">✗ violated</span>`)
			case r.Threshold != nil:
				p.raw(`<span class="badge ok">✓ within</span>`)
			default:
				p.raw("not checked")
			}
			p.raw("</td></tr>\n")
		}
		p.raw("</tbody></table></details>")
	}
	p.raw("\n")
	if d.Complete != nil {
		writeChart(p, d.Complete)
	}
	p.raw("\n<details><summary>Completeness of all ", strconv.Itoa(len(m.Completeness)), ` features as a table</summary>
<table><thead><tr><th scope="col">feature</th>`)
	p.when(d.HasBaseline, `<th scope="col" class="n">baseline</th>`)
	p.raw(`<th scope="col" class="n">current</th></tr></thead><tbody>` + "\n")
	for i := range m.Completeness {
		c := &m.Completeness[i]
		p.raw("<tr><td>")
		featureLink(p, c.FeatureID, c.Feature)
		p.raw("</td>")
		if d.HasBaseline {
			p.elem(`<td class="n">`, pctOr(c.Baseline), "</td>")
		}
		p.elem(`<td class="n">`, pctOr(c.Current), "</td></tr>\n")
	}
	p.raw("</tbody></table></details>\n")
	for _, c := range d.Trends {
		writeChart(p, c)
	}
	p.raw("\n</section>")
}

// writeViolations writes the violations section of a monitoring job, with each violation's
// evidence when violation_details.json was given.
func writeViolations(p pageWriter, d *pageData) {
	m := d.M
	p.raw(`<section id="violations" aria-labelledby="h-violations">
<h2 id="h-violations">Violations (`, strconv.Itoa(len(m.Violations)), ")</h2>\n")
	if len(m.Violations) == 0 {
		p.raw(`<p class="ok-text">✓ No constraint was violated.</p>`)
		p.raw("\n</section>")
		return
	}
	p.raw(`<div class="scroll"><table class="violations">
<thead><tr><th scope="col">feature</th><th scope="col">check</th>`)
	p.when(d.HasEvidence, `<th scope="col" class="n">observed</th><th scope="col" class="n">threshold</th><th scope="col">method</th><th scope="col" class="n">baseline n</th><th scope="col" class="n">current n</th>`)
	p.raw(`<th scope="col">description</th></tr></thead>
<tbody>
`)
	for i := range m.Violations {
		v := &m.Violations[i]
		p.raw("<tr><td>")
		if v.FeatureID != "" {
			featureLink(p, v.FeatureID, v.Feature)
		} else {
			p.text(v.Feature)
		}
		p.elem("</td><td>", v.CheckType, "</td>")
		if d.HasEvidence {
			p.elem(`<td class="n">`, formatEvidence(v.CheckType, v.Observed), "</td>")
			p.elem(`<td class="n">`, formatEvidence(v.CheckType, v.Threshold), "</td>")
			p.elem("<td>", orDash(v.Method), "</td>")
			p.elem(`<td class="n">`, intOr(v.BaselineN), "</td>")
			p.elem(`<td class="n">`, intOr(v.CurrentN), "</td>")
		}
		p.elem("<td>", v.Description, "</td></tr>\n")
	}
	p.raw("</tbody></table></div>")
	p.when(!d.HasEvidence, `<p class="small">No violation_details.json was given: the evidence is in the descriptions only.</p>`)
	p.raw("\n</section>")
}

// writeFeatures writes the features section: the filters page.js drives, then one section per
// feature with its drift, statistics, charts and notes. page.js finds the sections by class
// "feature" and data-name, data-kind and data-violated.
func writeFeatures(p pageWriter, d *pageData) {
	m := d.M
	monitoring := m.Kind == KindMonitoring
	p.raw(`<section id="features" aria-labelledby="h-features">
<h2 id="h-features">Features (`, strconv.Itoa(len(m.Features)), `)</h2>
<div class="filters" role="search">
<label>Search by name <input type="search" id="dw-q" autocomplete="off" placeholder="feature name"></label>
<label>Show <select id="dw-kind">
<option value="">all features</option>
`)
	p.when(monitoring, `<option value="violated">with violations</option>`)
	p.raw(`
<option value="numeric">numeric</option>
<option value="categorical">categorical</option>
</select></label>
<span id="dw-count" aria-live="polite"></span>
</div>
`)
	for i := range d.Features {
		v := &d.Features[i]
		f := v.F
		kind := f.Kind.String()
		violated := len(f.Violations) > 0
		p.elem(`<section class="feature" id="`, f.ID, `" data-name="`)
		p.elem("", strings.ToLower(f.Name), `" data-kind="`)
		p.elem("", kind, `" data-violated="`)
		p.either(violated, "true", "false")
		p.elem(`" aria-labelledby="`, f.ID, "-h\">\n")
		p.elem(`<h3 id="`, f.ID, `-h">`)
		p.elem("", f.Name, ` <span class="tag">`)
		p.elem("", kind, "</span>\n")
		switch {
		case violated:
			p.elem(`<span class="badge bad">✗ violated: `, strings.Join(f.Violations, ", "), "</span>")
		case monitoring:
			p.raw(`<span class="badge ok">✓ no violation</span>`)
		}
		p.raw("</h3>\n")
		if dr := f.Drift; dr != nil {
			writeDrift(p, dr)
		}
		p.raw("\n<div class=\"body\">\n")
		p.elem(`<table class="stats"><caption class="sr">Statistics of `, f.Name, `</caption>
<thead><tr><th scope="col">statistic</th>`)
		p.when(d.HasBaseline, `<th scope="col" class="n">baseline</th>`)
		p.raw(`<th scope="col" class="n">`)
		p.either(monitoring, "current", "value")
		p.raw("</th></tr></thead>\n<tbody>")
		for _, r := range v.Stats {
			p.elem(`<tr><th scope="row">`, r.Name, "</th>")
			if d.HasBaseline {
				p.elem(`<td class="n">`, r.Baseline, "</td>")
			}
			p.elem(`<td class="n">`, r.Current, "</td></tr>")
		}
		p.raw("</tbody>\n</table>\n<div class=\"charts\">")
		for _, c := range v.Charts {
			writeChart(p, c)
		}
		p.raw("</div>\n</div>\n")
		writeNotes(p, f.Notes)
		p.raw("\n</section>\n")
	}
	p.raw("\n</section>\n")
}

// writeDrift writes the sentence on a feature's drift: a p-value is significant below its
// threshold, a distance violates above it.
func writeDrift(p pageWriter, dr *Drift) {
	p.raw(`<p class="drift">`)
	if dr.PValue {
		p.elem("Drift test p-value <strong>", formatNum(float64(dr.Value)), "</strong>")
	} else {
		p.elem("Drift distance <strong>", formatNum(float64(dr.Value)), "</strong>")
	}
	if dr.Threshold != nil {
		p.elem(" against threshold ", formatNum(float64(*dr.Threshold)), "")
	}
	p.elem(" (", dr.Method, "")
	if !dr.PValue && dr.Computed {
		p.raw(", computed by this report")
	}
	p.raw(")")
	if dr.Violated {
		p.either(dr.PValue, ": <strong>below the threshold, a significant change</strong>", ": <strong>exceeds the threshold</strong>")
	}
	p.raw(".</p>")
}
