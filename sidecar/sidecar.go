package sidecar

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/driftwatch/driftwatch/analyzer/s3io"
)

// Sidecar is one capture proxy: the HTTP handler, the queue, the file writer and the deliverer.
// Build it with New, serve Handler (and MetricsHandler), call Start, and Close after the HTTP
// server has stopped.
type Sidecar struct {
	cfg        Config
	m          *metrics
	q          *queue
	p          *proxy
	w          *writer
	d          *deliverer
	spoolBytes atomic.Int64
	writerDone chan struct{}
	stopWork   context.CancelFunc
	workCtx    context.Context
	recovered  int64
	started    bool
}

// fillSpoolDir sets the default spool folder (see Config.SpoolDir).
func (c *Config) fillSpoolDir() {
	if c.SpoolDir != "" || c.Destination == "" {
		return
	}
	if s3io.IsURI(c.Destination) {
		c.SpoolDir = filepath.Join(os.TempDir(), "driftwatch-capture")
	} else {
		c.SpoolDir = filepath.Join(c.Destination, ".driftwatch-spool")
	}
}

// New builds a sidecar for cfg: an S3 client (the AWS SDK's standard chain) for an s3://
// destination, a DirStore for a folder. Files left in the spool by an earlier process are queued
// for delivery.
func New(ctx context.Context, cfg Config, logger *slog.Logger) (*Sidecar, error) {
	cfg.fillSpoolDir()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var store Store = DirStore{Dir: cfg.Destination}
	if s3io.IsURI(cfg.Destination) {
		c, err := s3io.New(ctx)
		if err != nil {
			return nil, err
		}
		store = S3Store{Client: c, Prefix: cfg.Destination}
	}
	return NewWithStore(cfg, store, logger)
}

// NewWithStore is New with a given store.
func NewWithStore(cfg Config, store Store, logger *slog.Logger) (*Sidecar, error) {
	cfg.fillSpoolDir()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.SpoolDir, 0o755); err != nil {
		return nil, fmt.Errorf("spool folder: %w", err)
	}
	if !s3io.IsURI(cfg.Destination) {
		if err := os.MkdirAll(cfg.Destination, 0o755); err != nil {
			return nil, fmt.Errorf("destination folder: %w", err)
		}
	}
	s := &Sidecar{cfg: cfg, m: newMetrics(), writerDone: make(chan struct{})}
	s.q = newQueue(cfg.QueueBytes, s.m)
	s.d = newDeliverer(store, s.m, logger, &s.spoolBytes)
	s.w = newWriter(cfg, s.q, s.d, s.m, logger, &s.spoolBytes)
	p, err := newProxy(cfg, s.q, s.m, logger, time.Now)
	if err != nil {
		return nil, err
	}
	s.p = p
	left, err := recoverSpool(cfg.SpoolDir, cfg.EndpointName, cfg.VariantName)
	if err != nil {
		return nil, err
	}
	for _, cf := range left {
		s.spoolBytes.Add(cf.size)
		s.m.spoolBytes.Add(cf.size)
		s.m.recordsRecovered.Add(cf.records)
		s.recovered += cf.records
		s.d.add(cf)
	}
	return s, nil
}

// Handler is the proxy.
func (s *Sidecar) Handler() http.Handler { return s.p }

// MetricsHandler serves the Prometheus metrics.
func (s *Sidecar) MetricsHandler() http.Handler { return s.m.handler() }

// Start runs the writer and the deliverer.
func (s *Sidecar) Start() {
	s.started = true
	s.workCtx, s.stopWork = context.WithCancel(context.Background())
	tick := min(FlushInterval, s.cfg.MaxFileAge/2)
	go func() {
		defer close(s.writerDone)
		s.w.run(tick)
	}()
	s.d.start(s.workCtx)
}

// Result is the account of a sidecar's life, as its metrics count it.
type Result struct {
	Requests, Sampled, NotCaptured, Captured, Dropped int64
	Delivered, Recovered                              int64 // records
	UndeliveredFiles                                  int
	UndeliveredRecords                                int64
}

func (r Result) String() string {
	return fmt.Sprintf("requests=%d sampled=%d not_captured=%d captured=%d dropped=%d recovered=%d delivered=%d undelivered=%d (in %d files)",
		r.Requests, r.Sampled, r.NotCaptured, r.Captured, r.Dropped, r.Recovered, r.Delivered, r.UndeliveredRecords, r.UndeliveredFiles)
}

// Close stops capture after the HTTP server has stopped: later records are dropped (shutdown),
// queued ones are written, every file is closed and delivered. It waits until everything is
// delivered or ctx ends; what is left stays in the spool for the next start.
func (s *Sidecar) Close(ctx context.Context) Result {
	s.q.close()
	if !s.started {
		s.Start()
	}
	<-s.writerDone // the queue is bounded: draining it is local work only
	s.d.finish()
	stop := context.AfterFunc(ctx, s.stopWork)
	defer stop()
	files, records := s.d.wait()
	s.stopWork()
	return s.result(files, records)
}

func (s *Sidecar) result(files int, records int64) Result {
	return Result{
		Requests:           s.m.sampled.load() + s.m.notSampled.load() + s.m.skipped.load(),
		Sampled:            s.m.sampled.load(),
		NotCaptured:        s.m.ncStatus.load() + s.m.ncIncomplete.load() + s.m.ncUpstream.load(),
		Captured:           s.m.captured.load(),
		Dropped:            s.m.dropQueue.load() + s.m.dropSpool.load() + s.m.dropWrite.load() + s.m.dropShutdown.load(),
		Delivered:          s.m.recordsDelivered.load(),
		Recovered:          s.recovered,
		UndeliveredFiles:   files,
		UndeliveredRecords: records,
	}
}

// Timeouts of the HTTP servers.
const (
	// readHeaderTimeout bounds reading a request's headers (slowloris), not its body.
	readHeaderTimeout = 30 * time.Second
	// idleTimeout keeps client keep-alive connections longer than the load balancers in front
	// usually do (AWS ALB 60 s, nginx 75 s, Google Cloud 600 s), so the balancer closes first.
	idleTimeout = 620 * time.Second
)

// Run serves cfg until ctx ends (SIGTERM), then shuts down gracefully within cfg.ShutdownTimeout:
// in-flight requests finish, every accepted record is written and delivered. It returns an error
// when the sidecar could not start or when records were left undelivered.
func Run(ctx context.Context, cfg Config, logger *slog.Logger) error {
	s, err := New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	cfg = s.cfg
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	var mln net.Listener
	if cfg.MetricsListen != "" {
		if mln, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			ln.Close()
			return fmt.Errorf("metrics listen: %w", err)
		}
	}
	logger.Info("capture configuration", "config", cfg.String())
	if s.recovered > 0 {
		logger.Info("capture: records left by an earlier process queued for delivery", "records", s.recovered, "spool", cfg.SpoolDir)
	}
	s.Start()
	errLog := slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout, ErrorLog: errLog}
	serveErr := make(chan error, 2)
	go func() { serveErr <- srv.Serve(ln) }()
	var msrv *http.Server
	if mln != nil {
		mux := http.NewServeMux()
		mux.Handle("/metrics", s.MetricsHandler())
		msrv = &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout, ErrorLog: errLog}
		go func() { serveErr <- msrv.Serve(mln) }()
	}
	logger.Info("capture serving", "listen", ln.Addr().String(), "upstream", cfg.Upstream, "destination", cfg.Destination,
		"spool", cfg.SpoolDir, "metrics", orNone(addrOf(mln)))
	var failed error
	select {
	case <-ctx.Done():
		logger.Info("capture stopping: finishing requests, writing and delivering records", "deadline", cfg.ShutdownTimeout.String())
	case err := <-serveErr:
		failed = fmt.Errorf("serve: %w", err)
		logger.Error("capture stopping", "err", failed)
	}
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		logger.Warn("capture: requests still running at the shutdown deadline", "err", err)
	}
	res := s.Close(sctx)
	if msrv != nil {
		msrv.Close()
	}
	logger.Info("capture stopped", "requests", res.Requests, "sampled", res.Sampled, "not_captured", res.NotCaptured,
		"captured", res.Captured, "dropped", res.Dropped, "recovered", res.Recovered, "delivered", res.Delivered,
		"undelivered", res.UndeliveredRecords, "undelivered_files", res.UndeliveredFiles)
	if res.UndeliveredRecords > 0 || res.UndeliveredFiles > 0 {
		failed = errors.Join(failed, fmt.Errorf("%d records in %d files not delivered to %s: they stay in %s and are delivered at the next start with the same --spool-dir",
			res.UndeliveredRecords, res.UndeliveredFiles, cfg.Destination, cfg.SpoolDir))
	}
	return failed
}

func addrOf(l net.Listener) string {
	if l == nil {
		return ""
	}
	return l.Addr().String()
}
