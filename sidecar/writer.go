package sidecar

import (
	"bytes"
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// Spool file suffixes: a file being written ends in partSuffix; renamed to end in fileSuffix when
// closed, it waits there for delivery.
const (
	fileSuffix = ".jsonl"
	partSuffix = ".jsonl.part"
)

// flushBytes and FlushInterval: the writer gathers records in memory per file and writes them
// when 64 KiB are pending, or at the latest every FlushInterval, so that writing costs one system
// call per 64 KiB or per interval rather than one per record (a write per record was half of the
// writer's CPU time in BenchmarkProxy's profile). A crash loses at most the last interval.
const (
	flushBytes    = 64 << 10
	FlushInterval = 200 * time.Millisecond
)

// writer is the single goroutine that turns queued exchanges into lines of capture files, one open
// file per inference hour, and rotates them by size and age. It never waits on the destination:
// closed files go to the deliverer.
type writer struct {
	spool             string // spool root; files at {spool}/{endpoint}/{variant}/yyyy/mm/dd/hh/
	endpoint, variant string
	maxFileBytes      int64
	maxFileAge        time.Duration
	maxSpool          int64
	ct                ContentTypes
	q                 *queue
	d                 *deliverer
	m                 *metrics
	errLog            *throttledLog
	now               func() time.Time
	spoolBytes        *atomic.Int64 // undelivered bytes in the spool, shared with the deliverer

	rng     *rand.ChaCha8
	files   map[int64]*spoolFile // open files by inference hour (Unix time / 3600)
	line    []byte
	in, out Payload
	rec     Record
}

// spoolFile is an open capture file.
type spoolFile struct {
	f       *os.File
	part    string // spool path while open (…jsonl.part)
	rel     string // slash-separated path below the destination
	opened  time.Time
	size    int64  // bytes written to f
	records int64  // records written to f
	pending []byte // records not yet written
	pendN   int64  // records in pending
}

func newWriter(cfg Config, q *queue, d *deliverer, m *metrics, logger *slog.Logger, spoolBytes *atomic.Int64) *writer {
	var seed [32]byte
	crand.Read(seed[:]) // never fails (crypto/rand, Go 1.24+)
	return &writer{
		spool: cfg.SpoolDir, endpoint: cfg.EndpointName, variant: cfg.VariantName,
		maxFileBytes: cfg.MaxFileBytes, maxFileAge: cfg.MaxFileAge, maxSpool: cfg.MaxSpoolBytes,
		ct: cfg.ContentTypes, q: q, d: d, m: m, now: time.Now, spoolBytes: spoolBytes,
		errLog: &throttledLog{l: logger, every: 10 * time.Second},
		rng:    rand.NewChaCha8(seed),
		files:  map[int64]*spoolFile{},
	}
}

// drainInterval: under load the writer takes records off the queue in batches, every 10 ms,
// instead of being woken for each one: a request's handoff to the queue then wakes no goroutine
// (a send to a buffered channel nobody waits on), which saves a thread wake-up per request. When
// the queue was found empty the writer blocks on it again, so an idle sidecar does not wake up.
const drainInterval = 10 * time.Millisecond

// run writes records until the queue is closed and drained, then closes every file. tick is how
// often pending records are written out and file ages checked.
func (w *writer) run(tick time.Duration) {
	t := time.NewTicker(tick)
	defer t.Stop()
	batch := time.NewTimer(drainInterval)
	batch.Stop()
	batching := false
	for {
		var recv <-chan *exchange
		var drain <-chan time.Time
		if batching {
			drain = batch.C
		} else {
			recv = w.q.ch // idle: wake for the first record
		}
		select {
		case x, ok := <-recv:
			if !ok {
				w.closeAll()
				return
			}
			w.handle(x)
			batching = true
			batch.Reset(drainInterval)
		case <-drain:
			n, open := w.drain()
			if !open {
				w.closeAll()
				return
			}
			if batching = n > 0; batching {
				batch.Reset(drainInterval)
			}
		case <-t.C:
			w.rotate(w.now())
		}
	}
}

// drain handles every record waiting in the queue, without blocking. open is false when the
// queue was closed and is now empty.
func (w *writer) drain() (n int, open bool) {
	for {
		select {
		case x, ok := <-w.q.ch:
			if !ok {
				return n, false
			}
			w.handle(x)
			n++
		default:
			return n, true
		}
	}
}

// handle encodes x into its hour's file (or drops it when the spool is full or the file cannot
// be opened) and releases x.
func (w *writer) handle(x *exchange) {
	w.q.taken(x)
	w.rec = Record{EventID: w.uuid(), InferenceTime: x.start, InferenceID: x.inferenceID, CustomAttributes: x.customAttributes}
	if x.hasIn {
		w.in = Payload{ContentType: x.inCT, Data: x.inBuf, Size: x.inSize, Truncated: x.inSize > int64(len(x.inBuf))}
		w.rec.Input = &w.in
		if w.in.Truncated {
			w.m.truncIn.Inc()
		}
	}
	if x.hasOut {
		w.out = Payload{ContentType: x.outCT, Data: x.outBuf, Size: x.outSize, Truncated: x.outSize > int64(len(x.outBuf))}
		w.rec.Output = &w.out
		if w.out.Truncated {
			w.m.truncOut.Inc()
		}
	}
	w.line = AppendRecord(w.line[:0], &w.rec, w.ct)
	start := x.start
	w.rec, w.in, w.out = Record{}, Payload{}, Payload{}
	putExchange(x)
	w.add(start, w.line)
}

// add appends one encoded record to the file of its inference hour.
func (w *writer) add(start time.Time, line []byte) {
	n := int64(len(line))
	if w.spoolBytes.Load()+n > w.maxSpool {
		w.m.dropSpool.Inc()
		return
	}
	hour := start.Unix() / 3600
	f := w.files[hour]
	if f != nil && f.size+int64(len(f.pending))+n > w.maxFileBytes {
		w.closeFile(hour, f)
		f = nil
	}
	if f == nil {
		var err error
		if f, err = w.open(start); err != nil {
			w.m.dropWrite.Inc()
			w.errLog.printf("capture: %v", err)
			return
		}
		w.files[hour] = f
	}
	f.pending = append(f.pending, line...)
	f.pendN++
	w.spoolBytes.Add(n)
	w.m.spoolBytes.Add(n)
	if len(f.pending) >= flushBytes {
		if !w.flush(f) {
			w.closeFile(hour, f)
		}
	}
}

// open creates the spool file for the hour of start, named after it: MM-SS-mmm-{uuid}.jsonl as
// SageMaker names capture files (contract §4.2); the random UUID keeps concurrent sidecars apart.
func (w *writer) open(start time.Time) (*spoolFile, error) {
	t := start.UTC()
	rel := fmt.Sprintf("%s/%s/%04d/%02d/%02d/%02d/%02d-%02d-%03d-%s%s", w.endpoint, w.variant,
		t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond()/1e6, w.uuid(), fileSuffix)
	part := filepath.Join(w.spool, filepath.FromSlash(rel)) + ".part"
	if err := os.MkdirAll(filepath.Dir(part), 0o755); err != nil {
		return nil, fmt.Errorf("create spool folder: %w", err)
	}
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("create spool file: %w", err)
	}
	if ok, err := tryLock(f); !ok {
		f.Close()
		os.Remove(part)
		return nil, fmt.Errorf("lock spool file %s: %v", part, err)
	}
	return &spoolFile{f: f, part: part, rel: rel, opened: w.now()}, nil
}

// flush writes f's pending records. On a write error the file is cut back to its last whole
// record, the pending records are dropped (write_error) and flush reports false.
func (w *writer) flush(f *spoolFile) bool {
	if len(f.pending) == 0 {
		return true
	}
	n, err := f.f.Write(f.pending)
	if err != nil {
		w.errLog.printf("capture: write %s: %v; %d records dropped", f.part, err, f.pendN)
		if n > 0 {
			f.f.Truncate(f.size)
			f.f.Seek(f.size, io.SeekStart)
		}
		w.m.dropWrite.Add(f.pendN)
		w.spoolBytes.Add(-int64(len(f.pending)))
		w.m.spoolBytes.Sub(int64(len(f.pending)))
		f.pending, f.pendN = f.pending[:0], 0
		return false
	}
	f.size += int64(n)
	f.records += f.pendN
	w.m.captured.Add(f.pendN)
	w.m.capturedBytes.Add(int64(n))
	f.pending, f.pendN = f.pending[:0], 0
	return true
}

func (w *writer) flushAll() {
	for hour, f := range w.files {
		if !w.flush(f) {
			w.closeFile(hour, f)
		}
	}
}

// rotate closes the files opened maxFileAge or longer before now and writes out the others.
func (w *writer) rotate(now time.Time) {
	for hour, f := range w.files {
		if now.Sub(f.opened) >= w.maxFileAge {
			w.closeFile(hour, f)
		} else if !w.flush(f) {
			w.closeFile(hour, f)
		}
	}
}

func (w *writer) closeAll() {
	for hour, f := range w.files {
		w.closeFile(hour, f)
	}
}

// closeFile writes out f, syncs it, renames it from .jsonl.part to .jsonl and hands it to the
// deliverer. An empty file is removed.
func (w *writer) closeFile(hour int64, f *spoolFile) {
	delete(w.files, hour)
	w.flush(f)
	if f.size == 0 {
		f.f.Close()
		os.Remove(f.part)
		return
	}
	if err := f.f.Sync(); err != nil {
		w.errLog.printf("capture: sync %s: %v", f.part, err)
	}
	closed := strings.TrimSuffix(f.part, ".part")
	if err := os.Rename(f.part, closed); err != nil {
		w.errLog.printf("capture: rename %s: %v; delivering it under its spool name", f.part, err)
		closed = f.part
	}
	f.f.Close()
	w.d.add(closedFile{path: closed, rel: f.rel, size: f.size, records: f.records})
}

// uuid returns a random (version 4) UUID from the writer's ChaCha8 stream, seeded from
// crypto/rand: 122 random bits, so ids and file names from any number of sidecars do not collide.
func (w *writer) uuid() string {
	var b [16]byte
	lo, hi := w.rng.Uint64(), w.rng.Uint64()
	for i := range 8 {
		b[i], b[8+i] = byte(lo>>(8*i)), byte(hi>>(8*i))
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	var s [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			s[j] = '-'
			j++
		}
		s[j], s[j+1] = hexDigits[c>>4], hexDigits[c&0xf]
		j += 2
	}
	return string(s[:])
}

// recoverSpool finds the files an earlier process left in the spool below {endpoint}/{variant}:
// closed files waiting for delivery, and open ones whose writer is gone (their lock is free),
// which are cut back to their last whole record and closed. A live process's files are left
// alone.
func recoverSpool(spool, endpoint, variant string) ([]closedFile, error) {
	root := filepath.Join(spool, endpoint, variant)
	var found []closedFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(spool, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		switch {
		case strings.HasSuffix(p, partSuffix):
			cf, ok, err := recoverPart(p, strings.TrimSuffix(rel, ".part"))
			if err != nil {
				return err
			}
			if ok {
				found = append(found, cf)
			}
		case strings.HasSuffix(p, fileSuffix):
			size, records, err := countRecords(p)
			if err != nil {
				return err
			}
			found = append(found, closedFile{path: p, rel: rel, size: size, records: records})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("recover spool %s: %w", root, err)
	}
	return found, nil
}

// recoverPart closes an open file left by a dead process: cut after its last newline (a record
// half written when the process died is dropped), synced and renamed to its closed name.
func recoverPart(p, rel string) (closedFile, bool, error) {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return closedFile{}, false, err
	}
	defer f.Close()
	if ok, _ := tryLock(f); !ok {
		return closedFile{}, false, nil // a live writer
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return closedFile{}, false, err
	}
	keep := bytes.LastIndexByte(b, '\n') + 1
	if keep == 0 {
		return closedFile{}, false, os.Remove(p)
	}
	if keep < len(b) {
		if err := f.Truncate(int64(keep)); err != nil {
			return closedFile{}, false, err
		}
	}
	if err := f.Sync(); err != nil {
		return closedFile{}, false, err
	}
	closed := strings.TrimSuffix(p, ".part")
	if err := os.Rename(p, closed); err != nil {
		return closedFile{}, false, err
	}
	return closedFile{path: closed, rel: rel, size: int64(keep), records: int64(bytes.Count(b[:keep], []byte{'\n'}))}, true, nil
}

// countRecords returns a closed spool file's size and line count.
func countRecords(p string) (size, records int64, err error) {
	f, err := os.Open(p)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<16)
	for {
		n, err := f.Read(buf)
		size += int64(n)
		records += int64(bytes.Count(buf[:n], []byte{'\n'}))
		if err == io.EOF {
			return size, records, nil
		}
		if err != nil {
			return 0, 0, err
		}
	}
}
