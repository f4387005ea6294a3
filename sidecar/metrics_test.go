package sidecar

import (
	"bytes"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// parseExposition parses a /metrics page with the Prometheus text parser (strict legacy names):
// an error means the page is not valid exposition format 0.0.4.
func parseExposition(t *testing.T, body []byte) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("exposition does not parse: %v\n%s", err, body)
	}
	return fams
}

// scrape serves /metrics once and checks the content type.
func scrape(t *testing.T, m *metrics) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	m.handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	return rec.Body.Bytes()
}

// value returns the value of the sample of family name whose labels are exactly labels (pairs
// name, value); a histogram's count.
func value(t *testing.T, fams map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("no family %s", name)
	}
next:
	for _, m := range f.Metric {
		if len(m.Label) != len(labels)/2 {
			continue
		}
		for i, l := range m.Label {
			if l.GetName() != labels[2*i] || l.GetValue() != labels[2*i+1] {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no sample %s%v", name, labels)
	return 0
}

// TestExpositionAfterTraffic: known traffic through a real sidecar, then /metrics parsed by the
// Prometheus parser: every count is what the traffic implies, byte counts equal the files
// delivered, and the histograms are consistent.
func TestExpositionAfterTraffic(t *testing.T) {
	began := time.Now()
	h := newHarness(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if string(body) == "fail" {
			http.Error(w, "no", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/csv")
		w.Write(body)
	}), nil, nil).start()
	for _, b := range []string{"1,2", "3,4", "5,6"} {
		h.post("/invocations", "text/csv", []byte(b))
	}
	h.post("/invocations", "text/csv", []byte("fail"))
	h.post("/ping", "", nil)
	h.post("/ping", "", nil)
	h.close()

	// Oracle for the byte counters: the capture files in the destination folder.
	var fileBytes int64
	var files int
	filepath.WalkDir(h.cfg.Destination, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			fi, _ := d.Info()
			fileBytes += fi.Size()
			files++
		}
		return nil
	})
	if files == 0 {
		t.Fatal("no capture file delivered")
	}

	fams := parseExposition(t, scrape(t, h.s.m))
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"driftwatch_capture_requests_total", []string{"class", "sampled"}, 4},
		{"driftwatch_capture_requests_total", []string{"class", "skipped"}, 2},
		{"driftwatch_capture_requests_total", []string{"class", "not_sampled"}, 0},
		{"driftwatch_capture_not_captured_total", []string{"reason", "status"}, 1},
		{"driftwatch_capture_not_captured_total", []string{"reason", "incomplete"}, 0},
		{"driftwatch_capture_records_captured_total", nil, 3},
		{"driftwatch_capture_records_delivered_total", nil, 3},
		{"driftwatch_capture_records_dropped_total", []string{"reason", "queue_full"}, 0},
		{"driftwatch_capture_files_delivered_total", nil, float64(files)},
		{"driftwatch_capture_captured_bytes_total", nil, float64(fileBytes)},
		{"driftwatch_capture_delivered_bytes_total", nil, float64(fileBytes)},
		{"driftwatch_capture_queue_bytes", nil, 0},
		{"driftwatch_capture_spool_bytes", nil, 0},
		{"driftwatch_capture_spool_files", nil, 0},
		{"driftwatch_capture_records_undelivered", nil, 0},
		{"driftwatch_capture_request_duration_seconds", nil, 6},             // every request
		{"driftwatch_capture_upload_duration_seconds", nil, float64(files)}, // one per delivery, none failed
		{"go_info", []string{"version", runtime.Version()}, 1},
	} {
		if got := value(t, fams, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	for _, name := range []string{"driftwatch_capture_request_duration_seconds", "driftwatch_capture_upload_duration_seconds"} {
		hm := fams[name].Metric[0].Histogram
		if hm.GetSampleSum() <= 0 {
			t.Errorf("%s_sum %v, want > 0", name, hm.GetSampleSum())
		}
		var prev uint64
		for _, b := range hm.Bucket {
			if b.GetCumulativeCount() < prev {
				t.Errorf("%s buckets not cumulative: %v", name, hm.Bucket)
			}
			prev = b.GetCumulativeCount()
		}
		if prev > hm.GetSampleCount() {
			t.Errorf("%s: last finite bucket %d > count %d", name, prev, hm.GetSampleCount())
		}
	}
	if v := value(t, fams, "go_goroutines"); v < 1 {
		t.Errorf("go_goroutines %v", v)
	}
	if v := value(t, fams, "go_memstats_heap_inuse_bytes"); v <= 0 {
		t.Errorf("go_memstats_heap_inuse_bytes %v", v)
	}
	if v := value(t, fams, "process_start_time_seconds"); v > float64(began.Unix()+1) || v < float64(began.Add(-time.Hour).Unix()) {
		t.Errorf("process_start_time_seconds %v, test began at %d", v, began.Unix())
	}
}

// TestExpositionMatchesClientGolang: the driftwatch_capture_ families have the names, types, help
// texts, label sets and histogram buckets that client_golang served before it was replaced
// (testdata/client_golang_families.txt, recorded from its output).
func TestExpositionMatchesClientGolang(t *testing.T) {
	golden, err := os.ReadFile("testdata/client_golang_families.txt")
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for l := range strings.SplitSeq(strings.TrimSpace(string(golden)), "\n") {
		if !strings.HasPrefix(l, "//") {
			want = append(want, l)
		}
	}
	for l := range strings.SplitSeq(string(scrape(t, newMetrics())), "\n") {
		if !strings.Contains(l, "driftwatch_capture_") {
			continue
		}
		if !strings.HasPrefix(l, "#") {
			l = l[:strings.LastIndexByte(l, ' ')] // drop the value
		}
		got = append(got, l)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("families differ from client_golang's\ngot:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestHistogramBuckets: observations at, around and between the bounds land in the buckets a
// naive count gives (bounds read back from the le labels, so le is inclusive), and the sum is
// exact.
func TestHistogramBuckets(t *testing.T) {
	m := newMetrics()
	h := m.requestDuration
	rng := rand.New(rand.NewPCG(1, 1))
	var obs []time.Duration
	for _, u := range h.upper {
		d := time.Duration(math.Round(u * 1e9))
		obs = append(obs, d-1, d, d+1)
	}
	for range 1000 {
		obs = append(obs, time.Duration(math.Pow(10, rng.Float64()*7))*time.Microsecond) // 1 µs to 10 s
	}
	obs = append(obs, 0, 30*time.Second)
	var sum time.Duration
	for _, d := range obs {
		h.Observe(d)
		sum += d
	}
	hm := parseExposition(t, scrape(t, m))["driftwatch_capture_request_duration_seconds"].Metric[0].Histogram
	if hm.GetSampleCount() != uint64(len(obs)) {
		t.Errorf("count %d, want %d", hm.GetSampleCount(), len(obs))
	}
	if inf := hm.Bucket[len(hm.Bucket)-1].GetCumulativeCount(); inf != uint64(len(obs)) {
		t.Errorf("le=+Inf %d, want %d", inf, len(obs))
	}
	if want := sum.Seconds(); math.Abs(hm.GetSampleSum()-want) > 1e-9*want {
		t.Errorf("sum %v, want %v", hm.GetSampleSum(), want)
	}
	if len(hm.Bucket) != len(h.upper)+1 || !math.IsInf(hm.Bucket[len(h.upper)].GetUpperBound(), 1) {
		t.Fatalf("%d buckets, want %d and +Inf last", len(hm.Bucket), len(h.upper)+1)
	}
	for _, b := range hm.Bucket[:len(h.upper)] {
		bound, err := time.ParseDuration(strconv.FormatFloat(b.GetUpperBound(), 'f', -1, 64) + "s")
		if err != nil {
			t.Fatal(err)
		}
		var n uint64
		for _, d := range obs {
			if d <= bound {
				n++
			}
		}
		if b.GetCumulativeCount() != n {
			t.Errorf("le=%v: %d, want %d", b.GetUpperBound(), b.GetCumulativeCount(), n)
		}
	}
}

// TestExpositionEscaping: help texts and label values with backslashes, quotes and line feeds
// survive the Prometheus parser unchanged.
func TestExpositionEscaping(t *testing.T) {
	const help = "a \\ backslash,\na line feed and a \"quote\""
	const val = "C:\\dir\n\"quoted\""
	var g gauge
	g.Add(-7)
	m := &metrics{families: []family{{name: "t_gauge", help: help, typ: typeGauge,
		series: []series{{labels: `{path="` + escapeLabelValue(val) + `"}`, v: &g}}}}}
	fams := parseExposition(t, scrape(t, m))
	if got := fams["t_gauge"].GetHelp(); got != help {
		t.Errorf("help %q, want %q", got, help)
	}
	if got := value(t, fams, "t_gauge", "path", val); got != -7 {
		t.Errorf("value %v, want -7", got)
	}
}

// TestAppendFloat: every value written parses back to itself.
func TestAppendFloat(t *testing.T) {
	for _, v := range []float64{0, 1, -1, 42, 0.1, 0.00025, 1e-9, 2.5, 1e21, 1 << 53, 1<<53 + 2, -1e300, math.MaxInt64, math.Inf(1), math.Inf(-1), math.NaN()} {
		s := string(appendFloat(nil, v))
		got, err := strconv.ParseFloat(s, 64)
		if err != nil || !(got == v || math.IsNaN(got) && math.IsNaN(v)) {
			t.Errorf("%v written as %q, parsed as %v (%v)", v, s, got, err)
		}
	}
}

// TestMetricsConcurrent (run with -race): updates from many goroutines while scraping; every
// scrape parses with _count equal to the +Inf bucket, and the final values are exact.
func TestMetricsConcurrent(t *testing.T) {
	m := newMetrics()
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				m.sampled.Inc()
				m.queueBytes.Add(3)
				m.queueBytes.Sub(2)
				m.requestDuration.Observe(time.Duration(w*each+i) * time.Microsecond)
			}
		})
	}
	stop := make(chan struct{})
	scraped := make(chan int)
	go func() {
		n := 0
		for {
			select {
			case <-stop:
				scraped <- n
				return
			default:
			}
			hm := parseExposition(t, scrape(t, m))["driftwatch_capture_request_duration_seconds"].Metric[0].Histogram
			if inf := hm.GetSampleCount(); len(hm.Bucket) > 0 && hm.Bucket[len(hm.Bucket)-1].GetCumulativeCount() != inf {
				t.Errorf("bucket le=%v holds %d, count %d", hm.Bucket[len(hm.Bucket)-1].GetUpperBound(), hm.Bucket[len(hm.Bucket)-1].GetCumulativeCount(), inf)
			}
			n++
		}
	}()
	wg.Wait()
	close(stop)
	<-scraped
	fams := parseExposition(t, scrape(t, m))
	if got := value(t, fams, "driftwatch_capture_requests_total", "class", "sampled"); got != workers*each {
		t.Errorf("sampled %v, want %d", got, workers*each)
	}
	if got := value(t, fams, "driftwatch_capture_queue_bytes"); got != workers*each {
		t.Errorf("queue_bytes %v, want %d", got, workers*each)
	}
	if got := value(t, fams, "driftwatch_capture_request_duration_seconds"); got != workers*each {
		t.Errorf("request count %v, want %d", got, workers*each)
	}
	// Σ i µs for i in [0, workers·each): n(n-1)/2 µs.
	n := float64(workers * each)
	if got, want := fams["driftwatch_capture_request_duration_seconds"].Metric[0].Histogram.GetSampleSum(), n*(n-1)/2*1e-6; math.Abs(got-want) > 1e-9*want {
		t.Errorf("sum %v, want %v", got, want)
	}
}

// TestBinaryHasNoPrometheus: the Prometheus client libraries (and protobuf, which only they pulled
// in) stay out of the binary: the exposition is hand-written to keep the FROM scratch image under
// 20 MB; tests may use them.
func TestBinaryHasNoPrometheus(t *testing.T) {
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		if goBin, err = exec.LookPath("go"); err != nil {
			t.Skip("no go command to list the binary's dependencies")
		}
	}
	out, err := exec.Command(goBin, "list", "-e", "-deps", "../entrypoint").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for l := range strings.SplitSeq(string(out), "\n") {
		if strings.Contains(l, "prometheus") || strings.HasPrefix(l, "google.golang.org/protobuf") {
			t.Errorf("the binary imports %s", l)
		}
	}
}

// BenchmarkMetricsRequestPath: what one request costs the metrics (a class counter and the
// duration histogram), from all cores at once.
//
//	go test -run '^$' -bench MetricsRequestPath -benchmem -count 6 ./sidecar/
func BenchmarkMetricsRequestPath(b *testing.B) {
	m := newMetrics()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		d := 300 * time.Microsecond
		for pb.Next() {
			m.sampled.Inc()
			m.requestDuration.Observe(d)
		}
	})
}

// BenchmarkMetricsScrape: one /metrics page.
//
//	go test -run '^$' -bench MetricsScrape -benchmem -count 6 ./sidecar/
func BenchmarkMetricsScrape(b *testing.B) {
	m := newMetrics()
	h := m.handler()
	req := httptest.NewRequest("GET", "/metrics", nil)
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
