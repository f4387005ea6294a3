package sidecar

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// SageMaker's request headers whose values go into eventMetadata (contract §4.1).
const (
	HeaderInferenceID      = "X-Amzn-Sagemaker-Inference-Id"
	HeaderCustomAttributes = "X-Amzn-Sagemaker-Custom-Attributes"
)

// forwardedHeaders are removed by httputil.ReverseProxy before Rewrite; the proxy puts the
// client's values back so that the request reaches the model unchanged.
var forwardedHeaders = []string{"Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto"}

// Transport settings towards the upstream.
const (
	// dialTimeout bounds connecting to the upstream (a loopback or in-cluster address).
	dialTimeout = 10 * time.Second
	// maxIdleConns: idle keep-alive connections kept to the upstream. net/http's default of 2 per
	// host would make a proxy under concurrent load open and close a connection per request.
	maxIdleConns = 512
	// idleConnTimeout: how long an idle upstream connection is kept (net/http's default).
	idleConnTimeout = 90 * time.Second
	// copyBufferSize: the buffer ReverseProxy copies response bodies with (io.Copy's 32 KiB).
	copyBufferSize = 32 << 10
)

// proxy forwards every request to the upstream with httputil.ReverseProxy and, for the sampled
// inference requests, tees both bodies into an exchange that goes to the queue.
type proxy struct {
	rp       *httputil.ReverseProxy
	sampler  *Sampler
	methods  []string
	skip     map[string]bool
	limit    int64
	in, out  bool
	q        *queue
	m        *metrics
	now      func() time.Time
	errLog   *throttledLog
	inflight atomic.Int64
}

func newProxy(cfg Config, q *queue, m *metrics, logger *slog.Logger, now func() time.Time) (*proxy, error) {
	target, err := url.Parse(cfg.Upstream)
	if err != nil {
		return nil, fmt.Errorf("upstream %q: %w", cfg.Upstream, err)
	}
	tr := &http.Transport{
		Proxy:                 nil, // the upstream is beside us: never through HTTP_PROXY
		DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          maxIdleConns,
		MaxIdleConnsPerHost:   maxIdleConns,
		IdleConnTimeout:       idleConnTimeout,
		ResponseHeaderTimeout: cfg.UpstreamTimeout,
		ExpectContinueTimeout: time.Second,
		// Forward Accept-Encoding as the client sent it and the body as the model encoded it; the
		// transport's transparent gzip would change both.
		DisableCompression: true,
	}
	p := &proxy{
		sampler: NewSampler(cfg.SamplingPercentage, nil),
		methods: cfg.CaptureMethods,
		skip:    map[string]bool{},
		limit:   cfg.MaxPayloadBytes,
		in:      cfg.CaptureInput,
		out:     cfg.CaptureOutput,
		q:       q,
		m:       m,
		now:     now,
		errLog:  &throttledLog{l: logger, every: 10 * time.Second},
	}
	for _, s := range cfg.SkipPaths {
		p.skip[s] = true
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Host = pr.In.Host // the Host the client sent, as a transparent sidecar should
			if target.RawQuery == "" {
				pr.Out.URL.RawQuery = pr.In.URL.RawQuery // verbatim, even parts Go cannot parse
			}
			for _, h := range forwardedHeaders {
				if v, ok := pr.In.Header[h]; ok {
					pr.Out.Header[h] = v
				}
			}
		},
		Transport:    newUpstreamTransport(tr, target.Scheme, target.Host, cfg.UpstreamTimeout),
		BufferPool:   bufferPool{},
		ErrorLog:     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		ErrorHandler: p.upstreamError,
	}
	return p, nil
}

// ServeHTTP forwards r. Only a sampled inference request pays for capture: a pooled exchange,
// a tee on each body and a non-blocking send to the queue after the response is complete.
func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := p.now()
	defer p.observe(start) // deferred: also for responses ReverseProxy aborts
	// A response without Content-Type stays without one: a nil entry stops net/http from
	// sniffing one; ReverseProxy appends the upstream's value when there is one.
	h := w.Header()
	if _, ok := h["Content-Type"]; !ok {
		h["Content-Type"] = nil
	}
	switch {
	case p.skip[r.URL.Path] || !slices.Contains(p.methods, r.Method):
		p.m.skipped.Inc()
		p.rp.ServeHTTP(w, r)
	case !p.sampler.Sample():
		p.m.notSampled.Inc()
		p.rp.ServeHTTP(w, r)
	default:
		p.m.sampled.Inc()
		p.capture(w, r, start)
	}
}

func (p *proxy) observe(start time.Time) { p.m.requestDuration.Observe(p.now().Sub(start)) }

// capture forwards a sampled request and queues its record when the exchange completed with a
// 2xx status. ReverseProxy aborts the handler (panic http.ErrAbortHandler) when it cannot finish
// the response body; the deferred cleanup then counts the request as incomplete.
func (p *proxy) capture(w http.ResponseWriter, r *http.Request, start time.Time) {
	x := getExchange()
	x.start = start
	x.inferenceID = r.Header.Get(HeaderInferenceID)
	x.customAttributes = r.Header.Get(HeaderCustomAttributes)
	x.hasIn, x.hasOut = p.in, p.out
	var in *tee
	if p.in {
		x.inCT = r.Header.Get("Content-Type")
		if r.Body != nil && r.Body != http.NoBody {
			// Not pooled: the transport may still hold the body after the handler returns.
			in = &tee{rc: r.Body, buf: x.inBuf[:0], limit: p.limit}
			r.Body = in
		}
	}
	x.rw = responseTee{rw: w, limit: p.limit, record: p.out, buf: x.outBuf[:0]}
	finished := false
	defer func() {
		if !finished {
			p.m.ncIncomplete.Inc()
			if in != nil {
				in.seal()
			}
			putExchange(x)
		}
	}()
	p.rp.ServeHTTP(&x.rw, r)
	finished = true

	status := x.rw.status
	if status == 0 {
		status = http.StatusOK
	}
	var inComplete = true
	if in != nil {
		x.inBuf, x.inSize, inComplete = in.seal()
	} else {
		x.inBuf, x.inSize = x.inBuf[:0], 0
	}
	x.outBuf, x.outSize = x.rw.buf, x.rw.n
	x.outCT = w.Header().Get("Content-Type")
	switch {
	case x.rw.upstreamErr:
		p.m.ncUpstream.Inc()
	case x.rw.clientGone:
		p.m.ncIncomplete.Inc()
	case x.rw.hijacked:
		p.m.ncStatus.Inc()
	case status < 200 || status > 299:
		p.m.ncStatus.Inc()
	case !inComplete:
		p.m.ncIncomplete.Inc()
	default:
		p.q.push(x)
		return
	}
	putExchange(x)
}

// upstreamError answers for an upstream that could not be reached or timed out: 504 for a
// timeout, 502 otherwise (as ReverseProxy's default, without its log line per request).
func (p *proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	clientGone := r.Context().Err() != nil // the client cancelled: not the upstream's fault
	if rt, ok := w.(*responseTee); ok {
		rt.upstreamErr, rt.clientGone = !clientGone, clientGone
	}
	code := http.StatusBadGateway
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		code = http.StatusGatewayTimeout
	}
	if !clientGone {
		p.m.upstreamErrors.Inc()
		p.errLog.printf("upstream %s %s: %v (answered %d)", r.Method, r.URL.Path, err, code)
	}
	w.Header()["Content-Type"] = []string{"text/plain; charset=utf-8"}
	w.WriteHeader(code)
	fmt.Fprintf(w, "driftwatch capture: upstream unavailable: %s\n", http.StatusText(code))
}

// tee passes a request body through to the upstream, keeping its first limit bytes. The transport
// reads it, possibly from its own goroutine and after the handler returned: a mutex guards the
// fields, and seal hands the buffer over and stops recording.
type tee struct {
	rc     io.ReadCloser
	mu     sync.Mutex
	buf    []byte
	limit  int64
	n      int64 // bytes passed through
	eof    bool
	sealed bool
}

func (t *tee) Read(b []byte) (int, error) {
	n, err := t.rc.Read(b)
	t.mu.Lock()
	if !t.sealed {
		if keep := min(int64(n), t.limit-int64(len(t.buf))); keep > 0 {
			t.buf = append(t.buf, b[:keep]...)
		}
		t.n += int64(n)
		if err == io.EOF {
			t.eof = true
		}
	}
	t.mu.Unlock()
	return n, err
}

func (t *tee) Close() error { return t.rc.Close() }

// seal stops recording and returns the kept bytes, the bytes passed through and whether the body
// was read to its end.
func (t *tee) seal() (buf []byte, n int64, complete bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	buf, t.buf, t.sealed = t.buf, nil, true
	return buf, t.n, t.eof
}

// responseTee passes the response through to the client, keeping the final status and the first
// limit bytes of the body. Unwrap lets ReverseProxy reach the real writer's Flush and Hijack
// (http.ResponseController).
type responseTee struct {
	rw          http.ResponseWriter
	status      int
	buf         []byte
	limit       int64
	n           int64
	record      bool
	upstreamErr bool // the upstream could not be reached or timed out
	clientGone  bool // the client cancelled before the upstream answered
	hijacked    bool // the connection was taken over (protocol upgrade): not an exchange to record
}

func (t *responseTee) Header() http.Header { return t.rw.Header() }

func (t *responseTee) WriteHeader(code int) {
	if code >= 200 && t.status == 0 { // 1xx are informational, forwarded as they come
		t.status = code
	}
	t.rw.WriteHeader(code)
}

func (t *responseTee) Write(b []byte) (int, error) {
	if t.status == 0 {
		t.status = http.StatusOK
	}
	n, err := t.rw.Write(b)
	if t.record {
		if keep := min(int64(n), t.limit-int64(len(t.buf))); keep > 0 {
			t.buf = append(t.buf, b[:keep]...)
		}
	}
	t.n += int64(n)
	return n, err
}

func (t *responseTee) Unwrap() http.ResponseWriter { return t.rw }

// Hijack hands the connection to ReverseProxy for a protocol upgrade (101 Switching Protocols),
// after which the bytes exchanged are not HTTP bodies: the exchange is not recorded.
func (t *responseTee) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	t.hijacked = true
	return http.NewResponseController(t.rw).Hijack()
}

// exchange is a sampled request on its way to becoming a record: the queue's item. Pooled with
// its buffers.
type exchange struct {
	start                         time.Time
	inferenceID, customAttributes string
	hasIn, hasOut                 bool
	inCT, outCT                   string
	inBuf, outBuf                 []byte
	inSize, outSize               int64
	rw                            responseTee
}

// queueOverhead is what a queued record costs besides its payload bytes (the exchange, header
// strings, channel slot), rounded up.
const queueOverhead = 512

// cost is what x counts against Config.QueueBytes.
func (x *exchange) cost() int64 { return int64(len(x.inBuf)+len(x.outBuf)) + queueOverhead }

// maxPooledBuffer: payload buffers above 64 KiB are left to the garbage collector rather than
// kept in the pool, so one large request does not pin memory for good.
const maxPooledBuffer = 64 << 10

var exchangePool = sync.Pool{New: func() any { return new(exchange) }}

func getExchange() *exchange { return exchangePool.Get().(*exchange) }

func putExchange(x *exchange) {
	in, out := x.inBuf, x.outBuf
	if cap(in) > maxPooledBuffer {
		in = nil
	}
	if cap(out) > maxPooledBuffer {
		out = nil
	}
	*x = exchange{inBuf: in[:0], outBuf: out[:0]}
	exchangePool.Put(x)
}

// bufferPool lends ReverseProxy its copy buffers.
type bufferPool struct{}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, copyBufferSize); return &b }}

func (bufferPool) Get() []byte  { return *copyBuffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { copyBuffers.Put(&b) }

// throttledLog logs at most one warning per interval and says how many it held back.
type throttledLog struct {
	l          *slog.Logger
	every      time.Duration
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func (t *throttledLog) printf(format string, a ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if now := time.Now(); now.Sub(t.last) >= t.every {
		t.l.Warn(fmt.Sprintf(format, a...), "suppressed_since_last", t.suppressed)
		t.last, t.suppressed = now, 0
		return
	}
	t.suppressed++
}
