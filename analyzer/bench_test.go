package analyzer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// BenchmarkBaselineJob runs a whole baseline job (read, decode, profile, suggest, write) on a
// generated CSV of 7 columns; set DRIFTWATCH_BENCH_CSV to profile another file (a .parquet file is
// read as Parquet).
//
//	go test -run '^$' -bench BaselineJob -benchtime 3x ./analyzer/
func BenchmarkBaselineJob(b *testing.B) {
	path := os.Getenv("DRIFTWATCH_BENCH_CSV")
	if path == "" {
		path = filepath.Join(b.TempDir(), "bench.csv")
		t := &testing.T{}
		writeDataset(t, path, 400000, 9)
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.DatasetSource, cfg.OutputMessageFile = path, ""
	cfg.DatasetFormat, _ = ParseFormat(`{"csv": {"header": true}}`)
	if strings.HasSuffix(path, ".parquet") {
		cfg.DatasetFormat, _ = ParseFormat(`{"parquet": {}}`)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		cfg.OutputPath = b.TempDir()
		if o := Run(b.Context(), cfg, testLogger(nil)); o.Status != Completed {
			b.Fatal(o.Message)
		}
	}
}

// BenchmarkMonitorWindow runs a whole monitoring job over a small capture window, the hourly case:
// DRIFTWATCH_BENCH_CAPTURE (capture JSONL) against the baseline in DRIFTWATCH_BENCH_BASELINE_DIR
// (statistics.json, constraints.json), with the report on.
//
//	DRIFTWATCH_BENCH_CAPTURE=/tmp/dwb/capture-1m.jsonl DRIFTWATCH_BENCH_BASELINE_DIR=/tmp/dwb/out1g \
//	go test -run '^$' -bench MonitorWindow ./analyzer/
func BenchmarkMonitorWindow(b *testing.B) {
	path, base := os.Getenv("DRIFTWATCH_BENCH_CAPTURE"), os.Getenv("DRIFTWATCH_BENCH_BASELINE_DIR")
	if path == "" || base == "" {
		b.Skip("set DRIFTWATCH_BENCH_CAPTURE and DRIFTWATCH_BENCH_BASELINE_DIR")
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.DatasetSource, cfg.OutputMessageFile = path, ""
	cfg.DatasetFormat, _ = ParseFormat(`{"sagemakerCaptureJson": {}}`)
	cfg.BaselineStatistics, cfg.BaselineConstraints = filepath.Join(base, "statistics.json"), filepath.Join(base, "constraints.json")
	cfg.StartTime, cfg.EndTime = "2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z"
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		cfg.OutputPath = b.TempDir()
		if o := Run(b.Context(), cfg, testLogger(nil)); o.Status == Failed {
			b.Fatal(o.Message)
		}
	}
}
