package sidecar

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// guard bounds how long a test waits for something that must happen; it is a hang detector, never
// a performance assertion.
const guard = 20 * time.Second

// harness is a sidecar serving on a loopback port in front of an upstream.
type harness struct {
	t        *testing.T
	s        *Sidecar
	srv      *httptest.Server
	upstream *httptest.Server
	cfg      Config
	closed   bool
	direct   bool // records pushed by the test, not by requests: no request accounting
	res      Result
}

// newHarness starts upstream (nil: none) and a sidecar in front of it writing to a temporary
// folder; adjust changes the configuration first. store nil means a DirStore on the destination.
func newHarness(t *testing.T, upstream http.Handler, adjust func(*Config), store Store) *harness {
	t.Helper()
	h := &harness{t: t}
	cfg := DefaultConfig()
	cfg.Listen, cfg.EndpointName, cfg.VariantName = "127.0.0.1:0", "ep", "AllTraffic"
	cfg.Destination = t.TempDir()
	cfg.Upstream = "http://127.0.0.1:1" // nothing listens on port 1
	if upstream != nil {
		h.upstream = httptest.NewServer(upstream)
		t.Cleanup(h.upstream.Close)
		cfg.Upstream = h.upstream.URL
	}
	if adjust != nil {
		adjust(&cfg)
	}
	if store == nil {
		store = DirStore{Dir: cfg.Destination}
	}
	s, err := NewWithStore(cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	s.d.backoffMin = 5 * time.Millisecond
	h.s, h.cfg = s, s.cfg
	h.srv = httptest.NewServer(s.Handler())
	t.Cleanup(func() { h.close() })
	return h
}

func (h *harness) start() *harness { h.s.Start(); return h }

// close stops the HTTP server and the sidecar and checks the accounting: every sampled request
// is exactly one of not captured, dropped or captured.
func (h *harness) close() Result {
	if h.closed {
		return h.res
	}
	h.closed = true
	h.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	defer cancel()
	h.res = h.s.Close(ctx)
	if r := h.res; !h.direct && r.Sampled != r.NotCaptured+r.Dropped+r.Captured {
		h.t.Errorf("accounting: sampled %d != not captured %d + dropped %d + captured %d", r.Sampled, r.NotCaptured, r.Dropped, r.Captured)
	}
	return h.res
}

func (h *harness) post(path, ct string, body []byte, hdr ...string) (*http.Response, []byte) {
	h.t.Helper()
	req, _ := http.NewRequest("POST", h.srv.URL+path, bytes.NewReader(body))
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Add(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("POST %s: read: %v", path, err)
	}
	return resp, b
}

// records reads every delivered capture file below the destination, checking the layout.
func records(t *testing.T, dest string) []decoded {
	t.Helper()
	name := regexp.MustCompile(`^ep/AllTraffic/(\d{4})/(\d\d)/(\d\d)/(\d\d)/\d\d-\d\d-\d{3}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\.jsonl$`)
	var out []decoded
	err := filepath.WalkDir(dest, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			if d != nil && d.IsDir() && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return err
		}
		rel, _ := filepath.Rel(dest, p)
		m := name.FindStringSubmatch(filepath.ToSlash(rel))
		if m == nil {
			t.Errorf("unexpected file %s", rel)
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, line := range bytes.SplitAfter(b, []byte{'\n'}) {
			if len(line) == 0 {
				continue
			}
			d := decodeLine(t, line)
			if hour := fmt.Sprintf("%s-%s-%sT%s", m[1], m[2], m[3], m[4]); !strings.HasPrefix(d.EventMetadata.InferenceTime, hour) {
				t.Errorf("%s holds a record of %s", rel, d.EventMetadata.InferenceTime)
			}
			out = append(out, d)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sideData(t *testing.T, d decoded, side string) []byte {
	t.Helper()
	s, ok := d.CaptureData[side]
	if !ok {
		t.Fatalf("record without %s", side)
	}
	if s.Encoding == "CSV" || s.Encoding == "JSON" {
		return []byte(s.Data)
	}
	b, err := base64.StdEncoding.DecodeString(s.Data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestForwardsUnchanged: method, path, raw query, Host, headers (X-Forwarded-* included) and
// body reach the model as sent; status, headers and body reach the client as the model sent
// them, without a Content-Type the model did not set; the exchange is recorded.
func TestForwardsUnchanged(t *testing.T) {
	type seen struct {
		method, uri, host, body string
		header                  http.Header
	}
	got := make(chan seen, 1)
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Method, r.RequestURI, r.Host, string(b), r.Header.Clone()}
		w.Header()["Content-Type"] = nil // no sniffing: the model sends no type
		w.Header().Add("X-Multi", "1")
		w.Header().Add("X-Multi", "2")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, "0.75\n")
	}), nil, nil).start()
	req, _ := http.NewRequest("POST", h.srv.URL+"/invocations?b=1;c=2&a=%zz", strings.NewReader("1,2,3\n"))
	req.Host = "model.example:1234"
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	req.Header.Set(HeaderInferenceID, "req-1")
	req.Header.Set(HeaderCustomAttributes, "k=v")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	s := <-got
	if s.method != "POST" || s.uri != "/invocations?b=1;c=2&a=%zz" || s.host != "model.example:1234" || s.body != "1,2,3\n" ||
		s.header.Get("X-Forwarded-For") != "203.0.113.7" || len(s.header["X-Forwarded-For"]) != 1 || s.header.Get(HeaderInferenceID) != "req-1" ||
		s.header.Get("Accept-Encoding") != "gzip" { // the client's own, not a transport's
		t.Errorf("upstream saw %+v", s)
	}
	if resp.StatusCode != 201 || string(body) != "0.75\n" || strings.Join(resp.Header["X-Multi"], ",") != "1,2" {
		t.Errorf("client got %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if _, ok := resp.Header["Content-Type"]; ok {
		t.Errorf("client got a Content-Type the model did not send: %q", resp.Header.Get("Content-Type"))
	}
	h.close()
	recs := records(t, h.cfg.Destination)
	if len(recs) != 1 {
		t.Fatalf("%d records, want 1", len(recs))
	}
	r := recs[0]
	if string(sideData(t, r, "endpointInput")) != "1,2,3\n" || string(sideData(t, r, "endpointOutput")) != "0.75\n" ||
		*r.EventMetadata.InferenceID != "req-1" || *r.EventMetadata.CustomAttributes != "k=v" ||
		r.CaptureData["endpointInput"].Encoding != "CSV" || r.CaptureData["endpointOutput"].Encoding != "BASE64" {
		t.Errorf("record %+v", r)
	}
}

// TestStreaming: a response the model streams reaches the client chunk by chunk (the first
// chunk arrives while the model still holds the rest), and is recorded whole.
func TestStreaming(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/csv")
		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		<-release
		io.WriteString(w, "second\n")
	}), nil, nil).start()
	resp, err := http.Post(h.srv.URL+"/invocations", "text/csv", strings.NewReader("x\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	line := make(chan string, 1)
	go func() { l, _ := br.ReadString('\n'); line <- l }()
	select {
	case l := <-line:
		if l != "first\n" {
			t.Fatalf("first chunk %q", l)
		}
	case <-time.After(guard):
		close(release)
		t.Fatal("the first chunk did not reach the client while the model held the rest")
	}
	close(release)
	rest, _ := io.ReadAll(br)
	if string(rest) != "second\n" {
		t.Errorf("rest %q", rest)
	}
	h.close()
	if recs := records(t, h.cfg.Destination); len(recs) != 1 || string(sideData(t, recs[0], "endpointOutput")) != "first\nsecond\n" {
		t.Errorf("records %+v", recs)
	}
}

// TestKeepAlive: sequential requests use one client connection and one upstream connection.
func TestKeepAlive(t *testing.T) {
	var upstreamConns atomic.Int64
	up := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "1")
	}))
	up.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			upstreamConns.Add(1)
		}
	}
	up.Start()
	defer up.Close()
	h := newHarness(t, nil, func(c *Config) { c.Upstream = up.URL }, nil).start()
	client := &http.Client{Transport: &http.Transport{}}
	reused := 0
	const n = 30
	for i := range n {
		trace := &httptrace.ClientTrace{GotConn: func(ci httptrace.GotConnInfo) {
			if ci.Reused {
				reused++
			}
		}}
		req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST", h.srv.URL+"/invocations", strings.NewReader(fmt.Sprint(i)))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	if reused != n-1 || upstreamConns.Load() != 1 {
		t.Errorf("client reused its connection %d of %d times; upstream saw %d connections, want 1", reused, n-1, upstreamConns.Load())
	}
	if res := h.close(); res.Captured != n {
		t.Errorf("captured %d, want %d", res.Captured, n)
	}
}

// TestErrorsPassThroughUncaptured: model errors reach the client as sent; an unreachable or slow
// upstream gives 502/504; a body cut by the model aborts the client's response; none is recorded.
func TestErrorsPassThroughUncaptured(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch r.URL.Path {
		case "/fail":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, `{"error": "boom"}`)
		case "/cut":
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "only ten..")
			w.(http.Flusher).Flush()
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		case "/slow":
			<-release
		}
	}), func(c *Config) { c.UpstreamTimeout = 200 * time.Millisecond }, nil).start()
	defer close(release)
	resp, body := h.post("/fail", "text/csv", []byte("1"))
	if resp.StatusCode != 500 || string(body) != `{"error": "boom"}` || resp.Header.Get("Content-Type") != "application/json" {
		t.Errorf("model error: %d %q", resp.StatusCode, body)
	}
	if resp, err := http.Post(h.srv.URL+"/cut", "text/csv", strings.NewReader("1")); err == nil {
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if err == nil {
			t.Error("a body cut by the model reached the client as complete")
		}
	}
	if resp, _ := h.post("/slow", "text/csv", []byte("1")); resp.StatusCode != http.StatusGatewayTimeout {
		t.Errorf("slow upstream: %d, want 504", resp.StatusCode)
	}
	down := newHarness(t, nil, nil, nil).start()
	if resp, _ := down.post("/invocations", "text/csv", []byte("1")); resp.StatusCode != http.StatusBadGateway {
		t.Errorf("upstream down: %d, want 502", resp.StatusCode)
	}
	res, dres := h.close(), down.close()
	if res.Captured != 0 || dres.Captured != 0 || len(records(t, h.cfg.Destination))+len(records(t, down.cfg.Destination)) != 0 {
		t.Errorf("errors were recorded: %v / %v", res, dres)
	}
	for _, c := range []struct {
		name string
		got  int64
		want int64
	}{
		{"status", h.s.m.ncStatus.load(), 1}, {"incomplete", h.s.m.ncIncomplete.load(), 1},
		{"upstream_error", h.s.m.ncUpstream.load() + down.s.m.ncUpstream.load(), 2},
		{"upstream errors", h.s.m.upstreamErrors.load() + down.s.m.upstreamErrors.load(), 2},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, want %d", c.name, c.got, c.want)
		}
	}
}

// TestUpgradePassesThroughUncaptured: a protocol upgrade (101) is relayed both ways and not
// recorded.
func TestUpgradePassesThroughUncaptured(t *testing.T) {
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "echo" {
			http.Error(w, "no upgrade", 400)
			return
		}
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n")
		brw.Flush()
		line, _ := brw.ReadString('\n')
		brw.WriteString("echo: " + line)
		brw.Flush()
	}), nil, nil).start()
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(guard))
	io.WriteString(conn, "POST /invocations HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\nContent-Length: 0\r\n\r\n")
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	io.WriteString(conn, "ping\n")
	if line, _ := br.ReadString('\n'); line != "echo: ping\n" {
		t.Errorf("after the upgrade: %q", line)
	}
	conn.Close()
	// The server does not wait for hijacked connections: wait for the handler to finish.
	deadline := time.Now().Add(guard)
	for h.s.m.ncStatus.load() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if res := h.close(); res.Captured != 0 || res.NotCaptured != 1 {
		t.Errorf("%v", res)
	}
}

// TestClientCancelReachesModel: a client that gives up cancels the model's request.
func TestClientCancelReachesModel(t *testing.T) {
	arrived, canceled := make(chan struct{}), make(chan struct{})
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // net/http notices a closed connection once the body is read
		close(arrived)
		<-r.Context().Done()
		close(canceled)
	}), nil, nil).start()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "POST", h.srv.URL+"/invocations", strings.NewReader("1"))
	go func() { <-arrived; cancel() }()
	if _, err := http.DefaultClient.Do(req); err == nil {
		t.Error("cancelled request succeeded")
	}
	select {
	case <-canceled:
	case <-time.After(guard):
		t.Fatal("the model never saw the cancellation")
	}
	if res := h.close(); res.Captured != 0 || res.NotCaptured != 1 {
		t.Errorf("%v", res)
	}
}

// TestOnlyInferenceRequestsCaptured: health checks and other methods pass through uncaptured.
func TestOnlyInferenceRequestsCaptured(t *testing.T) {
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, r.Method+" "+r.URL.Path)
	}), nil, nil).start()
	for _, c := range []struct{ method, path string }{{"GET", "/ping"}, {"GET", "/invocations"}, {"POST", "/ping"}, {"PUT", "/invocations"}, {"POST", "/invocations"}} {
		req, _ := http.NewRequest(c.method, h.srv.URL+c.path, strings.NewReader("1"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != c.method+" "+c.path {
			t.Errorf("%s %s answered %q", c.method, c.path, b)
		}
	}
	h.close()
	if recs := records(t, h.cfg.Destination); len(recs) != 1 || h.s.m.skipped.load() != 4 {
		t.Errorf("%d records, %d skipped; want 1 and 4", len(recs), h.s.m.skipped.load())
	}
}

// TestTruncation: bodies above MaxPayloadBytes are forwarded whole and recorded truncated:
// BASE64_TRUNCATED with the first bytes and the whole size.
func TestTruncation(t *testing.T) {
	out := bytes.Repeat([]byte("9"), 3000)
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		sum := sha256.Sum256(b)
		w.Header().Set("X-Body-Sha256", hex.EncodeToString(sum[:]))
		w.Header().Set("Content-Type", "text/csv")
		w.Write(out)
	}), func(c *Config) { c.MaxPayloadBytes = 1000 }, nil).start()
	in := bytes.Repeat([]byte("1,2,3\n"), 1000)
	resp, body := h.post("/invocations", "text/csv", in)
	sum := sha256.Sum256(in)
	if resp.Header.Get("X-Body-Sha256") != hex.EncodeToString(sum[:]) || !bytes.Equal(body, out) {
		t.Fatal("the model or the client did not get the whole body")
	}
	h.close()
	recs := records(t, h.cfg.Destination)
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	for side, whole := range map[string][]byte{"endpointInput": in, "endpointOutput": out} {
		s := recs[0].CaptureData[side]
		if s.Encoding != "BASE64_TRUNCATED" || s.PayloadSize == nil || *s.PayloadSize != int64(len(whole)) || !bytes.Equal(sideData(t, recs[0], side), whole[:1000]) {
			t.Errorf("%s: %+v", side, s)
		}
	}
	if h.s.m.truncIn.load() != 1 || h.s.m.truncOut.load() != 1 {
		t.Error("truncations not counted")
	}
}

// TestQueueFullDropsRecordsNotRequests: with the writer stopped the queue fills to its byte bound;
// later records are dropped and counted, every request still succeeds.
func TestQueueFullDropsRecordsNotRequests(t *testing.T) {
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "0123456789")
	}), func(c *Config) {
		c.MaxPayloadBytes = 1024
		// Two records of 1,024 + 10 + queueOverhead bytes fit, the third does not.
		c.QueueBytes = 2*(1024+10+queueOverhead) + 100
	}, nil)
	for range 5 {
		if resp, _ := h.post("/invocations", "text/csv", bytes.Repeat([]byte("x"), 1024)); resp.StatusCode != 200 {
			t.Fatalf("request failed: %d", resp.StatusCode)
		}
	}
	if got := h.s.m.dropQueue.load(); got != 3 {
		t.Errorf("dropped %d, want 3", got)
	}
	h.start()
	if res := h.close(); res.Captured != 2 || len(records(t, h.cfg.Destination)) != 2 {
		t.Errorf("%v", res)
	}
}

// flakyStore fails every delivery while down is set, and counts attempts.
type flakyStore struct {
	DirStore
	down     atomic.Bool
	attempts atomic.Int64
}

func (s *flakyStore) Deliver(ctx context.Context, f *os.File, size int64, path, rel string) error {
	s.attempts.Add(1)
	if s.down.Load() {
		return errors.New("destination unavailable")
	}
	return s.DirStore.Deliver(ctx, f, size, path, rel)
}

// TestDestinationDown: while deliveries fail, closed files stay in the spool up to MaxSpoolBytes,
// then records are dropped and counted; requests are unaffected. When the destination is back,
// every record written is delivered exactly once.
func TestDestinationDown(t *testing.T) {
	dest := t.TempDir()
	store := &flakyStore{DirStore: DirStore{Dir: dest}}
	store.down.Store(true)
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "1")
	}), func(c *Config) {
		c.Destination = dest
		c.MaxFileBytes = 4 << 10
		c.MaxSpoolBytes = 16 << 10
	}, store).start()
	const n = 60
	for i := range n {
		if resp, _ := h.post("/invocations", "text/csv", fmt.Appendf(bytes.Repeat([]byte("7,"), 200), "%d\n", i)); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d", i, resp.StatusCode)
		}
	}
	deadline := time.Now().Add(guard)
	// 60 records of ~650 bytes cannot fit a 16 KiB spool: drops must come.
	for (h.s.m.uploadErrors.load() == 0 || h.s.m.dropSpool.load() == 0) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	spool := h.s.spoolBytes.Load()
	dropped := h.s.m.dropSpool.load()
	if h.s.m.uploadErrors.load() == 0 || spool > h.cfg.MaxSpoolBytes || dropped == 0 {
		t.Errorf("while down: %d upload errors, spool %d bytes (bound %d), %d dropped", h.s.m.uploadErrors.load(), spool, h.cfg.MaxSpoolBytes, dropped)
	}
	store.down.Store(false)
	res := h.close()
	recs := records(t, dest)
	if res.Captured+res.Dropped != n || int64(len(recs)) != res.Captured || res.Delivered != res.Captured || res.UndeliveredRecords != 0 {
		t.Errorf("%v; %d records delivered, %d dropped", res, len(recs), dropped)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		in := string(sideData(t, r, "endpointInput"))
		if seen[in] {
			t.Errorf("record %q delivered twice", in)
		}
		seen[in] = true
	}
}

// TestShutdownLeavesSpoolForNextStart: files that cannot be delivered before the shutdown
// deadline stay in the spool; the next sidecar with the same spool delivers them, together with
// an open file whose writer died (cut after its last whole record), and leaves alone a file a
// live process holds.
func TestShutdownLeavesSpoolForNextStart(t *testing.T) {
	dest, spool := t.TempDir(), t.TempDir()
	store := &flakyStore{DirStore: DirStore{Dir: dest}}
	store.down.Store(true)
	adjust := func(c *Config) { c.Destination, c.SpoolDir = dest, spool }
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, "1")
	}), adjust, store).start()
	for i := range 5 {
		h.post("/invocations", "text/csv", fmt.Appendf(nil, "%d\n", i))
	}
	h.srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	res := h.s.Close(ctx)
	cancel()
	h.closed = true
	if res.Captured != 5 || res.UndeliveredRecords != 5 || res.UndeliveredFiles != 1 {
		t.Fatalf("first run: %v", res)
	}
	// A file left open by a dead writer, its last record half written…
	dir := filepath.Join(spool, "ep", "AllTraffic", "2026", "11", "01", "10")
	os.MkdirAll(dir, 0o755)
	good := AppendRecord(nil, &Record{EventID: "dead-1", InferenceTime: time.Date(2026, 11, 1, 10, 5, 0, 0, time.UTC), Input: &Payload{ContentType: "text/csv", Data: []byte("dead\n")}}, DefaultContentTypes())
	os.WriteFile(filepath.Join(dir, "05-00-000-00000000-0000-4000-8000-00000000dead.jsonl.part"), append(good, `{"captureData":{"endpointIn`...), 0o644)
	// …and one a live process holds.
	live := filepath.Join(dir, "05-00-000-00000000-0000-4000-8000-0000000011fe.jsonl.part")
	os.WriteFile(live, good, 0o644)
	lf, _ := os.Open(live)
	defer lf.Close()
	if ok, err := tryLock(lf); !ok {
		t.Fatalf("lock: %v", err)
	}
	store.down.Store(false)
	h2 := newHarness(t, nil, adjust, store).start()
	res2 := h2.close()
	if res2.Recovered != 6 || res2.Delivered != 6 || res2.UndeliveredRecords != 0 {
		t.Errorf("second run: %v", res2)
	}
	if recs := records(t, dest); len(recs) != 6 {
		t.Errorf("%d records delivered, want 6", len(recs))
	}
	if _, err := os.Stat(live); err != nil {
		t.Errorf("the live process's file was touched: %v", err)
	}
}

// TestRotation: one file per inference hour, rotated by size (no file above MaxFileBytes) and by
// age; every record in exactly one file.
func TestRotation(t *testing.T) {
	h := newHarness(t, nil, func(c *Config) { c.MaxFileBytes = 2000; c.MaxFileAge = time.Minute }, nil)
	h.direct = true
	w := h.s.w
	base := time.Date(2026, 11, 1, 10, 59, 58, 0, time.UTC)
	push := func(i int, at time.Time) {
		x := getExchange()
		x.start, x.hasIn, x.inCT = at, true, "text/csv"
		x.inBuf = fmt.Appendf(x.inBuf[:0], "%d,%s\n", i, strings.Repeat("x", 100))
		x.inSize = int64(len(x.inBuf))
		h.s.q.push(x)
		w.handle(<-h.s.q.ch)
	}
	for i := range 40 {
		push(i, base.Add(time.Duration(i%4)*time.Second)) // 10:59:58 … 11:00:01
	}
	w.flushAll()
	if len(w.files) != 2 {
		t.Errorf("%d open files, want one per hour (2)", len(w.files))
	}
	w.rotate(time.Now().Add(time.Minute)) // every open file is a minute old
	if len(w.files) != 0 {
		t.Errorf("%d files still open after MaxFileAge", len(w.files))
	}
	h.start()
	h.close()
	recs := records(t, h.cfg.Destination)
	seen, ids := map[string]int{}, map[string]int{}
	for _, r := range recs {
		seen[strings.Split(string(sideData(t, r, "endpointInput")), ",")[0]]++
		ids[r.EventMetadata.EventID]++
	}
	for i := range 40 {
		if seen[fmt.Sprint(i)] != 1 {
			t.Errorf("record %d present %d times", i, seen[fmt.Sprint(i)])
		}
	}
	if len(ids) != len(recs) {
		t.Errorf("%d distinct eventIds for %d records", len(ids), len(recs))
	}
	filepath.WalkDir(h.cfg.Destination, func(p string, d fs.DirEntry, err error) error {
		if info, _ := d.Info(); !d.IsDir() && info.Size() > 2000 {
			t.Errorf("%s has %d bytes, above MaxFileBytes", p, info.Size())
		}
		return nil
	})
	hours := map[string]bool{}
	for _, r := range recs {
		hours[r.EventMetadata.InferenceTime[:13]] = true
	}
	if len(hours) != 2 || len(recs) != 40 {
		t.Errorf("%d records over hours %v", len(recs), hours)
	}
}

// TestMetricsEndpoint: the exposition carries the counters with their values.
func TestMetricsEndpoint(t *testing.T) {
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "1") }), nil, nil).start()
	h.post("/invocations", "text/csv", []byte("1"))
	h.post("/ping", "", nil)
	h.close()
	rec := httptest.NewRecorder()
	h.s.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`driftwatch_capture_requests_total{class="sampled"} 1`,
		`driftwatch_capture_requests_total{class="skipped"} 1`,
		`driftwatch_capture_records_captured_total 1`,
		`driftwatch_capture_records_delivered_total 1`,
		`driftwatch_capture_files_delivered_total 1`,
		`driftwatch_capture_request_duration_seconds_count 2`,
		`driftwatch_capture_queue_bytes 0`,
		`driftwatch_capture_spool_bytes 0`,
		"go_goroutines ",
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

// TestConcurrentRequests: many clients at once (run with -race): every request answered, every
// record written once.
func TestConcurrentRequests(t *testing.T) {
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/csv")
		io.Copy(w, r.Body)
	}), func(c *Config) { c.MaxFileBytes = 8 << 10 }, nil).start()
	var wg sync.WaitGroup
	const clients, each = 8, 50
	for c := range clients {
		wg.Go(func() {
			for i := range each {
				body := fmt.Sprintf("%d-%d\n", c, i)
				resp, err := http.Post(h.srv.URL+"/invocations", "text/csv", strings.NewReader(body))
				if err != nil {
					t.Error(err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != body {
					t.Errorf("echo %q for %q", b, body)
				}
			}
		})
	}
	wg.Wait()
	h.close()
	seen := map[string]int{}
	for _, r := range records(t, h.cfg.Destination) {
		if in, out := sideData(t, r, "endpointInput"), sideData(t, r, "endpointOutput"); !bytes.Equal(in, out) {
			t.Errorf("input %q paired with output %q", in, out)
		}
		seen[string(sideData(t, r, "endpointInput"))]++
	}
	if len(seen) != clients*each {
		t.Errorf("%d distinct records, want %d", len(seen), clients*each)
	}
	for k, v := range seen {
		if v != 1 {
			t.Errorf("%q recorded %d times", k, v)
		}
	}
}
