package sidecar

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// countingRT counts the requests that reach http.Transport (the other path of upstreamTransport).
type countingRT struct {
	rt http.RoundTripper
	n  atomic.Int64
}

func (c *countingRT) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(r)
}

// stdCounter puts a counter in front of h's http.Transport.
func stdCounter(h *harness) *countingRT {
	ut := h.s.p.rp.Transport.(*upstreamTransport)
	c := &countingRT{rt: ut.std}
	ut.std = c
	return c
}

// TestTransportPaths: every kind of request is forwarded whole and recorded, whichever path it
// takes: plain requests directly, chunked, large and 100-continue request bodies and requests
// without a body through http.Transport or directly as the rules say.
func TestTransportPaths(t *testing.T) {
	type seen struct {
		body   string
		te     []string
		expect string
	}
	got := make(chan seen, 1)
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{string(b), r.TransferEncoding, r.Header.Get("Expect")}
		w.Header().Set("Content-Type", "text/csv")
		if r.Method != http.MethodHead {
			io.WriteString(w, "answer to "+r.Method+"\n")
		}
	}), nil, nil).start()
	std := stdCounter(h)
	large := bytes.Repeat([]byte("0123456789abcdef"), (maxDirectBody+1)/16+1) // just above maxDirectBody
	for _, c := range []struct {
		name    string
		method  string
		body    io.Reader
		size    int    // body length the model must see
		header  string // extra header "Name: value"
		direct  bool   // expected path
		te      string // transfer encoding the model sees
		capture bool
	}{
		{"plain POST", "POST", strings.NewReader("1,2,3\n"), 6, "", true, "", true},
		{"body of maxDirectBody bytes", "POST", bytes.NewReader(large[:maxDirectBody]), maxDirectBody, "", true, "", true},
		{"body above maxDirectBody", "POST", bytes.NewReader(large), len(large), "", false, "", true},
		{"chunked body", "POST", io.MultiReader(strings.NewReader("1,2,"), strings.NewReader("3\n")), 6, "", false, "chunked", true},
		{"100-continue", "POST", strings.NewReader("4,5,6\n"), 6, "Expect: 100-continue", false, "", true},
		{"GET without body", "GET", nil, 0, "", true, "", false},
		{"HEAD", "HEAD", nil, 0, "", true, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var want []byte
			body := c.body
			if body != nil {
				want, _ = io.ReadAll(body)
				body = bytes.NewReader(want)
				if c.te == "chunked" {
					body = io.MultiReader(body) // no length known: the client sends it chunked
				}
			}
			req, _ := http.NewRequest(c.method, h.srv.URL+"/invocations", body)
			req.Header.Set("Content-Type", "text/csv")
			if k, v, ok := strings.Cut(c.header, ": "); ok {
				req.Header.Set(k, v)
			}
			before := std.n.Load()
			capturedBefore := h.s.m.sampled.load()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			answer, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			s := <-got
			if resp.StatusCode != 200 || (c.method != "HEAD" && string(answer) != "answer to "+c.method+"\n") {
				t.Errorf("client got %d %q", resp.StatusCode, answer)
			}
			if s.body != string(want) || len(s.body) != c.size || strings.Join(s.te, ",") != c.te {
				t.Errorf("model saw %d bytes (want %d), transfer encoding %v (want %q)", len(s.body), c.size, s.te, c.te)
			}
			if c.header != "" && s.expect != "100-continue" {
				t.Errorf("model saw Expect %q", s.expect)
			}
			if direct := std.n.Load() == before; direct != c.direct {
				t.Errorf("direct path %v, want %v", direct, c.direct)
			}
			if sampled := h.s.m.sampled.load() > capturedBefore; sampled != c.capture {
				t.Errorf("sampled %v, want %v", sampled, c.capture)
			}
		})
	}
	res := h.close()
	if res.Captured != 5 || res.NotCaptured != 0 {
		t.Errorf("%v, want 5 captured", res)
	}
	recs := records(t, h.cfg.Destination)
	sizes := map[int]bool{}
	for _, r := range recs {
		sizes[len(sideData(t, r, "endpointInput"))] = true
	}
	if !sizes[6] || !sizes[maxDirectBody] || !sizes[len(large)] {
		t.Errorf("recorded input sizes %v", sizes)
	}
}

// TestDirectPathIdleConnClosedByModel: a model that closes each connection after one answer,
// without saying so (no Connection: close), gets every request on a new connection: an idle
// connection it closed is never used again (a POST body could not be sent a second time).
func TestDirectPathIdleConnClosedByModel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	closed := make(chan struct{}, 1)
	var conns atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			br := bufio.NewReader(c)
			req, err := http.ReadRequest(br)
			if err == nil {
				io.Copy(io.Discard, req.Body)
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/csv\r\nContent-Length: 3\r\n\r\nok\n")
			}
			c.Close()
			closed <- struct{}{}
		}
	}()
	h := newHarness(t, nil, func(c *Config) { c.Upstream = "http://" + ln.Addr().String() }, nil).start()
	const n = 10
	for i := range n {
		method, body := "POST", io.Reader(strings.NewReader("1,2\n"))
		if i%2 == 1 {
			method, body = "GET", nil
		}
		req, _ := http.NewRequest(method, h.srv.URL+"/invocations", body)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || string(b) != "ok\n" {
			t.Fatalf("request %d (%s): %d %q", i, method, resp.StatusCode, b)
		}
		<-closed // the model has closed the connection before the next request is sent
	}
	if conns.Load() != n {
		t.Errorf("model saw %d connections, want %d", conns.Load(), n)
	}
	if res := h.close(); res.Captured != n/2 {
		t.Errorf("%v, want %d captured", res, n/2)
	}
}

// TestDirectPathInformational: a 103 Early Hints answer reaches the client before the final
// response, and the exchange is recorded with the final status.
func TestDirectPathInformational(t *testing.T) {
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		w.Header().Set("Content-Type", "text/csv")
		io.WriteString(w, "0.5\n")
	}), nil, nil).start()
	std := stdCounter(h)
	var hints []string
	trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, hdr textproto.MIMEHeader) error {
		hints = append(hints, hdr.Get("Link"))
		return nil
	}}
	req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "POST", h.srv.URL+"/invocations", strings.NewReader("1\n"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "0.5\n" || len(hints) != 1 || hints[0] != "</style.css>; rel=preload" {
		t.Errorf("client got %d %q, hints %q", resp.StatusCode, b, hints)
	}
	if std.n.Load() != 0 {
		t.Error("the request did not take the direct path")
	}
	if res := h.close(); res.Captured != 1 {
		t.Errorf("%v, want 1 captured", res)
	}
}

// dyingModel answers the first request of its first connection (keep-alive), then reads the
// second request on that connection and closes it — without an answer (partial false) or after
// the first line of one (partial true). Later connections answer every request. It counts the
// requests per method it has read.
func dyingModel(t *testing.T, partial bool) (addr string, seen func(method string) int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var conns, posts, gets atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			first := conns.Add(1) == 1
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for n := 0; ; n++ {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					if req.Method == http.MethodPost {
						posts.Add(1)
					} else {
						gets.Add(1)
					}
					if first && n == 1 {
						if partial {
							c.Write([]byte("HTTP/1.1 200 OK\r\n"))
						}
						return
					}
					c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
				}
			}()
		}
	}()
	return ln.Addr().String(), func(m string) int64 {
		if m == http.MethodPost {
			return posts.Load()
		}
		return gets.Load()
	}
}

// TestDirectPathReplaysOnlySafeRequests: when a reused connection fails, the direct path sends
// the request again only if that is safe (http.Transport's rule): a GET that got no response byte
// is retried on a new connection; a POST — even one without a body, as ReverseProxy forwards
// "Content-Length: 0" — is never sent twice, and a GET is not retried once part of a response
// arrived.
func TestDirectPathReplaysOnlySafeRequests(t *testing.T) {
	for _, tc := range []struct {
		name      string
		method    string
		partial   bool
		wantSent  int64 // times the model reads the second request
		wantError bool
	}{
		{"GET, no answer", http.MethodGet, false, 2, false},
		{"GET, partial answer", http.MethodGet, true, 1, true},
		{"POST without body, no answer", http.MethodPost, false, 1, true},
		{"POST without body, partial answer", http.MethodPost, true, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, seen := dyingModel(t, tc.partial)
			ut := newUpstreamTransport(&http.Transport{}, "http", addr, 0)
			first, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/ping", nil)
			resp, err := ut.RoundTrip(first)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body) // to its end: the connection goes back to the pool
			resp.Body.Close()
			gets0 := seen(http.MethodGet)

			req, _ := http.NewRequest(tc.method, "http://"+addr+"/invocations", nil)
			resp, err = ut.RoundTrip(req)
			if err == nil {
				resp.Body.Close()
			}
			sent := seen(tc.method)
			if tc.method == http.MethodGet {
				sent -= gets0
			}
			if sent != tc.wantSent || (err != nil) != tc.wantError {
				t.Errorf("model read the request %d times (want %d), error %v (want one: %v)", sent, tc.wantSent, err, tc.wantError)
			}
		})
	}
}

// TestDirectPathCancelWhileReadingHead: a request cancelled while its response head is read gets
// the context's error, also with --upstream-timeout set, whose deadline is cleared after the head
// (a cancellation landing just before that clearing must not be undone and leave the body read
// blocked).
func TestDirectPathCancelWhileReadingHead(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	release := make(chan struct{})
	defer close(release)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
			return
		}
		// 103 and the final head in one write (both buffered at once), a byte of the body, then
		// nothing until the test ends.
		c.Write([]byte("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nx"))
		<-release
	}()
	addr := ln.Addr().String()
	ut := newUpstreamTransport(&http.Transport{}, "http", addr, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{Got1xxResponse: func(int, textproto.MIMEHeader) error {
		cancel() // the client goes away while the head is read
		return nil
	}})
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/", nil)
	resp, err := ut.RoundTrip(req)
	if err == nil {
		resp.Body.Close()
		t.Fatal("RoundTrip returned a response for a cancelled request")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}
