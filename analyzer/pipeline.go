package analyzer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/analyzer/capture"
	"github.com/driftwatch/driftwatch/analyzer/decode"
	"github.com/driftwatch/driftwatch/analyzer/source"
	"github.com/driftwatch/driftwatch/stats"
)

// parquetBatchRows is the number of rows per record batch read from Parquet.
const parquetBatchRows = 64 << 10

// task is one unit of parallel work: decode one chunk and profile it. seq is its position in the
// input order; results are merged strictly in seq order, so the output never depends on how many
// tasks ran at once. unit is the index of the merge unit the chunk belongs to (units.go).
type task struct {
	seq  int
	unit int
	run  func() (chunkResult, error)
}

// chunkResult is what profiling one chunk yields.
type chunkResult struct {
	profile *stats.Profile
	capture capture.Summary // capture input only
	bytes   int64           // the chunk's size in bytes (text formats; for progress)
}

type result struct {
	seq  int
	unit int
	chunkResult
	err error
}

// dataset is a profiled dataset.
type dataset struct {
	profile *stats.Profile
	// columns is the dataset's column order.
	columns []string
	capture capture.Summary
}

// profileDataset reads every input file and returns the merged profile, with the columns in the
// dataset's column order. The input is cut into merge units (units.go) and the units into chunks,
// at positions that depend only on the listing and the bytes (decode.DefaultChunkSize); the chunks
// are profiled on cfg.Parallelism goroutines, each unit's chunk profiles are merged in input order
// into the unit's profile, and the unit profiles in input order into the first one — the merge
// tree a sharded job reproduces exactly (docs/sharding.md).
func profileDataset(ctx context.Context, cfg *Config, files []source.File, track []string, log Logger) (*dataset, error) {
	pl := planUnits(files, cfg.DatasetSource, cfg.DatasetFormat, cfg.unitSize())
	fold := profileFold{track: track, trim: true, last: len(pl.units) - 1}
	cols, err := profileUnits(ctx, cfg, pl.units, track, log, true, fold.add)
	if err != nil {
		return nil, err
	}
	return fold.dataset(cfg, cols.names), nil
}

// unitProfile is one unit's profile: the in-order merge of its chunks' profiles into a fresh
// profile. profile is nil when the unit yielded no chunk.
type unitProfile struct {
	profile *stats.Profile
	capture capture.Summary
}

// inputColumns is the column order the input itself declares (CSV header, Parquet schema) and the
// file it came from; empty for JSON and capture input, whose columns come from the profile.
type inputColumns struct {
	names []string
	from  string
}

// profileFold merges unit profiles in unit order into the first non-empty one: the second level
// of the merge tree, shared by single-node jobs and the merge of partial profiles.
//
// With trim (single-node jobs), the folded profile gives back its accumulators' spare capacity
// (stats.Profile.Trim) after every unit but the last (index last), as it waits for the next unit
// to be profiled beside it: KLL level buffers grown by merging hold up to twice their items, which
// on 1,000 numeric columns is tens of megabytes (BENCHMARKS.md, "Wide data, fourth round").
// Trimming changes no state. A job of one unit never trims; the merge of partial profiles does
// not need to, its unit profiles arrive decoded at their size.
type profileFold struct {
	track   []string
	trim    bool
	last    int // index of the last unit: the folded profile is not trimmed after it
	profile *stats.Profile
	capture capture.Summary
}

func (f *profileFold) add(i int, u unitProfile) error {
	f.capture.Merge(u.capture)
	if u.profile == nil {
		return nil
	}
	if f.profile == nil {
		f.profile = u.profile
	} else {
		f.profile.Merge(u.profile)
	}
	if f.trim && i < f.last {
		f.profile.Trim()
	}
	return nil
}

// dataset returns the folded profile with the dataset's column order.
func (f *profileFold) dataset(cfg *Config, columns []string) *dataset {
	final := f.profile
	if final == nil {
		final = stats.NewProfile()
		final.TrackValues(f.track)
	}
	switch cfg.DatasetFormat.Kind {
	case FormatJSON:
		columns = nil
		for _, c := range final.Columns() {
			columns = append(columns, c.Name)
		}
		// Spark's JSON schema inference orders fields by name.
		slices.Sort(columns)
	case FormatCapture:
		// Positional columns _c0, _c1, … in numeric order (a later chunk may add wider rows).
		columns = make([]string, len(final.Columns()))
		for i := range columns {
			columns[i] = capturePrefix + strconv.Itoa(i)
		}
	}
	return &dataset{profile: final, columns: columns, capture: f.capture}
}

// profileUnits profiles units and hands each unit's profile to sink, in unit order, exactly once
// per unit (index into units). It returns the columns the input declared. With skipDropped, chunks
// do not count the categories of columns whose merged counts were dropped already
// (stats.Profile.SkipCounting): right for a job whose unit profiles all fold into one result, not
// for unit profiles that are kept (partial profiles).
func profileUnits(ctx context.Context, cfg *Config, units []unit, track []string, log Logger, skipDropped bool, sink func(int, unitProfile) error) (inputColumns, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tasks := make(chan task)
	results := make(chan result, cfg.Parallelism)
	// inflight bounds the chunks held in memory: queued, running or waiting to be merged.
	inflight := make(chan struct{}, 2*cfg.Parallelism+1)
	// Warm-up: while the first chunks are merged the window is cfg.Parallelism chunks wide, the
	// other slots held by placeholders. A job that skips dropped category counts learns which
	// columns have dropped them only from merged chunks, and every chunk started before holds
	// exact counts for every column — on 1,000 high-cardinality columns ~40 MB per chunk and the
	// job's early peak of memory (BENCHMARKS.md, "Wide data, fourth round"). The window never
	// changes the output.
	warm := 0
	if skipDropped {
		warm = cfg.Parallelism + 1
		for range warm {
			inflight <- struct{}{}
		}
	}

	var columns inputColumns // the dataset's column order (CSV header, Parquet schema)
	var dropped droppedCounts
	prodErr := make(chan error, 1)
	go func() {
		defer close(tasks)
		p := producer{ctx: ctx, cfg: cfg, tasks: tasks, inflight: inflight, log: log, track: track,
			pool: decode.NewPool(textPoolBytes)}
		if skipDropped {
			p.dropped = &dropped
		}
		err := p.run(units)
		columns = inputColumns{names: p.columns, from: p.first}
		prodErr <- err
	}()
	for w := 0; w < cfg.Parallelism; w++ {
		go func() {
			for t := range tasks {
				r, err := t.run()
				select {
				case results <- result{seq: t.seq, unit: t.unit, chunkResult: r, err: err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}

	prog := newProgress(log, cfg.ProgressInterval)
	// cur is the unit being merged; units before it have gone to sink.
	cur, curProf := 0, unitProfile{}
	flushTo := func(u int) error {
		for ; cur < u; cur++ {
			// Nothing here keeps the unit's profile once sink is done with it: merged into the
			// fold, it can be collected.
			up := curProf
			curProf = unitProfile{}
			if err := sink(cur, up); err != nil {
				return err
			}
		}
		return nil
	}
	pending := map[int]result{}
	next, total := 0, -1
	var perr error
	for total < 0 || next < total {
		select {
		case r := <-results:
			pending[r.seq] = r
		case perr = <-prodErr:
			// The producer is done: it emitted exactly as many tasks as its seq counter says.
			total = seqCount(perr)
			prodErr = nil
			if errors.Is(perr, errProducerDone) {
				perr = nil
			}
			continue
		case <-ctx.Done():
			return inputColumns{}, ctx.Err()
		}
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if r.err != nil {
				return inputColumns{}, r.err
			}
			if err := flushTo(r.unit); err != nil {
				return inputColumns{}, err
			}
			if curProf.profile == nil {
				curProf.profile = stats.NewProfile()
				curProf.profile.TrackValues(track)
			}
			curProf.profile.Merge(r.profile)
			curProf.capture.Merge(r.capture)
			if skipDropped {
				dropped.note(curProf.profile)
			}
			prog.add(r.profile.Rows, r.bytes)
			r.profile.Release() // merged: its sketches' buffers go to later sketches (kll.New)
			next++
			<-inflight
			if next == cfg.Parallelism {
				for ; warm > 0; warm-- {
					<-inflight
				}
			}
		}
	}
	if perr != nil {
		return inputColumns{}, perr
	}
	if err := ctx.Err(); err != nil {
		return inputColumns{}, err
	}
	if err := flushTo(len(units)); err != nil {
		return inputColumns{}, err
	}
	return columns, nil
}

// capturePrefix names the positional columns of capture rows (as Spark names header-less CSV
// columns).
const capturePrefix = "_c"

// producerDone carries the number of tasks the producer emitted, with the error that stopped it.
type producerDone struct {
	n   int
	err error
}

var errProducerDone = errors.New("producer done")

func (p producerDone) Error() string {
	if p.err != nil {
		return p.err.Error()
	}
	return errProducerDone.Error()
}
func (p producerDone) Unwrap() error {
	if p.err != nil {
		return p.err
	}
	return errProducerDone
}

func seqCount(err error) int {
	var d producerDone
	if errors.As(err, &d) {
		return d.n
	}
	return 0
}

type producer struct {
	ctx      context.Context
	cfg      *Config
	tasks    chan<- task
	inflight chan struct{}
	log      Logger
	track    []string
	dropped  *droppedCounts // nil: chunks count every column's categories
	reader   *source.Reader
	seq      int
	unit     int // the unit of the pieces being read
	columns  []string
	first    string // the file the columns came from
	open     openFile
	pool     *decode.Pool // recycles the chunk and batch buffers of CSV, JSON Lines and capture files
}

// openFile is the text file being split, kept open across the consecutive pieces of a file that
// spans several units.
type openFile struct {
	path string
	sp   rangedSplitter // nil for a CSV file without a header or rows
	c    io.Closer
}

// rangedSplitter is a splitter that can be restricted to a byte range (CSV, lines).
type rangedSplitter interface {
	decode.Splitter
	SetRange(start, end int64) error
}

func (p *producer) run(units []unit) error {
	var files []source.File
	for _, u := range units {
		for _, pc := range u.pieces {
			if len(files) == 0 || files[len(files)-1].Path != pc.file.Path {
				files = append(files, pc.file)
			}
		}
	}
	rd, err := source.NewReader(p.ctx, files, p.cfg.DatasetFormat.Kind != FormatParquet)
	if err != nil {
		return producerDone{err: err}
	}
	defer rd.Close()
	defer p.closeOpen()
	p.reader = rd
	for u, un := range units {
		p.unit = u
		for _, pc := range un.pieces {
			if err := p.piece(pc); err != nil {
				return producerDone{n: p.seq, err: err}
			}
		}
	}
	return producerDone{n: p.seq}
}

func (p *producer) closeOpen() {
	if p.open.c != nil {
		p.open.c.Close()
	}
	p.open = openFile{}
}

// splitter returns the splitter of pc's file restricted to pc's range: the open one when the
// previous piece was of the same file, else a new one made by mk over the opened file.
func (p *producer) splitter(pc piece, mk func(io.Reader) (rangedSplitter, error)) (rangedSplitter, error) {
	if p.open.c == nil || p.open.path != pc.file.Path {
		p.closeOpen()
		r, err := p.reader.Open(pc.file)
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", pc.file.Path, err)
		}
		sp, err := mk(r)
		if err != nil {
			r.Close()
			return nil, err
		}
		p.open = openFile{path: pc.file.Path, sp: sp, c: r}
	}
	if pc.ranged && p.open.sp != nil {
		if err := p.open.sp.SetRange(pc.start, pc.end); err != nil {
			return nil, err
		}
	}
	return p.open.sp, nil
}

// emit hands one task to the workers, waiting for room in the in-flight window.
func (p *producer) emit(run func() (chunkResult, error)) error {
	select {
	case p.inflight <- struct{}{}:
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
	select {
	case p.tasks <- task{seq: p.seq, unit: p.unit, run: run}:
		p.seq++
		return nil
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
}

func (p *producer) piece(pc piece) error {
	switch p.cfg.DatasetFormat.Kind {
	case FormatCSV:
		return p.csv(pc)
	case FormatJSON:
		if p.cfg.DatasetFormat.Lines {
			return p.jsonLines(pc)
		}
		return p.jsonDocument(pc.file)
	case FormatParquet:
		return p.parquet(pc)
	case FormatCapture:
		return p.capture(pc)
	}
	return fmt.Errorf("dataset_format %s is not supported by this job", p.cfg.DatasetFormat.Kind)
}

func (p *producer) csv(pc piece) error {
	f := pc.file
	sp, err := p.splitter(pc, func(r io.Reader) (rangedSplitter, error) {
		sp, err := decode.NewCSVSplitter(f.Path, r, decode.CSVOptions{Header: p.cfg.DatasetFormat.Header, ChunkSize: p.cfg.ChunkSize, Pool: p.pool})
		if err != nil {
			return nil, err
		}
		cols := sp.Columns()
		if len(cols) == 0 {
			return nil, nil // an empty file: no header, no rows
		}
		if p.columns == nil {
			p.columns, p.first = slices.Clone(cols), f.Path
		} else if !slices.Equal(cols, p.columns) {
			return nil, fmt.Errorf("%s: %w: columns %s differ from %s's columns %s", f.Path, decode.ErrBadInput, quoteList(cols), p.first, quoteList(p.columns))
		}
		return sp, nil
	})
	if err != nil || sp == nil {
		return err
	}
	names := p.columns
	return p.chunks(sp, func(c decode.Chunk) (chunkResult, error) {
		// Batch by batch into one profile: the same statistics as one batch of the whole chunk.
		prof := p.newProfile()
		prof.Declare(names)
		err := decode.ParseCSVBatches(c, names, p.pool, prof.Add)
		c.Release() // the batches hold copies of the chunk's bytes
		if err != nil {
			return chunkResult{}, err
		}
		return chunkResult{profile: prof}, nil
	})
}

// chunks emits one task per chunk of sp, in order; each task runs work on its chunk.
func (p *producer) chunks(sp decode.Splitter, work func(decode.Chunk) (chunkResult, error)) error {
	for {
		c, err := sp.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := p.emit(func() (chunkResult, error) {
			r, err := work(c)
			r.bytes = int64(len(c.Data))
			return r, err
		}); err != nil {
			return err
		}
	}
}

func (p *producer) jsonLines(pc piece) error {
	return p.lines(pc, func(c decode.Chunk) (arrow.RecordBatch, capture.Summary, error) {
		rec, err := decode.ParseJSONLines(c, p.pool)
		return rec, capture.Summary{}, err
	})
}

// lines cuts a line-oriented file (JSON Lines, capture) into chunks and emits one task per chunk
// that parses it with parse and profiles the batch.
func (p *producer) lines(pc piece, parse func(decode.Chunk) (arrow.RecordBatch, capture.Summary, error)) error {
	sp, err := p.splitter(pc, func(r io.Reader) (rangedSplitter, error) {
		return decode.NewLineSplitter(pc.file.Path, r, p.cfg.ChunkSize, p.pool), nil
	})
	if err != nil {
		return err
	}
	return p.chunks(sp, func(c decode.Chunk) (chunkResult, error) {
		rec, sum, err := parse(c)
		c.Release() // the batch and the summary hold copies of the chunk's bytes
		if err != nil {
			return chunkResult{}, err
		}
		defer rec.Release()
		res, err := p.profileRecords(nil, rec)
		res.capture = sum
		return res, err
	})
}

func (p *producer) jsonDocument(f source.File) error {
	r, err := p.reader.Open(f)
	if err != nil {
		return fmt.Errorf("open %s: %w", f.Path, err)
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.Path, err)
	}
	return p.emit(func() (chunkResult, error) {
		rec, err := decode.ParseJSONDocument(f.Path, data, memory.DefaultAllocator)
		if err != nil {
			return chunkResult{}, err
		}
		defer rec.Release()
		return p.profileRecords(nil, rec)
	})
}

func (p *producer) parquet(pc piece) error {
	f := pc.file
	if f.Compressed() {
		return fmt.Errorf("%s: %w: gzip-compressed Parquet files are not supported (Parquet compresses its pages itself)", f.Path, decode.ErrBadInput)
	}
	fh, closer, err := source.OpenRandom(p.ctx, f)
	if err != nil {
		return fmt.Errorf("open %s: %w", f.Path, err)
	}
	defer closer.Close()
	// The footer is decoded once here and shared by the row groups' tasks.
	pqf, err := decode.OpenParquet(f.Path, fh)
	if err != nil {
		return err
	}
	// Dictionary-encoded string columns come as dictionary arrays: the statistics classify and
	// hash each dictionary value once, not once per row (BENCHMARKS.md, "Dictionary arrays").
	pqf.Dictionaries = true
	schema := pqf.Schema()
	starts, rows := pqf.RowGroups()
	// The tasks of the file share one pool (see parquetRowGroup). Its bound on idle buffers holds
	// the chunk, page, level and value buffers of about two row groups of a narrow file, so that
	// the classes a task needs stay stocked (BENCHMARKS.md, "Parquet buffers, fourth round").
	const parquetPoolBytes = 32 << 20
	pool := decode.NewPool(parquetPoolBytes)
	// One task per row group: each decodes its row group over its own handle and profiles its
	// batches into one chunk profile, so pages are decoded on every core. A file split into units
	// gives each unit the row groups that start in its byte range.
	for rg := range starts {
		if rows[rg] == 0 || (pc.ranged && (starts[rg] < pc.start || (pc.end > 0 && starts[rg] >= pc.end))) {
			continue
		}
		if p.columns == nil {
			p.first = f.Path
			for _, fld := range schema.Fields() {
				p.columns = append(p.columns, fld.Name)
			}
		}
		if err := p.emit(func() (chunkResult, error) { return p.parquetRowGroup(f, pqf, rg, pool) }); err != nil {
			return err
		}
	}
	return nil
}

// parquetRowGroup profiles row group rg of f (opened as pqf), batch by batch, into one profile,
// with the buffers of pool.
func (p *producer) parquetRowGroup(f source.File, pqf *decode.ParquetFile, rg int, pool *decode.Pool) (chunkResult, error) {
	fh, closer, err := source.OpenRandom(p.ctx, f)
	if err != nil {
		return chunkResult{}, fmt.Errorf("open %s: %w", f.Path, err)
	}
	defer closer.Close()
	prof := p.newProfile()
	// The file's pool lends the reader its chunk, page, level and value buffers, so the row groups
	// decoded one after the other on the workers reuse them instead of faulting in fresh memory
	// (BENCHMARKS.md, "Parquet buffers, fourth round"); prof.Add keeps no slice of a batch.
	err = pqf.ReadGroups(fh, parquetBatchRows, memory.DefaultAllocator, pool,
		func(g int) bool { return g == rg },
		func(_ int, rec arrow.RecordBatch) error { return prof.Add(rec) })
	if err != nil {
		return chunkResult{}, err
	}
	return chunkResult{profile: prof}, nil
}

func (p *producer) capture(pc piece) error {
	opt := p.cfg.captureOptions()
	return p.lines(pc, func(c decode.Chunk) (arrow.RecordBatch, capture.Summary, error) {
		return capture.Parse(c, opt, p.pool)
	})
}

func (p *producer) profileRecords(declare []string, rec arrow.RecordBatch) (chunkResult, error) {
	prof := p.newProfile()
	prof.Declare(declare)
	if err := prof.Add(rec); err != nil {
		return chunkResult{}, err
	}
	return chunkResult{profile: prof}, nil
}

// newProfile returns an empty chunk profile that tracks the job's values.
func (p *producer) newProfile() *stats.Profile {
	prof := stats.NewProfile()
	prof.TrackValues(p.track)
	if p.dropped != nil {
		prof.SkipCounting(p.dropped.has)
	}
	return prof
}

// textPoolBytes bounds the idle buffers a job's decode.Pool keeps (text formats: CSV, JSON Lines,
// capture): enough for the batches of a few
// 4 MiB chunks to cycle without fresh memory (BENCHMARKS.md, "Recycled batch buffers").
const textPoolBytes = 32 << 20

func quoteList(s []string) string { return fmt.Sprintf("%q", s) }

// droppedCounts are the columns whose exact category counts the merged profile has dropped; the
// merge loop adds to it and the workers read it. Dropped counts stay dropped through every later
// merge, so whenever a worker reads the set, skipping its columns leaves the result unchanged.
type droppedCounts struct {
	names sync.Map // column name → struct{}
	n     atomic.Int64
	seen  int // columns of the merged profile known dropped (merge loop only)
}

// note records the dropped columns of the merged profile p.
func (d *droppedCounts) note(p *stats.Profile) {
	cols := p.Columns()
	if d.seen == len(cols) {
		return
	}
	n := 0
	for _, c := range cols {
		if c.CategoriesDropped() {
			n++
			if _, ok := d.names.Load(c.Name); !ok {
				d.names.Store(c.Name, struct{}{})
			}
		}
	}
	d.seen = n
	d.n.Store(int64(n))
}

func (d *droppedCounts) has(name string) bool {
	if d.n.Load() == 0 {
		return false
	}
	_, ok := d.names.Load(name)
	return ok
}
