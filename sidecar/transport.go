package sidecar

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"sync"
	"syscall"
	"time"
)

// maxDirectBody: a request whose body has a known length up to 64 KiB is sent by the direct
// path (below). A body that small is written whole before the response is read without any risk
// of a deadlock with a model that answers before reading (it fits in the sockets' buffers);
// larger and chunked bodies go through http.Transport, which writes and reads concurrently.
const maxDirectBody = 64 << 10

// max1xx: informational responses accepted before the final one (http.Transport's limit).
const max1xx = 5

// upstreamTransport sends requests to the model. A plain request — plain HTTP to the configured
// upstream host, no Expect or Upgrade header, no request trailers, a body of known length up to
// maxDirectBody — is sent directly: written and its response read on the calling goroutine, over
// a pool of keep-alive connections. Every other request goes to std, an http.Transport.
//
// Why: http.Transport gives each connection a reading and a writing goroutine, so a proxied
// request passes between three goroutines (handler → write loop → read loop → handler, and back
// to the read loop at the end of the body); on a busy machine each handoff is a thread wake-up.
// The direct path needs none. What it does not do itself — 100-continue, protocol upgrades,
// streamed request bodies, TLS — is left to http.Transport, and the message syntax is net/http's
// own on both paths (Request.Write, http.ReadResponse).
type upstreamTransport struct {
	std           http.RoundTripper // an *http.Transport (a wrapper in tests)
	host          string            // the upstream's URL host: requests to it may take the direct path
	addr          string            // host:port to dial
	dialer        *net.Dialer
	headerTimeout time.Duration // Config.UpstreamTimeout: longest wait for response headers (0: none)
	maxIdle       int
	idleTimeout   time.Duration

	mu   sync.Mutex
	idle []*upConn // idle connections, oldest first; the newest is reused first
}

// upConn is one connection to the upstream on the direct path.
type upConn struct {
	c         net.Conn
	raw       syscall.RawConn // for the liveness check of an idle connection; nil if unavailable
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
}

func newUpstreamTransport(std http.RoundTripper, scheme, host string, headerTimeout time.Duration) *upstreamTransport {
	t := &upstreamTransport{std: std, dialer: &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second},
		headerTimeout: headerTimeout, maxIdle: maxIdleConns, idleTimeout: idleConnTimeout}
	if scheme == "http" && host != "" {
		t.host = host
		t.addr = host
		if _, port, err := net.SplitHostPort(host); err != nil || port == "" {
			t.addr = net.JoinHostPort(trimBrackets(host), "80")
		}
	}
	return t
}

func trimBrackets(h string) string {
	if len(h) > 1 && h[0] == '[' && h[len(h)-1] == ']' {
		return h[1 : len(h)-1]
	}
	return h
}

// direct reports whether req may take the direct path.
func (t *upstreamTransport) direct(req *http.Request) bool {
	if t.host == "" || req.URL.Scheme != "http" || req.URL.Host != t.host || len(req.Trailer) > 0 {
		return false
	}
	if _, ok := req.Header["Expect"]; ok {
		return false
	}
	if _, ok := req.Header["Upgrade"]; ok {
		return false
	}
	// A body with ContentLength 0 is of unknown length (Request.Write sends it chunked): it is
	// streamed, so it goes to http.Transport.
	return req.Body == nil || req.Body == http.NoBody || (req.ContentLength > 0 && req.ContentLength <= maxDirectBody)
}

// replayable reports whether req may be sent again after a reused connection failed before any
// response byte arrived: http.Transport's rule — no body, and a method that is safe to repeat or
// an idempotency key. The model may have acted on a POST it never answered, so a POST is not sent
// twice, even without a body.
func replayable(req *http.Request) bool {
	if req.Body != nil && req.Body != http.NoBody {
		return false
	}
	switch req.Method {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	_, key := req.Header["Idempotency-Key"]
	_, xkey := req.Header["X-Idempotency-Key"]
	return key || xkey
}

// RoundTrip implements http.RoundTripper.
func (t *upstreamTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !t.direct(req) {
		return t.std.RoundTrip(req)
	}
	ctx := req.Context()
	for {
		if err := ctx.Err(); err != nil {
			closeBody(req)
			return nil, err
		}
		pc, reused, err := t.get(ctx)
		if err != nil {
			closeBody(req)
			return nil, err
		}
		resp, err := t.roundTrip(ctx, pc, req)
		if err == nil {
			return resp, nil
		}
		// A reused connection the model closed in the meantime fails before any response byte;
		// a request without a body can be sent again on another connection (http.Transport
		// retries the same case). A body already read cannot be replayed.
		var nr errNoResponse
		if reused && errors.As(err, &nr) && replayable(req) && ctx.Err() == nil {
			continue
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// errNoResponse: the request failed before the first byte of a response arrived.
type errNoResponse struct{ err error }

func (e errNoResponse) Error() string { return e.err.Error() }
func (e errNoResponse) Unwrap() error { return e.err }

// closedByPeer: err says the connection was closed or reset by the other side (not a timeout).
func closedByPeer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// aLongTimeAgo is a deadline in the past: it makes blocked reads and writes return at once.
var aLongTimeAgo = time.Unix(1, 0)

// roundTrip writes req on pc and reads the response head; the body is read by the caller through
// directBody, which puts pc back in the pool once it reached its end.
func (t *upstreamTransport) roundTrip(ctx context.Context, pc *upConn, req *http.Request) (*http.Response, error) {
	stop := context.AfterFunc(ctx, func() { pc.c.SetDeadline(aLongTimeAgo) })
	fail := func(err error) (*http.Response, error) {
		stop()
		pc.c.Close()
		return nil, err
	}
	if err := req.Write(pc.bw); err != nil { // closes req.Body
		return fail(fmt.Errorf("write request: %w", err))
	}
	if err := pc.bw.Flush(); err != nil {
		if closedByPeer(err) {
			err = errNoResponse{err}
		}
		return fail(fmt.Errorf("write request: %w", err))
	}
	if t.headerTimeout > 0 {
		pc.c.SetReadDeadline(time.Now().Add(t.headerTimeout))
	}
	// "No response": the connection ended before its first byte (a reused connection the model
	// closed meanwhile). Once a byte arrived, any failure is final.
	if _, err := pc.br.Peek(1); err != nil {
		if closedByPeer(err) {
			err = errNoResponse{err}
		}
		return fail(fmt.Errorf("read response: %w", err))
	}
	for n1xx := 0; ; n1xx++ {
		resp, err := http.ReadResponse(pc.br, req)
		if err != nil {
			return fail(fmt.Errorf("read response: %w", err))
		}
		switch {
		case resp.StatusCode == http.StatusSwitchingProtocols:
			resp.Body.Close()
			return fail(errors.New("upstream answered 101 Switching Protocols to a request without Upgrade"))
		case resp.StatusCode < 200:
			// Informational (103 Early Hints…): ReverseProxy relays it through the trace.
			resp.Body.Close()
			if n1xx+1 >= max1xx {
				return fail(fmt.Errorf("more than %d informational responses", max1xx))
			}
			if trace := httptrace.ContextClientTrace(ctx); trace != nil && trace.Got1xxResponse != nil {
				if err := trace.Got1xxResponse(resp.StatusCode, textproto.MIMEHeader(resp.Header)); err != nil {
					return fail(err)
				}
			}
			continue
		}
		if t.headerTimeout > 0 {
			pc.c.SetReadDeadline(time.Time{})
			// The cancellation hook may have set its deadline just before this reset undid it:
			// ctx is done before its hook runs, so checking after the reset catches that case
			// (a later hook sets the deadline again).
			if err := ctx.Err(); err != nil {
				// Not resp.Body.Close: it would read the body to its end, from a model that may
				// never send it. Closing the connection (fail) ends it.
				return fail(err)
			}
		}
		resp.Body = &directBody{t: t, pc: pc, rc: resp.Body, stop: stop, reuse: !resp.Close && !req.Close}
		return resp, nil
	}
}

// directBody is a response body on the direct path.
type directBody struct {
	t     *upstreamTransport
	pc    *upConn
	rc    io.ReadCloser
	stop  func() bool
	reuse bool
	done  bool
	err   error
}

func (b *directBody) Read(p []byte) (int, error) {
	if b.done {
		if b.err != nil {
			return 0, b.err
		}
		return 0, io.EOF
	}
	n, err := b.rc.Read(p)
	switch {
	case err == io.EOF:
		b.finish(true)
	case err != nil:
		b.err = err
		b.finish(false)
	}
	return n, err
}

// Close releases the connection: back to the pool when the body was read to its end, closed
// otherwise (the rest of the body is not drained, as with http.Transport).
func (b *directBody) Close() error {
	if !b.done {
		b.err = errors.New("read on closed response body")
		b.finish(false)
	}
	return nil
}

// finish ends the exchange on pc: back to the pool only when the body was read to its end, the
// connection may be kept alive, nothing follows the response, and the request was not cancelled
// (stop false: the deadline was set, or is being set, by the cancellation).
func (b *directBody) finish(complete bool) {
	b.done = true
	stopped := b.stop()
	b.rc.Close()
	if complete && stopped && b.reuse && b.pc.br.Buffered() == 0 {
		b.t.put(b.pc)
		return
	}
	b.pc.c.Close()
}

// get returns an idle connection (reused true) or dials a new one.
func (t *upstreamTransport) get(ctx context.Context) (*upConn, bool, error) {
	now := time.Now()
	t.mu.Lock()
	for len(t.idle) > 0 {
		pc := t.idle[len(t.idle)-1]
		t.idle[len(t.idle)-1] = nil
		t.idle = t.idle[:len(t.idle)-1]
		t.mu.Unlock()
		if now.Sub(pc.idleSince) < t.idleTimeout && pc.alive() {
			return pc, true, nil
		}
		pc.c.Close()
		t.mu.Lock()
	}
	t.mu.Unlock()
	c, err := t.dialer.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		return nil, false, err
	}
	pc := &upConn{c: c, br: bufio.NewReader(c), bw: bufio.NewWriter(c)}
	if sc, ok := c.(syscall.Conn); ok {
		pc.raw, _ = sc.SyscallConn()
	}
	return pc, false, nil
}

// put returns pc to the pool, closing it when the pool is full, and closes the connections idle
// longer than idleTimeout (the oldest are at the front).
func (t *upstreamTransport) put(pc *upConn) {
	now := time.Now()
	pc.idleSince = now
	t.mu.Lock()
	expired := 0
	for expired < len(t.idle) && now.Sub(t.idle[expired].idleSince) >= t.idleTimeout {
		t.idle[expired].c.Close()
		expired++
	}
	if expired > 0 {
		n := copy(t.idle, t.idle[expired:])
		clear(t.idle[n:])
		t.idle = t.idle[:n]
	}
	if len(t.idle) >= t.maxIdle {
		t.mu.Unlock()
		pc.c.Close()
		return
	}
	t.idle = append(t.idle, pc)
	t.mu.Unlock()
}

// CloseIdleConnections closes the idle connections of both paths.
func (t *upstreamTransport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, pc := range idle {
		pc.c.Close()
	}
	if c, ok := t.std.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
