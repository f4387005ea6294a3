package sagemaker

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func conformance(t *testing.T) string {
	t.Helper()
	p := filepath.Join("..", "..", "..", "shared", "conformance")
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance data missing in CI: %v", err)
		}
		t.Skipf("conformance data not beside the checkout (%v): skipping", err)
	}
	return p
}

// TestLoadRealBaselines: every real statistics.json and constraints.json (2019, 2021-style SDK
// test files, 2024) loads; counts and settings come out as the files say.
func TestLoadRealBaselines(t *testing.T) {
	dir := conformance(t)
	stats := map[string]int{ // file → features
		"aai540-scottreidux-housing/statistics.json": 14,
		"mme-movielens-2019/statistics.json":         47,
		"sdk-tests-monitor/statistics.json":          1,
	}
	for f, n := range stats {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		s, err := ParseStatistics(f, b)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(s.Features) != n {
			t.Errorf("%s: %d features, want %d", f, len(s.Features), n)
		}
	}
	h, _ := os.ReadFile(filepath.Join(dir, "aai540-scottreidux-housing/statistics.json"))
	s, _ := ParseStatistics("housing", h)
	if s.ItemCount != 23432 || s.Features[3].Name != "price" || len(s.Features[3].Sketch) != 5 || s.Features[3].SketchK != 2048 || len(s.Features[8].Buckets) != 54 {
		t.Errorf("housing statistics parsed wrong: %+v", s.Features[3])
	}
	cons := map[string]int{
		"aai540-scottreidux-housing/constraints.json": 14,
		"mme-movielens-2019/constraints.json":         46,
		"sdk-tests-monitor/constraints.json":          2,
		"aai540-payalpt-emotion/MQ_constraints.json":  0, // model-quality constraints have no "features": rejected below
	}
	for f, n := range cons {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		c, err := ParseConstraints(f, b)
		if n == 0 {
			if err == nil || !errors.Is(err, ErrBaseline) {
				t.Errorf("%s: want an invalid-baseline error, got %v", f, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(c.Features) != n {
			t.Errorf("%s: %d features, want %d", f, len(c.Features), n)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "sdk-tests-monitor/constraints.json"))
	c, _ := ParseConstraints("sdk", b)
	// The SDK's pre-GA file: snake-case overrides inside string_constraints, an explicit threshold,
	// unknown keys ignored, missing keys defaulted (categorical threshold follows comparison_threshold).
	d := c.MonitoringConfig.Distribution
	if c.Features[0].EvaluateConstraints != Enabled || d.ComparisonThreshold != 1.0 || d.CategoricalComparisonThreshold != 1.0 || d.ComparisonMethod != "Robust" || c.MonitoringConfig.DatatypeCheckThreshold != 1.0 {
		t.Errorf("sdk constraints: %+v %+v", c.Features[0], c.MonitoringConfig)
	}
}

func TestBrokenBaselines(t *testing.T) {
	cases := []struct {
		name, data, want string
		stats            bool
	}{
		{"syntax", "{\n  \"features\" : [ {\n    \"name\" : \"a\",,\n", "line 3", false},
		{"no features", `{"version": 0.0}`, "no \"features\"", false},
		{"statistics given as constraints", `{"version": 0.0, "dataset": {"item_count": 1}, "features": []}`, "statistics.json, not a constraints.json", false},
		{"bad type", `{"features": [{"name": "a", "inferred_type": "Decimal"}]}`, "unknown inferred_type", false},
		{"bad switch", `{"features": [], "monitoring_config": {"evaluate_constraints": "Yes"}}`, "Enabled or Disabled", false},
		{"bad method", `{"features": [], "monitoring_config": {"distribution_constraints": {"comparison_method": "KS"}}}`, "comparison_method", false},
		{"bad number", `{"features": [], "monitoring_config": {"datatype_check_threshold": "high"}}`, "expected a number", false},
		{"constraints given as statistics", `{"features": [{"name": "a", "inferred_type": "String", "completeness": 1.0}]}`, "not a statistics.json", true},
		{"bad kll", `{"features": [{"name": "a", "numerical_statistics": {"distribution": {"kll": {"sketch": {"parameters": {"c": 0.64, "k": 0}, "data": []}}}}}]}`, "KLL parameters", true},
	}
	for _, c := range cases {
		var err error
		if c.stats {
			_, err = ParseStatistics("f.json", []byte(c.data))
		} else {
			_, err = ParseConstraints("f.json", []byte(c.data))
		}
		if err == nil || !errors.Is(err, ErrBaseline) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "f.json") {
			t.Errorf("%s: %v, want an ErrBaseline naming the file and %q", c.name, err, c.want)
		}
	}
}
