package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/driftwatch/driftwatch/analyzer"
)

func init() {
	// Partial profiles record the version that wrote them; the merge refuses mixed versions.
	analyzer.Version = version
}

// shardFlags registers --shard and --partials on a baseline or monitor command. The returned
// function applies them to cfg after parsing.
func shardFlags(fs *flag.FlagSet, cfg *analyzer.Config) func() error {
	shard := fs.String("shard", "", "i/n: profile only shard i (from 0) of n and write its partial profile instead of the outputs; merge the n partials with 'driftwatch merge' (DRIFTWATCH_SHARD_INDEX, DRIFTWATCH_SHARD_COUNT)")
	fs.StringVar(&cfg.Sharding.Partials, "partials", "", "with --shard: folder or s3:// prefix of the partial profiles (DRIFTWATCH_PARTIALS; default OUTPUT/partials)")
	fs.Int64Var(&cfg.UnitSize, "unit-size", 0, "bytes per merge unit, the finest split of the input between shards; every shard and the single-node run it must match use the same (DRIFTWATCH_UNIT_SIZE; default 256 MiB)")
	return func() error {
		if *shard == "" {
			return nil
		}
		i, n, err := analyzer.ParseShard(*shard)
		if err != nil {
			return err
		}
		cfg.Sharding.Index, cfg.Sharding.Count, cfg.Sharding.From = i, n, "--shard"
		return nil
	}
}

// mergeCmd merges the partial profiles of a sharded baseline or monitoring job and writes the
// job's outputs, byte-identical to a single-node job's (docs/sharding.md).
func mergeCmd(ctx context.Context, args []string, stderr io.Writer, logger *slog.Logger) int {
	fs := flag.NewFlagSet("merge", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := analyzer.DefaultConfig()
	cfg.OutputMessageFile = ""
	cfg.Sharding.Merge = true
	var publish bool
	fs.StringVar(&cfg.Sharding.Partials, "partials", "", "folder or s3:// prefix holding the shards' partial profiles (DRIFTWATCH_PARTIALS)")
	fs.StringVar(&cfg.OutputPath, "output", "", "directory or s3:// prefix for the outputs (output_path)")
	fs.DurationVar(&cfg.Sharding.MergeTimeout, "wait", 0, "wait this long for partial profiles that are not there yet, e.g. 30m (DRIFTWATCH_MERGE_TIMEOUT; 0: fail at once)")
	fs.IntVar(&cfg.Sharding.ExpectCount, "shards", 0, "the number of shards to expect (DRIFTWATCH_SHARD_COUNT; default: as the partials' names say)")
	fs.StringVar(&cfg.Sharding.RunID, "run-id", "", "accept only partials of this run (DRIFTWATCH_RUN_ID)")
	fs.StringVar(&cfg.BaselineStatistics, "baseline-statistics", "", "monitoring jobs: the baseline statistics.json the shards used (baseline_statistics)")
	fs.StringVar(&cfg.BaselineConstraints, "baseline-constraints", "", "monitoring jobs: the baseline constraints.json the shards used (baseline_constraints)")
	fs.StringVar(&cfg.CategoricalDriftMethod, "categorical-drift-method", "", "baseline jobs: LInfinity or ChiSquared, written into constraints.json (categorical_drift_method)")
	fs.BoolVar(&publish, "publish-cloudwatch-metrics", false, "monitoring jobs: write CloudWatch metric files (publish_cloudwatch_metrics=Enabled)")
	fs.StringVar(&cfg.CloudWatchMetricsDirectory, "metrics-dir", cfg.CloudWatchMetricsDirectory, "directory of the CloudWatch metric files (cloudwatch_metrics_directory)")
	fs.StringVar(&cfg.EndpointName, "endpoint", "", "endpoint name, a CloudWatch dimension (sagemaker_endpoint_name)")
	fs.StringVar(&cfg.ScheduleName, "schedule", "", "monitoring schedule name, a CloudWatch dimension (sagemaker_monitoring_schedule_name)")
	fs.StringVar(&cfg.OutputMessageFile, "message-file", "", "also write the outcome message here, as the container does (output_message_file)")
	withReport := fs.Bool("report", true, "also write report.html (DRIFTWATCH_REPORT)")
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: driftwatch merge --partials URI --output DIR [--baseline-statistics F --baseline-constraints F] [--wait 30m]\n\n"+
			"Merges the partial profiles written by the shards of a sharded job ('driftwatch baseline|monitor --shard i/n',\n"+
			"or container mode with DRIFTWATCH_SHARD_INDEX, JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX) and writes the\n"+
			"job's outputs, byte-identical to a single-node run. The dataset format and window come from the partials.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if code, done := parseArgs(fs, args, stderr); done {
		return code
	}
	if cfg.Sharding.Partials == "" {
		fmt.Fprintln(stderr, "driftwatch merge: --partials is required")
		return analyzer.ExitConfig
	}
	cfg.NoReport = !*withReport
	cfg.PublishCloudWatchMetrics = publish
	out := analyzer.Run(ctx, cfg, logger)
	if out.Status == analyzer.Completed || out.Status == analyzer.CompletedWithViolations {
		fmt.Fprintf(stderr, "%s\nwrote %s\n", out.Message, cfg.OutputPath)
	}
	return out.ExitCode()
}
