package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// Num is a double of a SageMaker or driftwatch JSON file. Jackson writes NaN and the infinities as
// the strings "NaN", "Infinity" and "-Infinity" (docs/format/statistics.md); Num reads them and
// writes them back the same way, so a Model with a NaN mean still marshals.
type Num float64

// UnmarshalJSON accepts a JSON number or one of the strings "NaN", "Infinity", "-Infinity".
func (n *Num) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*n = Num(math.NaN())
		case "Infinity":
			*n = Num(math.Inf(1))
		case "-Infinity":
			*n = Num(math.Inf(-1))
		default:
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return fmt.Errorf("number %q: %w", s, err)
			}
			*n = Num(f)
		}
		return nil
	}
	if string(b) == "null" {
		return nil // as encoding/json leaves a float64 alone on null
	}
	// The decoder calling this has validated b as a JSON value; a JSON number is ParseFloat syntax.
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("number %s: %w", b, err)
	}
	*n = Num(f)
	return nil
}

// MarshalJSON writes finite values as JSON numbers and the others as Jackson's strings.
func (n Num) MarshalJSON() ([]byte, error) {
	f := float64(n)
	switch {
	case math.IsNaN(f):
		return []byte(`"NaN"`), nil
	case math.IsInf(f, 1):
		return []byte(`"Infinity"`), nil
	case math.IsInf(f, -1):
		return []byte(`"-Infinity"`), nil
	}
	return json.Marshal(f)
}

func (n Num) finite() bool { return !math.IsNaN(float64(n)) && !math.IsInf(float64(n), 0) }

// statsFile is statistics.json (docs/format/statistics.md, contract §6): only what the report shows.
type statsFile struct {
	Dataset struct {
		ItemCount *int64 `json:"item_count"`
	} `json:"dataset"`
	Features []statsFeature `json:"features"`
}

type statsFeature struct {
	Name         string         `json:"name"`
	InferredType string         `json:"inferred_type"`
	Numerical    *numericalStat `json:"numerical_statistics"`
	String       *stringStat    `json:"string_statistics"`
}

type commonStat struct {
	NumPresent int64 `json:"num_present"`
	NumMissing int64 `json:"num_missing"`
}

type numericalStat struct {
	Common       commonStat `json:"common"`
	Mean         *Num       `json:"mean"`
	Sum          *Num       `json:"sum"`
	StdDev       *Num       `json:"std_dev"`
	Min          *Num       `json:"min"`
	Max          *Num       `json:"max"`
	Distinct     *Num       `json:"approximate_num_distinct_values"`
	Completeness *Num       `json:"completeness"`
	Distribution struct {
		KLL *kllDist `json:"kll"`
	} `json:"distribution"`
}

type kllDist struct {
	Buckets []kllBucket `json:"buckets"`
	Sketch  *kllSketch  `json:"sketch"`
}

type kllBucket struct {
	Lower Num `json:"lower_bound"`
	Upper Num `json:"upper_bound"`
	Count Num `json:"count"`
}

type kllSketch struct {
	Parameters struct {
		C Num `json:"c"`
		K Num `json:"k"`
	} `json:"parameters"`
	Data [][]Num `json:"data"`
}

type stringStat struct {
	Common       commonStat `json:"common"`
	Distinct     *Num       `json:"distinct_count"`
	Completeness *Num       `json:"completeness"`
	Distribution struct {
		Categorical *catDist `json:"categorical"`
	} `json:"distribution"`
}

type catDist struct {
	Buckets []catBucket `json:"buckets"`
}

type catBucket struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// violationsFile is constraint_violations.json (docs/format/violations.md, contract §8.8).
type violationsFile struct {
	Violations []violationEntry `json:"violations"`
}

type violationEntry struct {
	FeatureName string `json:"feature_name"`
	CheckType   string `json:"constraint_check_type"`
	Description string `json:"description"`
}

// detailsFile is driftwatch's violation_details.json (docs/format/violations.md).
type detailsFile struct {
	Window *struct {
		Start string `json:"start_time"`
		End   string `json:"end_time"`
	} `json:"window"`
	ItemCount *int64 `json:"item_count"`
	Records   *struct {
		Read            int64            `json:"read"`
		Rows            int64            `json:"rows"`
		OutsideWindow   int64            `json:"outside_window"`
		Unusable        int64            `json:"unusable"`
		UnusableReasons map[string]int64 `json:"unusable_reasons"`
		Examples        []struct {
			File   string `json:"file"`
			Line   int64  `json:"line"`
			Reason string `json:"reason"`
		} `json:"examples"`
	} `json:"records"`
	Violations []struct {
		violationEntry
		Observed           *Num   `json:"observed"`
		Threshold          *Num   `json:"threshold"`
		Method             string `json:"method"`
		BaselineSampleSize *int64 `json:"baseline_sample_size"`
		CurrentSampleSize  *int64 `json:"current_sample_size"`
	} `json:"violations"`
	Drift []struct {
		FeatureName string `json:"feature_name"`
		Method      string `json:"method"`
		Value       Num    `json:"value"`
		Threshold   Num    `json:"threshold"`
		Violated    bool   `json:"violated"`
	} `json:"drift"`
}

// decode parses one input file strictly enough to catch a wrong file (a JSON document of another
// shape still decodes, so callers check the fields they need) and names it in the error.
func decode(name string, b []byte, v any) error {
	if len(bytes.TrimSpace(b)) == 0 {
		return fmt.Errorf("%s: empty file: %w", name, ErrBadInput)
	}
	if f, ok := v.(*statsFile); ok && decodeStatsFast(b, f) {
		return nil
	} else if ok {
		*f = statsFile{} // start again from nothing: encoding/json's result and error stand
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w: %w", name, ErrBadInput, err)
	}
	return nil
}
