package main

import (
	"io"
	"log/slog"
	"os"
	"time"
)

// envLogFormat overrides the log format: "json" or "text".
const envLogFormat = "DRIFTWATCH_LOG_FORMAT"

// newLogger returns the process's structured logger: JSON records in container mode (CloudWatch
// Logs, kubectl logs and log shippers parse them), text for a person at a terminal; DRIFTWATCH_LOG_FORMAT
// overrides either. Times are UTC.
func newLogger(w io.Writer, container bool) *slog.Logger {
	json := container
	switch os.Getenv(envLogFormat) {
	case "json":
		json = true
	case "text":
		json = false
	}
	opts := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey && len(groups) == 0 {
			return slog.Time(slog.TimeKey, a.Value.Time().UTC().Round(time.Millisecond))
		}
		return a
	}}
	if json {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
