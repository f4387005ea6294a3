package analyzer

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

var update = flag.Bool("update", false, "regenerate testdata/scenarios")

// The scenario suite (testdata/scenarios): one baseline dataset and, for each check, current
// data that must trigger it and only it, in every input format. Regenerate with
//
//	go test ./analyzer/ -run TestScenarios -update
//
// The data is drawn with fixed seeds; each scenario's expect.json lists the violations it must
// produce (check type and feature), written by hand into the scenario table below.

// row is one record of the scenario schema: label (model output, Integral), age (Integral),
// income (Fractional), city (String, five values), score (Fractional).
type row struct {
	label, age        string
	income, city      string
	score             string
	extra             string // only for the extra-column scenario
	dropScore, extra2 bool
}

var cities = []string{"Lisbon", "Porto", "Braga", "Faro", "Coimbra"}

// population draws n rows. shift changes the distributions:
//   - incomeScale multiplies income;
//   - cityWeights replaces the city probabilities;
//   - newCity is the share of rows with a city outside the baseline domain;
//   - ageFractional writes ages as "41.0";
//   - scoreNulls is the share of missing scores.
type population struct {
	n             int
	seed          uint64
	incomeScale   float64
	cityWeights   []float64
	newCity       float64
	ageFractional bool
	scoreNulls    float64
	dropScore     bool
	extraColumn   bool
}

var baseCityWeights = []float64{0.35, 0.25, 0.2, 0.12, 0.08}

func (p population) rows() []row {
	r := rand.New(rand.NewPCG(p.seed, 7))
	w := p.cityWeights
	if w == nil {
		w = baseCityWeights
	}
	scale := p.incomeScale
	if scale == 0 {
		scale = 1
	}
	out := make([]row, p.n)
	for i := range out {
		age := 18 + int(math.Abs(r.NormFloat64()*12+22))
		ageS := strconv.Itoa(age)
		if p.ageFractional {
			ageS += ".0"
		}
		income := math.Round(math.Exp(10.5+0.4*r.NormFloat64())*scale*100) / 100
		city := pick(r, w)
		if r.Float64() < p.newCity {
			city = "Atlantis"
		}
		score := strconv.FormatFloat(r.NormFloat64(), 'f', 3, 64)
		if r.Float64() < p.scoreNulls {
			score = ""
		}
		label := "0"
		if r.Float64() < 0.3 {
			label = "1"
		}
		out[i] = row{label: label, age: ageS, income: strconv.FormatFloat(income, 'f', 2, 64), city: city, score: score, dropScore: p.dropScore, extra2: p.extraColumn}
		if p.extraColumn {
			out[i].extra = strconv.Itoa(r.IntN(100))
		}
	}
	return out
}

func pick(r *rand.Rand, w []float64) string {
	x := r.Float64()
	for i, p := range w {
		if x < p {
			return cities[i]
		}
		x -= p
	}
	return cities[len(cities)-1]
}

func (r row) fields() []string {
	f := []string{r.label, r.age, r.income, r.city}
	if !r.dropScore {
		f = append(f, r.score)
	}
	if r.extra2 {
		f = append(f, r.extra)
	}
	return f
}

func header(r row) []string {
	h := []string{"label", "age", "income", "city"}
	if !r.dropScore {
		h = append(h, "score")
	}
	if r.extra2 {
		h = append(h, "extra")
	}
	return h
}

// scenario is one current dataset and the violations it must produce.
type scenario struct {
	name string
	pop  population
	// constraints edits applied to the baseline constraints.json for this scenario.
	method, categoricalMethod string
	expect                    []string // "check_type:feature"
}

// windowStart is the capture window of every scenario.
var windowStart = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

func scenarioTable() []scenario {
	moderate := population{n: 400, seed: 21, incomeScale: 1.16}
	catModerate := population{n: 400, seed: 22, cityWeights: []float64{0.20, 0.30, 0.25, 0.15, 0.10}}
	catStrong := population{n: 1000, seed: 23, cityWeights: []float64{0.10, 0.25, 0.35, 0.2, 0.10}}
	return []scenario{
		{name: "clean", pop: population{n: 500, seed: 11}},
		{name: "data_type", pop: population{n: 500, seed: 12, ageFractional: true}, expect: []string{"data_type_check:age"}},
		{name: "completeness", pop: population{n: 500, seed: 13, scoreNulls: 0.1}, expect: []string{"completeness_check:score"}},
		{name: "numeric_drift", pop: population{n: 500, seed: 14, incomeScale: 3}, expect: []string{"baseline_drift_check:income"}},
		{name: "categorical_values", pop: population{n: 500, seed: 15, newCity: 0.03}, expect: []string{"categorical_values_check:city"}},
		{name: "missing_column", pop: population{n: 500, seed: 16, dropScore: true}, expect: []string{"missing_column_check:Missing columns"}},
		{name: "extra_column", pop: population{n: 500, seed: 17, extraColumn: true}, expect: []string{"extra_column_check:Extra columns"}},
		// Simple vs Robust on both sides: a moderate shift on a small sample exceeds 0.1 as a plain
		// L∞ distance but not after the small-sample correction.
		{name: "numeric_drift_simple", pop: moderate, method: "Simple", expect: []string{"baseline_drift_check:income"}},
		{name: "numeric_drift_robust_quiet", pop: moderate, method: "Robust"},
		{name: "categorical_drift_simple", pop: catModerate, method: "Simple", expect: []string{"baseline_drift_check:city"}},
		{name: "categorical_drift_robust_quiet", pop: catModerate, method: "Robust"},
		{name: "categorical_drift_robust", pop: catStrong, method: "Robust", expect: []string{"baseline_drift_check:city"}},
		// ChiSquared: a clear change gives a p-value far below 0.1; a same-distribution sample does not.
		{name: "chisquared_drift", pop: catModerate, categoricalMethod: "ChiSquared", expect: []string{"baseline_drift_check:city"}},
		{name: "chisquared_quiet", pop: population{n: 500, seed: 24}, categoricalMethod: "ChiSquared"},
	}
}

func TestScenarios(t *testing.T) {
	dir := filepath.Join("testdata", "scenarios")
	if *update {
		generateScenarios(t, dir)
	}
	runScenarios(t, dir)
}

func generateScenarios(t *testing.T, dir string) {
	os.RemoveAll(dir)
	must(t, os.MkdirAll(dir, 0o755))
	writeCSV(t, filepath.Join(dir, "baseline.csv"), population{n: 2000, seed: 1}.rows())
	for _, s := range scenarioTable() {
		sd := filepath.Join(dir, s.name)
		must(t, os.MkdirAll(sd, 0o755))
		rows := s.pop.rows()
		writeCSV(t, filepath.Join(sd, "current.csv"), rows)
		writeJSONL(t, filepath.Join(sd, "current.jsonl.gz"), rows)
		writeParquet(t, filepath.Join(sd, "current.parquet"), rows)
		writeCapture(t, filepath.Join(sd, "capture", "ep", "AllTraffic", "2026", "11", "01", "10", "10-00-000-capture.jsonl.gz"), rows)
		exp, _ := json.MarshalIndent(map[string]any{"comparison_method": s.method, "categorical_drift_method": s.categoricalMethod, "violations": s.expect}, "", "  ")
		must(t, os.WriteFile(filepath.Join(sd, "expect.json"), append(exp, '\n'), 0o644))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func writeCSV(t *testing.T, path string, rows []row) {
	var b strings.Builder
	b.WriteString(strings.Join(header(rows[0]), ",") + "\n")
	for _, r := range rows {
		b.WriteString(strings.Join(r.fields(), ",") + "\n")
	}
	must(t, os.WriteFile(path, []byte(b.String()), 0o644))
}

// writeJSONL writes one object per row; numbers are JSON numbers, an empty score is null.
func writeJSONL(t *testing.T, path string, rows []row) {
	f, err := os.Create(path)
	must(t, err)
	defer f.Close()
	zw := gzip.NewWriter(f)
	defer func() { must(t, zw.Close()) }()
	w := bufio.NewWriter(zw)
	for _, r := range rows {
		h, v := header(r), r.fields()
		parts := make([]string, len(h))
		for i := range h {
			val := v[i]
			switch {
			case val == "":
				val = "null"
			case h[i] == "city":
				val = strconv.Quote(val)
			}
			parts[i] = strconv.Quote(h[i]) + ": " + val
		}
		fmt.Fprintf(w, "{%s}\n", strings.Join(parts, ", "))
	}
	must(t, w.Flush())
}

// writeParquet writes typed columns: label and age int64 (age float64 when written as "41.0"),
// income and score float64, city string, extra int64.
func writeParquet(t *testing.T, path string, rows []row) {
	mem := memory.DefaultAllocator
	h := header(rows[0])
	var fields []arrow.Field
	var cols []arrow.Array
	for i, name := range h {
		vals := make([]string, len(rows))
		fractional := name == "income" || name == "score"
		for j, r := range rows {
			vals[j] = r.fields()[i]
			if strings.Contains(vals[j], ".") {
				fractional = true
			}
		}
		switch {
		case name == "city":
			b := array.NewStringBuilder(mem)
			b.AppendValues(vals, nil)
			fields = append(fields, arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true})
			cols = append(cols, b.NewArray())
		case fractional:
			b := array.NewFloat64Builder(mem)
			for _, v := range vals {
				if v == "" {
					b.AppendNull()
					continue
				}
				x, err := strconv.ParseFloat(v, 64)
				must(t, err)
				b.Append(x)
			}
			fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Float64, Nullable: true})
			cols = append(cols, b.NewArray())
		default:
			b := array.NewInt64Builder(mem)
			for _, v := range vals {
				x, err := strconv.ParseInt(v, 10, 64)
				must(t, err)
				b.Append(x)
			}
			fields = append(fields, arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64, Nullable: true})
			cols = append(cols, b.NewArray())
		}
	}
	schema := arrow.NewSchema(fields, nil)
	rec := array.NewRecordBatch(schema, cols, int64(len(rows)))
	defer rec.Release()
	f, err := os.Create(path)
	must(t, err)
	defer f.Close()
	w, err := pqarrow.NewFileWriter(schema, f, nil, pqarrow.DefaultWriterProps())
	must(t, err)
	must(t, w.Write(rec))
	must(t, w.Close())
}

// writeCapture writes endpoint capture records: the model output (label) in endpointOutput, the
// features in endpointInput, CSV-encoded, one second apart inside the window.
func writeCapture(t *testing.T, path string, rows []row) {
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	must(t, err)
	defer f.Close()
	zw := gzip.NewWriter(f)
	defer func() { must(t, zw.Close()) }()
	w := bufio.NewWriter(zw)
	for i, r := range rows {
		v := r.fields()
		rec := map[string]any{
			"captureData": map[string]any{
				"endpointInput":  map[string]string{"observedContentType": "text/csv", "mode": "INPUT", "data": strings.Join(v[1:], ","), "encoding": "CSV"},
				"endpointOutput": map[string]string{"observedContentType": "text/csv; charset=utf-8", "mode": "OUTPUT", "data": v[0], "encoding": "CSV"},
			},
			"eventMetadata": map[string]string{"eventId": fmt.Sprintf("00000000-0000-4000-8000-%012d", i), "inferenceTime": windowStart.Add(time.Duration(i%3600) * time.Second).Format(TimeLayout)},
			"eventVersion":  "0",
		}
		b, err := json.Marshal(rec)
		must(t, err)
		w.Write(append(b, '\n'))
	}
	must(t, w.Flush())
}
