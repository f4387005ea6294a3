package sidecar

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync/atomic"
	"testing"
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
