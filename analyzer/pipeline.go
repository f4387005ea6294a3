package analyzer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

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
// tasks ran at once.
type task struct {
	seq int
	run func() (chunkResult, error)
}

// chunkResult is what profiling one chunk yields.
type chunkResult struct {
	profile *stats.Profile
	capture capture.Summary // capture input only
	bytes   int64           // the chunk's size in bytes (text formats; for progress)
}

type result struct {
	seq int
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
// dataset's column order. The input is cut into chunks at positions that depend only on the bytes
// (decode.DefaultChunkSize), the chunks are profiled on cfg.Parallelism goroutines, and the chunk
// profiles are merged in input order.
func profileDataset(ctx context.Context, cfg *Config, files []source.File, track []string, log Logger) (*dataset, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	tasks := make(chan task)
	results := make(chan result, cfg.Parallelism)
	// inflight bounds the chunks held in memory: queued, running or waiting to be merged.
	inflight := make(chan struct{}, 2*cfg.Parallelism+1)

	var columns []string // the dataset's column order (CSV header, Parquet schema)
	prodErr := make(chan error, 1)
	go func() {
		defer close(tasks)
		p := producer{ctx: ctx, cfg: cfg, tasks: tasks, inflight: inflight, log: log, track: track}
		err := p.run(files)
		columns = p.columns
		prodErr <- err
	}()
	for w := 0; w < cfg.Parallelism; w++ {
		go func() {
			for t := range tasks {
				r, err := t.run()
				select {
				case results <- result{seq: t.seq, chunkResult: r, err: err}:
				case <-ctx.Done():
					return
				}
			}
		}()
	}

	final := stats.NewProfile()
	final.TrackValues(track)
	prog := newProgress(log, cfg.ProgressInterval)
	var summary capture.Summary
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
			return nil, ctx.Err()
		}
		for {
			r, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			if r.err != nil {
				return nil, r.err
			}
			final.Merge(r.profile)
			summary.Merge(r.capture)
			prog.add(r.profile.Rows, r.bytes)
			next++
			<-inflight
		}
	}
	if perr != nil {
		return nil, perr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
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
	return &dataset{profile: final, columns: columns, capture: summary}, nil
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
	reader   *source.Reader
	seq      int
	columns  []string
	first    string // the file the columns came from
}

func (p *producer) run(files []source.File) error {
	rd, err := source.NewReader(p.ctx, files, p.cfg.DatasetFormat.Kind != FormatParquet)
	if err != nil {
		return producerDone{err: err}
	}
	defer rd.Close()
	p.reader = rd
	for _, f := range files {
		if err := p.file(f); err != nil {
			return producerDone{n: p.seq, err: err}
		}
	}
	return producerDone{n: p.seq}
}

// emit hands one task to the workers, waiting for room in the in-flight window.
func (p *producer) emit(run func() (chunkResult, error)) error {
	select {
	case p.inflight <- struct{}{}:
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
	select {
	case p.tasks <- task{seq: p.seq, run: run}:
		p.seq++
		return nil
	case <-p.ctx.Done():
		return p.ctx.Err()
	}
}

func (p *producer) file(f source.File) error {
	switch p.cfg.DatasetFormat.Kind {
	case FormatCSV:
		return p.csv(f)
	case FormatJSON:
		if p.cfg.DatasetFormat.Lines {
			return p.jsonLines(f)
		}
		return p.jsonDocument(f)
	case FormatParquet:
		return p.parquet(f)
	case FormatCapture:
		return p.capture(f)
	}
	return fmt.Errorf("dataset_format %s is not supported by this job", p.cfg.DatasetFormat.Kind)
}

func (p *producer) csv(f source.File) error {
	r, err := p.reader.Open(f)
	if err != nil {
		return fmt.Errorf("open %s: %w", f.Path, err)
	}
	defer r.Close()
	sp, err := decode.NewCSVSplitter(f.Path, r, decode.CSVOptions{Header: p.cfg.DatasetFormat.Header, ChunkSize: p.cfg.ChunkSize})
	if err != nil {
		return err
	}
	cols := sp.Columns()
	if len(cols) == 0 {
		return nil // an empty file: no header, no rows
	}
	if p.columns == nil {
		p.columns, p.first = slices.Clone(cols), f.Path
	} else if !slices.Equal(cols, p.columns) {
		return fmt.Errorf("%s: %w: columns %s differ from %s's columns %s", f.Path, decode.ErrBadInput, quoteList(cols), p.first, quoteList(p.columns))
	}
	names := p.columns
	return p.chunks(sp, func(c decode.Chunk) (chunkResult, error) {
		rec, err := decode.ParseCSV(c, names, memory.DefaultAllocator)
		if err != nil {
			return chunkResult{}, err
		}
		defer rec.Release()
		return p.profileRecords(names, rec)
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

func (p *producer) jsonLines(f source.File) error {
	return p.lines(f, func(c decode.Chunk) (arrow.RecordBatch, capture.Summary, error) {
		rec, err := decode.ParseJSONLines(c, memory.DefaultAllocator)
		return rec, capture.Summary{}, err
	})
}

// lines cuts a line-oriented file (JSON Lines, capture) into chunks and emits one task per chunk
// that parses it with parse and profiles the batch.
func (p *producer) lines(f source.File, parse func(decode.Chunk) (arrow.RecordBatch, capture.Summary, error)) error {
	r, err := p.reader.Open(f)
	if err != nil {
		return fmt.Errorf("open %s: %w", f.Path, err)
	}
	defer r.Close()
	return p.chunks(decode.NewLineSplitter(f.Path, r, p.cfg.ChunkSize), func(c decode.Chunk) (chunkResult, error) {
		rec, sum, err := parse(c)
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

func (p *producer) parquet(f source.File) error {
	if f.Compressed() {
		return fmt.Errorf("%s: %w: gzip-compressed Parquet files are not supported (Parquet compresses its pages itself)", f.Path, decode.ErrBadInput)
	}
	fh, closer, err := source.OpenRandom(p.ctx, f)
	if err != nil {
		return fmt.Errorf("open %s: %w", f.Path, err)
	}
	defer closer.Close()
	return decode.ReadParquet(f.Path, fh, parquetBatchRows, memory.DefaultAllocator, func(_ int, rec arrow.RecordBatch) error {
		if p.columns == nil {
			p.first = f.Path
			for _, fld := range rec.Schema().Fields() {
				p.columns = append(p.columns, fld.Name)
			}
		}
		rec.Retain()
		return p.emit(func() (chunkResult, error) {
			defer rec.Release()
			return p.profileRecords(nil, rec)
		})
	})
}

func (p *producer) capture(f source.File) error {
	opt := p.cfg.captureOptions()
	return p.lines(f, func(c decode.Chunk) (arrow.RecordBatch, capture.Summary, error) {
		return capture.Parse(c, opt, memory.DefaultAllocator)
	})
}

func (p *producer) profileRecords(declare []string, rec arrow.RecordBatch) (chunkResult, error) {
	prof := stats.NewProfile()
	prof.TrackValues(p.track)
	prof.Declare(declare)
	if err := prof.Add(rec); err != nil {
		return chunkResult{}, err
	}
	return chunkResult{profile: prof}, nil
}

func quoteList(s []string) string { return fmt.Sprintf("%q", s) }
