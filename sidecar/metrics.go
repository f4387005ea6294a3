package sidecar

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
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

// metrics are the sidecar's Prometheus metrics, on their own registry (plus the Go runtime and
// process collectors). Every sampled request ends in exactly one of: not_captured{reason},
// records_dropped{queue_full|shutdown}, or the queue; every queued record in exactly one of
// records_captured (written to a spool file) or records_dropped{spool_full|write_error}.
type metrics struct {
	reg *prometheus.Registry

	requests                           *prometheus.CounterVec
	sampled, notSampled, skipped       prometheus.Counter
	notCaptured                        *prometheus.CounterVec
	ncStatus, ncIncomplete, ncUpstream prometheus.Counter
	upstreamErrors                     prometheus.Counter
	dropped                            *prometheus.CounterVec
	dropQueue, dropSpool, dropWrite    prometheus.Counter
	dropShutdown                       prometheus.Counter
	captured, capturedBytes            prometheus.Counter
	truncated                          *prometheus.CounterVec
	truncIn, truncOut                  prometheus.Counter
	filesDelivered, bytesDelivered     prometheus.Counter
	recordsDelivered, recordsRecovered prometheus.Counter
	uploadErrors                       prometheus.Counter
	queueBytes, queueRecords           prometheus.Gauge
	spoolBytes, spoolFiles             prometheus.Gauge
	requestDuration, uploadDuration    prometheus.Histogram
	recordsLeft                        prometheus.Gauge
	registeredCollectors               []prometheus.Collector
}

const ns = "driftwatch_capture"

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	counter := func(name, help string) prometheus.Counter {
		c := prometheus.NewCounter(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help})
		m.registeredCollectors = append(m.registeredCollectors, c)
		return c
	}
	vec := func(name, help, label string) *prometheus.CounterVec {
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help}, []string{label})
		m.registeredCollectors = append(m.registeredCollectors, c)
		return c
	}
	gauge := func(name, help string) prometheus.Gauge {
		g := prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: name, Help: help})
		m.registeredCollectors = append(m.registeredCollectors, g)
		return g
	}
	hist := func(name, help string, buckets []float64) prometheus.Histogram {
		h := prometheus.NewHistogram(prometheus.HistogramOpts{Namespace: ns, Name: name, Help: help, Buckets: buckets})
		m.registeredCollectors = append(m.registeredCollectors, h)
		return h
	}
	m.requests = vec("requests_total", "Requests forwarded, by class: sampled, not_sampled (left out by sampling), skipped (not an inference request: method or health-check path).", "class")
	m.sampled, m.notSampled, m.skipped = m.requests.WithLabelValues(classSampled), m.requests.WithLabelValues(classNotSampled), m.requests.WithLabelValues(classSkipped)
	m.notCaptured = vec("not_captured_total", "Sampled requests that leave no record, by reason: status (response not 2xx), incomplete (exchange ended early), upstream_error (upstream unreachable or timed out).", "reason")
	m.ncStatus, m.ncIncomplete, m.ncUpstream = m.notCaptured.WithLabelValues(notCapturedStatus), m.notCaptured.WithLabelValues(notCapturedIncomplete), m.notCaptured.WithLabelValues(notCapturedUpstream)
	m.upstreamErrors = counter("upstream_errors_total", "Requests the upstream could not answer (unreachable, timed out): the client got 502 or 504 from the sidecar.")
	m.dropped = vec("records_dropped_total", "Records dropped, by reason: queue_full, spool_full, write_error, shutdown. The request itself is always forwarded.", "reason")
	m.dropQueue, m.dropSpool, m.dropWrite, m.dropShutdown = m.dropped.WithLabelValues(dropQueueFull), m.dropped.WithLabelValues(dropSpoolFull), m.dropped.WithLabelValues(dropWriteError), m.dropped.WithLabelValues(dropShutdown)
	m.captured = counter("records_captured_total", "Records written to a capture file.")
	m.capturedBytes = counter("captured_bytes_total", "Bytes of records written to capture files.")
	m.truncated = vec("payloads_truncated_total", "Payloads longer than --max-payload-bytes, recorded truncated (encoding BASE64_TRUNCATED), by side: input, output.", "side")
	m.truncIn, m.truncOut = m.truncated.WithLabelValues("input"), m.truncated.WithLabelValues("output")
	m.filesDelivered = counter("files_delivered_total", "Capture files delivered to the destination (uploaded to S3 or moved into the folder).")
	m.bytesDelivered = counter("delivered_bytes_total", "Bytes of capture files delivered.")
	m.recordsDelivered = counter("records_delivered_total", "Records in the capture files delivered (including recovered ones).")
	m.recordsRecovered = counter("records_recovered_total", "Records found in the spool folder at start, left by an earlier process, and queued for delivery.")
	m.uploadErrors = counter("upload_errors_total", "Failed deliveries of a capture file (each is retried with backoff).")
	m.queueBytes = gauge("queue_bytes", "Bytes of records waiting in memory for the file writer.")
	m.queueRecords = gauge("queue_records", "Records waiting in memory for the file writer.")
	m.spoolBytes = gauge("spool_bytes", "Bytes in the spool folder not yet delivered (open and closed files).")
	m.spoolFiles = gauge("spool_files", "Closed capture files waiting for delivery.")
	m.recordsLeft = gauge("records_undelivered", "Records written but not yet delivered.")
	// Buckets from 100 µs (a loopback hop) to 10 s (a slow model), about 2.5× apart.
	m.requestDuration = hist("request_duration_seconds", "Time from a request's arrival to the end of its response, through the proxy (all requests).",
		[]float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10})
	m.uploadDuration = hist("upload_duration_seconds", "Time to deliver one capture file, successful or not.",
		[]float64{0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60})
	m.reg.MustRegister(m.registeredCollectors...)
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// handler serves the metrics in the Prometheus text exposition format (or OpenMetrics when asked).
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{EnableOpenMetrics: true})
}

// counterValue reads a counter (or gauge) as an integer.
func counterValue(c prometheus.Metric) int64 {
	var d dto.Metric
	if err := c.Write(&d); err != nil {
		panic("sidecar: read metric: " + err.Error())
	}
	if d.Counter != nil {
		return int64(d.Counter.GetValue())
	}
	return int64(d.Gauge.GetValue())
}
