// Package report renders a job's outputs (statistics.json, constraint_violations.json,
// violation_details.json) as one self-contained HTML page a person can read in a minute, with the
// echarts library embedded so that it works offline from file:// (issue 5, docs/report.md).
//
//	m, err := report.Build(report.Input{Current: stats, Baseline: base}); err = report.Render(w, m)
package report

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// ErrBadInput marks an input file that cannot be read as the file it should be.
var ErrBadInput = errors.New("bad input")

// Input is what a report is built from: the job's files as bytes, so that callers read them from
// disk, S3 or memory as they like.
type Input struct {
	// Title heads the page; "" gives a title from the kind of job.
	Title string
	// Current is the statistics.json of the job (required).
	Current []byte
	// Baseline is the baseline statistics.json (optional: baseline jobs have none).
	Baseline []byte
	// Violations is constraint_violations.json (optional).
	Violations []byte
	// Details is driftwatch's violation_details.json (optional).
	Details []byte
	// Outcome is the message file's text, e.g.
	// "CompletedWithViolations: Job completed successfully with 2 violations.".
	Outcome string
	// History holds previous executions, in any order, for the trend charts (optional).
	History []HistoryPoint
}

// HistoryPoint is one previous execution: when it ran, its status, and per feature its drift
// distance and completeness (0 to 1).
type HistoryPoint struct {
	Time         time.Time
	Status       string
	Drift        map[string]float64
	Completeness map[string]float64
}

const (
	// maxHistory: executions shown in the trends, this run included (30: a month of daily runs).
	maxHistory = 30
	// trendSeries: features per overview trend chart; more lines cannot be told apart.
	trendSeries = 8
)

// Build computes the report's data model from the job's files. It returns an error wrapping
// ErrBadInput when a file given is not valid JSON or Current is missing.
func Build(in Input) (*Model, error) {
	if len(in.Current) == 0 {
		return nil, fmt.Errorf("statistics.json of the job is required: %w", ErrBadInput)
	}
	var cur, base statsFile
	var viol violationsFile
	var det detailsFile
	if err := decode("statistics.json", in.Current, &cur); err != nil {
		return nil, err
	}
	hasBase, hasViol, hasDet := len(in.Baseline) > 0, len(in.Violations) > 0, len(in.Details) > 0
	var errs []error
	if hasBase {
		errs = append(errs, decode("baseline statistics.json", in.Baseline, &base))
	}
	if hasViol {
		errs = append(errs, decode("constraint_violations.json", in.Violations, &viol))
	}
	if hasDet {
		errs = append(errs, decode("violation_details.json", in.Details, &det))
	}
	errs = append(errs, checkStats("statistics.json", &cur))
	if hasBase {
		errs = append(errs, checkStats("baseline statistics.json", &base))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	m := &Model{Title: in.Title, Kind: KindBaseline}
	if hasBase || hasViol || hasDet {
		m.Kind = KindMonitoring
	}
	if m.Title == "" {
		m.Title = "driftwatch " + m.Kind.String() + " report"
	}
	if cur.Dataset.ItemCount != nil {
		m.Rows.Current = *cur.Dataset.ItemCount
	} else if det.ItemCount != nil {
		m.Rows.Current = *det.ItemCount
	}
	if hasBase && base.Dataset.ItemCount != nil {
		m.Rows.Baseline = base.Dataset.ItemCount
	}
	if w := det.Window; w != nil && (w.Start != "" || w.End != "") {
		m.Window = &Window{Start: w.Start, End: w.End}
	}
	if r := det.Records; r != nil && (r.Read > 0 || r.Unusable > 0 || r.OutsideWindow > 0) {
		rec := &Records{Read: r.Read, Rows: r.Rows, OutsideWindow: r.OutsideWindow, Unusable: r.Unusable}
		for reason, n := range r.UnusableReasons {
			rec.UnusableReasons = append(rec.UnusableReasons, ReasonCount{Reason: reason, Count: n})
		}
		slices.SortFunc(rec.UnusableReasons, func(a, b ReasonCount) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
		})
		for _, e := range r.Examples {
			rec.Examples = append(rec.Examples, RecordProblem{File: e.File, Line: e.Line, Reason: e.Reason})
		}
		m.Rows.Records = rec
	}

	buildFeatures(m, &cur, &base, hasBase)
	ids := map[string]string{}
	for _, f := range m.Features {
		ids[f.Name] = f.ID
	}
	buildViolations(m, &viol, &det, hasViol, ids)
	buildDrift(m, &det, ids)
	m.Outcome = outcome(in.Outcome, m)
	if len(in.History) > 0 {
		buildTrend(m, in.History)
	}
	if !hasBase && m.Kind == KindMonitoring {
		m.Notes = append(m.Notes, "No baseline statistics were given: the charts show the current data only.")
	}
	return m, nil
}

// checkStats rejects a JSON file that is not a statistics.json (a constraints.json has features
// too, but without statistics).
func checkStats(name string, f *statsFile) error {
	if f.Features == nil {
		return fmt.Errorf("%s: no \"features\" list, not a statistics.json: %w", name, ErrBadInput)
	}
	for _, ft := range f.Features {
		if ft.Numerical == nil && ft.String == nil {
			return fmt.Errorf("%s: feature %q has neither numerical_statistics nor string_statistics, not a statistics.json: %w", name, ft.Name, ErrBadInput)
		}
	}
	return nil
}

// outcome splits the message file's text "Status: message"; without one it derives the status.
func outcome(msg string, m *Model) Outcome {
	msg = strings.TrimSpace(msg)
	if msg != "" {
		status, _, ok := strings.Cut(msg, ":")
		if !ok || strings.ContainsAny(status, " \t") {
			status = ""
		}
		return Outcome{Status: status, Message: msg}
	}
	o := Outcome{Status: "Completed", Derived: true}
	if n := len(m.Violations); n > 0 {
		o.Status = "CompletedWithViolations"
		o.Message = fmt.Sprintf("%d violations in constraint_violations.json.", n)
	}
	return o
}

// summaryOf reads one side's statistics of a feature.
func summaryOf(f *statsFeature) *Summary {
	s := &Summary{Type: f.InferredType}
	var completeness *Num
	switch {
	case f.Numerical != nil:
		ns := f.Numerical
		s.Present, s.Missing = ns.Common.NumPresent, ns.Common.NumMissing
		s.Mean, s.StdDev, s.Min, s.Max, s.Sum, s.Distinct = ns.Mean, ns.StdDev, ns.Min, ns.Max, ns.Sum, ns.Distinct
		completeness = ns.Completeness
	case f.String != nil:
		ss := f.String
		s.Present, s.Missing = ss.Common.NumPresent, ss.Common.NumMissing
		s.Distinct = ss.Distinct
		completeness = ss.Completeness
	}
	if completeness == nil && s.Present+s.Missing > 0 {
		c := Num(float64(s.Present) / float64(s.Present+s.Missing))
		completeness = &c
	}
	s.Completeness = completeness
	return s
}

// buildFeatures lists the features of the job's statistics in file order, then those only in the
// baseline, with their summaries and distribution charts.
func buildFeatures(m *Model, cur, base *statsFile, hasBase bool) {
	baseByName := map[string]*statsFeature{}
	for i := range base.Features {
		baseByName[base.Features[i].Name] = &base.Features[i]
	}
	inCur := map[string]bool{}
	type pair struct{ c, b *statsFeature }
	var pairs []pair
	for i := range cur.Features {
		f := &cur.Features[i]
		if inCur[f.Name] {
			continue // a repeated name: statistics.json never has one; keep the first
		}
		inCur[f.Name] = true
		pairs = append(pairs, pair{f, baseByName[f.Name]})
	}
	for i := range base.Features {
		if f := &base.Features[i]; !inCur[f.Name] {
			inCur[f.Name] = true
			pairs = append(pairs, pair{nil, f})
		}
	}
	for i, p := range pairs {
		ft := Feature{ID: fmt.Sprintf("f%d", i+1)}
		if p.c != nil {
			ft.Name, ft.Current = p.c.Name, summaryOf(p.c)
		}
		if p.b != nil {
			ft.Name, ft.Baseline = p.b.Name, summaryOf(p.b)
		}
		primary := p.c
		if primary == nil {
			primary = p.b
			ft.Notes = append(ft.Notes, "Missing from the current data: only the baseline is shown.")
		} else if hasBase && p.b == nil {
			ft.Notes = append(ft.Notes, "Not in the baseline: only the current data is shown.")
		}
		if primary.Numerical == nil {
			ft.Kind = Categorical
		}
		if p.c != nil && p.b != nil && (p.c.Numerical == nil) != (p.b.Numerical == nil) {
			ft.Notes = append(ft.Notes, fmt.Sprintf("Type changed from %s in the baseline to %s: the distributions cannot be overlaid; only the current one is shown.", p.b.InferredType, p.c.InferredType))
			p.b = nil
			if p.c.Numerical == nil {
				ft.Kind = Categorical
			}
		}
		var drift *Drift
		if ft.Kind == Numeric {
			drift = numericFeature(&ft, p.c, p.b)
		} else {
			drift = categoricalFeature(&ft, p.c, p.b)
		}
		if drift != nil {
			drift.Feature, drift.FeatureID = ft.Name, ft.ID
		}
		ft.Drift = drift // replaced by violation_details.json's drift when given (buildDrift)
		m.Features = append(m.Features, ft)
		c := Completeness{Feature: ft.Name, FeatureID: ft.ID}
		if ft.Current != nil {
			c.Current = ft.Current.Completeness
		}
		if ft.Baseline != nil {
			c.Baseline = ft.Baseline.Completeness
		}
		m.Completeness = append(m.Completeness, c)
	}
}

// numericFeature fills the charts of a numeric feature and returns the L∞ distance between the two
// sketches (kll.LInfinity, Deequ 2.0.2's numericalDistance, contract §8.3), nil with one side.
func numericFeature(ft *Feature, c, b *statsFeature) *Drift {
	var cs, bs *sketchSide
	if c != nil && c.Numerical != nil {
		var why string
		if cs, why = sketchOf(c.Numerical); cs == nil && why != "" {
			ft.Notes = append(ft.Notes, "Current data: "+why+".")
		}
	}
	if b != nil && b.Numerical != nil {
		var why string
		if bs, why = sketchOf(b.Numerical); bs == nil && why != "" {
			ft.Notes = append(ft.Notes, "Baseline: "+why+".")
		}
	}
	if cs == nil && bs == nil {
		return nil
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range []*sketchSide{bs, cs} {
		if s != nil {
			lo, hi = math.Min(lo, s.min), math.Max(hi, s.max)
		}
	}
	if math.IsInf((hi-lo)*gridSteps, 0) { // the grid's bounds (hi−lo)·i/gridSteps would overflow
		ft.Notes = append(ft.Notes, "The values span nearly the whole range of doubles: no distribution chart.")
		return nil
	}
	ft.Histogram, ft.CDF = numericCharts(bs, cs)
	if ft.CDF == nil {
		ft.Notes = append(ft.Notes, "Every value is the same, so there is no distribution to plot beyond one bar.")
	}
	if cs == nil || bs == nil {
		return nil
	}
	d := bs.v.LInfinity(cs.v)
	if math.IsNaN(d) {
		return nil
	}
	return &Drift{Method: "LInfinity", Value: Num(roundSig(d)), Computed: true}
}

// categoricalFeature fills the frequency chart of a categorical feature and returns the L∞
// distance between the two frequency tables, nil with one side.
func categoricalFeature(ft *Feature, c, b *statsFeature) *Drift {
	var cc, bc *catCounts
	if c != nil {
		cc = catCountsOf(c.String)
	}
	if b != nil {
		bc = catCountsOf(b.String)
	}
	ft.Categories = categoryChart(bc, cc)
	if ft.Categories == nil {
		ft.Notes = append(ft.Notes, "No value frequencies: statistics.json lists them only when there are at most 120 distinct values.")
	}
	if cc == nil || bc == nil {
		return nil
	}
	return &Drift{Method: "LInfinity", Value: Num(roundSig(categoricalLInf(bc, cc))), Computed: true}
}

// buildViolations lists the violations with their evidence and counts them by type.
func buildViolations(m *Model, viol *violationsFile, det *detailsFile, hasViol bool, ids map[string]string) {
	entries := viol.Violations
	if !hasViol {
		for _, v := range det.Violations {
			entries = append(entries, v.violationEntry)
		}
	}
	used := make([]bool, len(det.Violations))
	counts := map[string]int{}
	m.Violations = []Violation{}
	for _, e := range entries {
		v := Violation{Feature: e.FeatureName, CheckType: e.CheckType, Description: e.Description, FeatureID: ids[e.FeatureName]}
		for i, d := range det.Violations {
			if !used[i] && d.FeatureName == e.FeatureName && d.CheckType == e.CheckType {
				used[i] = true
				v.Observed, v.Threshold, v.Method = d.Observed, d.Threshold, d.Method
				// violation_details.json writes 0 where a sample size does not apply (a
				// completeness check has no baseline sample).
				v.BaselineN, v.CurrentN = positive(d.BaselineSampleSize), positive(d.CurrentSampleSize)
				break
			}
		}
		m.Violations = append(m.Violations, v)
		counts[e.CheckType]++
	}
	m.ViolationsByType = []TypeCount{}
	for t, n := range counts {
		m.ViolationsByType = append(m.ViolationsByType, TypeCount{Type: t, Count: n})
	}
	slices.SortFunc(m.ViolationsByType, func(a, b TypeCount) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Type, b.Type))
	})
	for i := range m.Features {
		f := &m.Features[i]
		for _, v := range m.Violations {
			if v.Feature == f.Name {
				f.Violations = append(f.Violations, v.CheckType)
			}
		}
	}
}

// buildDrift takes the drift of violation_details.json when it has any, else the distances the
// report computed from the sketches, and ranks the features by it.
func buildDrift(m *Model, det *detailsFile, ids map[string]string) {
	m.DriftRanking = []Drift{}
	if len(det.Drift) > 0 {
		byName := map[string]*Drift{}
		for _, d := range det.Drift {
			th := d.Threshold
			dr := Drift{Feature: d.FeatureName, FeatureID: ids[d.FeatureName], Method: d.Method, Value: d.Value, Threshold: &th,
				Violated: d.Violated, PValue: strings.EqualFold(d.Method, "ChiSquared")}
			m.DriftRanking = append(m.DriftRanking, dr)
			byName[d.FeatureName] = &dr
		}
		for i := range m.Features {
			m.Features[i].Drift = byName[m.Features[i].Name]
		}
	} else {
		for _, f := range m.Features {
			if f.Drift != nil {
				m.DriftRanking = append(m.DriftRanking, *f.Drift)
			}
		}
		if len(m.DriftRanking) > 0 {
			m.Notes = append(m.Notes, "Drift distances were computed by this report from the two statistics files "+
				"(L∞ between the KLL sketches' CDFs, or between the value frequencies), without the robust correction "+
				"and without thresholds: no violation_details.json was given.")
		}
	}
	slices.SortStableFunc(m.DriftRanking, func(a, b Drift) int {
		if a.Violated != b.Violated {
			if a.Violated {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.severity(), a.severity()), cmp.Compare(a.Feature, b.Feature))
	})
}

// buildTrend lays out the last executions (History, oldest first, then this run) for the trend
// charts: per feature its drift and completeness, and the features to show in the overview.
func buildTrend(m *Model, history []HistoryPoint) {
	hist := slices.Clone(history)
	slices.SortStableFunc(hist, func(a, b HistoryPoint) int { return a.Time.Compare(b.Time) })
	if len(hist) > maxHistory-1 {
		hist = hist[len(hist)-(maxHistory-1):]
	}
	now := HistoryPoint{Status: m.Outcome.Status, Drift: map[string]float64{}, Completeness: map[string]float64{}}
	for _, d := range m.DriftRanking {
		if !d.Computed && !d.PValue && d.Value.finite() {
			now.Drift[d.Feature] = float64(d.Value)
		}
	}
	for _, c := range m.Completeness {
		if c.Current != nil && c.Current.finite() {
			now.Completeness[c.Feature] = float64(*c.Current)
		}
	}
	points := append(hist, now)
	t := &Trend{}
	for i, p := range points {
		label := "this run"
		switch {
		case i == len(points)-1:
		case p.Time.IsZero():
			label = fmt.Sprintf("run %d", i+1) // an execution without a window time
		default:
			label = p.Time.UTC().Format("2006-01-02 15:04")
		}
		t.Labels = append(t.Labels, label)
		t.Statuses = append(t.Statuses, p.Status)
	}
	series := func(name string, get func(HistoryPoint) map[string]float64, scale float64) ([]*float64, int) {
		vals := make([]*float64, len(points))
		n := 0
		for i, p := range points {
			if v, ok := get(p)[name]; ok && !math.IsNaN(v) && !math.IsInf(v, 0) {
				r := roundSig(v * scale)
				vals[i], n = &r, n+1
			}
		}
		return vals, n
	}
	drift := func(p HistoryPoint) map[string]float64 { return p.Drift }
	compl := func(p HistoryPoint) map[string]float64 { return p.Completeness }
	type ranked struct {
		name string
		key  float64
		vals []*float64
	}
	var byDrift, byCompl []ranked
	for i := range m.Features {
		f := &m.Features[i]
		d, nd := series(f.Name, drift, 1)
		c, nc := series(f.Name, compl, 100)
		if nd == 0 && nc == 0 {
			continue
		}
		ftr := &FeatureTrend{}
		if nd > 0 {
			ftr.Drift = d
			key := math.Inf(-1)
			for _, v := range d {
				if v != nil {
					key = math.Max(key, *v)
				}
			}
			byDrift = append(byDrift, ranked{f.Name, key, d})
		}
		if nc > 0 {
			ftr.Completeness = c
			key := math.Inf(1)
			for _, v := range c {
				if v != nil {
					key = math.Min(key, *v)
				}
			}
			byCompl = append(byCompl, ranked{f.Name, key, c})
		}
		f.Trend = ftr
	}
	slices.SortStableFunc(byDrift, func(a, b ranked) int { return cmp.Or(cmp.Compare(b.key, a.key), cmp.Compare(a.name, b.name)) })
	slices.SortStableFunc(byCompl, func(a, b ranked) int { return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.name, b.name)) })
	for i, r := range byDrift {
		if i == trendSeries {
			break
		}
		t.Drift = append(t.Drift, TrendSeries{Feature: r.name, Values: r.vals})
	}
	for i, r := range byCompl {
		if i == trendSeries {
			break
		}
		t.Completeness = append(t.Completeness, TrendSeries{Feature: r.name, Values: r.vals})
	}
	m.Trend = t
}

func positive(n *int64) *int64 {
	if n == nil || *n <= 0 {
		return nil
	}
	return n
}
