package analyzer

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkBaselineJob runs a whole baseline job (read, decode, profile, suggest, write) on a
// generated CSV of 7 columns; set DRIFTWATCH_BENCH_CSV to profile another file.
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
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		cfg.OutputPath = b.TempDir()
		if o := Run(b.Context(), cfg, testLogger(nil)); o.Status != Completed {
			b.Fatal(o.Message)
		}
	}
}
