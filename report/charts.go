package report

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/opts"
)

// Colours: the Okabe–Ito palette, distinguishable with the common colour-vision deficiencies. Colour
// is never the only cue: series also differ by decal pattern (bars) or line type and symbol
// (lines), and every series is named in the legend.
const (
	colBaseline = "#0072B2" // blue
	colCurrent  = "#E69F00" // orange
	colAlert    = "#D55E00" // vermillion: violations, the largest CDF gap
	colOK       = "#56B4E9" // sky blue: drift within threshold
	colGrey     = "#555555" // thresholds
)

// palette and symbols tell trend lines apart.
var (
	palette = []string{"#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"}
	symbols = []string{"circle", "rect", "triangle", "diamond", "pin", "arrow", "roundRect", "emptyCircle"}
)

// chart is one chart of the page: its container's attributes and its echarts option, built with
// go-echarts and serialised by Render into the page's option table.
type chart struct {
	ID     string
	Title  string // what the chart shows and its sample sizes; also its accessible name
	Height int    // px
	// Units are the tooltip unit of each series ("%" or ""), in series order.
	Units  []string
	option map[string]any
}

// UnitsJSON is Units as a JSON array for the container's data-units attribute.
func (c chart) UnitsJSON() string {
	b, _ := json.Marshal(c.Units)
	return string(b)
}

// chartSet numbers the charts of one page.
type chartSet struct {
	list []*chart
	// single: a baseline job, whose one side is "the data", drawn in the baseline's colour and
	// line, not "current".
	single bool
}

// cur returns the name, colour and line type of the current side.
func (cs *chartSet) cur() (name, color, line string) {
	if cs.single {
		return "data", colBaseline, "solid"
	}
	return "current", colCurrent, "dashed"
}

func (cs *chartSet) newID() string { return fmt.Sprintf("c%d", len(cs.list)+1) }

// base holds the options every chart of the report shares: deterministic id, no asset host (the
// library is inlined, never loaded from a CDN), title with sample sizes, accessible decals and a
// generated aria description, no animation (instant, and stable screenshots).
func base(id, title, subtitle string, legend bool, colors ...string) []charts.GlobalOpts {
	return []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{ChartID: id, AssetsHost: "", Theme: "white", Renderer: "canvas"}),
		charts.WithTitleOpts(opts.Title{Title: title, Subtitle: subtitle, Left: "center",
			TitleStyle: &opts.TextStyle{FontSize: 14}, SubtitleStyle: &opts.TextStyle{FontSize: 12, Color: "#333"}}),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(legend), Bottom: "0"}),
		charts.WithGridOpts(opts.Grid{Left: "12", Right: "28", Top: "58", Bottom: "40", ContainLabel: opts.Bool(true)}),
		charts.WithColorsOpts(colors),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true), Decal: &opts.AriaDecal{Show: opts.Bool(true)}}),
		charts.WithAnimation(false),
	}
}

// add validates a go-echarts chart and records its option.
func (cs *chartSet) add(id, title string, height int, units []string, c interface {
	Validate()
	JSON() map[string]any
}) *chart {
	c.Validate()
	ch := &chart{ID: id, Title: title, Height: height, Units: units, option: c.JSON()}
	cs.list = append(cs.list, ch)
	return ch
}

func (cs *chartSet) sampleSizes(bn, cn int64, hasB, hasC bool) string {
	var parts []string
	if hasB {
		parts = append(parts, "baseline n = "+formatInt(bn))
	}
	if hasC {
		name, _, _ := cs.cur()
		parts = append(parts, name+" n = "+formatInt(cn))
	}
	return strings.Join(parts, " · ")
}

// pairs zips x and y into [x, y] points, leaving out the inner points of flat stretches (y equal
// to both neighbours' y), which a line through the rest draws the same.
func pairs(x, y []float64) [][2]float64 {
	out := make([][2]float64, 0, len(y))
	for i := range y {
		if i > 0 && i < len(y)-1 && y[i-1] == y[i] && y[i] == y[i+1] {
			continue
		}
		out = append(out, [2]float64{x[i], y[i]})
	}
	return out
}

// rawData sets a series' data to a compact value array instead of go-echarts' {"value": …}
// objects, which would double the size of the page.
func rawData(v any) charts.SeriesOpts {
	return charts.WithSeriesOpts(func(s *charts.SingleSeries) { s.Data = v })
}

// binLabels names the bins by their bounds; open end bins, which also hold the values beyond the
// plotted range, by their inner bound only.
func binLabels(h *Histogram) []string {
	b := h.Bounds
	out := make([]string, len(b)-1)
	for i := range out {
		out[i] = formatNum(b[i]) + " – " + formatNum(b[i+1])
	}
	if h.Open && len(out) > 1 {
		out[0] = "< " + formatNum(b[1])
		out[len(out)-1] = "≥ " + formatNum(b[len(b)-2])
	}
	return out
}

// histogramChart overlays both sides' shares per common bin.
func (cs *chartSet) histogramChart(f *Feature) *chart {
	h := f.Histogram
	id := cs.newID()
	title := f.Name + ": share of values per bin (%)"
	sub := cs.sampleSizes(h.BaselineN, h.CurrentN, h.Baseline != nil, h.Current != nil) + " · " +
		fmt.Sprintf("%d equal-width bins", len(h.Bounds)-1)
	if h.Open {
		sub += " over the central 99%; the end bins hold the rest"
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(base(id, title, sub, true, colBaseline, colCurrent),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", Name: f.Name, NameLocation: "middle", NameGap: 26,
			AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", AxisLabel: &opts.AxisLabel{Formatter: "{value}%"}}),
	)...)
	bar.SetXAxis(binLabels(h))
	var units []string
	if h.Baseline != nil {
		bar.AddSeries("baseline", nil, rawData(h.Baseline), charts.WithItemStyleOpts(opts.ItemStyle{Color: colBaseline}))
		units = append(units, "%")
	}
	if h.Current != nil {
		name, color, _ := cs.cur()
		bar.AddSeries(name, nil, rawData(h.Current), charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
		units = append(units, "%")
	}
	return cs.add(id, title+", "+sub, 300, units, bar)
}

// cdfChart overlays both sides' CDFs and marks their largest gap.
func (cs *chartSet) cdfChart(f *Feature) *chart {
	c, h := f.CDF, f.Histogram
	id := cs.newID()
	title := f.Name + ": cumulative share of values below x (%)"
	sub := cs.sampleSizes(h.BaselineN, h.CurrentN, c.Baseline != nil, c.Current != nil)
	if g := c.MaxGap; g != nil && g.Distance == 0 {
		sub += " · the two curves coincide"
	}
	line := charts.NewLine()
	line.SetGlobalOptions(append(base(id, title, sub, true, colBaseline, colCurrent, colAlert),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: f.Name, NameLocation: "middle", NameGap: 26,
			Min: c.X[0], Max: c.X[len(c.X)-1], AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: 0, Max: 100, AxisLabel: &opts.AxisLabel{Formatter: "{value}%"}}),
	)...)
	var units []string
	if c.Baseline != nil {
		line.AddSeries("baseline", nil, rawData(pairs(c.X, c.Baseline)),
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 2, Type: "solid", Color: colBaseline}))
		units = append(units, "%")
	}
	if c.Current != nil {
		name, color, style := cs.cur()
		line.AddSeries(name, nil, rawData(pairs(c.X, c.Current)),
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(false)}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 2, Type: style, Color: color}))
		units = append(units, "%")
	}
	if g := c.MaxGap; g != nil && g.Distance > 0 {
		name := "largest gap: " + formatNum(g.Distance)
		// Labelled once, at the upper end of the gap.
		lower, upper := [2]float64{g.X, g.Baseline}, [2]float64{g.X, g.Current}
		if g.Current < g.Baseline {
			lower, upper = upper, lower
		}
		label := map[string]any{"show": true, "position": "right", "color": "#222",
			"formatter": "gap " + formatNum(g.Distance) + " at x = " + formatNum(g.X)}
		line.AddSeries(name, nil, rawData([]any{lower, map[string]any{"value": upper, "label": label}}),
			charts.WithLineChartOpts(opts.LineChart{Symbol: "diamond", SymbolSize: 9, ShowSymbol: opts.Bool(true)}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 3, Type: "dotted", Color: colAlert}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colAlert}))
		units = append(units, "%")
	}
	return cs.add(id, title+", "+sub, 300, units, line)
}

// categoriesChart compares both sides' value frequencies as horizontal bars.
func (cs *chartSet) categoriesChart(f *Feature) *chart {
	c := f.Categories
	id := cs.newID()
	title := f.Name + ": share of rows per value (%)"
	sub := cs.sampleSizes(c.BaselineN, c.CurrentN, c.Baseline != nil, c.Current != nil)
	if c.Other {
		sub += fmt.Sprintf(" · top %d values, then all others", len(c.Values)-1)
	}
	// echarts draws a category y axis bottom-up: reverse so the most frequent value is on top.
	rev := func(x []float64) []float64 { y := slices.Clone(x); slices.Reverse(y); return y }
	labels := slices.Clone(c.Values)
	slices.Reverse(labels)
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(base(id, title, sub, true, colBaseline, colCurrent),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", AxisLabel: &opts.AxisLabel{Formatter: "{value}%"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: labels,
			AxisLabel: &opts.AxisLabel{Width: 160, Overflow: "truncate", Interval: "0"}}),
	)...)
	var units []string
	if c.Baseline != nil {
		bar.AddSeries("baseline", nil, rawData(rev(c.Baseline)), charts.WithItemStyleOpts(opts.ItemStyle{Color: colBaseline}))
		units = append(units, "%")
	}
	if c.Current != nil {
		name, color, _ := cs.cur()
		bar.AddSeries(name, nil, rawData(rev(c.Current)), charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
		units = append(units, "%")
	}
	height := 110 + 22*len(c.Values)*max(1, len(units))
	return cs.add(id, title+", "+sub, min(max(height, 220), 560), units, bar)
}

// rankingTop: features shown in the drift ranking chart; the table below it lists them all.
const rankingTop = 25

// driftChart ranks features by drift distance, with each feature's threshold marked.
// P-values (ChiSquared) are on another scale and are left to the table.
func (cs *chartSet) driftChart(m *Model) *chart {
	var dist []Drift
	for _, d := range m.DriftRanking {
		if !d.PValue {
			dist = append(dist, d)
		}
	}
	if len(dist) == 0 {
		return nil
	}
	top := dist[:min(len(dist), rankingTop)]
	id := cs.newID()
	title := "Drift distance per feature, worst first"
	sub := fmt.Sprintf("%d of %d features", len(top), len(dist))
	if p := len(m.DriftRanking) - len(dist); p > 0 {
		sub += fmt.Sprintf(" (%d more tested by p-value: see the table)", p)
	}
	if m.Rows.Baseline != nil {
		sub += " · baseline n = " + formatInt(*m.Rows.Baseline)
	}
	sub += " · current n = " + formatInt(m.Rows.Current)
	names := make([]string, len(top))
	bars := make([]opts.BarData, len(top))
	var thresholds [][2]any
	for i, d := range top {
		j := len(top) - 1 - i // bottom-up axis: largest on top
		names[j] = d.Feature
		v := float64(d.Value)
		label := formatShort(v)
		color := colOK
		if d.Threshold != nil {
			thresholds = append(thresholds, [2]any{float64(*d.Threshold), d.Feature})
			if d.Violated {
				label += " > " + formatShort(float64(*d.Threshold)) + " ✗ violated"
				color = colAlert
			} else {
				label += " ≤ " + formatShort(float64(*d.Threshold)) + " ✓"
			}
		}
		if !d.Value.finite() {
			v = 0
		}
		bars[j] = opts.BarData{Value: v, ItemStyle: &opts.ItemStyle{Color: color},
			Label: &opts.Label{Show: opts.Bool(true), Position: "right", Formatter: label, Color: "#222"}}
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(base(id, title, sub, len(thresholds) > 0, colOK, colGrey),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: "distance", NameLocation: "middle", NameGap: 26}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: names,
			AxisLabel: &opts.AxisLabel{Width: 160, Overflow: "truncate", Interval: "0"}}),
	)...)
	bar.GridList = []opts.Grid{{Left: "12", Right: "170", Top: "58", Bottom: "40", ContainLabel: opts.Bool(true)}} // room for the labels
	bar.AddSeries("distance", bars)
	units := []string{""}
	if len(thresholds) > 0 {
		bar.AddSeries("threshold", nil, rawData(thresholds),
			charts.WithSeriesOpts(func(s *charts.SingleSeries) {
				s.Type, s.Symbol, s.SymbolSize = "scatter", "rect", []int{4, 18}
			}),
			charts.WithItemStyleOpts(opts.ItemStyle{Color: colGrey}))
		units = append(units, "")
	}
	return cs.add(id, title+", "+sub, 110+26*len(top), units, bar)
}

// completenessTop: features in the completeness chart, the least complete first.
const completenessTop = 25

// completenessChart shows the least complete features, both sides.
func (cs *chartSet) completenessChart(m *Model) *chart {
	rows := slices.Clone(m.Completeness)
	key := func(c Completeness) float64 {
		if c.Current != nil {
			return float64(*c.Current)
		}
		if c.Baseline != nil {
			return float64(*c.Baseline)
		}
		return 2
	}
	slices.SortStableFunc(rows, func(a, b Completeness) int {
		ka, kb := key(a), key(b)
		if ka < kb {
			return -1
		} else if ka > kb {
			return 1
		}
		return 0
	})
	rows = rows[:min(len(rows), completenessTop)]
	id := cs.newID()
	title := "Completeness: share of values present (%)"
	sub := fmt.Sprintf("%d least complete of %d features", len(rows), len(m.Completeness))
	if len(rows) == len(m.Completeness) {
		sub = fmt.Sprintf("all %d features, least complete on top", len(rows))
	}
	if m.Rows.Baseline != nil {
		sub += " · baseline n = " + formatInt(*m.Rows.Baseline)
	}
	name, _, _ := cs.cur()
	sub += " · " + name + " n = " + formatInt(m.Rows.Current)
	pct := func(n *Num) any {
		if n == nil || !n.finite() {
			return "-" // echarts: no value
		}
		return roundSig(100 * float64(*n))
	}
	// echarts draws a category y axis bottom-up: the least complete last, so that it is on top.
	var names []string
	var bv, cv []any
	hasB := false
	for i := len(rows) - 1; i >= 0; i-- {
		names = append(names, rows[i].Feature)
		bv = append(bv, pct(rows[i].Baseline))
		cv = append(cv, pct(rows[i].Current))
		hasB = hasB || rows[i].Baseline != nil
	}
	bar := charts.NewBar()
	bar.SetGlobalOptions(append(base(id, title, sub, true, colBaseline, colCurrent),
		charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: 0, Max: 100, AxisLabel: &opts.AxisLabel{Formatter: "{value}%"}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "category", Data: names,
			AxisLabel: &opts.AxisLabel{Width: 160, Overflow: "truncate", Interval: "0"}}),
	)...)
	var units []string
	per := 16
	if hasB {
		bar.AddSeries("baseline", nil, rawData(bv), charts.WithItemStyleOpts(opts.ItemStyle{Color: colBaseline}))
		units = append(units, "%")
		per = 26
	}
	name, color, _ := cs.cur()
	bar.AddSeries(name, nil, rawData(cv), charts.WithItemStyleOpts(opts.ItemStyle{Color: color}))
	units = append(units, "%")
	return cs.add(id, title+", "+sub, 110+per*len(rows), units, bar)
}

// trendChart draws one value per execution for a few features.
func (cs *chartSet) trendChart(t *Trend, series []TrendSeries, title, sub, unit string) *chart {
	id := cs.newID()
	line := charts.NewLine()
	yaxis := opts.YAxis{Type: "value"}
	if unit == "%" {
		yaxis.AxisLabel = &opts.AxisLabel{Formatter: "{value}%"}
		yaxis.Max = 100
		yaxis.Scale = opts.Bool(true)
	}
	line.SetGlobalOptions(append(base(id, title, sub, true, palette...),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(yaxis),
	)...)
	line.SetXAxis(t.Labels)
	var units []string
	for i, s := range series {
		line.AddSeries(s.Feature, nil, rawData(nullable(s.Values)),
			charts.WithLineChartOpts(opts.LineChart{Symbol: symbols[i%len(symbols)], SymbolSize: 8, ShowSymbol: opts.Bool(true)}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 2, Type: []string{"solid", "dashed", "dotted"}[i%3]}))
		units = append(units, unit)
	}
	return cs.add(id, title+", "+sub, 320, units, line)
}

// featureTrendChart draws one feature's drift and completeness over the executions.
func (cs *chartSet) featureTrendChart(t *Trend, f *Feature) *chart {
	id := cs.newID()
	title := f.Name + ": drift and completeness over the last executions"
	sub := fmt.Sprintf("%d executions, oldest first", len(t.Labels))
	line := charts.NewLine()
	line.SetGlobalOptions(append(base(id, title, sub, true, colBaseline, colCurrent),
		charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: &opts.AxisLabel{HideOverlap: opts.Bool(true)}}),
		charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: "drift", Position: "left"}),
	)...)
	line.ExtendYAxis(opts.YAxis{Type: "value", Name: "completeness", Position: "right", Min: 0, Max: 100,
		AxisLabel: &opts.AxisLabel{Formatter: "{value}%"}, SplitLine: &opts.SplitLine{Show: opts.Bool(false)}})
	line.SetXAxis(t.Labels)
	var units []string
	if f.Trend.Drift != nil {
		line.AddSeries("drift distance", nil, rawData(nullable(f.Trend.Drift)),
			charts.WithLineChartOpts(opts.LineChart{Symbol: "circle", SymbolSize: 7, ShowSymbol: opts.Bool(true)}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 2, Type: "solid"}))
		units = append(units, "")
	}
	if f.Trend.Completeness != nil {
		line.AddSeries("completeness", nil, rawData(nullable(f.Trend.Completeness)),
			charts.WithLineChartOpts(opts.LineChart{Symbol: "rect", SymbolSize: 7, ShowSymbol: opts.Bool(true), YAxisIndex: 1}),
			charts.WithLineStyleOpts(opts.LineStyle{Width: 2, Type: "dashed"}))
		units = append(units, "%")
	}
	return cs.add(id, title+", "+sub, 260, units, line)
}

// nullable writes missing values as "-", which echarts draws as a gap.
func nullable(v []*float64) []any {
	out := make([]any, len(v))
	for i, x := range v {
		if x == nil {
			out[i] = "-"
		} else {
			out[i] = *x
		}
	}
	return out
}
