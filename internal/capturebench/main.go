// Command capturebench is the load test of the data capture sidecar (`driftwatch capture`) on
// loopback: the latency it adds to each request at a fixed request rate, and the throughput it
// sustains, against the same model server called directly and through a bare
// httputil.ReverseProxy (the control: the same extra process hop, without capture). The sidecar
// is the real binary, run as its own process with 100 % sampling, writing capture files to a
// temporary folder; the control is this program re-executed.
//
//	make bench-capture                          # or:
//	go run ./internal/capturebench -binary bin/driftwatch -rate 1000 -payload 1024
//
// The run is bounded: rounds × 3 blocks of requests-per-block at the given rate (default 3 × 3 ×
// 5,000 at 1,000 req/s: 45 s), then three closed-loop throughput runs of -throughput-requests
// each. The blocks of the three modes alternate so that all see the same machine conditions.
// Latency is measured per request from just before the send to the end of the response body;
// sends are scheduled open-loop (each at its time, whatever the others are doing). The result is
// a Markdown table for BENCHMARKS.md. -compare-binary OLD runs a second sidecar binary as a fourth
// mode in the same alternating blocks (a before/after comparison under the same machine
// conditions); -slow 20ms lists each block's slow requests by send time, to tell one machine-wide
// stall from scattered slow requests.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "capture" { // re-executed as the control
		bareProxy(os.Args[2:])
		return
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		loadAvg = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	bin := flag.String("binary", "bin/driftwatch", "the driftwatch binary")
	rate := flag.Int("rate", 1000, "requests per second in the latency blocks")
	perBlock := flag.Int("requests-per-block", 5000, "requests in each latency block")
	rounds := flag.Int("rounds", 3, "latency rounds, each one block per mode (direct, sidecar, control)")
	payload := flag.Int("payload", 1024, "bytes of each request body and of each response body")
	conc := flag.Int("concurrency", 32, "clients in the throughput runs")
	tput := flag.Int("throughput-requests", 30000, "requests in each throughput run")
	flag.IntVar(&sampling, "sampling", 100, "the sidecar's --sampling-percentage")
	flag.Func("sidecar-env", "NAME=VALUE set in the sidecar's environment (repeatable), e.g. GOMAXPROCS=1", func(v string) error {
		sidecarEnv = append(sidecarEnv, v)
		return nil
	})
	flag.StringVar(&compareBin, "compare-binary", "", "a second driftwatch binary run as a fourth mode, for an A/B comparison under the same conditions")
	flag.DurationVar(&slowOver, "slow", 0, "list the requests slower than this in each block (diagnosis of stalls)")
	flag.Parse()
	if err := run(*bin, *rate, *perBlock, *rounds, *payload, *conc, *tput); err != nil {
		fmt.Fprintln(os.Stderr, "capturebench:", err)
		os.Exit(1)
	}
}

// compareBin: a second sidecar binary measured beside the first (empty: none).
var compareBin string

// slowOver: requests slower than this are listed per block (0: none).
var slowOver time.Duration

// reportSlow prints, for one block, how many requests took longer than slowOver and when they
// were sent (ms into the block), to tell one stall from scattered slow requests.
func reportSlow(mode string, d []time.Duration, rate int) {
	var at []string
	for i, v := range d {
		if v > slowOver {
			at = append(at, fmt.Sprintf("%d:%.1f", i*1000/rate, float64(v)/float64(time.Millisecond)))
		}
	}
	if len(at) > 40 {
		at = append(at[:40], "…")
	}
	fmt.Fprintf(os.Stderr, "%s: %d slower than %v (sent at ms:took ms) %s\n", mode, len(at), slowOver, strings.Join(at, " "))
}

// loadAvg is the machine's load average when the run started.
var loadAvg = "unknown"

// sidecarEnv is added to the sidecar's environment; sampling is its --sampling-percentage.
var (
	sidecarEnv []string
	sampling   int
)

func run(bin string, rate, perBlock, rounds, payload, conc, tput int) error {
	// The model: reads the body, answers payload bytes of CSV.
	answer := bytes.Repeat([]byte("0.123456789,"), payload/12+1)[:payload-1]
	answer = append(answer, '\n')
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	model := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/csv")
		w.Write(answer)
	})}
	go model.Serve(ln)
	defer model.Close()
	direct := "http://" + ln.Addr().String()

	dest, err := os.MkdirTemp("", "capturebench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dest)
	// The proxies: the sidecar, optionally a second sidecar binary (an A/B comparison in one run),
	// and the control: this program re-executed as a bare httputil.ReverseProxy (bareProxy), the
	// same process hop without capture, so that the sidecar's own cost can be told from the hop's.
	self, err := os.Executable()
	if err != nil {
		return err
	}
	type proxyProc struct {
		name, mode string
		p          *sidecar
	}
	procs := []proxyProc{{name: "sidecar", mode: "through the sidecar"}}
	if compareBin != "" {
		procs = append(procs, proxyProc{name: "sidecar B", mode: "through the sidecar B (" + compareBin + ")"})
	}
	procs = append(procs, proxyProc{name: "bare proxy", mode: "through a bare ReverseProxy (control)"})
	for i := range procs {
		b, env := bin, sidecarEnv
		switch procs[i].name {
		case "sidecar B":
			b = compareBin
		case "bare proxy":
			b, env = self, nil
		}
		dir, err := os.MkdirTemp(dest, "dest")
		if err != nil {
			return err
		}
		if procs[i].p, err = startSidecar(b, direct, dir, env); err != nil {
			return err
		}
		defer procs[i].p.cmd.Process.Kill()
	}

	body := bytes.Repeat([]byte("1.5,2,red,"), payload/10+1)[:payload-1]
	body = append(body, '\n')
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: 1024, MaxIdleConnsPerHost: 1024, DisableCompression: true}}
	send := func(base string) (time.Duration, error) {
		start := time.Now()
		resp, err := client.Post(base+"/invocations", "text/csv", bytes.NewReader(body))
		if err != nil {
			return 0, err
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || n != int64(payload) {
			return 0, fmt.Errorf("status %d, %d bytes, %v", resp.StatusCode, n, err)
		}
		return time.Since(start), nil
	}
	modes := []struct{ name, url string }{{"model called directly", direct}}
	for _, p := range procs {
		modes = append(modes, struct{ name, url string }{p.mode, p.p.url})
	}
	// Warm up every path (connections, pools).
	for range 500 {
		for _, m := range modes {
			if _, err := send(m.url); err != nil {
				return err
			}
		}
	}

	lat := make([][]time.Duration, len(modes))
	var lagMax time.Duration
	before, after := make([]map[string]float64, len(procs)), make([]map[string]float64, len(procs))
	cpuBefore, cpuAfter := make([]time.Duration, len(procs)), make([]time.Duration, len(procs))
	for i, p := range procs {
		if p.name != "bare proxy" {
			if before[i], err = p.p.scrape(); err != nil {
				return err
			}
		}
		cpuBefore[i] = procCPU(p.p.cmd.Process.Pid)
	}
	for range rounds {
		for i, m := range modes {
			d, lag, err := openLoop(send, m.url, rate, perBlock)
			if err != nil {
				return err
			}
			lat[i] = append(lat[i], d...)
			lagMax = max(lagMax, lag)
			if slowOver > 0 {
				reportSlow(m.name, d, rate)
			}
		}
	}
	for i, p := range procs {
		cpuAfter[i] = procCPU(p.p.cmd.Process.Pid)
		if p.name != "bare proxy" {
			if after[i], err = p.p.scrape(); err != nil {
				return err
			}
		}
	}
	rps := make([]float64, len(modes))
	for i, m := range modes {
		if rps[i], err = closedLoop(send, m.url, conc, tput); err != nil {
			return err
		}
	}
	captured, dropped := make([]int64, len(procs)), make([]int64, len(procs))
	for i, p := range procs {
		if captured[i], dropped[i], err = p.p.stop(); err != nil {
			return err
		}
	}
	proxied := int64(500 + rounds*perBlock + tput)

	loadAfter := "unknown"
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		loadAfter = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	fmt.Printf("capturebench: %s, %d CPUs, %s/%s, %s, %s, load average before %s, after %s\n", cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH,
		runtime.Version(), time.Now().UTC().Format(time.RFC3339), loadAvg, loadAfter)
	if len(sidecarEnv) > 0 {
		fmt.Printf("sidecar environment: %s\n", strings.Join(sidecarEnv, " "))
	}
	fmt.Printf("open loop: %d req/s, %d B bodies both ways, %d requests per mode (%d rounds of %d-request blocks, modes alternating); sampling %d %%; generator lag max %v\n\n",
		rate, payload, rounds*perBlock, rounds, perBlock, sampling, lagMax.Round(time.Microsecond))
	fmt.Println("| Latency (µs) | p50 | p90 | p99 | p99.9 | max |")
	fmt.Println("|---|---|---|---|---|---|")
	qs := []float64{0.5, 0.9, 0.99, 0.999, 1}
	pct := make([][]time.Duration, len(modes))
	for i, m := range modes {
		pct[i] = quantiles(lat[i], qs)
		fmt.Printf("| %s | %s |\n", m.name, joinMicros(pct[i]))
	}
	for i, p := range procs {
		over := make([]time.Duration, len(qs))
		for j := range qs {
			over[j] = pct[i+1][j] - pct[0][j]
		}
		fmt.Printf("| added by the %s | %s |\n", p.name, joinMicros(over))
	}
	fmt.Printf("\nclosed loop, %d clients, %d requests per mode:", conc, tput)
	for i, m := range modes {
		fmt.Printf(" %s %.0f req/s;", m.name, rps[i])
	}
	fmt.Printf("\nper proxied request during the open-loop blocks (CPU from /proc/PID/stat; heap from /metrics):")
	n := float64(rounds * perBlock)
	for i, p := range procs {
		fmt.Printf(" %s %.0f µs CPU", p.name, float64(cpuAfter[i]-cpuBefore[i])/float64(time.Microsecond)/n)
		if after[i] != nil {
			fmt.Printf(" (%.0f B and %.0f objects allocated)", (after[i]["go_memstats_alloc_bytes_total"]-before[i]["go_memstats_alloc_bytes_total"])/n,
				(after[i]["go_memstats_mallocs_total"]-before[i]["go_memstats_mallocs_total"])/n)
		}
		fmt.Print(";")
	}
	fmt.Println()
	for i, p := range procs {
		if p.name == "bare proxy" {
			continue
		}
		fmt.Printf("%s: %d of %d proxied requests captured, %d dropped\n", p.name, captured[i], proxied, dropped[i])
		if sampling == 100 && captured[i]+dropped[i] != proxied {
			return fmt.Errorf("%s: captured %d + dropped %d != %d proxied requests", p.name, captured[i], dropped[i], proxied)
		}
	}
	return nil
}

// openLoop sends n requests at rate per second, each from its own goroutine at its scheduled
// time whatever the previous ones are doing (no coordinated omission), and returns their
// latencies and the largest delay of a send behind its schedule.
func openLoop(send func(string) (time.Duration, error), base string, rate, n int) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, n)
	interval := time.Second / time.Duration(rate)
	var wg sync.WaitGroup
	var failed atomic.Value
	var lagMax time.Duration
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			time.Sleep(d)
		}
		lagMax = max(lagMax, time.Since(due))
		wg.Go(func() {
			d, err := send(base)
			if err != nil {
				failed.Store(err)
			}
			lat[i] = d
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return nil, 0, err
	}
	return lat, lagMax, nil
}

// closedLoop sends n requests from conc clients back to back and returns requests per second.
func closedLoop(send func(string) (time.Duration, error), base string, conc, n int) (float64, error) {
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if _, err := send(base); err != nil {
					failed.Store(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

func quantiles(d []time.Duration, qs []float64) []time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	out := make([]time.Duration, len(qs))
	for i, q := range qs {
		out[i] = s[min(len(s)-1, int(q*float64(len(s))))]
	}
	return out
}

func joinMicros(d []time.Duration) string {
	parts := make([]string, len(d))
	for i, v := range d {
		parts[i] = fmt.Sprintf("%.0f", float64(v)/float64(time.Microsecond))
	}
	return strings.Join(parts, " | ")
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	if m := regexp.MustCompile(`(?m)^model name\s*:\s*(.+)$`).FindSubmatch(b); m != nil {
		return string(m[1])
	}
	return "unknown CPU"
}

type sidecar struct {
	cmd     *exec.Cmd
	url     string
	metrics string
	mu      sync.Mutex
	logs    bytes.Buffer
	done    chan error
}

// startSidecar runs `driftwatch capture` in front of upstream, writing to dest, and waits until it
// serves.
func startSidecar(bin, upstream, dest string, env []string) (*sidecar, error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, err
	}
	s := &sidecar{done: make(chan error, 1)}
	s.cmd = exec.Command(abs, "capture", "--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--upstream", upstream,
		"--destination", dest, "--endpoint-name", "bench", "--variant-name", "AllTraffic", "--sampling-percentage", fmt.Sprint(sampling))
	s.cmd.Env = append(append(os.Environ(), "DRIFTWATCH_LOG_FORMAT=text"), env...)
	stderr, err := s.cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	serving := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.logs.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			if strings.Contains(sc.Text(), `msg="capture serving"`) {
				serving <- sc.Text()
			}
		}
		s.done <- s.cmd.Wait()
	}()
	select {
	case line := <-serving:
		s.url = "http://" + field(line, "listen")
		s.metrics = "http://" + field(line, "metrics") + "/metrics"
		return s, nil
	case err := <-s.done:
		return nil, fmt.Errorf("sidecar exited: %v\n%s", err, s.logs.String())
	case <-time.After(30 * time.Second):
		return nil, fmt.Errorf("sidecar not serving after 30 s")
	}
}

// scrape reads the sidecar's unlabelled metrics.
func (s *sidecar) scrape() (map[string]float64, error) {
	resp, err := http.Get(s.metrics)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if ok && !strings.HasPrefix(name, "#") && !strings.Contains(name, "{") {
			var f float64
			fmt.Sscan(v, &f)
			out[name] = f
		}
	}
	return out, sc.Err()
}

// stop sends SIGTERM and returns the final captured and dropped counts from the sidecar's log.
func (s *sidecar) stop() (captured, dropped int64, err error) {
	s.cmd.Process.Signal(syscall.SIGTERM)
	if err := <-s.done; err != nil {
		return 0, 0, fmt.Errorf("sidecar: %v\n%s", err, s.logs.String())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for line := range strings.SplitSeq(s.logs.String(), "\n") {
		if strings.Contains(line, `msg="capture stopped"`) {
			fmt.Sscan(field(line, "captured"), &captured)
			fmt.Sscan(field(line, "dropped"), &dropped)
			return captured, dropped, nil
		}
	}
	return 0, 0, fmt.Errorf("no final counts in the sidecar's log:\n%s", s.logs.String())
}

func field(line, key string) string {
	m := regexp.MustCompile(`(?:^| )` + key + `=(\S*)`).FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	return m[1]
}

// bareProxy is the control: a bare httputil.ReverseProxy that takes the sidecar's command line and
// writes its log lines, without capture, metrics or any other work.
func bareProxy(args []string) {
	fs := flag.NewFlagSet("capture", flag.ExitOnError)
	listen := fs.String("listen", "", "")
	upstream := fs.String("upstream", "", "")
	for _, f := range []string{"metrics-listen", "destination", "endpoint-name", "variant-name", "sampling-percentage"} {
		fs.String(f, "", "")
	}
	fs.Parse(args)
	u, err := url.Parse(*upstream)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	rp := &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) { pr.SetURL(u) },
		Transport: &http.Transport{MaxIdleConnsPerHost: 512}}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	srv := &http.Server{Handler: rp}
	go srv.Serve(ln)
	fmt.Fprintf(os.Stderr, "msg=\"capture serving\" listen=%s metrics=none\n", ln.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	srv.Shutdown(context.Background())
	fmt.Fprintln(os.Stderr, `msg="capture stopped" captured=0 dropped=0`)
}

// procCPU returns the user plus system CPU time of a process (/proc/PID/stat fields 14 and 15, in
// clock ticks of 10 ms: USER_HZ is 100 on Linux).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:])) // fields from 3 on
	var user, sys int64
	fmt.Sscan(f[11], &user)
	fmt.Sscan(f[12], &sys)
	return time.Duration(user+sys) * 10 * time.Millisecond
}
