// Command datagen writes a synthetic CSV dataset with a fixed seed, for benchmarks and scenario
// data: integer, fractional, low-cardinality string, high-cardinality string and boolean columns.
//
//	go run ./internal/datagen -bytes 1000000000 -seed 1 -out /tmp/bench.csv
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/driftwatch/driftwatch/internal/datagen/gen"
)

func main() {
	size := flag.Int64("bytes", 100<<20, "approximate output size in bytes")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "", "output file (default stdout)")
	wide := flag.Int("wide", 0, "write a wide numeric CSV of this many columns (c0, c1, …: alternately integers and decimals) instead of the mixed 9-column one")
	captureMode := flag.Bool("capture", false, "write SageMaker endpoint capture JSONL (CSV-encoded, one record per row, inferenceTime spread over 2026-11-01T10:00–11:00Z) instead of CSV")
	flag.Parse()
	w := os.Stdout
	if *out != "" {
		f, err := os.Create(*out)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer f.Close()
		w = f
	}
	write := gen.Write
	if *captureMode {
		write = gen.WriteCapture
	}
	if *wide > 0 {
		write = func(w io.Writer, size int64, seed uint64) error { return gen.WriteWide(w, size, seed, *wide) }
	}
	if err := write(w, *size, *seed); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
