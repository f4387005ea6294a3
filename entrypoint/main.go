// Command driftwatch is an open, drop-in replacement for the SageMaker Model Monitor analyzer
// container. With no arguments it runs in container mode: it reads the container's environment
// contract (dataset_source, dataset_format, output_path, …) and writes the same files the real
// container writes. With a subcommand it is a CLI for people over the same engine.
//
// The entrypoint only parses configuration and calls package analyzer.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"

	"github.com/driftwatch/driftwatch/analyzer"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if len(args) == 0 {
		logger := newLogger(stderr, true)
		cfg, err := analyzer.ConfigFromEnv(os.LookupEnv, analyzer.DefaultProcessingJobConfig)
		if err != nil {
			// Still run, so that the outcome (Failed, with every problem listed) reaches the message file.
			logger.Error("invalid configuration", "err", err)
		}
		return analyzer.Run(ctx, cfg, logger).ExitCode()
	}
	switch args[0] {
	case "baseline":
		return baseline(ctx, args[1:], stderr, newLogger(stderr, false))
	case "monitor":
		return monitor(ctx, args[1:], stderr, newLogger(stderr, false))
	case "executions":
		return executions(args[1:], stdout, stderr)
	case "report":
		return reportCmd(ctx, args[1:], stdout, stderr)
	case "merge":
		return mergeCmd(ctx, args[1:], stderr, newLogger(stderr, false))
	case "capture":
		return captureCmd(ctx, args[1:], stderr, newLogger(stderr, false))
	case "version", "--version":
		fmt.Fprintf(stdout, "driftwatch %s (%s)\n", version, runtime.Version())
		return 0
	case "help", "-h", "--help":
		usage(stdout)
		return 0
	}
	fmt.Fprintf(stderr, "driftwatch: unknown command %q\n\n", args[0])
	usage(stderr)
	return analyzer.ExitConfig
}

func usage(w io.Writer) {
	fmt.Fprint(w, `driftwatch — data-quality baselines and drift monitoring, compatible with SageMaker Model Monitor.

Usage:
  driftwatch                      container mode: read the environment contract (dataset_source,
                                  dataset_format, output_path, …) and write the real container's files
  driftwatch baseline [flags]     profile a dataset; write statistics.json and constraints.json
  driftwatch monitor [flags]      check a dataset or captured traffic against a baseline; write
                                  statistics.json, constraint_violations.json, violation_details.json
  driftwatch executions [flags]   list the executions recorded under an output folder, newest first
  driftwatch merge [flags]        merge the partial profiles of a sharded job (baseline|monitor --shard i/n)
  driftwatch capture [flags]      proxy a model server and record its traffic in SageMaker's capture format
  driftwatch version              print the version

Run 'driftwatch baseline -h' for the flags of a command.
`)
}

// formatFlags are the flags that make up dataset_format.
type formatFlags struct {
	format, position, indexes string
	header, lines             bool
}

func (f *formatFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.format, "format", "csv", "dataset format: csv, json, parquet, or capture for SageMaker endpoint data capture files (dataset_format)")
	fs.StringVar(&f.indexes, "capture-indexes", "", "capture: comma-separated capture indexes to use, endpointInput and/or endpointOutput (captureIndexNames; default both)")
	fs.BoolVar(&f.header, "header", true, "csv: the first line of each file names the columns; without it columns are named _c0, _c1, …")
	fs.BoolVar(&f.lines, "lines", true, "json: one JSON object per line (JSON Lines); false reads each file as one JSON document (an object or an array of objects)")
	fs.StringVar(&f.position, "output-columns-position", "START", "csv: START or END — where the model's output columns are in each row")
}

func (f *formatFlags) build() (analyzer.Format, error) {
	switch f.format {
	case "csv":
		return analyzer.ParseFormat(fmt.Sprintf(`{"csv": {"header": %t, "output_columns_position": %q}}`, f.header, f.position))
	case "json":
		return analyzer.ParseFormat(fmt.Sprintf(`{"json": {"lines": %t}}`, f.lines))
	case "parquet":
		return analyzer.ParseFormat(`{"parquet": {}}`)
	case "capture", "sagemakerCaptureJson":
		names := "null"
		if f.indexes != "" {
			b, _ := json.Marshal(strings.Split(f.indexes, ","))
			names = string(b)
		}
		return analyzer.ParseFormat(fmt.Sprintf(`{"sagemakerCaptureJson": {"captureIndexNames": %s, "output_columns_position": %q}}`, names, f.position))
	}
	return analyzer.Format{}, fmt.Errorf("unknown --format %q: expected csv, json, parquet or capture", f.format)
}

// jobFlags are the flags baseline and monitor share: the dataset format, the message file,
// parallelism, the report switch and the shard.
type jobFlags struct {
	format     formatFlags
	withReport *bool
	applyShard func() error
}

// registerJobFlags registers the shared flags on fs, writing into cfg where a flag maps to a field.
func registerJobFlags(fs *flag.FlagSet, cfg *analyzer.Config) *jobFlags {
	jf := &jobFlags{}
	jf.format.register(fs)
	cfg.OutputMessageFile = ""
	fs.StringVar(&cfg.OutputMessageFile, "message-file", "", "also write the outcome message here, as the container does (output_message_file)")
	fs.IntVar(&cfg.Parallelism, "parallelism", cfg.Parallelism, "chunks profiled at once; never changes the output")
	jf.withReport = fs.Bool("report", true, "also write report.html, a self-contained page for people (DRIFTWATCH_REPORT)")
	jf.applyShard = shardFlags(fs, cfg)
	return jf
}

// apply completes cfg from the parsed shared flags.
func (jf *jobFlags) apply(cfg *analyzer.Config) error {
	f, err := jf.format.build()
	if err != nil {
		return err
	}
	if err := jf.applyShard(); err != nil {
		return err
	}
	cfg.DatasetFormat = f
	cfg.NoReport = !*jf.withReport
	return nil
}

func baseline(ctx context.Context, args []string, stderr io.Writer, logger *slog.Logger) int {
	fs := flag.NewFlagSet("baseline", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := analyzer.DefaultConfig()
	jf := registerJobFlags(fs, &cfg)
	fs.StringVar(&cfg.DatasetSource, "dataset", "", "file or directory to profile; directories are read recursively (dataset_source)")
	fs.StringVar(&cfg.OutputPath, "output", "", "directory for statistics.json and constraints.json (output_path)")
	fs.StringVar(&cfg.CategoricalDriftMethod, "categorical-drift-method", "", "LInfinity or ChiSquared: written into constraints.json (categorical_drift_method)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: driftwatch baseline --dataset PATH --format csv|json|parquet [--header=true] --output DIR\n\n"+
			"Profiles a dataset the way SageMaker Model Monitor's suggest-baseline job does and writes\n"+
			"statistics.json and constraints.json, byte-compatible with the real container.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, done := parseArgs(fs, args, stderr); done {
		return code
	}
	if err := jf.apply(&cfg); err != nil {
		fmt.Fprintf(stderr, "driftwatch baseline: %v\n", err)
		return analyzer.ExitConfig
	}
	out := analyzer.Run(ctx, cfg, logger)
	if out.Status == analyzer.Completed && out.Partial {
		fmt.Fprintln(stderr, out.Message)
	} else if out.Status == analyzer.Completed {
		fmt.Fprintf(stderr, "wrote %s/%s and %s/%s\n", cfg.OutputPath, analyzer.StatisticsFile, cfg.OutputPath, analyzer.ConstraintsFile)
	}
	return out.ExitCode()
}

// exitViolations is monitor --fail-on-violations' exit code when violations were found.
const exitViolations = 4

func monitor(ctx context.Context, args []string, stderr io.Writer, logger *slog.Logger) int {
	fs := flag.NewFlagSet("monitor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := analyzer.DefaultConfig()
	jf := registerJobFlags(fs, &cfg)
	var failOnViolations, publish bool
	fs.StringVar(&cfg.DatasetSource, "dataset", "", "file or directory with the data to check: batch data or an endpoint capture tree {endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl (dataset_source)")
	fs.StringVar(&cfg.OutputPath, "output", "", "directory for the outputs (output_path)")
	fs.StringVar(&cfg.BaselineStatistics, "baseline-statistics", "", "baseline statistics.json, needed for drift checks (baseline_statistics)")
	fs.StringVar(&cfg.BaselineConstraints, "baseline-constraints", "", "baseline constraints.json (baseline_constraints)")
	fs.StringVar(&cfg.StartTime, "start", "", "window start, e.g. 2026-11-01T10:00:00Z: capture records with start <= inferenceTime < end are used (start_time)")
	fs.StringVar(&cfg.EndTime, "end", "", "window end (end_time)")
	fs.StringVar(&cfg.MetricTime, "metric-time", "", "timestamp of the CloudWatch metrics (metric_time; default the window start)")
	fs.StringVar(&cfg.EndpointName, "endpoint", "", "endpoint name, a CloudWatch dimension (sagemaker_endpoint_name)")
	fs.StringVar(&cfg.ScheduleName, "schedule", "", "monitoring schedule name, a CloudWatch dimension (sagemaker_monitoring_schedule_name)")
	fs.BoolVar(&publish, "publish-cloudwatch-metrics", false, "write CloudWatch metric files (publish_cloudwatch_metrics=Enabled)")
	fs.StringVar(&cfg.CloudWatchMetricsDirectory, "metrics-dir", cfg.CloudWatchMetricsDirectory, "directory of the CloudWatch metric files (cloudwatch_metrics_directory)")
	fs.BoolVar(&failOnViolations, "fail-on-violations", false, fmt.Sprintf("exit with code %d when violations are found (for CI gating)", exitViolations))
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: driftwatch monitor --dataset PATH --format csv|json|parquet|capture --baseline-statistics F --baseline-constraints F --output DIR [--start T --end T]\n\n"+
			"Checks data against a baseline the way SageMaker Model Monitor's monitoring job does: data types,\n"+
			"completeness, categorical values, missing/extra columns and baseline drift.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, done := parseArgs(fs, args, stderr); done {
		return code
	}
	if cfg.BaselineStatistics == "" && cfg.BaselineConstraints == "" {
		fmt.Fprintln(stderr, "driftwatch monitor: give --baseline-constraints and/or --baseline-statistics")
		return analyzer.ExitConfig
	}
	if err := jf.apply(&cfg); err != nil {
		fmt.Fprintf(stderr, "driftwatch monitor: %v\n", err)
		return analyzer.ExitConfig
	}
	cfg.PublishCloudWatchMetrics = publish
	out := analyzer.Run(ctx, cfg, logger)
	if out.Status == analyzer.Completed || out.Status == analyzer.CompletedWithViolations {
		fmt.Fprintf(stderr, "%s\nwrote %s\n", out.Message, cfg.OutputPath)
	}
	if failOnViolations && out.Status == analyzer.CompletedWithViolations {
		return exitViolations
	}
	return out.ExitCode()
}

func executions(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("executions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("output", "", "output folder or s3:// prefix of the monitoring jobs (their output_path, with DRIFTWATCH_EXECUTION_LAYOUT=sagemaker)")
	asJSON := fs.Bool("json", false, "print JSON, one array of execution records")
	limit := fs.Int("n", 0, "show at most n executions (0: all)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: driftwatch executions --output DIR [--json] [-n N]\n\nLists the monitoring executions recorded under DIR, newest first, with their status\n(Completed, CompletedWithViolations, Failed, Stopped).\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return analyzer.ExitConfig
	}
	if *root == "" {
		fmt.Fprintln(stderr, "driftwatch executions: --output is required")
		return analyzer.ExitConfig
	}
	list, err := analyzer.ListExecutions(context.Background(), *root)
	if err != nil {
		fmt.Fprintf(stderr, "driftwatch executions: %v\n", err)
		return analyzer.ExitFailed
	}
	if *limit > 0 && len(list) > *limit {
		list = list[:*limit]
	}
	if *asJSON {
		type row struct {
			analyzer.Execution
			Path string `json:"path"`
		}
		rows := make([]row, len(list))
		for i, e := range list {
			rows[i] = row{e, e.Path}
		}
		b, _ := json.MarshalIndent(rows, "", "  ")
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "WINDOW END\tSTATUS\tVIOLATIONS\tROWS\tENDPOINT/SCHEDULE\tOUTPUTS")
	for _, e := range list {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s/%s\t%s\n", orDash(e.WindowEnd), e.Status, e.Violations, e.ItemCount, orDash(e.Endpoint), orDash(e.Schedule), e.Path)
	}
	tw.Flush()
	return 0
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// parseArgs parses a subcommand's flags. done reports that the command must end now with code:
// 0 after -h, ExitConfig after a bad flag or a stray argument (both explained on stderr).
func parseArgs(fs *flag.FlagSet, args []string, stderr io.Writer) (code int, done bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, true
		}
		return analyzer.ExitConfig, true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "driftwatch %s: unexpected argument %q\n", fs.Name(), fs.Arg(0))
		return analyzer.ExitConfig, true
	}
	return 0, false
}
