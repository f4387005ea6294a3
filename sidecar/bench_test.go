package sidecar

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"
)

// BenchmarkProxy: one 1 KB POST with a 1 KB answer over loopback keep-alive connections, to the
// model directly, through a bare httputil.ReverseProxy (the control), through the sidecar without
// capture (sampling 0 %) and with capture (100 %, records written to a temporary folder). Client,
// proxy and model share the process: the differences are each layer's cost per request.
//
//	go test -run '^$' -bench Proxy -benchmem -count 6 ./sidecar/ | tee new.txt; benchstat new.txt
func BenchmarkProxy(b *testing.B) {
	answer := bytes.Repeat([]byte("0.12345678,"), 93)[:1023]
	answer = append(answer, '\n')
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/csv")
		w.Write(answer)
	}))
	defer up.Close()
	body := bytes.Repeat([]byte("1.5,2,red,"), 103)[:1023]
	body = append(body, '\n')
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	run := func(b *testing.B, url string) {
		b.SetBytes(int64(len(body) + len(answer)))
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				resp, err := client.Post(url+"/invocations", "text/csv", bytes.NewReader(body))
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	b.Run("direct", func(b *testing.B) { run(b, up.URL) })
	b.Run("bare-reverseproxy", func(b *testing.B) {
		target, _ := url.Parse(up.URL)
		srv := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(target) },
			Transport: &http.Transport{MaxIdleConnsPerHost: 64}})
		defer srv.Close()
		run(b, srv.URL)
	})
	for _, pct := range []int{0, 100} {
		name := map[int]string{0: "sidecar-not-sampled", 100: "sidecar-captured"}[pct]
		b.Run(name, func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Listen, cfg.Upstream, cfg.EndpointName, cfg.VariantName = "127.0.0.1:0", up.URL, "ep", "AllTraffic"
			cfg.Destination, cfg.SamplingPercentage = b.TempDir(), pct
			s, err := NewWithStore(cfg, DirStore{Dir: cfg.Destination}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				b.Fatal(err)
			}
			s.Start()
			srv := httptest.NewServer(s.Handler())
			b.ResetTimer()
			run(b, srv.URL)
			b.StopTimer()
			srv.Close()
			s.Close(b.Context())
		})
	}
}
