package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// captureGuard bounds every wait of these tests: a hang detector, never a performance assertion.
const captureGuard = 90 * time.Second

// sidecarProc is `driftwatch capture` running as its own process.
type sidecarProc struct {
	t       *testing.T
	cmd     *exec.Cmd
	url     string // the proxy
	metrics string // the /metrics URL
	mu      sync.Mutex
	log     bytes.Buffer
	exited  chan struct{}
	exitErr error
}

// startCapture runs the binary's capture command on free loopback ports and waits until it
// serves (its "capture serving" log line names the ports it got).
func startCapture(t *testing.T, env []string, args ...string) *sidecarProc {
	t.Helper()
	p := &sidecarProc{t: t, exited: make(chan struct{})}
	args = append([]string{"capture", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"}, args...)
	p.cmd = exec.Command(binary, args...)
	p.cmd.Env = append(env, "DRIFTWATCH_LOG_FORMAT=text", "TMPDIR="+t.TempDir())
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	serving := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.log.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if strings.Contains(sc.Text(), `msg="capture serving"`) {
				serving <- sc.Text()
			}
		}
		p.exitErr = p.cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case line := <-serving:
		p.url = "http://" + logField(line, "listen")
		p.metrics = "http://" + logField(line, "metrics") + "/metrics"
	case <-p.exited:
		t.Fatalf("capture exited before serving (%v):\n%s", p.exitErr, p.logs())
	case <-time.After(captureGuard):
		t.Fatalf("capture not serving:\n%s", p.logs())
	}
	return p
}

func (p *sidecarProc) logs() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// logField returns key's value in a text-format slog line.
func logField(line, key string) string {
	m := regexp.MustCompile(`(?:^| )` + regexp.QuoteMeta(key) + `=("(?:[^"\\]|\\.)*"|\S*)`).FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	if v, err := strconv.Unquote(m[1]); err == nil {
		return v
	}
	return m[1]
}

// stop sends SIGTERM and returns the exit code and the fields of the final "capture stopped" line.
func (p *sidecarProc) stop() (int, map[string]int64) {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(captureGuard):
		p.cmd.Process.Kill()
		p.t.Fatalf("still running after SIGTERM:\n%s", p.logs())
	}
	counts := map[string]int64{}
	for line := range strings.SplitSeq(p.logs(), "\n") {
		if strings.Contains(line, `msg="capture stopped"`) {
			for _, k := range []string{"requests", "sampled", "not_captured", "captured", "dropped", "delivered", "undelivered"} {
				n, err := strconv.ParseInt(logField(line, k), 10, 64)
				if err != nil {
					p.t.Fatalf("%s in %q: %v", k, line, err)
				}
				counts[k] = n
			}
		}
	}
	if len(counts) == 0 {
		p.t.Fatalf("no final counts in the log:\n%s", p.logs())
	}
	return exitCode(p.exitErr), counts
}

// metric scrapes /metrics and returns the value of one series (name with its labels).
func (p *sidecarProc) metric(series string) float64 {
	p.t.Helper()
	resp, err := http.Get(p.metrics)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				p.t.Fatal(err)
			}
			return f
		}
	}
	return 0 // a labelled series appears once it was counted
}

// waitFor polls cond until it holds (hang guard captureGuard).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(captureGuard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// model is the upstream model server of these tests: CSV, JSON and binary inputs; the prediction
// is f0 × 0.5 (binary inputs: their length).
func model() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/ping" {
			io.WriteString(w, "healthy")
			return
		}
		body, _ := io.ReadAll(r.Body)
		switch r.Header.Get("Content-Type") {
		case "text/csv":
			f0, _ := strconv.Atoi(strings.Split(string(body), ",")[0])
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			fmt.Fprintf(w, "%g\n", float64(f0)*0.5)
		case "application/json":
			var in struct{ F0 int }
			json.Unmarshal(body, &in)
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"prediction": %g}`, float64(in.F0)*0.5)
		default:
			w.Header().Set("Content-Type", "text/csv")
			fmt.Fprintf(w, "%d\n", len(body))
		}
	})
}

// colors is the categorical feature's domain.
var colors = []string{"red", "green", "blue", "amber", "violet"}

// request i of the end-to-end traffic: CSV, JSON or binary by i % 3.
func request(i int) (contentType string, body []byte) {
	f0, f1, f2 := i, float64(i)*0.25, colors[i%len(colors)]
	switch i % 3 {
	case 0:
		return "text/csv", fmt.Appendf(nil, "%d,%g,%s\n", f0, f1, f2)
	case 1:
		return "application/json", fmt.Appendf(nil, `{"f2": %q, "f0": %d, "f1": %g}`, f2, f0, f1)
	}
	b := make([]byte, 64+i%50)
	for j := range b {
		b[j] = byte(i*31 + j*7) // arbitrary bytes, zeros and high bytes included
	}
	return "application/octet-stream", b
}

// send posts request i through the proxy with its inference id; ok reports a 200 whose body is
// the model's answer.
func send(client *http.Client, url string, i int) (ok bool) {
	ct, body := request(i)
	req, _ := http.NewRequest("POST", url+"/invocations", bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("X-Amzn-SageMaker-Inference-Id", fmt.Sprintf("req-%d", i))
	req.Header.Set("X-Amzn-SageMaker-Custom-Attributes", fmt.Sprintf("client=test;i=%d", i))
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return false
	}
	r := httptest.NewRequest("POST", "/invocations", bytes.NewReader(body))
	r.Header.Set("Content-Type", ct)
	want := httptest.NewRecorder()
	model().ServeHTTP(want, r)
	return bytes.Equal(got, want.Body.Bytes())
}

// captured is one record as read back from the store.
type captured struct {
	key                    string
	inferenceID, attrs     string
	eventID, time          string
	in, out                []byte
	inEncoding, inObserved string
}

// readCapture reads every record under prefix/ of a bucket, checking the key layout and that
// each record lies in its file's hour.
func readCapture(t *testing.T, cl *s3.Client, bucket, prefix string) []captured {
	t.Helper()
	ctx := context.Background()
	keyRe := regexp.MustCompile(`^` + regexp.QuoteMeta(prefix) + `/ep/AllTraffic/(\d{4})/(\d\d)/(\d\d)/(\d\d)/\d\d-\d\d-\d{3}-[0-9a-f-]{36}\.jsonl$`)
	var out []captured
	p := s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String(prefix + "/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page.Contents {
			m := keyRe.FindStringSubmatch(*o.Key)
			if m == nil {
				t.Errorf("unexpected object %s", *o.Key)
				continue
			}
			obj, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: o.Key})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(obj.Body)
			obj.Body.Close()
			for _, line := range bytes.Split(bytes.TrimSuffix(b, []byte{'\n'}), []byte{'\n'}) {
				out = append(out, decodeRecord(t, *o.Key, line, m[1]+"-"+m[2]+"-"+m[3]+"T"+m[4]))
			}
		}
	}
	return out
}

func decodeRecord(t *testing.T, key string, line []byte, hour string) captured {
	t.Helper()
	type side struct {
		ObservedContentType, Mode, Data, Encoding string
	}
	var r struct {
		CaptureData struct {
			EndpointInput, EndpointOutput side
		}
		EventMetadata struct {
			EventID, InferenceID, InferenceTime, CustomAttributes string
		}
		EventVersion string
	}
	if err := json.Unmarshal(line, &r); err != nil {
		t.Fatalf("%s: %v: %s", key, err, line)
	}
	data := func(s side) []byte {
		if s.Encoding == "BASE64" {
			b, err := base64.StdEncoding.DecodeString(s.Data)
			if err != nil {
				t.Fatalf("%s: %v", key, err)
			}
			return b
		}
		return []byte(s.Data)
	}
	if r.EventVersion != "0" || !strings.HasPrefix(r.EventMetadata.InferenceTime, hour) || r.CaptureData.EndpointInput.Mode != "INPUT" || r.CaptureData.EndpointOutput.Mode != "OUTPUT" {
		t.Errorf("%s: record %s", key, line)
	}
	return captured{key: key, inferenceID: r.EventMetadata.InferenceID, attrs: r.EventMetadata.CustomAttributes, eventID: r.EventMetadata.EventID,
		time: r.EventMetadata.InferenceTime, in: data(r.CaptureData.EndpointInput), out: data(r.CaptureData.EndpointOutput),
		inEncoding: r.CaptureData.EndpointInput.Encoding, inObserved: r.CaptureData.EndpointInput.ObservedContentType}
}

func s3Client(endpoint, key, secret string) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
}

func makeBucket(t *testing.T, cl *s3.Client, bucket string) {
	t.Helper()
	if _, err := cl.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
		t.Fatal(err)
	}
}

// TestCaptureEndToEnd: a model behind the real sidecar process, capture to the real S3 server;
// CSV, JSON and binary requests from concurrent clients; SIGTERM; every request's record is in S3
// exactly once with its bodies and SageMaker headers, and `driftwatch monitor --format capture`
// over the tree counts every record and computes the statistics of exactly the rows sent.
func TestCaptureEndToEnd(t *testing.T) {
	endpoint, key, secret := s3Server(t)
	cl := s3Client(endpoint, key, secret)
	bucket := "driftwatch-capture-e2e"
	makeBucket(t, cl, bucket)
	prefix := fmt.Sprintf("run-%d", time.Now().UnixNano())
	up := httptest.NewServer(model())
	defer up.Close()
	env := s3Env(endpoint, key, secret)
	p := startCapture(t, env, "--upstream", up.URL, "--destination", "s3://"+bucket+"/"+prefix,
		"--endpoint-name", "ep", "--variant-name", "AllTraffic", "--max-file-bytes", "16KiB", "--max-file-age", "1s")
	begin := time.Now().UTC().Truncate(time.Second)

	const n = 300
	var next atomic.Int64
	var failed atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{}}
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				if !send(client, p.url, i) {
					failed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	for range 3 { // health checks pass through, uncaptured
		resp, err := http.Get(p.url + "/ping")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("health check through the proxy: %v", err)
		}
		resp.Body.Close()
	}
	if failed.Load() != 0 {
		t.Fatalf("%d of %d requests failed through the proxy", failed.Load(), n)
	}
	code, counts := p.stop()
	end := time.Now().UTC()
	if code != 0 || counts["requests"] != n+3 || counts["sampled"] != n || counts["captured"] != n || counts["delivered"] != n || counts["dropped"] != 0 || counts["undelivered"] != 0 {
		t.Fatalf("exit %d, counts %v\n%s", code, counts, p.logs())
	}

	// Every record exactly once, with what was sent.
	recs := readCapture(t, cl, bucket, prefix)
	byID := map[string]captured{}
	events := map[string]bool{}
	for _, r := range recs {
		if _, dup := byID[r.inferenceID]; dup {
			t.Errorf("%s recorded twice", r.inferenceID)
		}
		byID[r.inferenceID] = r
		events[r.eventID] = true
		if at, err := time.Parse(time.RFC3339, r.time); err != nil || at.Before(begin) || at.After(end) {
			t.Errorf("%s: inferenceTime %s outside the run [%s, %s]", r.inferenceID, r.time, begin, end)
		}
	}
	if len(recs) != n || len(events) != n {
		t.Fatalf("%d records, %d distinct eventIds; want %d", len(recs), len(events), n)
	}
	var rows [][]string // the rows the monitoring job must see: prediction, f0, f1, f2
	for i := range n {
		r, ok := byID[fmt.Sprintf("req-%d", i)]
		ct, body := request(i)
		wantEnc := map[string]string{"text/csv": "CSV", "application/json": "JSON"}[ct]
		if wantEnc == "" {
			wantEnc = "BASE64"
		}
		if !ok || !bytes.Equal(r.in, body) || r.inObserved != ct || r.inEncoding != wantEnc || r.attrs != fmt.Sprintf("client=test;i=%d", i) {
			t.Errorf("request %d: record %+v", i, r)
			continue
		}
		if i%3 != 2 {
			rows = append(rows, []string{fmt.Sprintf("%g", float64(i)*0.5), strconv.Itoa(i), fmt.Sprintf("%g", float64(i)*0.25), colors[i%len(colors)]})
		}
	}

	// The monitoring job over the captured tree on S3.
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("prediction,f0,f1,f2\n")
	for _, r := range rows {
		csv.WriteString(strings.Join(r, ",") + "\n")
	}
	os.WriteFile(filepath.Join(dir, "baseline.csv"), []byte(csv.String()), 0o644)
	base := filepath.Join(dir, "baseline")
	if b, err := exec.Command(binary, "baseline", "--dataset", filepath.Join(dir, "baseline.csv"), "--output", base, "--report=false").CombinedOutput(); err != nil {
		t.Fatalf("baseline: %v\n%s", err, b)
	}
	out := filepath.Join(dir, "monitor")
	mon := exec.Command(binary, "monitor", "--dataset", "s3://"+bucket+"/"+prefix+"/ep", "--format", "capture",
		"--baseline-statistics", base+"/statistics.json", "--baseline-constraints", base+"/constraints.json", "--output", out, "--report=false")
	mon.Env = env
	if b, err := mon.CombinedOutput(); err != nil {
		t.Fatalf("monitor: %v\n%s", err, b)
	}
	var details struct {
		Records struct {
			Read, Rows, Unusable int64
			UnusableReasons      map[string]int64 `json:"unusable_reasons"`
		}
	}
	readJSON(t, filepath.Join(out, "violation_details.json"), &details)
	binaryReason := `BASE64 payload with unsupported content type "application/octet-stream"`
	if details.Records.Read != n || details.Records.Rows != int64(len(rows)) || details.Records.Unusable != n/3 || details.Records.UnusableReasons[binaryReason] != n/3 {
		t.Errorf("monitor records %+v; want %d read, %d rows, %d binary unusable", details.Records, n, len(rows), n/3)
	}
	checkStatistics(t, filepath.Join(out, "statistics.json"), rows)
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// checkStatistics compares a statistics.json with the rows' exact figures: item count, counts,
// sums (exact: every value is a multiple of 1/4), min, max and the categorical counts.
func checkStatistics(t *testing.T, path string, rows [][]string) {
	t.Helper()
	var st struct {
		Dataset struct {
			ItemCount int64 `json:"item_count"`
		}
		Features []struct {
			Name      string
			Numerical *struct {
				Common struct {
					NumPresent int64 `json:"num_present"`
					NumMissing int64 `json:"num_missing"`
				}
				Sum, Min, Max float64
			} `json:"numerical_statistics"`
			String *struct {
				Common struct {
					NumPresent int64 `json:"num_present"`
				}
				Distribution struct {
					Categorical struct {
						Buckets []struct {
							Value string
							Count int64
						}
					}
				}
			} `json:"string_statistics"`
		}
	}
	readJSON(t, path, &st)
	if st.Dataset.ItemCount != int64(len(rows)) || len(st.Features) != 4 {
		t.Fatalf("item_count %d with %d features, want %d rows of 4", st.Dataset.ItemCount, len(st.Features), len(rows))
	}
	for c, f := range st.Features[:3] {
		var sum, lo, hi float64
		for i, r := range rows {
			v, _ := strconv.ParseFloat(r[c], 64)
			sum += v
			if i == 0 || v < lo {
				lo = v
			}
			if i == 0 || v > hi {
				hi = v
			}
		}
		if ns := f.Numerical; ns == nil || ns.Common.NumPresent != int64(len(rows)) || ns.Common.NumMissing != 0 || ns.Sum != sum || ns.Min != lo || ns.Max != hi {
			t.Errorf("feature %s: %+v; want %d present, sum %g, min %g, max %g", f.Name, ns, len(rows), sum, lo, hi)
		}
	}
	want := map[string]int64{}
	for _, r := range rows {
		want[r[3]]++
	}
	got := map[string]int64{}
	if s := st.Features[3].String; s != nil {
		for _, b := range s.Distribution.Categorical.Buckets {
			got[b.Value] = b.Count
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("f2 categories %v, want %v", got, want)
	}
}

// TestCaptureS3Outage: the S3 server goes away under traffic. Requests are unaffected; files are
// retained in the spool up to --max-spool-bytes, then records are dropped and counted; when S3
// is back, every retained record is delivered exactly once.
func TestCaptureS3Outage(t *testing.T) {
	bin := versitygwBinary(t)
	addr := freeAddr(t)
	s3dir := t.TempDir()
	srv := startVersitygw(t, bin, addr, s3dir)
	defer func() { srv.Process.Kill(); srv.Wait() }()
	endpoint := "http://" + addr
	cl := s3Client(endpoint, "testkey", "testsecret")
	makeBucket(t, cl, "outage")
	up := httptest.NewServer(model())
	defer up.Close()
	const spoolBound = 64 << 10
	p := startCapture(t, append(s3Env(endpoint, "testkey", "testsecret"), "AWS_MAX_ATTEMPTS=1"),
		"--upstream", up.URL, "--destination", "s3://outage/capture", "--endpoint-name", "ep", "--variant-name", "AllTraffic",
		"--max-file-bytes", "8KiB", "--max-spool-bytes", strconv.Itoa(spoolBound), "--max-file-age", "1s", "--shutdown-timeout", "60s")

	srv.Process.Kill()
	srv.Wait()
	const n = 400 // ~400 bytes a record: about 160 KB, more than the spool holds
	client := &http.Client{Transport: &http.Transport{}}
	for i := range n {
		if !send(client, p.url, i) {
			t.Fatalf("request %d failed while S3 was down", i)
		}
	}
	// Every record written or dropped: an empty queue is not enough, the writer may still hold
	// records it has taken from it.
	waitFor(t, "upload errors, spool drops and every record accounted for", func() bool {
		dropped := p.metric(`driftwatch_capture_records_dropped_total{reason="spool_full"}`)
		return p.metric("driftwatch_capture_upload_errors_total") > 0 && dropped > 0 &&
			p.metric("driftwatch_capture_records_captured_total")+dropped == n
	})
	if spool := p.metric("driftwatch_capture_spool_bytes"); spool > spoolBound || spool == 0 {
		t.Errorf("spool holds %g bytes during the outage, want (0, %d]", spool, spoolBound)
	}
	retained := p.metric("driftwatch_capture_records_captured_total")
	dropped := p.metric(`driftwatch_capture_records_dropped_total{reason="spool_full"}`)

	srv = startVersitygw(t, bin, addr, s3dir)
	code, counts := p.stop()
	if code != 0 || counts["captured"] != int64(retained) || counts["dropped"] != int64(dropped) || counts["captured"]+counts["dropped"] != n ||
		counts["delivered"] != counts["captured"] || counts["undelivered"] != 0 {
		t.Fatalf("exit %d, counts %v (captured %g, dropped %g during the outage)\n%s", code, counts, retained, dropped, p.logs())
	}
	recs := readCapture(t, cl, "outage", "capture")
	ids := map[string]int{}
	for _, r := range recs {
		ids[r.inferenceID]++
	}
	if int64(len(recs)) != counts["captured"] || len(ids) != len(recs) {
		t.Errorf("%d records in S3 (%d distinct) for %d captured", len(recs), len(ids), counts["captured"])
	}
}

// TestCaptureSIGTERMUnderLoad: SIGTERM while clients keep sending. Every request that got its
// answer is in S3, every record the sidecar accepted is delivered, none twice.
func TestCaptureSIGTERMUnderLoad(t *testing.T) {
	endpoint, key, secret := s3Server(t)
	cl := s3Client(endpoint, key, secret)
	bucket := "driftwatch-capture-sigterm"
	makeBucket(t, cl, bucket)
	prefix := fmt.Sprintf("run-%d", time.Now().UnixNano())
	up := httptest.NewServer(model())
	defer up.Close()
	p := startCapture(t, s3Env(endpoint, key, secret), "--upstream", up.URL, "--destination", "s3://"+bucket+"/"+prefix,
		"--endpoint-name", "ep", "--variant-name", "AllTraffic", "--max-file-bytes", "32KiB", "--shutdown-timeout", "60s")
	var next, okCount atomic.Int64
	var mu sync.Mutex
	var answered []string
	stopLoad := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{}}
			for {
				select {
				case <-stopLoad:
					return
				default:
				}
				i := int(next.Add(1) - 1)
				if send(client, p.url, i) {
					okCount.Add(1)
					mu.Lock()
					answered = append(answered, fmt.Sprintf("req-%d", i))
					mu.Unlock()
				}
			}
		})
	}
	waitFor(t, "500 answered requests", func() bool { return okCount.Load() >= 500 })
	code, counts := p.stop() // the clients are still sending
	close(stopLoad)
	wg.Wait()
	if code != 0 || counts["dropped"] != 0 || counts["delivered"] != counts["captured"] || counts["undelivered"] != 0 {
		t.Fatalf("exit %d, counts %v\n%s", code, counts, p.logs())
	}
	recs := readCapture(t, cl, bucket, prefix)
	inS3 := map[string]int{}
	for _, r := range recs {
		inS3[r.inferenceID]++
		if inS3[r.inferenceID] > 1 {
			t.Errorf("%s delivered twice", r.inferenceID)
		}
	}
	if int64(len(recs)) != counts["captured"] {
		t.Errorf("%d records in S3, %d captured", len(recs), counts["captured"])
	}
	missing := slices.DeleteFunc(slices.Clone(answered), func(id string) bool { return inS3[id] > 0 })
	if len(missing) > 0 {
		t.Errorf("%d of %d answered requests not in S3, e.g. %v", len(missing), len(answered), missing[:min(5, len(missing))])
	}
	t.Logf("%d requests answered before and during the shutdown, %d records delivered", len(answered), len(recs))
}

// TestCaptureUpstreamDown: with the model down the client gets 502 and nothing is recorded; model
// errors pass through as sent and are not recorded either.
func TestCaptureUpstreamDown(t *testing.T) {
	downURL := "http://" + freeAddr(t) // nothing listens there
	dest := t.TempDir()
	p := startCapture(t, nil, "--upstream", downURL, "--destination", dest, "--endpoint-name", "ep", "--variant-name", "AllTraffic")
	for i := range 20 {
		resp, err := http.Post(p.url+"/invocations", "text/csv", strings.NewReader(fmt.Sprintf("%d,1\n", i)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadGateway {
			t.Errorf("request %d: %d, want 502", i, resp.StatusCode)
		}
	}
	if v := p.metric("driftwatch_capture_upstream_errors_total"); v != 20 {
		t.Errorf("upstream_errors_total %g, want 20", v)
	}
	code, counts := p.stop()
	if code != 0 || counts["sampled"] != 20 || counts["not_captured"] != 20 || counts["captured"] != 0 {
		t.Errorf("exit %d, counts %v", code, counts)
	}

	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, `{"error": "model overloaded"}`)
	}))
	defer failing.Close()
	p = startCapture(t, nil, "--upstream", failing.URL, "--destination", dest, "--endpoint-name", "ep", "--variant-name", "AllTraffic")
	resp, err := http.Post(p.url+"/invocations", "text/csv", strings.NewReader("1,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 503 || string(b) != `{"error": "model overloaded"}` {
		t.Errorf("model error reached the client as %d %q", resp.StatusCode, b)
	}
	if code, counts := p.stop(); code != 0 || counts["captured"] != 0 || counts["not_captured"] != 1 {
		t.Errorf("exit %d, counts %v", code, counts)
	}
	var files []string
	filepath.WalkDir(dest, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	if len(files) != 0 {
		t.Errorf("files written for failed requests: %v", files)
	}
}

// TestCaptureUsage: -h lists the flags; a bad configuration names every problem and exits 2.
func TestCaptureUsage(t *testing.T) {
	b, err := exec.Command(binary, "capture", "-h").CombinedOutput()
	if exitCode(err) != 0 || !strings.Contains(string(b), "-max-payload-bytes") || !strings.Contains(string(b), "DRIFTWATCH_CAPTURE_") {
		t.Errorf("capture -h: exit %d\n%s", exitCode(err), b)
	}
	cmd := exec.Command(binary, "capture", "--sampling-percentage", "150")
	cmd.Env = []string{"DRIFTWATCH_CAPTURE_ENDPOINT_NAME=bad_name"}
	b, err = cmd.CombinedOutput()
	for _, want := range []string{"--listen is required", "--upstream is required", "--destination is required", "--endpoint-name", "--variant-name", "--sampling-percentage 150"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("output lacks %q:\n%s", want, b)
		}
	}
	if exitCode(err) != 2 {
		t.Errorf("exit %d, want 2", exitCode(err))
	}
}
