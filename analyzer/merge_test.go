package analyzer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mergeFixture is a small sharded job: its input, baseline (for monitoring) and a folder of good
// partials for n shards.
type mergeFixture struct {
	in       shardInput
	base     string
	partials string
	n        int
}

func newMergeFixture(t *testing.T, monitor bool, n int) mergeFixture {
	t.Helper()
	dir := t.TempDir()
	shardCSV(t, filepath.Join(dir, "a.csv"), 3000, 11)
	shardCSV(t, filepath.Join(dir, "b.csv"), 200, 12)
	fx := mergeFixture{in: shardInput{name: "csv", format: `{"csv": {"header": true}}`, dir: dir, monitor: monitor}, n: n}
	if monitor {
		fx.base = t.TempDir()
		if o := runEnv(t, map[string]string{"dataset_source": filepath.Join(dir, "b.csv"), "dataset_format": fx.in.format, "output_path": fx.base}); o.Status != Completed {
			t.Fatalf("baseline: %s", o.Message)
		}
	}
	fx.partials = t.TempDir()
	for i := range n {
		fx.shard(t, fx.partials, i, nil)
	}
	return fx
}

// shard runs shard i of the fixture into partials, with extra settings.
func (fx mergeFixture) shard(t *testing.T, partials string, i int, extra map[string]string) Outcome {
	t.Helper()
	env := shardEnv(fx.in, fx.base, t.TempDir())
	env[envShardIndex], env[envShardCount], env[envPartials] = strconv.Itoa(i), strconv.Itoa(fx.n), partials
	maps.Copy(env, extra)
	o := runEnv(t, env)
	if o.Status != Completed {
		t.Fatalf("shard %d: %s", i, o.Message)
	}
	return o
}

// copyPartials copies the fixture's partials to a new folder.
func (fx mergeFixture) copyPartials(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	must(t, os.CopyFS(dst, os.DirFS(fx.partials)))
	return dst
}

func (fx mergeFixture) merge(t *testing.T, partials, out string, extra map[string]string) Outcome {
	t.Helper()
	env := shardEnv(fx.in, fx.base, out)
	env[envMerge], env[envPartials] = "Enabled", partials
	maps.Copy(env, extra)
	return runEnv(t, env)
}

// rewriteHeader changes the header of a partial profile and fixes its checksum, as a different
// build or job would have written it.
func rewriteHeader(t *testing.T, path string, edit func(*partialHeader)) {
	t.Helper()
	b, err := os.ReadFile(path)
	must(t, err)
	off := len(partialMagic) + 1
	n, k := binary.Uvarint(b[off:])
	start := off + k
	h, err := decodeHeader(b[start : start+int(n)])
	must(t, err)
	edit(&h)
	var out bytes.Buffer
	pw, err := newPartialWriter(&out, &h)
	must(t, err)
	must(t, pw.w.Flush())
	out.Write(b[start+int(n)+4:])
	must(t, os.WriteFile(path, out.Bytes(), 0o644))
}

func p(i, n int) string { return partialName(i, n) }

// TestMergeFailures: every way the partials can fail to make up one job fails the merge with a
// message naming the partial, exit code 1, and no output that could pass for a result (a stale
// statistics.json from an earlier run is removed too).
func TestMergeFailures(t *testing.T) {
	fx := newMergeFixture(t, false, 3)
	mon := newMergeFixture(t, true, 2)
	otherBase := t.TempDir()
	for _, f := range []string{StatisticsFile, ConstraintsFile} {
		b, err := os.ReadFile(filepath.Join(mon.base, f))
		must(t, err)
		// The same baseline reformatted is a different file: partials must have been made against
		// exactly the files the merge reads.
		must(t, os.WriteFile(filepath.Join(otherBase, f), append(b, '\n'), 0o644))
	}
	cases := []struct {
		name   string
		fx     mergeFixture
		mutate func(t *testing.T, dir string)
		extra  map[string]string
		want   []string
	}{
		{name: "missing", fx: fx, mutate: func(t *testing.T, d string) { must(t, os.Remove(filepath.Join(d, p(1, 3)))) },
			want: []string{"missing", p(1, 3)}},
		{name: "none at all", fx: fx, mutate: func(t *testing.T, d string) {
			for i := range 3 {
				must(t, os.Remove(filepath.Join(d, p(i, 3))))
			}
		}, want: []string{"no partial profile found"}},
		{name: "duplicate", fx: fx, mutate: func(t *testing.T, d string) {
			must(t, os.Mkdir(filepath.Join(d, "again"), 0o755))
			copyFile(t, filepath.Join(d, p(1, 3)), filepath.Join(d, "again", p(1, 3)))
		}, want: []string{"duplicate partial profiles for shard 1", filepath.Join("again", p(1, 3))}},
		{name: "corrupt byte", fx: fx, mutate: func(t *testing.T, d string) {
			b, err := os.ReadFile(filepath.Join(d, p(2, 3)))
			must(t, err)
			b[len(b)/2] ^= 0x40
			must(t, os.WriteFile(filepath.Join(d, p(2, 3)), b, 0o644))
		}, want: []string{p(2, 3), "checksum mismatch"}},
		{name: "truncated", fx: fx, mutate: func(t *testing.T, d string) {
			b, err := os.ReadFile(filepath.Join(d, p(0, 3)))
			must(t, err)
			must(t, os.WriteFile(filepath.Join(d, p(0, 3)), b[:len(b)*2/3], 0o644))
		}, want: []string{p(0, 3), "left in the file"}},
		{name: "not a partial", fx: fx, mutate: func(t *testing.T, d string) {
			must(t, os.WriteFile(filepath.Join(d, p(2, 3)), []byte("statistics.json by mistake"), 0o644))
		}, want: []string{p(2, 3), "bad magic"}},
		{name: "renamed", fx: fx, mutate: func(t *testing.T, d string) {
			must(t, os.Rename(filepath.Join(d, p(1, 3)), filepath.Join(d, "x")))
			must(t, os.Rename(filepath.Join(d, p(2, 3)), filepath.Join(d, p(1, 3))))
			must(t, os.Rename(filepath.Join(d, "x"), filepath.Join(d, p(2, 3))))
		}, want: []string{"holds shard 2 of 3, its name says 1 of 3"}},
		{name: "leftover of another split", fx: fx, mutate: func(t *testing.T, d string) {
			two := fx
			two.n = 2
			two.shard(t, d, 0, nil)
		}, want: []string{p(0, 2), p(0, 3), "runs with different shard counts"}},
		{name: "expected count", fx: fx, extra: map[string]string{envShardCount: "4"},
			want: []string{p(0, 3), "belongs to a run of 3 shards, this merge expects 4"}},
		{name: "format version", fx: fx, mutate: func(t *testing.T, d string) {
			rewriteHeader(t, filepath.Join(d, p(1, 3)), func(h *partialHeader) { h.FormatVersion = PartialFormatVersion + 1 })
		}, want: []string{p(1, 3), "partial format version 2"}},
		{name: "driftwatch version", fx: fx, mutate: func(t *testing.T, d string) {
			rewriteHeader(t, filepath.Join(d, p(2, 3)), func(h *partialHeader) { h.Version = "0.9.0" })
		}, want: []string{p(2, 3), "written by driftwatch 0.9.0"}},
		{name: "different unit size", fx: fx, mutate: func(t *testing.T, d string) {
			fx.shard(t, d, 1, map[string]string{envUnitSize: strconv.Itoa(testUnitSize / 2)})
		}, want: []string{p(1, 3), "unit size"}},
		{name: "different input", fx: fx, mutate: func(t *testing.T, d string) {
			rewriteHeader(t, filepath.Join(d, p(2, 3)), func(h *partialHeader) { h.Listing = bytes.Repeat([]byte{7}, 32) })
		}, want: []string{p(2, 3), "input listing"}},
		{name: "dataset_format", fx: fx, extra: map[string]string{"dataset_format": `{"csv": {"header": false}}`},
			want: []string{p(0, 3), "dataset_format", `"header":true`}},
		{name: "job kind", fx: fx, extra: map[string]string{"baseline_statistics": filepath.Join(otherBase, StatisticsFile)},
			want: []string{p(0, 3), "baseline job's, this is a monitoring job"}},
		{name: "run ID", fx: fx, extra: map[string]string{envRunID: "job-2"},
			want: []string{p(0, 3), `from run "", not "job-2"`}},
		{name: "different baseline", fx: mon, extra: map[string]string{"baseline_statistics": filepath.Join(otherBase, StatisticsFile), "baseline_constraints": filepath.Join(otherBase, ConstraintsFile)},
			want: []string{p(0, 2), "different baseline"}},
		{name: "timeout", fx: fx, mutate: func(t *testing.T, d string) { must(t, os.Remove(filepath.Join(d, p(2, 3)))) },
			extra: map[string]string{envMergeTimeout: "300ms"}, want: []string{"timed out after 300ms", p(2, 3)}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := c.fx.copyPartials(t)
			if c.mutate != nil {
				c.mutate(t, dir)
			}
			out := t.TempDir()
			must(t, os.WriteFile(filepath.Join(out, StatisticsFile), []byte("stale"), 0o644))
			o := c.fx.merge(t, dir, out, c.extra)
			if o.Status != Failed || o.ExitCode() != ExitFailed {
				t.Fatalf("outcome %v exit %d: %s", o.Status, o.ExitCode(), o.Message)
			}
			for _, w := range c.want {
				if !strings.Contains(o.Message, w) {
					t.Errorf("message %q does not mention %q", o.Message, w)
				}
			}
			if !strings.HasPrefix(o.Message, "Error: ") {
				t.Errorf("message %q", o.Message)
			}
			for _, f := range []string{StatisticsFile, ConstraintsFile, ViolationsFile, ReportFile} {
				if _, err := os.Stat(filepath.Join(out, f)); !errors.Is(err, fs.ErrNotExist) {
					t.Errorf("%s exists after a failed merge", f)
				}
			}
		})
	}
	// The unmutated partials merge fine (the cases fail for their mutation only).
	if o := fx.merge(t, fx.copyPartials(t), t.TempDir(), nil); o.Status != Completed {
		t.Fatalf("good partials: %s", o.Message)
	}
	if o := mon.merge(t, mon.copyPartials(t), t.TempDir(), nil); o.Status != Completed && o.Status != CompletedWithViolations {
		t.Fatalf("good monitoring partials: %s", o.Message)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	must(t, err)
	must(t, os.WriteFile(to, b, 0o644))
}

// TestFailedShardLeavesNoPartial: a shard that fails removes the partial an earlier run left, so
// the merge reports it missing instead of merging stale data.
func TestFailedShardLeavesNoPartial(t *testing.T) {
	fx := newMergeFixture(t, false, 2)
	f := filepath.Join(fx.partials, p(0, 2))
	if _, err := os.Stat(f); err != nil {
		t.Fatal(err)
	}
	// Break shard 0's part of the input: a ragged row after the header.
	a := filepath.Join(fx.in.dir, "a.csv")
	b, err := os.ReadFile(a)
	must(t, err)
	nl := bytes.IndexByte(b, '\n') + 1
	must(t, os.WriteFile(a, append(append(b[:nl:nl], "1,2\n"...), b[nl:]...), 0o644))
	env := shardEnv(fx.in, fx.base, t.TempDir())
	env[envShardIndex], env[envShardCount], env[envPartials] = "0", "2", fx.partials
	o := runEnv(t, env)
	if o.Status != Failed || !strings.Contains(o.Message, "a.csv") {
		t.Fatalf("broken shard: %v %s", o.Status, o.Message)
	}
	if _, err := os.Stat(f); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the stale partial %s survived the failed shard", f)
	}
	if o := fx.merge(t, fx.partials, t.TempDir(), nil); o.Status != Failed || !strings.Contains(o.Message, "missing") {
		t.Errorf("merge after the failed shard: %v %s", o.Status, o.Message)
	}
}

// TestMergeWaits: a merge with a timeout waits for a partial that appears later, then produces
// the single-node bytes.
func TestMergeWaits(t *testing.T) {
	fx := newMergeFixture(t, false, 3)
	single := t.TempDir()
	if o := runEnv(t, shardEnv(fx.in, fx.base, single)); o.Status != Completed {
		t.Fatal(o.Message)
	}
	dir := fx.copyPartials(t)
	late := filepath.Join(dir, p(2, 3))
	held, err := os.ReadFile(late)
	must(t, err)
	must(t, os.Remove(late))
	go func() {
		time.Sleep(300 * time.Millisecond)
		os.WriteFile(late+".tmp", held, 0o644)
		os.Rename(late+".tmp", late)
	}()
	out := t.TempDir()
	if o := fx.merge(t, dir, out, map[string]string{envMergeTimeout: "1m"}); o.Status != Completed {
		t.Fatalf("merge: %s", o.Message)
	}
	for name, w := range outputs(t, single) {
		if g := outputs(t, out)[name]; !bytes.Equal(g, w) {
			t.Errorf("%s differs from the single node's", name)
		}
	}
}
