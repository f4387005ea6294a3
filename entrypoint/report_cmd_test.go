package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/driftwatch/driftwatch/analyzer"
)

// TestReportCmd renders report/testdata's monitoring files through `driftwatch report` (called
// directly: main.go's switch is the lead's) and checks its exit codes.
func TestReportCmd(t *testing.T) {
	sc := filepath.Join("..", "report", "testdata", "scenario")
	out := filepath.Join(t.TempDir(), "report.html")
	var stdout, stderr bytes.Buffer
	code := reportCmd(context.Background(), []string{
		"--statistics", filepath.Join(sc, "numeric_drift", "statistics.json"),
		"--baseline-statistics", filepath.Join(sc, "baseline_statistics.json"),
		"--violations", filepath.Join(sc, "numeric_drift", "constraint_violations.json"),
		"--message-file", filepath.Join(sc, "numeric_drift", "message"),
		"--title", "numeric drift",
		"--output", out,
	}, &stdout, &stderr)
	if code == analyzer.ExitInternal && strings.Contains(stderr.String(), "make report-assets") {
		if os.Getenv("CI") == "true" {
			t.Fatalf("built without echarts; required when CI=true: %s", stderr.String())
		}
		t.Skip("built without echarts: run make report-assets")
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if strings.TrimSpace(stdout.String()) != out {
		t.Errorf("stdout %q, want the report's path", stdout.String())
	}
	// violation_details.json beside --violations is picked up and said so.
	if !strings.Contains(stderr.String(), "violation_details.json") {
		t.Errorf("stderr %q does not mention the details file", stderr.String())
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "<title>numeric drift</title>", "CompletedWithViolations", "Robust"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), ".report-*"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}

	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no flags", nil, analyzer.ExitConfig, "--statistics is required\n--output is required"},
		{"unknown flag", []string{"--nope"}, analyzer.ExitConfig, "flag provided but not defined"},
		{"missing file", []string{"--statistics", "no/such.json", "--output", out}, analyzer.ExitFailed, "no such file"},
		{"not statistics", []string{"--statistics", filepath.Join(sc, "numeric_drift", "message"), "--output", out}, analyzer.ExitFailed, "statistics.json: bad input"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := reportCmd(context.Background(), tc.args, &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, stderr.String(), tc.code, tc.want)
			}
		})
	}
}
