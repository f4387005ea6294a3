package sagemaker

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/driftwatch/driftwatch/stats/kll"
)

// ErrBaseline marks a baseline file that cannot be used.
var ErrBaseline = errors.New("invalid baseline")

// Statistics is a parsed statistics.json: what monitoring needs of a baseline.
type Statistics struct {
	ItemCount int64
	Features  []StatisticsFeature
}

// StatisticsFeature is one baseline feature's statistics.
type StatisticsFeature struct {
	Name         string
	InferredType string
	NumPresent   int64
	NumMissing   int64
	// Numeric: the KLL sketch levels and parameters; nil Sketch when absent.
	Sketch     [][]float64
	SketchK    int
	SketchC    float64
	Sum, Mean  float64
	Min, Max   float64
	HasNumeric bool
	// String: the categorical buckets; nil when absent.
	Buckets []CategoryCount
}

// CategoryCount is one categorical bucket.
type CategoryCount struct {
	Value string
	Count int64
}

// flexFloat accepts a JSON number, a numeric string, or the strings "NaN"/"Infinity" that Jackson
// writes for non-finite doubles.
type flexFloat float64

func (f *flexFloat) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("expected a number, got %q", s)
		}
		*f = flexFloat(v)
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("expected a number, got %s", b)
	}
	*f = flexFloat(v)
	return nil
}

type rawCommon struct {
	NumPresent flexFloat `json:"num_present"`
	NumMissing flexFloat `json:"num_missing"`
}

// rawStatistics is statistics.json as ParseStatistics reads it. L is the type of a KLL sketch's
// "data": fastLevels in the first attempt, [][]flexFloat (plain encoding/json) when that fails.
type rawStatistics[L any] struct {
	Dataset *struct {
		ItemCount flexFloat `json:"item_count"`
	} `json:"dataset"`
	Features *[]struct {
		Name         *string `json:"name"`
		InferredType string  `json:"inferred_type"`
		Numerical    *struct {
			Common       rawCommon `json:"common"`
			Sum          flexFloat `json:"sum"`
			Mean         flexFloat `json:"mean"`
			Min          flexFloat `json:"min"`
			Max          flexFloat `json:"max"`
			Distribution *struct {
				KLL *struct {
					Sketch *struct {
						Parameters struct {
							C flexFloat `json:"c"`
							K flexFloat `json:"k"`
						} `json:"parameters"`
						Data L `json:"data"`
					} `json:"sketch"`
				} `json:"kll"`
			} `json:"distribution"`
		} `json:"numerical_statistics"`
		String *struct {
			Common       rawCommon `json:"common"`
			Distribution *struct {
				Categorical *struct {
					Buckets []struct {
						Value *string   `json:"value"`
						Count flexFloat `json:"count"`
					} `json:"buckets"`
				} `json:"categorical"`
			} `json:"distribution"`
		} `json:"string_statistics"`
	} `json:"features"`
}

// ParseStatistics reads a baseline statistics.json of any generation (2019, 2020–22, 2023+);
// unknown keys are ignored. name is used in error messages.
//
// The KLL sketches' items are most of a statistics.json (~5,500 numbers per numeric feature).
// They are read by fastLevels, one pass over each "data" array; a file it does not take as is
// (a string or null among the items, an out-of-range number, any decoding error at all) is read
// again with plain encoding/json, whose result and error stand, so both readings agree
// (TestParseStatisticsFastSameAsJSON, FuzzParseStatistics).
func ParseStatistics(name string, data []byte) (*Statistics, error) {
	if s, err := parseStatistics[fastLevels](name, data, fastLevels.levels); err == nil {
		return s, nil
	}
	return parseStatistics[[][]flexFloat](name, data, flexLevels)
}

// flexLevels copies encoding/json's reading of a sketch's data.
func flexLevels(d [][]flexFloat) [][]float64 {
	out := make([][]float64, len(d))
	for j, level := range d {
		out[j] = make([]float64, len(level))
		for k, v := range level {
			out[j][k] = float64(v)
		}
	}
	return out
}

// parseStatistics is ParseStatistics with the sketch data read as L and converted by levels.
func parseStatistics[L any](name string, data []byte, levels func(L) [][]float64) (*Statistics, error) {
	var raw rawStatistics[L]
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrBaseline, name, jsonErr(data, err))
	}
	if raw.Features == nil {
		return nil, fmt.Errorf("%w: %s: no \"features\" list: not a statistics.json", ErrBaseline, name)
	}
	s := &Statistics{}
	if raw.Dataset != nil {
		s.ItemCount = int64(raw.Dataset.ItemCount)
	}
	for i, rf := range *raw.Features {
		if rf.Name == nil {
			return nil, fmt.Errorf("%w: %s: feature %d has no \"name\"", ErrBaseline, name, i+1)
		}
		f := StatisticsFeature{Name: *rf.Name, InferredType: rf.InferredType}
		if rf.Numerical == nil && rf.String == nil {
			return nil, fmt.Errorf("%w: %s: feature %q has neither numerical_statistics nor string_statistics: not a statistics.json", ErrBaseline, name, f.Name)
		}
		if n := rf.Numerical; n != nil {
			f.HasNumeric = true
			f.NumPresent, f.NumMissing = int64(n.Common.NumPresent), int64(n.Common.NumMissing)
			f.Sum, f.Mean, f.Min, f.Max = float64(n.Sum), float64(n.Mean), float64(n.Min), float64(n.Max)
			if d := n.Distribution; d != nil && d.KLL != nil && d.KLL.Sketch != nil {
				sk := d.KLL.Sketch
				f.SketchK, f.SketchC = int(sk.Parameters.K), float64(sk.Parameters.C)
				if err := kll.ValidParams(f.SketchK, f.SketchC); err != nil || float64(f.SketchK) != float64(sk.Parameters.K) {
					return nil, fmt.Errorf("%w: %s: feature %q: KLL parameters k=%v c=%v: %v", ErrBaseline, name, f.Name, sk.Parameters.K, sk.Parameters.C, err)
				}
				f.Sketch = levels(sk.Data)
			}
		}
		if st := rf.String; st != nil {
			f.NumPresent, f.NumMissing = int64(st.Common.NumPresent), int64(st.Common.NumMissing)
			if d := st.Distribution; d != nil && d.Categorical != nil {
				f.Buckets = make([]CategoryCount, 0, len(d.Categorical.Buckets))
				for _, b := range d.Categorical.Buckets {
					if b.Value == nil {
						return nil, fmt.Errorf("%w: %s: feature %q: categorical bucket without \"value\"", ErrBaseline, name, f.Name)
					}
					f.Buckets = append(f.Buckets, CategoryCount{*b.Value, int64(b.Count)})
				}
			}
		}
		s.Features = append(s.Features, f)
	}
	return s, nil
}

type rawOverrides struct {
	EvaluateConstraints string `json:"evaluate_constraints"`
}

type rawConstraints struct {
	Dataset  json.RawMessage `json:"dataset"`
	Features *[]struct {
		Name           *string    `json:"name"`
		InferredType   string     `json:"inferred_type"`
		Completeness   *flexFloat `json:"completeness"`
		NumConstraints *struct {
			IsNonNegative *bool `json:"is_non_negative"`
		} `json:"num_constraints"`
		StringConstraints *struct {
			Domains   []string      `json:"domains"`
			Overrides *rawOverrides `json:"monitoring_config_overrides"`
		} `json:"string_constraints"`
		Overrides *rawOverrides `json:"monitoringConfigOverrides"`
	} `json:"features"`
	MonitoringConfig *struct {
		EvaluateConstraints    *string    `json:"evaluate_constraints"`
		EmitMetrics            *string    `json:"emit_metrics"`
		DatatypeCheckThreshold *flexFloat `json:"datatype_check_threshold"`
		DomainContentThreshold *flexFloat `json:"domain_content_threshold"`
		Distribution           *struct {
			PerformComparison              *string    `json:"perform_comparison"`
			ComparisonThreshold            *flexFloat `json:"comparison_threshold"`
			ComparisonMethod               *string    `json:"comparison_method"`
			CategoricalComparisonThreshold *flexFloat `json:"categorical_comparison_threshold"`
			CategoricalDriftMethod         *string    `json:"categorical_drift_method"`
		} `json:"distribution_constraints"`
	} `json:"monitoring_config"`
}

// ParseConstraints reads a baseline constraints.json of any generation. Absent monitoring_config
// keys take the container's defaults, except categorical_comparison_threshold, which defaults to
// comparison_threshold (contract §7.3). Per-feature overrides are read from both
// monitoringConfigOverrides and string_constraints.monitoring_config_overrides (§7.4).
func ParseConstraints(name string, data []byte) (*Constraints, error) {
	var raw rawConstraints
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: %s: %s", ErrBaseline, name, jsonErr(data, err))
	}
	if raw.Features == nil {
		return nil, fmt.Errorf("%w: %s: no \"features\" list: not a constraints.json", ErrBaseline, name)
	}
	if raw.Dataset != nil {
		return nil, fmt.Errorf("%w: %s: has a \"dataset\" block: this is a statistics.json, not a constraints.json", ErrBaseline, name)
	}
	c := &Constraints{MonitoringConfig: DefaultMonitoringConfig()}
	var errs []error
	for i, rf := range *raw.Features {
		if rf.Name == nil {
			errs = append(errs, fmt.Errorf("feature %d has no \"name\"", i+1))
			continue
		}
		f := ConstraintFeature{Name: *rf.Name, InferredType: rf.InferredType}
		switch f.InferredType {
		case "Integral", "Fractional", "String", "Unknown", "":
		default:
			errs = append(errs, fmt.Errorf("feature %q: unknown inferred_type %q (expected Integral, Fractional, String or Unknown)", f.Name, f.InferredType))
		}
		if rf.Completeness != nil {
			v := float64(*rf.Completeness)
			f.Completeness = &v
		}
		if rf.NumConstraints != nil {
			f.IsNonNegative = rf.NumConstraints.IsNonNegative
		}
		if sc := rf.StringConstraints; sc != nil {
			f.Domains = sc.Domains
			if sc.Overrides != nil {
				f.EvaluateConstraints = sc.Overrides.EvaluateConstraints
			}
		}
		if rf.Overrides != nil && rf.Overrides.EvaluateConstraints != "" {
			f.EvaluateConstraints = rf.Overrides.EvaluateConstraints
		}
		if err := checkSwitch("evaluate_constraints of feature "+strconv.Quote(f.Name), f.EvaluateConstraints, true); err != nil {
			errs = append(errs, err)
		}
		c.Features = append(c.Features, f)
	}
	m := &c.MonitoringConfig
	if rm := raw.MonitoringConfig; rm != nil {
		setString(&m.EvaluateConstraints, rm.EvaluateConstraints)
		setString(&m.EmitMetrics, rm.EmitMetrics)
		setFloat(&m.DatatypeCheckThreshold, rm.DatatypeCheckThreshold)
		setFloat(&m.DomainContentThreshold, rm.DomainContentThreshold)
		if d := rm.Distribution; d != nil {
			setString(&m.Distribution.PerformComparison, d.PerformComparison)
			setFloat(&m.Distribution.ComparisonThreshold, d.ComparisonThreshold)
			setString(&m.Distribution.ComparisonMethod, d.ComparisonMethod)
			m.Distribution.CategoricalComparisonThreshold = m.Distribution.ComparisonThreshold
			setFloat(&m.Distribution.CategoricalComparisonThreshold, d.CategoricalComparisonThreshold)
			setString(&m.Distribution.CategoricalDriftMethod, d.CategoricalDriftMethod)
		}
	}
	for _, s := range []struct {
		what, v string
	}{{"evaluate_constraints", m.EvaluateConstraints}, {"emit_metrics", m.EmitMetrics}, {"perform_comparison", m.Distribution.PerformComparison}} {
		if err := checkSwitch(s.what, s.v, false); err != nil {
			errs = append(errs, err)
		}
	}
	switch m.Distribution.ComparisonMethod {
	case "Simple", "Robust":
	case "linf_simple":
		m.Distribution.ComparisonMethod = "Simple"
	case "linf_robust":
		m.Distribution.ComparisonMethod = "Robust"
	default:
		errs = append(errs, fmt.Errorf("comparison_method %q: expected Simple or Robust", m.Distribution.ComparisonMethod))
	}
	switch m.Distribution.CategoricalDriftMethod {
	case "LInfinity", "ChiSquared":
	default:
		errs = append(errs, fmt.Errorf("categorical_drift_method %q: expected LInfinity or ChiSquared", m.Distribution.CategoricalDriftMethod))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrBaseline, name, err)
	}
	return c, nil
}

func checkSwitch(what, v string, emptyOK bool) error {
	if v == Enabled || v == Disabled || (emptyOK && v == "") {
		return nil
	}
	return fmt.Errorf("%s %q: expected Enabled or Disabled", what, v)
}

func setString(dst *string, v *string) {
	if v != nil {
		*dst = *v
	}
}

func setFloat(dst *float64, v *flexFloat) {
	if v != nil {
		*dst = float64(*v)
	}
}

// jsonErr renders a JSON decoding error with the line and column where it happened.
func jsonErr(data []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err.Error()
	}
	line := bytes.Count(data[:off], []byte("\n")) + 1
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("line %d column %d: %v", line, col, err)
}
