package analyzer

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/driftwatch/driftwatch/analyzer/jackson"
	"github.com/driftwatch/driftwatch/analyzer/sagemaker"
	"github.com/driftwatch/driftwatch/analyzer/source"
	"github.com/driftwatch/driftwatch/stats"
)

// TestTrimSameResult requires the single-node fold's trimming (profileFold.trim: the folded
// profile gives back spare capacity between units, stats.Profile.Trim) to leave the result bit for
// bit as a fold that keeps the profiles as they are. The input is cut into units big enough for
// every numeric column's KLL sketch to compact several times within a unit, so the sketches carry
// compaction state (levels, offsets, compaction counts) through the trimming; it holds exact
// category counts, dropped ones and tracked values.
func TestTrimSameResult(t *testing.T) {
	dir := t.TempDir()
	writeDataset(t, filepath.Join(dir, "a.csv"), 40000, 11)
	writeDataset(t, filepath.Join(dir, "b.csv"), 25000, 12)
	files, err := source.List(t.Context(), dir, source.Options{})
	must(t, err)
	cfg := DefaultConfig()
	cfg.DatasetSource, cfg.ChunkSize = dir, 32<<10
	cfg.DatasetFormat, _ = ParseFormat(`{"csv": {"header": true}}`)
	track := []string{"c3", "u17", "true"}
	pl := planUnits(files, dir, cfg.DatasetFormat, 256<<10)
	if len(pl.units) < 5 {
		t.Fatalf("%d units: the input does not exercise the fold", len(pl.units))
	}

	fold := func(trim bool) (*stats.Profile, []string) {
		f := profileFold{track: track, trim: trim, last: len(pl.units) - 1}
		cols, err := profileUnits(t.Context(), &cfg, pl.units, track, testLogger(t), true, f.add)
		must(t, err)
		return f.dataset(&cfg, cols.names).profile, cols.names
	}
	plain, names := fold(false)
	trimmed, _ := fold(true)

	// The units must have compacted their sketches, or the trimming would keep trivial state.
	compacted := false
	for _, c := range plain.Features() {
		if c.Sketch != nil && len(c.Sketch.Levels()) > 2 {
			compacted = true
		}
	}
	if !compacted {
		t.Fatal("no KLL sketch has more than two levels: the units are too small to test the trimming")
	}
	doc := func(p *stats.Profile) []byte {
		b, err := jackson.Marshal(sagemaker.StatisticsDocument(p.Rows, orderFeatures(p.Features(), names)))
		must(t, err)
		return b
	}
	a, b := doc(plain), doc(trimmed)
	if !bytes.Equal(a, b) {
		t.Fatalf("trimmed fold differs from the plain fold: %s", firstDiff(b, a))
	}
	// The full accumulator state too (tracked counts and dropped categories are not all in
	// statistics.json).
	ea, err := plain.MarshalBinary()
	must(t, err)
	eb, err := trimmed.MarshalBinary()
	must(t, err)
	if !bytes.Equal(ea, eb) {
		t.Fatal("trimmed fold's accumulators differ from the plain fold's")
	}
}
