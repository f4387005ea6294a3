package report

import "math"

// Model is everything the HTML report shows, computed by Build from the job's files. It is plain
// data (golden-tested as JSON, testdata/*.golden.json): Render only lays it out and formats it. Chart
// series are already reduced to a fixed number of points per feature, so the model and the page
// grow with the number of features, never with the number of rows.
type Model struct {
	Title   string  `json:"title"`
	Kind    Kind    `json:"kind"`
	Outcome Outcome `json:"outcome"`
	// Window is the monitoring window of violation_details.json; nil when the job had none.
	Window *Window `json:"window,omitempty"`
	Rows   Rows    `json:"rows"`
	// ViolationsByType counts the violations per constraint_check_type, most frequent first.
	ViolationsByType []TypeCount `json:"violations_by_type"`
	// Violations are the rows of constraint_violations.json in file order, each with its evidence
	// from violation_details.json when that file was given.
	Violations []Violation `json:"violations"`
	// DriftRanking holds every feature whose drift was measured, worst first: violations, then by
	// value against threshold (Drift.severity).
	DriftRanking []Drift `json:"drift_ranking"`
	// Completeness holds every feature, in feature order.
	Completeness []Completeness `json:"completeness"`
	Features     []Feature      `json:"features"`
	// Trend is set when Input.History was given.
	Trend *Trend `json:"trend,omitempty"`
	// Notes tell the reader what the report could not show and why.
	Notes []string `json:"notes,omitempty"`
}

// Kind says which job produced the files.
type Kind int

const (
	// KindBaseline: a suggest-baseline job, one statistics.json and nothing to compare it with.
	KindBaseline Kind = iota
	// KindMonitoring: a monitoring job, compared against a baseline.
	KindMonitoring
)

func (k Kind) String() string {
	if k == KindMonitoring {
		return "monitoring"
	}
	return "baseline"
}

// MarshalText writes the kind by name in the JSON model.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Outcome is the job's result as the message file states it.
type Outcome struct {
	// Status is the first word of the message: Completed, CompletedWithViolations, Failed, Stopped.
	Status  string `json:"status"`
	Message string `json:"message"`
	// Derived is true when no message was given and Status was inferred from the violations.
	Derived bool `json:"derived,omitempty"`
}

// Window is a monitoring window, as written in violation_details.json.
type Window struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// Rows are the row counts of the job.
type Rows struct {
	// Current is dataset.item_count of the job's statistics.json.
	Current int64 `json:"current"`
	// Baseline is dataset.item_count of the baseline statistics.json, when given.
	Baseline *int64 `json:"baseline,omitempty"`
	// Records is the records block of violation_details.json, when it counted anything.
	Records *Records `json:"records,omitempty"`
}

// Records counts the records read from captured traffic (violation_details.json "records").
type Records struct {
	Read            int64           `json:"read"`
	Rows            int64           `json:"rows"`
	OutsideWindow   int64           `json:"outside_window"`
	Unusable        int64           `json:"unusable"`
	UnusableReasons []ReasonCount   `json:"unusable_reasons,omitempty"`
	Examples        []RecordProblem `json:"examples,omitempty"`
}

// ReasonCount is one reason records were unusable, with its count.
type ReasonCount struct {
	Reason string `json:"reason"`
	Count  int64  `json:"count"`
}

// RecordProblem is one example of an unusable record.
type RecordProblem struct {
	File   string `json:"file"`
	Line   int64  `json:"line"`
	Reason string `json:"reason"`
}

// TypeCount is the number of violations of one constraint_check_type.
type TypeCount struct {
	Type  string `json:"type"`
	Count int    `json:"count"`
}

// Violation is one constraint violation with its evidence (nil fields: not known).
type Violation struct {
	Feature     string `json:"feature"`
	CheckType   string `json:"check_type"`
	Description string `json:"description"`
	// FeatureID is the anchor of the feature's section, "" when the feature has none.
	FeatureID string `json:"feature_id,omitempty"`
	Observed  *Num   `json:"observed,omitempty"`
	Threshold *Num   `json:"threshold,omitempty"`
	Method    string `json:"method,omitempty"`
	BaselineN *int64 `json:"baseline_sample_size,omitempty"`
	CurrentN  *int64 `json:"current_sample_size,omitempty"`
}

// Drift is one feature's drift distance against its threshold.
type Drift struct {
	Feature   string `json:"feature"`
	FeatureID string `json:"feature_id,omitempty"`
	Method    string `json:"method"`
	Value     Num    `json:"value"`
	// Threshold is nil when the distance was computed by the report from the two statistics files
	// (no violation_details.json, e.g. files of the SageMaker container), which carry no thresholds.
	Threshold *Num `json:"threshold,omitempty"`
	Violated  bool `json:"violated"`
	// Computed is true when the report computed the distance itself (see Threshold).
	Computed bool `json:"computed,omitempty"`
	// PValue is true when Value is a p-value (method ChiSquared): the drift is significant, and
	// violates, when it is below the threshold; smaller means more drift.
	PValue bool `json:"p_value,omitempty"`
}

// severity orders drift from worst to least: how far past (or how close to) its threshold the
// value is, as value/threshold for distances and threshold/value for p-values; the value itself
// when there is no threshold. NaN sorts last.
func (d *Drift) severity() float64 {
	v := float64(d.Value)
	if math.IsNaN(v) {
		return math.Inf(-1)
	}
	if d.PValue {
		if d.Threshold == nil {
			return -v
		}
		if v == 0 {
			return math.Inf(1)
		}
		return float64(*d.Threshold) / v
	}
	if d.Threshold != nil && *d.Threshold > 0 {
		return v / float64(*d.Threshold)
	}
	return v
}

// Completeness is one feature's share of non-missing values, from 0 to 1.
type Completeness struct {
	Feature   string `json:"feature"`
	FeatureID string `json:"feature_id"`
	Current   *Num   `json:"current,omitempty"`
	Baseline  *Num   `json:"baseline,omitempty"`
}

// FeatureKind says how a feature is charted.
type FeatureKind int

const (
	// Numeric features have numerical_statistics and KLL sketches.
	Numeric FeatureKind = iota
	// Categorical features have string_statistics and, up to 120 distinct values, frequencies.
	Categorical
)

func (k FeatureKind) String() string {
	if k == Categorical {
		return "categorical"
	}
	return "numeric"
}

// MarshalText writes the kind by name in the JSON model.
func (k FeatureKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Feature is one column of the data, with everything its section shows.
type Feature struct {
	Name string `json:"name"`
	// ID is the HTML anchor of the section: "f" and the feature's position, from 1.
	ID   string      `json:"id"`
	Kind FeatureKind `json:"kind"`
	// Violations are the constraint_check_types this feature violated, in file order.
	Violations []string `json:"violations,omitempty"`
	Drift      *Drift   `json:"drift,omitempty"`
	// Current is nil for a feature that is only in the baseline (missing from the data).
	Current  *Summary `json:"current,omitempty"`
	Baseline *Summary `json:"baseline,omitempty"`
	// Histogram and CDF are set for numeric features with sketches; Categories for categorical
	// features with frequencies.
	Histogram  *Histogram    `json:"histogram,omitempty"`
	CDF        *CDF          `json:"cdf,omitempty"`
	Categories *Categories   `json:"categories,omitempty"`
	Trend      *FeatureTrend `json:"trend,omitempty"`
	Notes      []string      `json:"notes,omitempty"`
}

// Summary is one side's statistics of a feature, as statistics.json states them.
type Summary struct {
	Type    string `json:"inferred_type"`
	Present int64  `json:"num_present"`
	Missing int64  `json:"num_missing"`
	// Completeness is the file's value, or num_present/(num_present+num_missing) for files that do
	// not write it (the container before 2020).
	Completeness *Num `json:"completeness,omitempty"`
	// Distinct is approximate_num_distinct_values or distinct_count (HLL++ estimates).
	Distinct *Num `json:"distinct,omitempty"`
	Mean     *Num `json:"mean,omitempty"`
	StdDev   *Num `json:"std_dev,omitempty"`
	Min      *Num `json:"min,omitempty"`
	Max      *Num `json:"max,omitempty"`
	Sum      *Num `json:"sum,omitempty"`
}

// Histogram is both sides' distributions on common equal-width bins, from the KLL sketches.
type Histogram struct {
	// Bounds are the len(Current)+1 bin edges; the bins are [Bounds[i], Bounds[i+1]), the last one
	// closed.
	Bounds []float64 `json:"bounds"`
	// Baseline and Current are the percentages of each side's values per bin (nil: side absent).
	Baseline []float64 `json:"baseline,omitempty"`
	Current  []float64 `json:"current,omitempty"`
	// Open is true when the bins cover only the central values (see numericCharts): the first
	// bin also holds every value below Bounds[0], the last every value above the last bound.
	Open bool `json:"open,omitempty"`
	// BaselineN and CurrentN are the sketches' value counts (the sample sizes).
	BaselineN int64 `json:"baseline_n"`
	CurrentN  int64 `json:"current_n"`
}

// CDF is both sides' cumulative distributions, from the KLL sketches: the percentage of values
// below each X.
type CDF struct {
	X        []float64 `json:"x"`
	Baseline []float64 `json:"baseline,omitempty"`
	Current  []float64 `json:"current,omitempty"`
	// MaxGap is the point where the two CDFs are furthest apart, nil with one side only.
	MaxGap *Gap `json:"max_gap,omitempty"`
}

// Gap is the largest vertical distance between two CDFs and where it is.
type Gap struct {
	X float64 `json:"x"`
	// Baseline and Current are the two CDFs at X, in percent.
	Baseline float64 `json:"baseline"`
	Current  float64 `json:"current"`
	// Distance is |Baseline − Current| as a fraction (0 to 1), the L∞ distance on the grid.
	Distance float64 `json:"distance"`
}

// Categories are both sides' frequencies of a categorical feature: the most frequent values, then
// everything else summed as "other".
type Categories struct {
	Values []string `json:"values"`
	// Other is true when the last entry of Values stands for all the remaining values.
	Other     bool      `json:"other,omitempty"`
	Baseline  []float64 `json:"baseline,omitempty"`
	Current   []float64 `json:"current,omitempty"`
	BaselineN int64     `json:"baseline_n"`
	CurrentN  int64     `json:"current_n"`
}

// Trend is drift and completeness over the last executions (Input.History plus this run).
type Trend struct {
	// Labels name the executions, oldest first: their time in UTC, then "this run".
	Labels   []string `json:"labels"`
	Statuses []string `json:"statuses"`
	// Drift and Completeness are the features with the largest drift and the lowest completeness
	// over the executions, at most trendSeries of each.
	Drift        []TrendSeries `json:"drift,omitempty"`
	Completeness []TrendSeries `json:"completeness,omitempty"`
}

// TrendSeries is one feature's values over the executions of a Trend (nil: not measured).
type TrendSeries struct {
	Feature string     `json:"feature"`
	Values  []*float64 `json:"values"`
}

// FeatureTrend is one feature's drift and completeness over the executions of Model.Trend.
type FeatureTrend struct {
	Drift        []*float64 `json:"drift,omitempty"`
	Completeness []*float64 `json:"completeness,omitempty"`
}
