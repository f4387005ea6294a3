package analyzer

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/driftwatch/driftwatch/analyzer/source"
)

// Small units and chunks, so that a test dataset of a few hundred kB has many of both and a file
// spanning several units (the defaults, 256 MiB and 4 MiB, would make every test input one unit).
const (
	testUnitSize  = 48 << 10
	testChunkSize = 8 << 10
)

// shardCSV writes a CSV whose rows contain quoted fields with line breaks and commas, blank lines
// and numbers of several scales: the record boundaries a shard must find by a structural scan.
func shardCSV(t *testing.T, path string, rows int, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 3))
	var b strings.Builder
	b.WriteString("id,x,y,cat,note,flag\n")
	for i := range rows {
		note := "plain"
		switch r.IntN(9) {
		case 0:
			note = "\"two\nlines, and a comma\""
		case 1:
			note = "\"a \"\"quoted\"\" word\""
		case 2:
			note = ""
		}
		y := strconv.Itoa(r.IntN(2000) - 1000)
		if r.IntN(40) == 0 {
			y = ""
		}
		fmt.Fprintf(&b, "%d,%s,%s,c%d,%s,%t\n", i, strconv.FormatFloat(r.NormFloat64()*1e3+7, 'g', -1, 64), y, r.IntN(8), note, r.IntN(3) == 0)
		if r.IntN(50) == 0 {
			b.WriteString("\n")
		}
	}
	must(t, os.WriteFile(path, []byte(b.String()), 0o644))
}

// shardParquet writes rows as typed Parquet with row groups of rowGroup rows.
func shardParquet(t *testing.T, path string, rows []row, rowGroup int64) {
	t.Helper()
	tmp := path + ".one"
	writeParquet(t, tmp, rows) // the scenario suite's typed columns, one row group
	defer os.Remove(tmp)
	f, err := os.Open(tmp)
	must(t, err)
	defer f.Close()
	tbl, err := readParquetTable(f)
	must(t, err)
	defer tbl.Release()
	out, err := os.Create(path)
	must(t, err)
	defer out.Close()
	props := parquet.NewWriterProperties(parquet.WithMaxRowGroupLength(rowGroup), parquet.WithDictionaryDefault(true))
	must(t, pqarrow.WriteTable(tbl, out, rowGroup, props, pqarrow.DefaultWriterProps()))
}

func readParquetTable(f *os.File) (arrow.Table, error) {
	return pqarrow.ReadTable(context.Background(), f, nil, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
}

// shardCapture writes capture records (uncompressed, so that a large file is split into units),
// one per second from start.
func shardCapture(t *testing.T, path string, rows []row, start time.Time) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	f, err := os.Create(path)
	must(t, err)
	defer f.Close()
	w := bufio.NewWriter(f)
	for i, r := range rows {
		v := r.fields()
		when := start.Add(time.Duration(i%3600) * time.Second).Format(TimeLayout)
		fmt.Fprintln(w, captureLine(strings.Join(v[1:], ","), v[0], when))
		if i%97 == 0 {
			fmt.Fprintln(w, "{not json") // unusable records travel in the capture summary
		}
	}
	must(t, w.Flush())
}

// shardInput is one dataset of the sharding tests.
type shardInput struct {
	name, format string
	dir          string
	monitor      bool
}

// shardInputs writes the datasets: several files, one of them larger than several units, for CSV,
// JSON Lines and Parquet baselines, and CSV, Parquet and capture-tree monitoring jobs.
func shardInputs(t *testing.T) []shardInput {
	root := t.TempDir()
	mk := func(parts ...string) string {
		p := filepath.Join(append([]string{root}, parts...)...)
		must(t, os.MkdirAll(p, 0o755))
		return p
	}
	csvDir := mk("csv")
	for i, n := range []int{300, 40, 9000, 700, 120} { // file 2 is ~400 kB: many units
		shardCSV(t, filepath.Join(csvDir, fmt.Sprintf("part-%d.csv", i)), n, uint64(i+1))
	}
	jsonDir := mk("jsonl")
	for i, n := range []int{500, 6000, 80} {
		var b strings.Builder
		for j, rw := range (population{n: n, seed: uint64(40 + i), scoreNulls: 0.05}).rows() {
			fmt.Fprintf(&b, `{"label": %s, "age": %s, "income": %s, "city": %q, "score": %s, "seq": %d}`+"\n", rw.label, rw.age, rw.income, rw.city, orNull(rw.score), j)
		}
		must(t, os.WriteFile(filepath.Join(jsonDir, fmt.Sprintf("p%d.jsonl", i)), []byte(b.String()), 0o644))
	}
	pqDir := mk("parquet")
	for i, n := range []int{400, 30000, 900} { // file 1 has 30 row groups over several units
		shardParquet(t, filepath.Join(pqDir, fmt.Sprintf("part-%d.parquet", i)), (population{n: n, seed: uint64(60 + i), scoreNulls: 0.02}).rows(), 1000)
	}
	curCSV := mk("current-csv")
	curPQ := mk("current-parquet")
	capDir := mk("capture")
	drift := population{incomeScale: 1.2, newCity: 0.03, scoreNulls: 0.1}
	for i, n := range []int{250, 14000, 60, 900} {
		p := drift
		p.n, p.seed = n, uint64(80+i)
		rows := p.rows()
		writeCSV(t, filepath.Join(curCSV, fmt.Sprintf("c%d.csv", i)), rows)
		shardParquet(t, filepath.Join(curPQ, fmt.Sprintf("c%d.parquet", i)), rows, 700)
		hour := windowStart.Add(time.Duration(i%2) * 30 * time.Minute)
		shardCapture(t, filepath.Join(capDir, "ep", "AllTraffic", hour.Format("2006/01/02/15"), fmt.Sprintf("cap-%d.jsonl", i)), rows, hour)
	}
	return []shardInput{
		{"csv baseline", `{"csv": {"header": true}}`, csvDir, false},
		{"jsonl baseline", `{"json": {"lines": true}}`, jsonDir, false},
		{"parquet baseline", `{"parquet": {}}`, pqDir, false},
		{"csv monitoring", `{"csv": {"header": true}}`, curCSV, true},
		{"parquet monitoring", `{"parquet": {}}`, curPQ, true},
		{"capture monitoring", `{"sagemakerCaptureJson": {}}`, capDir, true},
	}
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

// shardEnv is the container environment of one job of the sharding tests.
func shardEnv(in shardInput, base, out string) map[string]string {
	env := map[string]string{
		"dataset_source": in.dir, "dataset_format": in.format, "output_path": out,
		"output_message_file": filepath.Join(out, "message"), envUnitSize: strconv.Itoa(testUnitSize),
		"publish_cloudwatch_metrics": "Enabled", "cloudwatch_metrics_directory": filepath.Join(out, "metrics"),
	}
	if in.monitor {
		env["baseline_statistics"] = filepath.Join(base, StatisticsFile)
		env["baseline_constraints"] = filepath.Join(base, ConstraintsFile)
		env["start_time"], env["end_time"] = windowStart.Format(TimeLayout), windowStart.Add(time.Hour).Format(TimeLayout)
	}
	return env
}

// runEnv runs a job from env with small chunks.
func runEnv(t *testing.T, env map[string]string) Outcome {
	t.Helper()
	cfg, err := ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, filepath.Join(t.TempDir(), "absent.json"))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	cfg.ChunkSize = testChunkSize
	return Run(t.Context(), cfg, testLogger(t))
}

// outputs reads every file a job wrote, by path relative to dir (the message file aside: a
// shard's and a merge's messages differ by design).
func outputs(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	must(t, filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || info.Name() == "message" {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = b
		return err
	}))
	return files
}

// runSharded runs n shard jobs one after the other, each in its own output folder, then a merge
// job, and returns the merge's output folder.
func runSharded(t *testing.T, in shardInput, base string, n int) string {
	t.Helper()
	partials := filepath.Join(t.TempDir(), "partials")
	for i := range n {
		out := t.TempDir()
		env := shardEnv(in, base, out)
		env[envShardIndex], env[envShardCount], env[envPartials] = strconv.Itoa(i), strconv.Itoa(n), partials
		o := runEnv(t, env)
		if o.Status != Completed || !o.Partial {
			t.Fatalf("shard %d/%d: %v %s", i, n, o.Status, o.Message)
		}
		if got := outputs(t, out); len(got) != 0 {
			t.Errorf("shard %d/%d wrote outputs of its own: %v", i, n, slices.Collect(mapKeys(got)))
		}
	}
	out := t.TempDir()
	env := shardEnv(in, base, out)
	env[envMerge], env[envPartials] = "Enabled", partials
	if o := runEnv(t, env); o.Status != Completed && o.Status != CompletedWithViolations {
		t.Fatalf("merge of %d: %v %s", n, o.Status, o.Message)
	}
	return out
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// TestShardedSameBytes is the acceptance test of sharding: for 1, 2, 3 and 7 shards, over CSV,
// JSON Lines, Parquet and capture-tree inputs of several files (one of them spanning several
// units), baseline and monitoring jobs, the merged outputs are byte-identical to the single-node
// job's — statistics, constraints or violations, details, metrics and the report.
func TestShardedSameBytes(t *testing.T) {
	inputs := shardInputs(t)
	base := t.TempDir()
	if o := runEnv(t, map[string]string{"dataset_source": filepath.Join("testdata", "scenarios", "baseline.csv"),
		"dataset_format": `{"csv": {"header": true}}`, "output_path": base}); o.Status != Completed {
		t.Fatalf("baseline for the monitoring inputs: %s", o.Message)
	}
	for _, in := range inputs {
		t.Run(in.name, func(t *testing.T) {
			// The input must exercise the merge tree: several units, and a file cut into ranges.
			files, err := source.List(t.Context(), in.dir, source.Options{})
			must(t, err)
			f, _ := ParseFormat(in.format)
			pl := planUnits(files, in.dir, f, testUnitSize)
			ranged := 0
			for _, u := range pl.units {
				if u.pieces[0].ranged {
					ranged++
				}
			}
			if len(pl.units) < 7 || ranged < 3 || len(files) < 3 {
				t.Fatalf("%d files, %d units, %d ranged: the input does not exercise sharding", len(files), len(pl.units), ranged)
			}
			single := t.TempDir()
			o := runEnv(t, shardEnv(in, base, single))
			if o.Status != Completed && o.Status != CompletedWithViolations {
				t.Fatalf("single node: %v %s", o.Status, o.Message)
			}
			want := outputs(t, single)
			if _, ok := want[StatisticsFile]; !ok || len(want) < 3 {
				t.Fatalf("single node wrote only %v", slices.Collect(mapKeys(want)))
			}
			ns := []int{1, 2, 3, 7}
			if testing.Short() {
				ns = []int{3} // the race detector's run: one split is enough to race the pipeline
			}
			for _, n := range ns {
				got := outputs(t, runSharded(t, in, base, n))
				if len(got) != len(want) {
					t.Errorf("%d shards: files %v, single node %v", n, slices.Sorted(mapKeys(got)), slices.Sorted(mapKeys(want)))
				}
				for name, w := range want {
					if g := got[name]; !bytes.Equal(g, w) {
						t.Errorf("%d shards: %s differs from the single node's: %s", n, name, firstDiff(g, w))
					}
				}
			}
		})
	}
}

// TestMergeTreeMatters shows why every job uses the unit tree: merging each shard's units into one
// profile first (what a naive shard would do) changes floating-point sums and KLL sketches, so
// the bytes would depend on the number of shards.
func TestMergeTreeMatters(t *testing.T) {
	in := shardInputs(t)[0]
	files, err := source.List(t.Context(), in.dir, source.Options{})
	must(t, err)
	cfg := DefaultConfig()
	cfg.DatasetSource, cfg.ChunkSize = in.dir, testChunkSize
	cfg.DatasetFormat, _ = ParseFormat(in.format)
	pl := planUnits(files, in.dir, cfg.DatasetFormat, testUnitSize)
	tree := profileFold{}
	naive := profileFold{}
	var shard profileFold
	first3, end3 := pl.shardUnits(1, 3)
	cols, err := profileUnits(t.Context(), &cfg, pl.units, nil, testLogger(t), false, func(u int, up unitProfile) error {
		clone := cloneProfile(t, up)
		must(t, tree.add(u, up))
		// Naive: shard 1 of 3 pre-merges its units before the final merge.
		if u >= first3 && u < end3 {
			must(t, shard.add(u, clone))
			if u == end3-1 {
				return naive.add(u, unitProfile{profile: shard.profile})
			}
			return nil
		}
		return naive.add(u, clone)
	})
	must(t, err)
	a := tree.dataset(&cfg, cols.names).profile.Features()
	b := naive.dataset(&cfg, cols.names).profile.Features()
	same := true
	for i := range a {
		if a[i].Sum != b[i].Sum || a[i].StdDev != b[i].StdDev || !slices.Equal(a[i].Buckets, b[i].Buckets) {
			same = false
		}
	}
	if same {
		t.Error("pre-merging a shard's units gave the same statistics: the test data no longer shows the non-associativity that the unit tree guards against")
	}
}

func cloneProfile(t *testing.T, up unitProfile) unitProfile {
	b, err := encodeUnit(0, up)
	must(t, err)
	_, c, err := decodeUnit(b, nil)
	must(t, err)
	return c
}

// TestUnitPlan checks the plan on a synthetic listing: packing of small files, ranges of large
// splittable files, gzip files whole, and shards as contiguous, balanced runs.
func TestUnitPlan(t *testing.T) {
	f := func(p string, size int64) source.File { return source.File{Path: "/d/" + p, Size: size} }
	files := []source.File{f("a.csv", 30), f("b.csv", 50), f("c.csv", 350), f("d.csv.gz", 300), f("e.csv", 10), f("g.csv", 95), f("h.csv", 5)}
	csv, _ := ParseFormat(`{"csv": {}}`)
	pl := planUnits(files, "/d/", csv, 100)
	var got []string
	for _, u := range pl.units {
		var ps []string
		for _, p := range u.pieces {
			s := strings.TrimPrefix(p.file.Path, "/d/")
			if p.ranged {
				s += fmt.Sprintf("[%d,%d)", p.start, p.end)
			}
			ps = append(ps, s)
		}
		got = append(got, strings.Join(ps, "+"))
	}
	want := []string{"a.csv+b.csv", "c.csv[0,100)", "c.csv[100,200)", "c.csv[200,300)", "c.csv[300,0)", "d.csv.gz", "e.csv", "g.csv+h.csv"}
	if !slices.Equal(got, want) {
		t.Errorf("units %q, want %q", got, want)
	}
	// Shards: contiguous, covering every unit once, in order, for any n.
	for _, n := range []int{1, 2, 3, 7, 20} {
		next := 0
		for i := range n {
			first, end := pl.shardUnits(i, n)
			if first != next || end < first {
				t.Fatalf("n=%d shard %d: [%d, %d), want it to start at %d", n, i, first, end, next)
			}
			next = end
		}
		if next != len(pl.units) {
			t.Errorf("n=%d: shards cover %d of %d units", n, next, len(pl.units))
		}
	}
	// Balance: with equal units, shards get equal counts.
	var eq []source.File
	for i := range 12 {
		eq = append(eq, f(fmt.Sprintf("%02d.csv", i), 100))
	}
	pe := planUnits(eq, "/d/", csv, 100)
	for i := range 4 {
		if first, end := pe.shardUnits(i, 4); end-first != 3 {
			t.Errorf("12 equal units, shard %d of 4 gets [%d, %d)", i, first, end)
		}
	}
	// The listing fingerprint changes with a path, a size or the unit size.
	other := slices.Clone(files)
	other[1].Size++
	if planUnits(other, "/d/", csv, 100).listing == pl.listing || planUnits(files, "/d/", csv, 101).listing == pl.listing {
		t.Error("the listing fingerprint ignores a size or the unit size")
	}
}

func init() {
	// Merges in tests poll fast.
	mergePollInterval = 50 * time.Millisecond
}
