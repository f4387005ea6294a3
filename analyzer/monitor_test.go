package analyzer

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// scenarioBaseline runs the baseline job on the scenario suite's baseline and returns its output folder.
func scenarioBaseline(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	o := runContainer(t, map[string]string{
		"dataset_source": filepath.Join("testdata", "scenarios", "baseline.csv"), "dataset_format": `{"csv": {"header": true}}`,
		"output_path": out, "output_message_file": filepath.Join(out, "message"),
	})
	if o.Status != Completed {
		t.Fatalf("baseline: %v %s", o.Status, o.Message)
	}
	return out
}

func captureLine(input, output, when string) string {
	b, _ := json.Marshal(map[string]any{
		"captureData": map[string]any{
			"endpointInput":  map[string]string{"observedContentType": "text/csv", "mode": "INPUT", "data": input, "encoding": "CSV"},
			"endpointOutput": map[string]string{"observedContentType": "text/csv", "mode": "OUTPUT", "data": output, "encoding": "CSV"},
		},
		"eventMetadata": map[string]string{"eventId": "e", "inferenceTime": when},
		"eventVersion":  "0",
	})
	return string(b)
}

// TestMonitorOutcomes covers the outcomes of monitoring jobs beyond the scenario suite: an empty
// window, a window whose records are all unusable, broken baselines, a baseline without
// constraints, the CloudWatch metric file, and unusable records reported but not fatal.
func TestMonitorOutcomes(t *testing.T) {
	base := scenarioBaseline(t)
	good := captureLine("35,41000.50,Porto,0.250", "0", "2026-11-01T10:15:00Z")
	cases := []struct {
		name       string
		lines      []string
		env        map[string]string
		status     Status
		msg        []string // message substrings
		metrics    bool
		violations int
	}{
		{name: "empty window", lines: []string{captureLine("35,41000.50,Porto,0.250", "0", "2026-11-01T09:59:59Z")},
			status: Completed, msg: []string{"No data in the analysis window", "1 records read, 1 outside the window"}},
		{name: "all unusable", lines: []string{"{not json", `{"captureData": {"endpointInput": {"data": "!!!", "encoding": "BASE64", "observedContentType": "text/csv"}}, "eventMetadata": {"inferenceTime": "2026-11-01T10:00:00Z"}}`},
			status: Failed, msg: []string{"no usable record", "invalid JSON", "BASE64"}},
		{name: "some unusable", lines: []string{good, "{not json", good, `{"captureData": {"endpointInput": {"data": "x", "encoding": "XML"}}, "eventMetadata": {"inferenceTime": "2026-11-01T10:00:01Z"}}`},
			status: Completed},
		{name: "broken constraints", lines: []string{good}, env: map[string]string{"baseline_constraints": "BROKEN"},
			status: Failed, msg: []string{"invalid baseline", "constraints.json", "line"}},
		{name: "constraints of the wrong schema", lines: []string{good}, env: map[string]string{"baseline_constraints": "STATS_AS_CONSTRAINTS"},
			status: Failed, msg: []string{"invalid baseline"}},
		{name: "missing baseline file", lines: []string{good}, env: map[string]string{"baseline_statistics": "/nonexistent/statistics.json"},
			status: Failed, msg: []string{"baseline_statistics", "no such file"}},
		{name: "statistics only", lines: []string{good, good}, env: map[string]string{"baseline_constraints": ""}, status: Completed},
		{name: "metrics", lines: []string{good, good}, env: map[string]string{"publish_cloudwatch_metrics": "Enabled", "sagemaker_endpoint_name": "ep", "sagemaker_monitoring_schedule_name": "sched", "metric_time": "2026-11-01T10:00:00Z"},
			status: Completed, metrics: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := filepath.Join(t.TempDir(), "ep", "AllTraffic", "2026", "11", "01", "10")
			os.MkdirAll(in, 0o755)
			os.WriteFile(filepath.Join(in, "c.jsonl"), []byte(strings.Join(c.lines, "\n")+"\n"), 0o644)
			out := t.TempDir()
			broken := filepath.Join(t.TempDir(), "constraints.json")
			os.WriteFile(broken, []byte("{\n  \"features\" : [ {\n    \"name\" : \"a\",,\n"), 0o644)
			env := map[string]string{
				"dataset_source": filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(in))))), "dataset_format": `{"sagemakerCaptureJson": {}}`,
				"output_path": out, "output_message_file": filepath.Join(out, "message"),
				"baseline_constraints": filepath.Join(base, ConstraintsFile), "baseline_statistics": filepath.Join(base, StatisticsFile),
				"start_time": "2026-11-01T10:00:00Z", "end_time": "2026-11-01T11:00:00Z",
				"cloudwatch_metrics_directory": filepath.Join(out, "metrics"),
			}
			for k, v := range c.env {
				switch v {
				case "BROKEN":
					v = broken
				case "STATS_AS_CONSTRAINTS":
					v = filepath.Join(base, StatisticsFile)
				}
				if v == "" {
					delete(env, k)
				} else {
					env[k] = v
				}
			}
			o := runContainer(t, env)
			if o.Status != c.status {
				t.Fatalf("status %v, want %v: %s", o.Status, c.status, o.Message)
			}
			for _, m := range c.msg {
				if !strings.Contains(o.Message, m) {
					t.Errorf("message %q lacks %q", o.Message, m)
				}
			}
			msg, _ := os.ReadFile(filepath.Join(out, "message"))
			if string(msg) != o.Message {
				t.Errorf("message file %q, outcome %q", msg, o.Message)
			}
			if o.Status == Failed {
				for _, f := range []string{StatisticsFile, ViolationsFile, DetailsFile} {
					if _, err := os.Stat(filepath.Join(out, f)); err == nil {
						t.Errorf("%s left behind by a failed job", f)
					}
				}
				return
			}
			for _, f := range []string{StatisticsFile, ViolationsFile, DetailsFile} {
				if _, err := os.Stat(filepath.Join(out, f)); err != nil {
					t.Errorf("%s missing: %v", f, err)
				}
			}
			if c.name == "some unusable" {
				var d struct {
					Records struct {
						Unusable int64 `json:"unusable"`
						Rows     int64 `json:"rows"`
					} `json:"records"`
				}
				raw, _ := os.ReadFile(filepath.Join(out, DetailsFile))
				json.Unmarshal(raw, &d)
				if d.Records.Unusable != 2 || d.Records.Rows != 2 {
					t.Errorf("details records %+v, want 2 unusable and 2 rows", d.Records)
				}
			}
			mf := filepath.Join(out, "metrics", MetricsFile)
			if !c.metrics {
				if _, err := os.Stat(mf); err == nil {
					t.Errorf("metrics written without publish_cloudwatch_metrics")
				}
				return
			}
			f, err := os.Open(mf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			names := map[string]bool{}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				var m struct {
					MetricName string
					Timestamp  string
					Dimensions []struct{ Name, Value string }
					Value      *float64
					Statistic  *struct{ SampleCount, Sum, Minimum, Maximum float64 } `json:"StatisticValues"`
				}
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					t.Fatalf("metric line %q: %v", sc.Text(), err)
				}
				names[m.MetricName] = true
				if m.Timestamp != "2026-11-01T10:00:00Z" || len(m.Dimensions) != 2 || m.Dimensions[0].Name != "Endpoint" || m.Dimensions[1].Value != "sched" {
					t.Errorf("metric %+v", m)
				}
				if (m.Value == nil) == (m.Statistic == nil) {
					t.Errorf("metric %s must have exactly one of Value and StatisticValues", m.MetricName)
				}
				if m.MetricName == "feature_data_income" && (m.Statistic.SampleCount != 2 || m.Statistic.Sum != 82001) {
					t.Errorf("feature_data_income %+v", m.Statistic)
				}
			}
			for _, want := range []string{"feature_data_age", "feature_non_null_city", "feature_baseline_drift_income", "feature_baseline_drift_city"} {
				if !names[want] {
					t.Errorf("metric %s missing (have %v)", want, names)
				}
			}
		})
	}
}
