// Package sidecar is data capture for any model server: a reverse proxy placed in front of an
// HTTP model server that forwards every request unchanged and records the sampled inference
// requests in SageMaker's endpoint data capture format and layout (contract §4.1, §4.2), so that
// the monitoring job (driftwatch monitor, or the real SageMaker container) can read them.
//
// The request path never waits on storage. A sampled request's bodies are teed — streamed on
// while their first MaxPayloadBytes are kept — and, once the response is complete with a 2xx
// status, handed to a bounded queue without blocking (full: dropped and counted). One writer
// goroutine encodes records (AppendRecord) into one spool file per inference hour, rotated by
// size and age; closed files are delivered (uploaded to S3 or moved into a folder) by workers
// that retry with backoff. Metrics are served for Prometheus.
//
//	s, _ := sidecar.New(ctx, cfg, logger)
//	s.Start()
//	http.ListenAndServe(cfg.Listen, s.Handler())
//	…
//	res := s.Close(ctx) // after the server stopped: write and deliver everything accepted
//
// Usage, file naming, rotation, drop policy, truncation, metrics and shutdown are described in
// docs/capture-sidecar.md.
package sidecar
