package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/driftwatch/driftwatch/analyzer"
	"github.com/driftwatch/driftwatch/sidecar"
)

// captureCmd runs the data capture sidecar (package sidecar) until SIGTERM. Exit codes: 0 after a
// clean stop with every accepted record delivered, 1 when records were left undelivered or the
// server failed, 2 for an invalid configuration.
func captureCmd(ctx context.Context, args []string, stderr io.Writer, logger *slog.Logger) int {
	cfg, err := sidecar.ParseConfig(args, os.LookupEnv, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "driftwatch capture: %v\nRun 'driftwatch capture -h' for the flags.\n", err)
		return analyzer.ExitConfig
	}
	if err := sidecar.Run(ctx, cfg, logger); err != nil {
		logger.Error("capture failed", "err", err)
		return analyzer.ExitFailed
	}
	return 0
}
