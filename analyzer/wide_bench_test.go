package analyzer

import (
	"os"
	"testing"
)

// BenchmarkBaselineJobNoReport is BenchmarkBaselineJob without the HTML report (--report=false),
// the configuration the wide-data figures in BENCHMARKS.md are measured with. Set
// DRIFTWATCH_BENCH_CSV to the file to profile; without it the benchmark is skipped.
//
//	DRIFTWATCH_BENCH_CSV=/tmp/dwb/wide100m.csv go test -run '^$' -bench BaselineJobNoReport \
//	    -cpuprofile /tmp/wide.prof ./analyzer/
func BenchmarkBaselineJobNoReport(b *testing.B) {
	path := os.Getenv("DRIFTWATCH_BENCH_CSV")
	if path == "" {
		b.Skip("set DRIFTWATCH_BENCH_CSV")
	}
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.DatasetSource, cfg.OutputMessageFile, cfg.NoReport = path, "", true
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
