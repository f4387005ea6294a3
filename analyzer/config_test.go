package analyzer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseFormat(t *testing.T) {
	cases := []struct {
		in      string
		want    Format
		wantErr string
	}{
		{in: `{"csv": {"header": true}}`, want: Format{Kind: FormatCSV, Header: true, OutputColumnsPosition: "START", Lines: true}},
		{in: `{"csv": {"header": false, "output_columns_position": "END"}}`, want: Format{Kind: FormatCSV, Header: false, OutputColumnsPosition: "END", Lines: true}},
		{in: `{"csv": {"header": "false"}}`, want: Format{Kind: FormatCSV, Header: false, OutputColumnsPosition: "START", Lines: true}},
		{in: `{"csv": {}}`, want: Format{Kind: FormatCSV, Header: true, OutputColumnsPosition: "START", Lines: true}},
		{in: `{"json": {"lines": false}}`, want: Format{Kind: FormatJSON, Header: true, OutputColumnsPosition: "START", Lines: false}},
		{in: `{"json": {"line": false}}`, want: Format{Kind: FormatJSON, Header: true, OutputColumnsPosition: "START", Lines: false}},
		{in: `{"parquet": {}}`, want: Format{Kind: FormatParquet, Header: true, OutputColumnsPosition: "START", Lines: true}},
		{in: `{"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput"]}}`, want: Format{Kind: FormatCapture, Header: true, OutputColumnsPosition: "START", Lines: true, CaptureIndexNames: []string{"endpointInput"}}},
		{in: `{"sagemakerCaptureJson": {"captureIndexNames": null}}`, want: Format{Kind: FormatCapture, Header: true, OutputColumnsPosition: "START", Lines: true}},
		{in: `{"avro": {}}`, wantErr: "unknown dataset_format"},
		{in: `csv`, wantErr: "not a JSON object"},
		{in: `{"csv": {"header": "maybe"}}`, wantErr: "header must be true or false"},
		{in: `{"csv": {"output_columns_position": "MIDDLE"}}`, wantErr: "START"},
		{in: `{"csv": {}, "json": {}}`, wantErr: "exactly one"},
	}
	for _, c := range cases {
		got, err := ParseFormat(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("%s: error %v, want one mentioning %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got.Kind != c.want.Kind || got.Header != c.want.Header || got.Lines != c.want.Lines ||
			got.OutputColumnsPosition != c.want.OutputColumnsPosition || strings.Join(got.CaptureIndexNames, ",") != strings.Join(c.want.CaptureIndexNames, ",") {
			t.Errorf("%s: got %+v, want %+v", c.in, got, c.want)
		}
	}
}

// TestConfigFromEnv: processingjobconfig.json's Environment supplies values, the process
// environment overrides them, defaults fill the rest, and every problem is reported at once.
func TestConfigFromEnv(t *testing.T) {
	pj := filepath.Join(t.TempDir(), "processingjobconfig.json")
	os.WriteFile(pj, []byte(`{"ProcessingJobName": "x", "Environment": {"dataset_source": "/from/pj", "dataset_format": "{\"csv\": {\"header\": false}}", "output_path": "/out/pj", "publish_cloudwatch_metrics": "Enabled"}}`), 0o644)
	env := map[string]string{"output_path": "/out/env", "categorical_drift_method": "ChiSquared"}
	cfg, err := ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, pj)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DatasetSource != "/from/pj" || cfg.OutputPath != "/out/env" || cfg.DatasetFormat.Header || !cfg.PublishCloudWatchMetrics ||
		cfg.CategoricalDriftMethod != "ChiSquared" || cfg.OutputMessageFile != DefaultMessageFile || cfg.CloudWatchMetricsDirectory != DefaultMetricsDirectory {
		t.Errorf("config %+v", cfg)
	}

	bad := map[string]string{"dataset_format": `{"xml": {}}`, "publish_cloudwatch_metrics": "Yes", "categorical_drift_method": "KL", "start_time": "yesterday", "end_time": "2026-01-01T00:00:00Z"}
	_, err = ConfigFromEnv(func(k string) (string, bool) { v, ok := bad[k]; return v, ok }, filepath.Join(t.TempDir(), "absent"))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"dataset_source is required", "output_path is required", "unknown dataset_format", "publish_cloudwatch_metrics", "categorical_drift_method", "start_time"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not report %q", err, want)
		}
	}
	os.WriteFile(pj, []byte(`{not json`), 0o644)
	if _, err := ConfigFromEnv(func(string) (string, bool) { return "", false }, pj); err == nil || !strings.Contains(err.Error(), "processingjobconfig.json") {
		t.Errorf("broken processingjobconfig.json: %v", err)
	}
}

func TestDeriveWindow(t *testing.T) {
	cases := []struct {
		env        map[string]string
		start, end string
		err        string
	}{
		{env: map[string]string{"DRIFTWATCH_WINDOW": "previous-hour", "DRIFTWATCH_NOW": "2026-11-01T22:05:00Z"}, start: "2026-11-01T21:00:00Z", end: "2026-11-01T22:00:00Z"},
		{env: map[string]string{"DRIFTWATCH_WINDOW": "PT1H", "DRIFTWATCH_WINDOW_OFFSET": "-PT1H", "DRIFTWATCH_NOW": "2026-11-01T22:05:00Z"}, start: "2026-11-01T20:00:00Z", end: "2026-11-01T21:00:00Z"},
		// The docs' daily example: a run at 05:00 on 2020-02-20 analyses the previous day up to 05:00.
		{env: map[string]string{"DRIFTWATCH_WINDOW": "P1D", "DRIFTWATCH_WINDOW_OFFSET": "PT5H", "DRIFTWATCH_NOW": "2020-02-20T05:10:00Z"}, start: "2020-02-19T05:00:00Z", end: "2020-02-20T05:00:00Z"},
		{env: map[string]string{"DRIFTWATCH_WINDOW": "previous-day", "DRIFTWATCH_NOW": "2026-11-01T00:30:00Z"}, start: "2026-10-31T00:00:00Z", end: "2026-11-01T00:00:00Z"},
		{env: map[string]string{"DRIFTWATCH_WINDOW": "PT1H", "start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T02:00:00Z"}, start: "2026-01-01T00:00:00Z", end: "2026-01-01T02:00:00Z"},
		{env: map[string]string{"DRIFTWATCH_WINDOW": "PT90M"}, err: "DRIFTWATCH_WINDOW"},
		{env: map[string]string{"DRIFTWATCH_WINDOW": "hourly"}, err: "DRIFTWATCH_WINDOW"},
		{env: map[string]string{"DRIFTWATCH_WINDOW": "PT1H", "DRIFTWATCH_WINDOW_OFFSET": "1h"}, err: "DRIFTWATCH_WINDOW_OFFSET"},
	}
	for _, c := range cases {
		env := map[string]string{"dataset_source": "x", "output_path": "y", "dataset_format": `{"csv": {}}`}
		for k, v := range c.env {
			env[k] = v
		}
		cfg, err := ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, filepath.Join(t.TempDir(), "absent"))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: error %v, want %q", c.env, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", c.env, err)
			continue
		}
		if cfg.StartTime != c.start || cfg.EndTime != c.end {
			t.Errorf("%v: window %s–%s, want %s–%s", c.env, cfg.StartTime, cfg.EndTime, c.start, c.end)
		}
	}
}
