package sidecar

import (
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Request classes (label class of driftwatch_capture_requests_total).
const (
	classSampled    = "sampled"     // an inference request chosen for capture
	classNotSampled = "not_sampled" // an inference request left out by sampling
	classSkipped    = "skipped"     // not an inference request: other method, or a path in SkipPaths
)

// Reasons a sampled request leaves no record (label reason of
// driftwatch_capture_not_captured_total).
const (
	notCapturedStatus     = "status"         // the response status was not 2xx (upstream errors included)
	notCapturedIncomplete = "incomplete"     // the exchange ended early: client gone, upstream cut the body, or the request body was not read to its end
	notCapturedUpstream   = "upstream_error" // the upstream could not be reached or timed out (the client got 502/504)
)

// Reasons a record is dropped (label reason of driftwatch_capture_records_dropped_total).
const (
	dropQueueFull  = "queue_full"  // the in-memory queue was at QueueBytes
	dropSpoolFull  = "spool_full"  // the spool held MaxSpoolBytes not yet delivered
	dropWriteError = "write_error" // the spool file could not be written (disk full, I/O error)
	dropShutdown   = "shutdown"    // the request ended after the queue was closed by a shutdown
)

// expositionContentType is the media type of the Prometheus text exposition format 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format).
const expositionContentType = "text/plain; version=0.0.4; charset=utf-8"

// metrics are the sidecar's Prometheus metrics, plus a few Go runtime and process metrics read at
// scrape time. Every sampled request ends in exactly one of: not_captured{reason},
// records_dropped{queue_full|shutdown}, or the queue; every queued record in exactly one of
// records_captured (written to a spool file) or records_dropped{spool_full|write_error}.
//
// Updates are single atomic operations (a histogram observation is two), so the request path
// takes no lock; a scrape reads each value once, so values of different series may be a few
// updates apart, as with any Prometheus client.
type metrics struct {
	sampled, notSampled, skipped       counter
	ncStatus, ncIncomplete, ncUpstream counter
	upstreamErrors                     counter
	dropQueue, dropSpool, dropWrite    counter
	dropShutdown                       counter
	captured, capturedBytes            counter
	truncIn, truncOut                  counter
	filesDelivered, bytesDelivered     counter
	recordsDelivered, recordsRecovered counter
	uploadErrors                       counter
	queueBytes, queueRecords           gauge
	spoolBytes, spoolFiles             gauge
	recordsLeft                        gauge
	requestDuration, uploadDuration    *histogram

	families []family // sorted by name: the exposition's order
}

const ns = "driftwatch_capture_"

func newMetrics() *metrics {
	m := &metrics{}
	add := func(name string, typ metricType, help string, ss ...series) {
		// Series in label order, as client_golang wrote them.
		slices.SortFunc(ss, func(a, b series) int { return strings.Compare(a.labels, b.labels) })
		m.families = append(m.families, family{name: name, typ: typ, help: help, series: ss})
	}
	one := func(v loader) series { return series{v: v} }
	label := func(name, value string, v loader) series {
		return series{labels: "{" + name + `="` + escapeLabelValue(value) + `"}`, v: v}
	}
	hist := func(name, help string, upper []float64) *histogram {
		h := newHistogram(upper)
		m.families = append(m.families, family{name: name, typ: typeHistogram, help: help, hist: h})
		return h
	}

	add(ns+"requests_total", typeCounter, "Requests forwarded, by class: sampled, not_sampled (left out by sampling), skipped (not an inference request: method or health-check path).",
		label("class", classSampled, &m.sampled), label("class", classNotSampled, &m.notSampled), label("class", classSkipped, &m.skipped))
	add(ns+"not_captured_total", typeCounter, "Sampled requests that leave no record, by reason: status (response not 2xx), incomplete (exchange ended early), upstream_error (upstream unreachable or timed out).",
		label("reason", notCapturedStatus, &m.ncStatus), label("reason", notCapturedIncomplete, &m.ncIncomplete), label("reason", notCapturedUpstream, &m.ncUpstream))
	add(ns+"upstream_errors_total", typeCounter, "Requests the upstream could not answer (unreachable, timed out): the client got 502 or 504 from the sidecar.", one(&m.upstreamErrors))
	add(ns+"records_dropped_total", typeCounter, "Records dropped, by reason: queue_full, spool_full, write_error, shutdown. The request itself is always forwarded.",
		label("reason", dropQueueFull, &m.dropQueue), label("reason", dropSpoolFull, &m.dropSpool), label("reason", dropWriteError, &m.dropWrite), label("reason", dropShutdown, &m.dropShutdown))
	add(ns+"records_captured_total", typeCounter, "Records written to a capture file.", one(&m.captured))
	add(ns+"captured_bytes_total", typeCounter, "Bytes of records written to capture files.", one(&m.capturedBytes))
	add(ns+"payloads_truncated_total", typeCounter, "Payloads longer than --max-payload-bytes, recorded truncated (encoding BASE64_TRUNCATED), by side: input, output.",
		label("side", "input", &m.truncIn), label("side", "output", &m.truncOut))
	add(ns+"files_delivered_total", typeCounter, "Capture files delivered to the destination (uploaded to S3 or moved into the folder).", one(&m.filesDelivered))
	add(ns+"delivered_bytes_total", typeCounter, "Bytes of capture files delivered.", one(&m.bytesDelivered))
	add(ns+"records_delivered_total", typeCounter, "Records in the capture files delivered (including recovered ones).", one(&m.recordsDelivered))
	add(ns+"records_recovered_total", typeCounter, "Records found in the spool folder at start, left by an earlier process, and queued for delivery.", one(&m.recordsRecovered))
	add(ns+"upload_errors_total", typeCounter, "Failed deliveries of a capture file (each is retried with backoff).", one(&m.uploadErrors))
	add(ns+"queue_bytes", typeGauge, "Bytes of records waiting in memory for the file writer.", one(&m.queueBytes))
	add(ns+"queue_records", typeGauge, "Records waiting in memory for the file writer.", one(&m.queueRecords))
	add(ns+"spool_bytes", typeGauge, "Bytes in the spool folder not yet delivered (open and closed files).", one(&m.spoolBytes))
	add(ns+"spool_files", typeGauge, "Closed capture files waiting for delivery.", one(&m.spoolFiles))
	add(ns+"records_undelivered", typeGauge, "Records written but not yet delivered.", one(&m.recordsLeft))
	// Buckets from 100 µs (a loopback hop) to 10 s (a slow model), about 2.5× apart.
	m.requestDuration = hist(ns+"request_duration_seconds", "Time from a request's arrival to the end of its response, through the proxy (all requests).",
		[]float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})
	m.uploadDuration = hist(ns+"upload_duration_seconds", "Time to deliver one capture file, successful or not.",
		[]float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})

	for _, f := range runtimeFamilies {
		m.families = append(m.families, family{name: f.name, typ: f.typ, help: f.help, rt: f.value, labels: f.labels})
	}
	slices.SortFunc(m.families, func(a, b family) int { return strings.Compare(a.name, b.name) })
	return m
}

// handler serves the metrics in the Prometheus text exposition format 0.0.4, whatever the request
// asks for (no OpenMetrics, no gzip: the page is a few kilobytes).
func (m *metrics) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := m.appendExposition(make([]byte, 0, 8<<10))
		w.Header().Set("Content-Type", expositionContentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	})
}

// appendExposition appends every family in the text format: for each, a # HELP and a # TYPE line,
// then its samples (a histogram: cumulative _bucket{le} series ending with le="+Inf", _sum,
// _count).
func (m *metrics) appendExposition(b []byte) []byte {
	rt := readRuntime()
	for i := range m.families {
		f := &m.families[i]
		b = append(b, "# HELP "...)
		b = append(b, f.name...)
		b = append(b, ' ')
		b = appendEscapedHelp(b, f.help)
		b = append(b, "\n# TYPE "...)
		b = append(b, f.name...)
		b = append(b, ' ')
		b = append(b, f.typ.String()...)
		b = append(b, '\n')
		switch {
		case f.hist != nil:
			b = f.hist.appendSamples(b, f.name)
		case f.rt != nil:
			v, ok := f.rt(rt)
			if ok {
				b = appendSample(b, f.name, "", f.labels, v)
			}
		default:
			for _, s := range f.series {
				b = appendSample(b, f.name, "", s.labels, float64(s.v.load()))
			}
		}
	}
	return b
}

// metricType is a metric family's type, as written on its # TYPE line.
type metricType uint8

const (
	typeCounter metricType = iota
	typeGauge
	typeHistogram
)

func (t metricType) String() string {
	switch t {
	case typeCounter:
		return "counter"
	case typeGauge:
		return "gauge"
	case typeHistogram:
		return "histogram"
	}
	panic("sidecar: unknown metric type")
}

// family is one metric name with its help text and samples: fixed series of counters or gauges, a
// histogram, or a runtime value read at scrape time (rt, with its rendered labels).
type family struct {
	name, help string
	typ        metricType
	series     []series
	hist       *histogram
	rt         func(*runtimeValues) (float64, bool)
	labels     string
}

// series is one sample of a family: its labels, rendered and escaped once (`{class="sampled"}`,
// or empty), and where its value lives.
type series struct {
	labels string
	v      loader
}

type loader interface{ load() int64 }

// counter is a count that only goes up, safe for concurrent use.
type counter struct{ v atomic.Int64 }

// Inc adds 1.
func (c *counter) Inc() { c.v.Add(1) }

// Add adds n ≥ 0.
func (c *counter) Add(n int64) { c.v.Add(n) }

func (c *counter) load() int64 { return c.v.Load() }

// gauge is a value that goes up and down, safe for concurrent use.
type gauge struct{ v atomic.Int64 }

// Inc adds 1.
func (g *gauge) Inc() { g.v.Add(1) }

// Dec subtracts 1.
func (g *gauge) Dec() { g.v.Add(-1) }

// Add adds n.
func (g *gauge) Add(n int64) { g.v.Add(n) }

// Sub subtracts n.
func (g *gauge) Sub(n int64) { g.v.Add(-n) }

func (g *gauge) load() int64 { return g.v.Load() }

// histogram counts durations in buckets with inclusive upper bounds (Prometheus `le`), safe for
// concurrent use. Counts are kept per bucket (not cumulative) and the sum in whole nanoseconds,
// so an observation is two atomic adds and no compare-and-swap loop; the scrape accumulates the
// buckets, so _count always equals the le="+Inf" bucket. The sum in int64 nanoseconds holds 292
// years of observed time.
type histogram struct {
	upper  []float64       // bucket upper bounds in seconds, increasing, as written in le
	bounds []time.Duration // the same bounds as durations, for Observe
	counts []atomic.Uint64 // len(upper)+1: the last is the +Inf bucket
	sumNs  atomic.Int64
}

func newHistogram(upper []float64) *histogram {
	h := &histogram{upper: upper, bounds: make([]time.Duration, len(upper)), counts: make([]atomic.Uint64, len(upper)+1)}
	for i, u := range upper {
		if i > 0 && u <= upper[i-1] {
			panic("sidecar: histogram bounds not increasing")
		}
		h.bounds[i] = time.Duration(math.Round(u * 1e9))
	}
	return h
}

// Observe counts one duration: in the first bucket whose bound is ≥ d.
func (h *histogram) Observe(d time.Duration) {
	i := 0
	for i < len(h.bounds) && d > h.bounds[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
}

func (h *histogram) appendSamples(b []byte, name string) []byte {
	var cum uint64
	var le []byte
	for i := range h.counts {
		cum += h.counts[i].Load()
		le = append(le[:0], `{le="`...)
		if i < len(h.upper) {
			le = appendFloat(le, h.upper[i])
		} else {
			le = append(le, "+Inf"...)
		}
		le = append(le, `"}`...)
		b = appendSample(b, name, "_bucket", string(le), float64(cum))
	}
	b = appendSample(b, name, "_sum", "", float64(h.sumNs.Load())/1e9)
	return appendSample(b, name, "_count", "", float64(cum))
}

// appendSample appends one sample line: name, suffix, labels (already rendered), a space and
// the value.
func appendSample(b []byte, name, suffix, labels string, v float64) []byte {
	b = append(b, name...)
	b = append(b, suffix...)
	b = append(b, labels...)
	b = append(b, ' ')
	b = appendFloat(b, v)
	return append(b, '\n')
}

// appendFloat writes a sample value or an le bound: integers below 2^53 in decimal digits, other
// numbers in Go's shortest representation that parses back to the same float64 ('g', as the
// Prometheus parser reads it with strconv.ParseFloat), and +Inf, -Inf, NaN by name.
func appendFloat(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case v == math.Trunc(v) && math.Abs(v) < 1<<53:
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// escapeLabelValue escapes a label value for the text format: backslash, double quote and line
// feed become \\, \" and \n.
func escapeLabelValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s)
}

// appendEscapedHelp escapes a help text for the text format: backslash and line feed become \\
// and \n (a double quote stays as it is).
func appendEscapedHelp(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		default:
			b = append(b, s[i])
		}
	}
	return b
}
