package sidecar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/driftwatch/driftwatch/analyzer/s3io"
)

// Store is where closed capture files end up.
type Store interface {
	// Deliver stores the closed spool file f (size bytes, at path in the spool) as rel, a
	// slash-separated path below the destination. After it returns nil the spool file is removed
	// if it still exists. It may be called again for the same file after an error.
	Deliver(ctx context.Context, f *os.File, size int64, path, rel string) error
	// String names the destination, for logs.
	String() string
}

// S3Store uploads capture files under an s3://bucket/prefix with s3io (one PutObject, or a
// multipart upload above 16 MiB).
type S3Store struct {
	Client *s3io.Client
	Prefix string // s3://bucket/prefix
}

// Deliver uploads f to {Prefix}/{rel}.
func (s S3Store) Deliver(ctx context.Context, f *os.File, size int64, _, rel string) error {
	return s.Client.Put(ctx, strings.TrimSuffix(s.Prefix, "/")+"/"+rel, io.NewSectionReader(f, 0, size), size)
}

func (s S3Store) String() string { return s.Prefix }

// DirStore moves capture files into a local folder: a rename when the spool is on the same file
// system (the default spool is inside the folder), else a copy to a hidden name and a rename, so
// a reader of the folder never sees a partial file.
type DirStore struct {
	Dir string
}

// Deliver moves the spool file at path to {Dir}/{rel}.
func (s DirStore) Deliver(_ context.Context, f *os.File, size int64, path, rel string) error {
	dst := filepath.Join(s.Dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	err := os.Rename(path, dst)
	if !errors.Is(err, syscall.EXDEV) {
		return err
	}
	tmp := filepath.Join(filepath.Dir(dst), "."+filepath.Base(dst)+".tmp")
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, io.NewSectionReader(f, 0, size))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, dst)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func (s DirStore) String() string { return s.Dir }

// closedFile is a capture file waiting in the spool for delivery.
type closedFile struct {
	path    string // in the spool
	rel     string // below the destination
	size    int64
	records int64
}

// Retry backoff for failed deliveries: doubling from backoffMin to backoffMax, with full jitter.
const (
	backoffMin = 500 * time.Millisecond
	backoffMax = 30 * time.Second
)

// deliverWorkers deliver files in parallel (small files are latency-bound uploads).
const deliverWorkers = 2

// deliverer delivers closed files in the order they were closed, retrying failures with backoff
// until they succeed or the shutdown deadline passes.
type deliverer struct {
	store      Store
	m          *metrics
	errLog     *throttledLog
	spoolBytes *atomic.Int64
	backoffMin time.Duration

	mu      sync.Mutex
	files   []closedFile
	left    int64 // records in files, and in files being delivered
	wake    chan struct{}
	done    chan struct{} // closed by finish: no more files will be added
	closing bool
	wg      sync.WaitGroup
}

func newDeliverer(store Store, m *metrics, logger *slog.Logger, spoolBytes *atomic.Int64) *deliverer {
	return &deliverer{store: store, m: m, spoolBytes: spoolBytes, backoffMin: backoffMin,
		errLog: &throttledLog{l: logger, every: 10 * time.Second},
		wake:   make(chan struct{}, deliverWorkers), done: make(chan struct{})}
}

// add queues a closed file for delivery.
func (d *deliverer) add(cf closedFile) {
	d.mu.Lock()
	d.files = append(d.files, cf)
	d.left += cf.records
	d.mu.Unlock()
	d.m.spoolFiles.Inc()
	d.m.recordsLeft.Add(cf.records)
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// start runs the workers; they stop when ctx ends, or after finish once every file is delivered.
func (d *deliverer) start(ctx context.Context) {
	for range deliverWorkers {
		d.wg.Go(func() { d.work(ctx) })
	}
}

// finish says no more files will come; wait then returns once the workers are done.
func (d *deliverer) finish() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.closing {
		d.closing = true
		close(d.done)
	}
}

// wait waits for the workers and returns the files and records left undelivered.
func (d *deliverer) wait() (files int, records int64) {
	d.wg.Wait()
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.files), d.left
}

func (d *deliverer) isClosing() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closing
}

func (d *deliverer) take() (closedFile, bool, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.files) == 0 {
		return closedFile{}, false, d.closing
	}
	cf := d.files[0]
	d.files = d.files[1:]
	return cf, true, false
}

// putBack returns a file that failed to the front of the line.
func (d *deliverer) putBack(cf closedFile) {
	d.mu.Lock()
	d.files = append([]closedFile{cf}, d.files...)
	d.mu.Unlock()
}

func (d *deliverer) work(ctx context.Context) {
	failures := 0
	for {
		cf, ok, closing := d.take()
		if !ok {
			if closing {
				return
			}
			select {
			case <-d.wake:
			case <-d.done:
			case <-ctx.Done():
				return
			}
			continue
		}
		err := d.deliver(ctx, cf)
		if err == nil {
			failures = 0
			continue
		}
		d.putBack(cf)
		if ctx.Err() != nil {
			return
		}
		d.m.uploadErrors.Inc()
		d.errLog.printf("capture: deliver %s to %s: %v (retrying)", cf.rel, d.store, err)
		failures++
		wait := min(backoffMax, d.backoffMin<<min(failures-1, 16))
		done := d.done
		if d.isClosing() {
			// Shutting down: retry at least every second until the deadline.
			wait, done = min(wait, time.Second), nil
		}
		wait = wait/2 + rand.N(wait/2+1) // jitter: spread retries of several workers
		select {
		case <-time.After(wait):
		case <-done: // shutdown began: try now rather than after a long backoff
		case <-ctx.Done():
			return
		}
	}
}

// deliver stores one file and removes it from the spool. A file that is gone, or locked by
// another process delivering it, counts as handled elsewhere.
func (d *deliverer) deliver(ctx context.Context, cf closedFile) error {
	f, err := os.Open(cf.path)
	if errors.Is(err, fs.ErrNotExist) {
		d.handled(cf, false)
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if ok, _ := tryLock(f); !ok {
		d.handled(cf, false)
		return nil
	}
	start := time.Now()
	err = d.store.Deliver(ctx, f, cf.size, cf.path, cf.rel)
	d.m.uploadDuration.Observe(time.Since(start))
	if err != nil {
		return fmt.Errorf("%s: %w", cf.path, err)
	}
	if err := os.Remove(cf.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.errLog.printf("capture: remove delivered spool file %s: %v", cf.path, err)
	}
	d.handled(cf, true)
	return nil
}

// handled accounts for a file that left the spool: delivered by this process or by another.
func (d *deliverer) handled(cf closedFile, delivered bool) {
	d.mu.Lock()
	d.left -= cf.records
	d.mu.Unlock()
	d.spoolBytes.Add(-cf.size)
	d.m.spoolBytes.Sub(cf.size)
	d.m.spoolFiles.Dec()
	d.m.recordsLeft.Sub(cf.records)
	if delivered {
		d.m.filesDelivered.Inc()
		d.m.bytesDelivered.Add(cf.size)
		d.m.recordsDelivered.Add(cf.records)
	}
}
