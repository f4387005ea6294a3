package analyzer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/driftwatch/driftwatch/analyzer/decode"
	"github.com/driftwatch/driftwatch/analyzer/s3io"
	"github.com/driftwatch/driftwatch/analyzer/source"
)

// acquireDataset returns the job's profiled dataset and the number of input files: by profiling
// the input (a single-node job), by merging the partial profiles of a sharded run (a merge job, or
// shard 0 when it merges), or — for a shard that does not merge — nil with the early outcome
// after writing the shard's partial profile. baselineFP is the monitoring job's baseline
// fingerprint, track its tracked values.
func acquireDataset(ctx context.Context, cfg *Config, kind jobKind, baselineFP []byte, track []string, log Logger) (*dataset, int, *Outcome, error) {
	sh := &cfg.Sharding
	if !sh.Sharded() && !sh.Merge {
		files, err := source.List(ctx, cfg.DatasetSource, cfg.listOptions())
		if err != nil {
			return nil, 0, nil, err
		}
		log.Info("input listed", "files", len(files), "bytes", totalSize(files), "dataset_source", cfg.DatasetSource)
		ds, err := profileDataset(ctx, cfg, files, track, log)
		return ds, len(files), nil, err
	}
	want := partialHeader{FormatVersion: PartialFormatVersion, Version: Version, Kind: kind,
		DatasetFormat: formatJSON(cfg.DatasetFormat), DatasetSource: cfg.DatasetSource, Baseline: baselineFP,
		Tracked: trackedFingerprint(track), TrackedCount: len(track), WindowStart: cfg.StartTime,
		WindowEnd: cfg.EndTime, RunID: sh.RunID, UnitSize: cfg.unitSize(), ChunkSize: int64(cfg.ChunkSize)}
	if sh.Sharded() {
		out, err := runShard(ctx, cfg, want, track, log)
		if err != nil || !sh.Merge {
			return nil, 0, out, err
		}
	}
	return mergePartials(ctx, cfg, want, track, log)
}

// formatJSON renders a dataset format canonically (ParseFormat reads it back).
func formatJSON(f Format) string {
	var v map[string]any
	switch f.Kind {
	case FormatCSV:
		v = map[string]any{"csv": map[string]any{"header": f.Header, "output_columns_position": f.OutputColumnsPosition}}
	case FormatJSON:
		v = map[string]any{"json": map[string]any{"lines": f.Lines}}
	case FormatParquet:
		v = map[string]any{"parquet": map[string]any{}}
	case FormatCapture:
		v = map[string]any{"sagemakerCaptureJson": map[string]any{"captureIndexNames": f.CaptureIndexNames, "output_columns_position": f.OutputColumnsPosition}}
	default:
		return ""
	}
	b, _ := json.Marshal(v) // sorted keys
	return string(b)
}

// trackedFingerprint is the SHA-256 of the tracked values, sorted, each length-prefixed.
func trackedFingerprint(track []string) []byte {
	h := sha256.New()
	for _, v := range slices.Sorted(slices.Values(track)) {
		h.Write([]byte(strconv.Itoa(len(v)) + ":" + v))
	}
	return h.Sum(nil)
}

// runShard profiles this shard's units and writes its partial profile. It returns the outcome of a
// shard that does not merge.
func runShard(ctx context.Context, cfg *Config, h partialHeader, track []string, log Logger) (*Outcome, error) {
	sh := &cfg.Sharding
	files, err := source.List(ctx, cfg.DatasetSource, cfg.listOptions())
	if err != nil {
		return nil, err
	}
	pl := planUnits(files, cfg.DatasetSource, cfg.DatasetFormat, cfg.unitSize())
	first, end := pl.shardUnits(sh.Index, sh.Count)
	h.Index, h.Count = sh.Index, sh.Count
	h.Listing, h.Files, h.Bytes, h.Units, h.First, h.End = pl.listing[:], pl.files, pl.bytes, len(pl.units), first, end
	var bytes int64
	for _, u := range pl.units[first:end] {
		bytes += u.bytes
	}
	dest := joinDest(cfg.partialsLocation(), partialName(sh.Index, sh.Count))
	log.Info("shard", "index", sh.Index, "count", sh.Count, "from", sh.From, "units", fmt.Sprintf("[%d, %d) of %d", first, end, len(pl.units)),
		"bytes", bytes, "listed_files", len(files), "partial", dest)
	rows, err := writePartial(ctx, cfg, dest, &h, pl.units[first:end], track, log)
	if err != nil {
		return nil, err
	}
	log.Info("partial profile written", "partial", dest, "rows", rows, "units", end-first)
	o := Outcome{Status: Completed, Partial: true, ItemCount: rows,
		Message: fmt.Sprintf("Completed: Shard %d of %d profiled units [%d, %d) of %d (%d rows) and wrote its partial profile %s.", sh.Index, sh.Count, first, end, len(pl.units), rows, dest)}
	return &o, nil
}

// writePartial profiles units into a partial profile at dest (a local path or an s3:// URI). An
// older partial at dest is removed first, so a failed shard leaves none behind; the new one
// appears only when complete (a rename, or a single S3 upload).
func writePartial(ctx context.Context, cfg *Config, dest string, h *partialHeader, units []unit, track []string, log Logger) (rows int64, err error) {
	var c *s3io.Client
	dir := ""
	if s3io.IsURI(dest) {
		if c, err = source.S3(ctx); err != nil {
			return 0, err
		}
		if err := c.Delete(ctx, dest); err != nil {
			return 0, fmt.Errorf("remove the stale partial profile %s: %w", dest, err)
		}
	} else {
		dir = filepath.Dir(dest)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return 0, fmt.Errorf("create the partials folder %s: %w", dir, err)
		}
		if err := os.Remove(dest); err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("remove the stale partial profile %s: %w", dest, err)
		}
	}
	tmp, err := os.CreateTemp(dir, ".partial-*"+PartialExt+".tmp")
	if err != nil {
		return 0, fmt.Errorf("create a temporary partial profile: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	pw, err := newPartialWriter(tmp, h)
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	// Unit profiles are kept in the partial on their own: every chunk counts every column.
	cols, err := profileUnits(ctx, cfg, units, track, log, false, func(u int, up unitProfile) error {
		if up.profile != nil {
			rows += up.profile.Rows
		}
		return pw.unit(h.First+u, up)
	})
	if err != nil {
		return 0, err
	}
	if err := pw.close(cols); err != nil {
		return 0, fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err := tmp.Sync(); err != nil {
		return 0, fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if c == nil {
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			return 0, err
		}
		if err := os.Rename(tmp.Name(), dest); err != nil {
			return 0, fmt.Errorf("write %s: %w", dest, err)
		}
		return rows, nil
	}
	size, err := tmp.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = tmp.Seek(0, io.SeekStart)
	}
	if err != nil {
		return 0, err
	}
	if err := c.Put(ctx, dest, tmp, size); err != nil {
		return 0, fmt.Errorf("upload the partial profile: %w", err)
	}
	return rows, nil
}

// partialFile is one partial profile found by the merge.
type partialFile struct {
	file   source.File
	index  int
	count  int
	header partialHeader
}

// partialNameRE matches partialName's output.
var partialNameRE = regexp.MustCompile(`^shard-([0-9]+)-of-([0-9]+)\.dwp$`)

// mergePollInterval is how often a waiting merge looks for the missing partials again.
var mergePollInterval = 2 * time.Second

// ErrPartials marks a merge that cannot use the partial profiles it found (missing, duplicate,
// corrupt, or from another job, version or split). Test with errors.Is.
var ErrPartials = errors.New("partial profiles do not make up one job")

// mergePartials waits (up to the merge timeout) until the partials of every shard are present
// and agree with want and each other, then merges their units in order. It returns the dataset
// and the number of input files of the job.
func mergePartials(ctx context.Context, cfg *Config, want partialHeader, track []string, log Logger) (*dataset, int, *Outcome, error) {
	loc := cfg.partialsLocation()
	deadline := time.Now().Add(cfg.Sharding.MergeTimeout)
	var parts []partialFile
	for {
		var waiting []string
		var err error
		parts, waiting, err = collectPartials(ctx, cfg, loc, want)
		if err != nil {
			return nil, 0, nil, err
		}
		if len(waiting) == 0 {
			break
		}
		if !time.Now().Before(deadline) {
			if cfg.Sharding.MergeTimeout == 0 {
				return nil, 0, nil, fmt.Errorf("%w: under %s: %s", ErrPartials, loc, strings.Join(waiting, "; "))
			}
			return nil, 0, nil, fmt.Errorf("%w: timed out after %s waiting for partial profiles under %s: %s", ErrPartials, cfg.Sharding.MergeTimeout, loc, strings.Join(waiting, "; "))
		}
		log.Info("waiting for partial profiles", "location", loc, "missing", len(waiting), "first", waiting[0])
		select {
		case <-ctx.Done():
			return nil, 0, nil, ctx.Err()
		case <-time.After(min(mergePollInterval, time.Until(deadline)+time.Millisecond)):
		}
	}
	h := parts[0].header
	// A merge job takes what it was not told from the partials.
	if cfg.DatasetFormat.Kind == 0 {
		f, err := ParseFormat(h.DatasetFormat)
		if err != nil {
			return nil, 0, nil, fmt.Errorf("%w: %s: dataset_format %q: %v", ErrPartials, parts[0].file.Path, h.DatasetFormat, err)
		}
		cfg.DatasetFormat = f
	}
	if cfg.DatasetSource == "" {
		cfg.DatasetSource = h.DatasetSource
	}
	cfg.StartTime, cfg.EndTime = h.WindowStart, h.WindowEnd
	log.Info("merging partial profiles", "location", loc, "partials", len(parts), "units", h.Units, "files", h.Files, "bytes", h.Bytes)
	fold := profileFold{track: track}
	var cols inputColumns
	var buf []byte
	for _, pf := range parts {
		end, err := mergePartial(ctx, pf, track, &buf, fold.add)
		if err != nil {
			return nil, 0, nil, err
		}
		switch {
		case len(end.Columns) == 0:
		case cols.names == nil:
			cols = inputColumns{names: end.Columns, from: end.ColumnsFrom}
		case cfg.DatasetFormat.Kind == FormatCSV && !slices.Equal(cols.names, end.Columns):
			// The single-node job's check, across shards: every CSV file has the same header.
			return nil, 0, nil, fmt.Errorf("%s: %w: columns %s differ from %s's columns %s", end.ColumnsFrom, decode.ErrBadInput, quoteList(end.Columns), cols.from, quoteList(cols.names))
		}
	}
	return fold.dataset(cfg, cols.names), h.Files, nil, nil
}

// mergePartial streams one partial's units into add.
func mergePartial(ctx context.Context, pf partialFile, track []string, buf *[]byte, add func(int, unitProfile) error) (*partialEnd, error) {
	rc, err := source.Open(ctx, pf.file)
	if err != nil {
		return nil, fmt.Errorf("open partial profile %s: %w", pf.file.Path, err)
	}
	defer rc.Close()
	pr, err := openPartial(pf.file.Path, rc, pf.file.Size, *buf)
	if err != nil {
		return nil, err
	}
	defer func() { *buf = pr.buf }()
	if err := sameJob(&pf.header, &pr.header); err != nil {
		return nil, fmt.Errorf("%w: partial profile %s changed while the merge read it: %v", ErrPartials, pf.file.Path, err)
	}
	for {
		u, up, end, err := pr.next(track)
		if errors.Is(err, io.EOF) {
			return end, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrPartials, err)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := add(u, up); err != nil {
			return nil, err
		}
	}
}

// collectPartials lists loc and checks the partial profiles there against want and each other.
// It returns them in shard order when all are present; waiting lists what is still missing (or
// left by another run) when a merge may wait for it; err is a problem waiting cannot fix.
func collectPartials(ctx context.Context, cfg *Config, loc string, want partialHeader) (parts []partialFile, waiting []string, err error) {
	files, err := listPartials(ctx, loc)
	if err != nil {
		return nil, nil, err
	}
	fail := func(format string, args ...any) ([]partialFile, []string, error) {
		return nil, nil, fmt.Errorf("%w: %s", ErrPartials, fmt.Sprintf(format, args...))
	}
	count := cfg.Sharding.Count
	if count == 0 {
		count = cfg.Sharding.ExpectCount
	}
	// Names first: the shard count of the run, and no file of another run's split.
	type named struct {
		f    source.File
		i, n int
	}
	var all []named
	firstOf := map[int]string{} // shard count → the first file of a run with that count
	for _, f := range files {
		m := partialNameRE.FindStringSubmatch(path.Base(filepath.ToSlash(f.Path)))
		if m == nil {
			return fail("%s: not a partial profile name (want shard-IIIII-of-NNNNN%s)", f.Path, PartialExt)
		}
		i, _ := strconv.Atoi(m[1])
		n, _ := strconv.Atoi(m[2])
		if count != 0 && n != count {
			return fail("%s belongs to a run of %d shards, this merge expects %d", f.Path, n, count)
		}
		if _, ok := firstOf[n]; !ok {
			firstOf[n] = f.Path
		}
		all = append(all, named{f, i, n})
	}
	if ns := slices.Sorted(maps.Keys(firstOf)); len(ns) > 1 {
		return fail("partial profiles of runs with different shard counts: %s (%d shards) and %s (%d shards)", firstOf[ns[0]], ns[0], firstOf[ns[1]], ns[1])
	} else if len(ns) == 1 {
		count = ns[0]
	}
	byIndex := map[int]partialFile{}
	var stale []string
	for _, a := range all {
		f, i, n := a.f, a.i, a.n
		if i >= n {
			return fail("%s: shard index %d out of range", f.Path, i)
		}
		if prev, dup := byIndex[i]; dup {
			return fail("duplicate partial profiles for shard %d: %s and %s", i, prev.file.Path, f.Path)
		}
		h, err := readPartialHeader(ctx, f)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrPartials, err)
		}
		if h.Index != i || h.Count != n {
			return fail("%s holds shard %d of %d, its name says %d of %d", f.Path, h.Index, h.Count, i, n)
		}
		if want.RunID != "" && h.RunID != want.RunID {
			// Left by another run: wait for this run's, as a missing one.
			stale = append(stale, fmt.Sprintf("%s is from run %q, not %q", f.Path, h.RunID, want.RunID))
			continue
		}
		if err := matchesJob(cfg, &want, &h); err != nil {
			return fail("%s does not belong to this job: %v", f.Path, err)
		}
		byIndex[i] = partialFile{file: f, index: i, count: n, header: h}
	}
	if count == 0 {
		return nil, []string{"no partial profile found"}, nil
	}
	for i := range count {
		pf, ok := byIndex[i]
		if !ok {
			waiting = append(waiting, "missing "+joinDest(loc, partialName(i, count)))
			continue
		}
		parts = append(parts, pf)
	}
	waiting = append(waiting, stale...)
	if len(waiting) > 0 {
		return nil, waiting, nil
	}
	// Every partial agrees with the first, and together they cover the units once, in order.
	for i, pf := range parts {
		if err := sameJob(&parts[0].header, &pf.header); err != nil {
			return fail("%s and %s are not of the same job: %v", parts[0].file.Path, pf.file.Path, err)
		}
		wantFirst := 0
		if i > 0 {
			wantFirst = parts[i-1].header.End
		}
		if pf.header.First != wantFirst {
			return fail("%s covers units [%d, %d), expected them to start at %d (a different split)", pf.file.Path, pf.header.First, pf.header.End, wantFirst)
		}
	}
	if last := parts[len(parts)-1].header; last.End != last.Units {
		return fail("the partials cover units [0, %d) of %d", last.End, last.Units)
	}
	return parts, nil, nil
}

// matchesJob checks a partial's header against what this merge job knows of the job.
func matchesJob(cfg *Config, want, h *partialHeader) error {
	var bad []string
	if h.Kind != want.Kind {
		bad = append(bad, fmt.Sprintf("it is a %s job's, this is a %s job", h.Kind, want.Kind))
	}
	if cfg.DatasetFormat.Kind != 0 && h.DatasetFormat != want.DatasetFormat {
		bad = append(bad, fmt.Sprintf("dataset_format %s, this job's is %s", h.DatasetFormat, want.DatasetFormat))
	}
	if !bytes.Equal(h.Baseline, want.Baseline) {
		bad = append(bad, "it was made against a different baseline (baseline_statistics / baseline_constraints)")
	}
	if !bytes.Equal(h.Tracked, want.Tracked) {
		bad = append(bad, "it tracks different baseline values")
	}
	if cfg.StartTime != "" && (h.WindowStart != want.WindowStart || h.WindowEnd != want.WindowEnd) {
		bad = append(bad, fmt.Sprintf("window %s – %s, this job's is %s – %s", h.WindowStart, h.WindowEnd, want.WindowStart, want.WindowEnd))
	}
	if h.Version != want.Version {
		bad = append(bad, fmt.Sprintf("written by driftwatch %s, this is %s", h.Version, want.Version))
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// sameJob checks that two partials come from one sharded job.
func sameJob(a, b *partialHeader) error {
	var bad []string
	check := func(what string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			bad = append(bad, fmt.Sprintf("%s %v vs %v", what, x, y))
		}
	}
	check("driftwatch version", a.Version, b.Version)
	check("job kind", a.Kind, b.Kind)
	check("dataset_format", a.DatasetFormat, b.DatasetFormat)
	check("window", a.WindowStart+" – "+a.WindowEnd, b.WindowStart+" – "+b.WindowEnd)
	check("run ID", a.RunID, b.RunID)
	check("shard count", a.Count, b.Count)
	check("unit size", a.UnitSize, b.UnitSize)
	check("chunk size", a.ChunkSize, b.ChunkSize)
	check("tracked values", fmt.Sprintf("%x", a.Tracked), fmt.Sprintf("%x", b.Tracked))
	check("baseline", fmt.Sprintf("%x", a.Baseline), fmt.Sprintf("%x", b.Baseline))
	if !bytes.Equal(a.Listing, b.Listing) || a.Files != b.Files || a.Bytes != b.Bytes || a.Units != b.Units {
		bad = append(bad, fmt.Sprintf("input listing (%d files, %d bytes, %d units vs %d files, %d bytes, %d units, or the same counts of other files)", a.Files, a.Bytes, a.Units, b.Files, b.Bytes, b.Units))
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}

// listPartials lists the partial profiles under loc; a location that does not exist yet holds
// none.
func listPartials(ctx context.Context, loc string) ([]source.File, error) {
	if !s3io.IsURI(loc) {
		if _, err := os.Stat(loc); errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
	}
	files, err := source.List(ctx, loc, source.Options{})
	if errors.Is(err, source.ErrNoInput) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list partial profiles %s: %w", loc, err)
	}
	out := files[:0]
	for _, f := range files {
		if strings.HasSuffix(f.Path, PartialExt) {
			out = append(out, f)
		}
	}
	return out, nil
}

// readPartialHeader reads the magic and header of a partial profile.
func readPartialHeader(ctx context.Context, f source.File) (partialHeader, error) {
	rc, err := source.Open(ctx, f)
	if err != nil {
		return partialHeader{}, fmt.Errorf("open partial profile %s: %w", f.Path, err)
	}
	defer rc.Close()
	pr, err := openPartial(f.Path, rc, f.Size, nil)
	if err != nil {
		return partialHeader{}, err
	}
	return pr.header, nil
}
