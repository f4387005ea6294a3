package analyzer

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"time"

	"github.com/driftwatch/driftwatch/analyzer/capture"
	"github.com/driftwatch/driftwatch/analyzer/source"
)

// FormatKind is the kind of dataset_format (contract §3.1).
type FormatKind uint8

// The dataset formats.
const (
	FormatCSV FormatKind = iota + 1
	FormatJSON
	FormatParquet
	FormatCapture // sagemakerCaptureJson
)

func (k FormatKind) String() string {
	switch k {
	case FormatCSV:
		return "csv"
	case FormatJSON:
		return "json"
	case FormatParquet:
		return "parquet"
	case FormatCapture:
		return "sagemakerCaptureJson"
	}
	return "unknown"
}

// Format is a parsed dataset_format.
type Format struct {
	Kind FormatKind
	// CSV
	Header bool
	// OutputColumnsPosition is "START" (default) or "END": where endpoint outputs sit in a row.
	OutputColumnsPosition string
	// JSON: one object per line (true, default) or one document per file.
	Lines bool
	// Capture: the capture indexes to use; nil means both endpointInput and endpointOutput.
	CaptureIndexNames []string
}

// ParseFormat parses the dataset_format JSON, e.g. {"csv": {"header": true}}, {"json": {"lines":
// true}} (the docs' spelling "line" is accepted too), {"parquet": {}}, {"sagemakerCaptureJson":
// {"captureIndexNames": ["endpointInput"]}}. Booleans may also be given as strings ("true").
func ParseFormat(s string) (Format, error) {
	var raw map[string]map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return Format{}, fmt.Errorf("dataset_format %q is not a JSON object of the form {\"csv\": {...}}: %v", s, err)
	}
	if len(raw) != 1 {
		return Format{}, fmt.Errorf("dataset_format %q must name exactly one format (csv, json, parquet, sagemakerCaptureJson)", s)
	}
	for name, opts := range raw {
		f := Format{Header: true, OutputColumnsPosition: "START", Lines: true}
		var err error
		switch name {
		case "csv":
			f.Kind = FormatCSV
			if f.Header, err = boolOpt(opts, "header", true); err != nil {
				return Format{}, err
			}
			if v, ok := opts["output_columns_position"]; ok {
				var p string
				if err := json.Unmarshal(v, &p); err != nil || (p != "START" && p != "END") {
					return Format{}, fmt.Errorf("dataset_format: output_columns_position must be \"START\" or \"END\", got %s", v)
				}
				f.OutputColumnsPosition = p
			}
		case "json":
			f.Kind = FormatJSON
			if _, ok := opts["line"]; ok {
				f.Lines, err = boolOpt(opts, "line", true)
			} else {
				f.Lines, err = boolOpt(opts, "lines", true)
			}
			if err != nil {
				return Format{}, err
			}
		case "parquet":
			f.Kind = FormatParquet
		case "sagemakerCaptureJson":
			f.Kind = FormatCapture
			if v, ok := opts["output_columns_position"]; ok {
				var p string
				if err := json.Unmarshal(v, &p); err != nil || (p != "START" && p != "END") {
					return Format{}, fmt.Errorf("dataset_format: output_columns_position must be \"START\" or \"END\", got %s", v)
				}
				f.OutputColumnsPosition = p
			}
			if v, ok := opts["captureIndexNames"]; ok && string(v) != "null" {
				if err := json.Unmarshal(v, &f.CaptureIndexNames); err != nil {
					return Format{}, fmt.Errorf("dataset_format: captureIndexNames must be a list of strings, got %s", v)
				}
			}
		default:
			return Format{}, fmt.Errorf("unknown dataset_format %q: expected one of csv, json, parquet, sagemakerCaptureJson", name)
		}
		return f, nil
	}
	panic("unreachable")
}

func boolOpt(opts map[string]json.RawMessage, key string, def bool) (bool, error) {
	v, ok := opts[key]
	if !ok || string(v) == "null" {
		return def, nil
	}
	var b bool
	if err := json.Unmarshal(v, &b); err == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		if b, err := strconv.ParseBool(s); err == nil {
			return b, nil
		}
	}
	return false, fmt.Errorf("dataset_format: %s must be true or false, got %s", key, v)
}

// Config is one job's parameters: the container's normalised parameter object (contract §1.1),
// filled from the environment contract (§2) or from CLI flags.
type Config struct {
	DatasetSource string
	DatasetFormat Format
	OutputPath    string

	BaselineStatistics  string
	BaselineConstraints string
	AnalysisType        string

	PublishCloudWatchMetrics bool
	CategoricalDriftMethod   string // "" (use the default), "LInfinity" or "ChiSquared"

	StartTime, EndTime, MetricTime string
	EndpointName, ScheduleName     string

	OutputMessageFile          string
	CloudWatchMetricsDirectory string

	// Parallelism is the number of chunks profiled at once (default GOMAXPROCS). It never changes
	// the output bytes.
	Parallelism int
	// ChunkSize is the split size in bytes (default 4 MiB, contract §3.2).
	ChunkSize int

	// ExecutionLayout "sagemaker" writes outputs under {output_path}/{endpoint}/{schedule}/yyyy/mm/dd/hh/
	// with an execution record (executions.go); "" writes them in output_path.
	ExecutionLayout string

	// NoReport switches report.html off (DRIFTWATCH_REPORT=Disabled, CLI --report=false).
	NoReport bool

	// ProgressInterval is how often a long job logs its progress (DRIFTWATCH_PROGRESS_INTERVAL, a Go
	// duration; default 5s; negative: never).
	ProgressInterval time.Duration

	// UnitSize is the size of a merge unit in bytes (DRIFTWATCH_UNIT_SIZE; 0: DefaultUnitSize): the
	// first level of the merge tree and the granularity of shards (units.go). It never changes the
	// output of a single-node job whose input is smaller than one unit.
	UnitSize int64

	// Sharding places the job in a sharded run (shard.go, docs/sharding.md).
	Sharding Sharding

	// outputDest is where the outputs finally go (output_path, plus the execution folder); set by
	// Run, as OutputPath may then be a local staging folder.
	outputDest string

	// parseErrs are the problems found while reading the environment, reported by Validate.
	parseErrs []error
}

// Default paths of the container contract (contract §1.3).
const (
	DefaultMessageFile          = "/opt/ml/output/message"
	DefaultMetricsDirectory     = "/opt/ml/output/metrics/cloudwatch"
	DefaultProcessingJobConfig  = "/opt/ml/config/processingjobconfig.json"
	defaultChunkSize            = 4 << 20
	categoricalDriftLInfinity   = "LInfinity"
	categoricalDriftChiSquared  = "ChiSquared"
	analysisTypeModelQuality    = "MODEL_QUALITY"
	publishCloudWatchEnabled    = "Enabled"
	publishCloudWatchDisabled   = "Disabled"
	outputColumnsPositionEnd    = "END"
	outputColumnsPositionStart  = "START"
	defaultCaptureIndexInput    = "endpointInput"
	defaultCaptureIndexOutput   = "endpointOutput"
	processingJobConfigEnvBlock = "Environment"
)

// DefaultConfig returns a Config with every default filled in and no dataset.
func DefaultConfig() Config {
	return Config{
		OutputMessageFile:          DefaultMessageFile,
		CloudWatchMetricsDirectory: DefaultMetricsDirectory,
		Parallelism:                runtime.GOMAXPROCS(0),
		ChunkSize:                  defaultChunkSize,
	}
}

// Env is the environment the container mode reads: a lookup function, so tests need not touch the
// process environment.
type Env func(key string) (string, bool)

// ConfigFromEnv builds the container-mode configuration. The Environment block of
// processingjobconfig.json (when the file exists) supplies values first, and the process
// environment overrides it: SageMaker passes the same Environment map as variables.
// Every problem is reported at once.
func ConfigFromEnv(env Env, processingJobConfig string) (Config, error) {
	vars := map[string]string{}
	var errs []error
	cfgDir := sageMakerConfigDir(env, processingJobConfig)
	processingJobConfig = filepath.Join(cfgDir, filepath.Base(processingJobConfig))
	if raw, err := os.ReadFile(processingJobConfig); err == nil {
		var pj map[string]json.RawMessage
		if err := json.Unmarshal(raw, &pj); err != nil {
			errs = append(errs, fmt.Errorf("%s: not valid JSON: %v", processingJobConfig, err))
		} else if blk, ok := pj[processingJobConfigEnvBlock]; ok {
			var m map[string]string
			if err := json.Unmarshal(blk, &m); err != nil {
				errs = append(errs, fmt.Errorf("%s: Environment must map names to strings: %v", processingJobConfig, err))
			}
			for k, v := range m {
				vars[k] = v
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, fmt.Errorf("read %s: %w", processingJobConfig, err))
	}
	for _, k := range EnvKeys {
		if v, ok := env(k); ok {
			vars[k] = v
		}
	}
	c := DefaultConfig()
	c.DatasetSource = vars["dataset_source"]
	c.OutputPath = vars["output_path"]
	c.BaselineStatistics = vars["baseline_statistics"]
	c.BaselineConstraints = vars["baseline_constraints"]
	c.AnalysisType = vars["analysis_type"]
	c.StartTime, c.EndTime, c.MetricTime = vars["start_time"], vars["end_time"], vars["metric_time"]
	c.EndpointName = vars["sagemaker_endpoint_name"]
	c.ScheduleName = vars["sagemaker_monitoring_schedule_name"]
	c.CategoricalDriftMethod = vars["categorical_drift_method"]
	if v := vars["output_message_file"]; v != "" {
		c.OutputMessageFile = v
	}
	if v := vars["cloudwatch_metrics_directory"]; v != "" {
		c.CloudWatchMetricsDirectory = v
	}
	switch v := vars["publish_cloudwatch_metrics"]; v {
	case "", publishCloudWatchDisabled:
	case publishCloudWatchEnabled:
		c.PublishCloudWatchMetrics = true
	default:
		errs = append(errs, fmt.Errorf("publish_cloudwatch_metrics must be Enabled or Disabled, got %q", v))
	}
	c.ExecutionLayout = vars[envExecutionLayout]
	switch v := vars[envReport]; v {
	case "", publishCloudWatchEnabled:
	case publishCloudWatchDisabled:
		c.NoReport = true
	default:
		errs = append(errs, fmt.Errorf("%s must be Enabled or Disabled, got %q", envReport, v))
	}
	if v := vars[envProgressInterval]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s must be a duration such as 5s or 1m (negative: never), got %q", envProgressInterval, v))
		}
		c.ProgressInterval = d
	}
	if err := c.deriveWindow(vars, time.Now()); err != nil {
		errs = append(errs, err)
	}
	if v, ok := vars["dataset_format"]; ok && v != "" {
		f, err := ParseFormat(v)
		if err != nil {
			errs = append(errs, err)
		}
		c.DatasetFormat = f
	}
	errs = append(errs, c.shardingFromEnv(vars, cfgDir)...)
	c.parseErrs = errs
	return c, c.Validate()
}

// EnvKeys are the environment variables container mode reads (contract §2), plus the two output
// locations, named after the real container's own parameter keys.
var EnvKeys = []string{
	"dataset_source", "dataset_format", "output_path", "publish_cloudwatch_metrics",
	"categorical_drift_method", "baseline_statistics", "baseline_constraints", "analysis_type",
	"start_time", "end_time", "metric_time", "sagemaker_endpoint_name",
	"sagemaker_monitoring_schedule_name", "output_message_file", "cloudwatch_metrics_directory",
	envWindow, envWindowOffset, envNow, envExecutionLayout, envReport, envProgressInterval,
	envShardIndex, envShardCount, envPartials, envMerge, envMergeTimeout, envRunID, envUnitSize,
	envSageMakerConfig, envJobCompletionIdx, envBatchArrayIndex, envBatchArraySize,
}

// envReport switches the HTML report: Enabled (default) or Disabled.
const envReport = "DRIFTWATCH_REPORT"

// envProgressInterval sets Config.ProgressInterval.
const envProgressInterval = "DRIFTWATCH_PROGRESS_INTERVAL"

// Validate reports every problem of the configuration at once.
func (c *Config) Validate() error {
	errs := slices.Clone(c.parseErrs)
	if c.DatasetSource == "" && !c.Sharding.mergeOnly() {
		errs = append(errs, errors.New("dataset_source is required"))
	}
	if c.DatasetFormat.Kind == 0 && len(c.parseErrs) == 0 && !c.Sharding.mergeOnly() {
		errs = append(errs, errors.New(`dataset_format is required, e.g. {"csv": {"header": true}}`))
	}
	if c.OutputPath == "" {
		errs = append(errs, errors.New("output_path is required"))
	}
	if m := c.CategoricalDriftMethod; m != "" && m != categoricalDriftLInfinity && m != categoricalDriftChiSquared {
		errs = append(errs, fmt.Errorf("categorical_drift_method must be LInfinity or ChiSquared, got %q", m))
	}
	if c.AnalysisType != "" && c.AnalysisType != analysisTypeModelQuality {
		errs = append(errs, fmt.Errorf("analysis_type %q is not supported (only MODEL_QUALITY is defined)", c.AnalysisType))
	}
	if _, _, err := c.window(); err != nil {
		errs = append(errs, err)
	}
	if c.DatasetFormat.Kind == FormatCapture && c.BaselineConstraints == "" && c.BaselineStatistics == "" {
		errs = append(errs, errors.New("dataset_format sagemakerCaptureJson needs a baseline (baseline_constraints and/or baseline_statistics): capture rows have no column names"))
	}
	if c.ExecutionLayout != "" && c.ExecutionLayout != layoutSageMaker {
		errs = append(errs, fmt.Errorf("%s must be %q or empty, got %q", envExecutionLayout, layoutSageMaker, c.ExecutionLayout))
	}
	if c.Parallelism < 1 {
		errs = append(errs, fmt.Errorf("parallelism must be at least 1, got %d", c.Parallelism))
	}
	if c.ChunkSize < 1 {
		errs = append(errs, fmt.Errorf("chunk size must be positive, got %d", c.ChunkSize))
	}
	errs = append(errs, c.validateSharding()...)
	return errors.Join(errs...)
}

// TimeLayout is the layout of start_time, end_time and metric_time (contract §2).
const TimeLayout = "2006-01-02T15:04:05Z"

// window parses start_time and end_time; both zero when absent.
func (c *Config) window() (start, end time.Time, err error) {
	var errs []error
	parse := func(name, v string) time.Time {
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: expected a UTC time like 2021-10-27T21:00:00Z", name, v))
		}
		return t.UTC()
	}
	start, end = parse("start_time", c.StartTime), parse("end_time", c.EndTime)
	parse("metric_time", c.MetricTime)
	switch {
	case len(errs) > 0:
	case start.IsZero() != end.IsZero():
		errs = append(errs, errors.New("start_time and end_time must be given together"))
	case !start.IsZero() && !end.After(start):
		errs = append(errs, fmt.Errorf("end_time %s is not after start_time %s", c.EndTime, c.StartTime))
	}
	return start, end, errors.Join(errs...)
}

// listOptions narrow the input listing: an S3 capture tree is listed only for the window's hours.
func (c *Config) listOptions() source.Options {
	start, end, _ := c.window()
	return source.Options{Start: start, End: end, Capture: c.DatasetFormat.Kind == FormatCapture}
}

// captureOptions are the capture reader's options for this job.
func (c *Config) captureOptions() capture.Options {
	start, end, _ := c.window()
	return capture.Options{
		IndexNames:  c.DatasetFormat.CaptureIndexNames,
		OutputFirst: c.DatasetFormat.OutputColumnsPosition != outputColumnsPositionEnd,
		Start:       start,
		End:         end,
	}
}

// LogAttrs is the effective configuration as log attributes, in a fixed order; empty settings
// are left out. The configuration holds no secrets (credentials come from the AWS chain).
func (c *Config) LogAttrs() []any {
	format := c.DatasetFormat.Kind.String()
	if c.DatasetFormat.Kind == FormatCSV {
		format += fmt.Sprintf(" header=%t output_columns_position=%s", c.DatasetFormat.Header, c.DatasetFormat.OutputColumnsPosition)
	}
	kv := []string{
		"dataset_source", c.DatasetSource, "dataset_format", format, "output_path", c.OutputPath,
		"baseline_statistics", c.BaselineStatistics, "baseline_constraints", c.BaselineConstraints,
		"analysis_type", c.AnalysisType, "categorical_drift_method", c.CategoricalDriftMethod,
		"start_time", c.StartTime, "end_time", c.EndTime, "metric_time", c.MetricTime,
		"endpoint_name", c.EndpointName, "schedule_name", c.ScheduleName,
		"output_message_file", c.OutputMessageFile, "cloudwatch_metrics_directory", c.CloudWatchMetricsDirectory,
		"execution_layout", c.ExecutionLayout,
	}
	attrs := make([]any, 0, len(kv)/2+4)
	for i := 0; i < len(kv); i += 2 {
		if kv[i+1] != "" {
			attrs = append(attrs, slog.String(kv[i], kv[i+1]))
		}
	}
	return append(attrs, slog.Bool("publish_cloudwatch_metrics", c.PublishCloudWatchMetrics),
		slog.Int("parallelism", c.Parallelism), slog.Int("chunk_size", c.ChunkSize), slog.Bool("report", !c.NoReport))
}
