package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkWindowReport builds and renders the report of a monitoring job from the files in
// DRIFTWATCH_BENCH_REPORT_DIR (statistics.json, constraint_violations.json, violation_details.json)
// against DRIFTWATCH_BENCH_REPORT_BASELINE (a statistics.json): the report's share of a small
// hourly job.
func BenchmarkWindowReport(b *testing.B) {
	dir, baseline := os.Getenv("DRIFTWATCH_BENCH_REPORT_DIR"), os.Getenv("DRIFTWATCH_BENCH_REPORT_BASELINE")
	if dir == "" || baseline == "" {
		b.Skip("set DRIFTWATCH_BENCH_REPORT_DIR and DRIFTWATCH_BENCH_REPORT_BASELINE")
	}
	read := func(p string) []byte {
		v, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	in := Input{Current: read(filepath.Join(dir, "statistics.json")), Baseline: read(baseline),
		Violations: read(filepath.Join(dir, "constraint_violations.json")), Details: read(filepath.Join(dir, "violation_details.json"))}
	b.ReportAllocs()
	var buf bytes.Buffer
	for b.Loop() {
		m, err := Build(in)
		if err != nil {
			b.Fatal(err)
		}
		buf.Reset()
		if err := Render(&buf, m); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(buf.Len()))
}
