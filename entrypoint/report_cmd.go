package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/driftwatch/driftwatch/analyzer"
	"github.com/driftwatch/driftwatch/report"
)

// reportCmd is `driftwatch report`: render report.html from existing output files, including
// those of the SageMaker container.
func reportCmd(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stats := fs.String("statistics", "", "statistics.json of the job (required)")
	base := fs.String("baseline-statistics", "", "statistics.json of the baseline, to compare with")
	viol := fs.String("violations", "", "constraint_violations.json of a monitoring job")
	details := fs.String("details", "", "violation_details.json (driftwatch's evidence); default: the one beside --violations, if any")
	message := fs.String("message-file", "", "the job's message file (its outcome)")
	title := fs.String("title", "", "title of the page")
	out := fs.String("output", "", "HTML file to write (required)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: driftwatch report --statistics FILE [--baseline-statistics FILE] [--violations FILE]\n"+
			"                        [--details FILE] [--message-file FILE] [--title TEXT] --output FILE.html\n\n"+
			"Renders one self-contained HTML page (no network needed to open it) from a job's output files,\n"+
			"driftwatch's or the SageMaker Model Monitor container's.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, done := parseArgs(fs, args, stderr); done {
		return code
	}
	var missing []error
	if *stats == "" {
		missing = append(missing, errors.New("--statistics is required"))
	}
	if *out == "" {
		missing = append(missing, errors.New("--output is required"))
	}
	if err := errors.Join(missing...); err != nil {
		fmt.Fprintf(stderr, "driftwatch report: %v\n", err)
		return analyzer.ExitConfig
	}
	if *details == "" && *viol != "" {
		if p := filepath.Join(filepath.Dir(*viol), "violation_details.json"); fileExists(p) {
			*details = p
			fmt.Fprintf(stderr, "driftwatch report: using %s\n", p)
		}
	}
	in := report.Input{Title: *title}
	var errs []error
	read := func(path string, dst *[]byte) {
		if path == "" {
			return
		}
		b, err := os.ReadFile(path)
		if err != nil {
			errs = append(errs, err)
			return
		}
		*dst = b
	}
	read(*stats, &in.Current)
	read(*base, &in.Baseline)
	read(*viol, &in.Violations)
	read(*details, &in.Details)
	var msg []byte
	read(*message, &msg)
	in.Outcome = string(msg)
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(stderr, "driftwatch report: %v\n", err)
		return analyzer.ExitFailed
	}
	if err := ctx.Err(); err != nil {
		return analyzer.ExitStopped
	}
	m, err := report.Build(in)
	if err != nil {
		fmt.Fprintf(stderr, "driftwatch report: %v\n", err)
		return analyzer.ExitFailed
	}
	if err := writeReport(*out, m); err != nil {
		fmt.Fprintf(stderr, "driftwatch report: %v\n", err)
		if errors.Is(err, report.ErrNoEcharts) {
			return analyzer.ExitInternal
		}
		return analyzer.ExitFailed
	}
	fmt.Fprintln(stdout, *out)
	return 0
}

// writeReport renders m into path through a temporary file, so that a failed render leaves no
// half-written page.
func writeReport(path string, m *report.Model) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), ".report-*.html")
	if err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				err = errors.Join(err, f.Close())
			}
			err = errors.Join(err, os.Remove(f.Name()))
		}
	}()
	if err = report.Render(f, m); err != nil {
		return err
	}
	if err = f.Chmod(0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	closed = true
	if err = f.Close(); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if err = os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular()
}
