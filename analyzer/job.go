// Package analyzer runs one Model Monitor job from its configuration to its output files: the
// baseline ("suggest baseline") job writes statistics.json and constraints.json; every job ends
// by writing its outcome to the message file (contract §9).
//
// Data flows one way: source (list and open files) → decode (chunks → Arrow record batches) →
// stats (per-column accumulators, merged in input order) → checks (suggest / evaluate) →
// sagemaker (the JSON files) → the output directory.
package analyzer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/driftwatch/driftwatch/analyzer/checks"
	"github.com/driftwatch/driftwatch/analyzer/decode"
	"github.com/driftwatch/driftwatch/analyzer/jackson"
	"github.com/driftwatch/driftwatch/analyzer/s3io"
	"github.com/driftwatch/driftwatch/analyzer/sagemaker"
	"github.com/driftwatch/driftwatch/analyzer/source"
	"github.com/driftwatch/driftwatch/report"
)

// Logger receives the job's structured log records; *slog.Logger implements it. Records carry
// their values as key-value attributes (JSON in container mode, text on a terminal).
type Logger interface {
	Info(msg string, args ...any)
	Warn(msg string, args ...any)
	Error(msg string, args ...any)
}

// Status is a job outcome (contract §9; the MonitoringExecutionStatus names).
type Status uint8

// The outcomes.
const (
	Completed Status = iota
	CompletedWithViolations
	Failed
	Stopped
)

func (s Status) String() string {
	switch s {
	case Completed:
		return "Completed"
	case CompletedWithViolations:
		return "CompletedWithViolations"
	case Failed:
		return "Failed"
	case Stopped:
		return "Stopped"
	}
	return "Status(?)"
}

// Exit codes of the binary, one per outcome class (docs/outcomes.md).
const (
	ExitOK       = 0 // Completed or CompletedWithViolations
	ExitFailed   = 1 // bad input, missing files, broken baseline: the job ended Failed
	ExitConfig   = 2 // invalid configuration or command line
	ExitInternal = 3 // a bug: an impossible state was reached
	ExitStopped  = 143
)

// Error classes, testable with errors.Is; each maps to one outcome and exit code.
var (
	ErrConfig   = errors.New("invalid configuration")
	ErrStopped  = errors.New("stopped")
	ErrInternal = errors.New("internal error")
)

// Outcome is how a job ended.
type Outcome struct {
	Status     Status
	Violations int
	ItemCount  int64 // rows analysed
	// Partial is set when the job was a shard that only wrote its partial profile: it has no
	// statistics, report or execution record of its own (docs/sharding.md).
	Partial bool
	// Message is what the message file holds (at most MaxMessageBytes).
	Message string
	Err     error
}

// ExitCode maps the outcome to the process exit code.
func (o Outcome) ExitCode() int {
	switch {
	case o.Status == Completed || o.Status == CompletedWithViolations:
		return ExitOK
	case o.Status == Stopped:
		return ExitStopped
	case errors.Is(o.Err, ErrConfig):
		return ExitConfig
	case errors.Is(o.Err, ErrInternal):
		return ExitInternal
	}
	return ExitFailed
}

// MaxMessageBytes is the part of the message file SageMaker keeps as ExitMessage / FailureReason.
const MaxMessageBytes = 1024

// Output file names (contract §1.2).
const (
	StatisticsFile  = "statistics.json"
	ConstraintsFile = "constraints.json"
	ViolationsFile  = "constraint_violations.json"
)

// Run executes the job cfg describes and writes the message file (cfg.OutputMessageFile; none when
// empty). It never panics on bad input: every problem becomes a Failed outcome naming the file,
// line and what was expected.
func Run(ctx context.Context, cfg Config, log Logger) Outcome {
	start := time.Now()
	out := runJob(ctx, &cfg, log, start)
	// The message file comes last: SageMaker reads the outcome from it.
	if cfg.OutputMessageFile != "" {
		if err := writeFileAtomic(cfg.OutputMessageFile, []byte(out.Message)); err != nil {
			log.Error("cannot write the message file", "path", cfg.OutputMessageFile, "err", err)
			if out.Status != Failed {
				out = failed(fmt.Errorf("write message file: %w", err))
			}
		}
	}
	log.Info("job finished", "status", out.Status.String(), "message", out.Message, "rows", out.ItemCount, "violations", out.Violations, "seconds", time.Since(start).Seconds())
	return out
}

// runJob validates, stages the output folder (a temporary one for an s3:// output_path), runs the
// job, removes the outputs of a failed or stopped job, writes the execution record and uploads.
func runJob(ctx context.Context, cfg *Config, log Logger, start time.Time) (out Outcome) {
	defer func() {
		if r := recover(); r != nil {
			out = failed(fmt.Errorf("%w: %v", ErrInternal, r))
		}
	}()
	if err := cfg.Validate(); err != nil {
		if cfg.OutputPath != "" && !s3io.IsURI(cfg.OutputPath) {
			removeOutputs(cfg.OutputPath, cfg.outputFiles()...)
		}
		return failed(fmt.Errorf("%w: %w", ErrConfig, err))
	}
	log.Info("configuration", cfg.LogAttrs()...)
	dest := cfg.OutputPath
	rel := cfg.executionRel(start)
	cfg.outputDest = joinDest(dest, rel)
	stage := ""
	if s3io.IsURI(dest) {
		var err error
		if stage, err = os.MkdirTemp("", "driftwatch-output-"); err != nil {
			return failed(fmt.Errorf("create a staging folder for %s: %w", dest, err))
		}
		defer os.RemoveAll(stage)
		cfg.OutputPath = filepath.Join(stage, rel)
	} else {
		cfg.OutputPath = filepath.Join(dest, rel)
	}
	if rel != "" {
		log.Info("execution outputs", "destination", joinDest(dest, rel))
	}
	switch {
	case cfg.AnalysisType != "":
		out = failed(fmt.Errorf("%w: analysis_type %s is not implemented yet", ErrConfig, cfg.AnalysisType))
	case cfg.BaselineConstraints != "" || cfg.BaselineStatistics != "":
		out = runMonitor(ctx, cfg, log)
	default:
		out = runBaseline(ctx, cfg, log)
	}
	ok := out.Status == Completed || out.Status == CompletedWithViolations
	if ok && !cfg.NoReport && !out.Partial {
		var history []report.HistoryPoint
		if rel != "" {
			history = reportHistory(ctx, dest, log)
		}
		var baseStats []byte
		if cfg.BaselineStatistics != "" {
			baseStats, _ = source.ReadFile(ctx, cfg.BaselineStatistics)
		}
		writeReport(ctx, cfg, out.Message, baseStats, history, log)
	}
	if !ok {
		// No output of a failed or stopped job may pass for a result, nor may a stale one.
		if err := removeOutputs(cfg.OutputPath, cfg.outputFiles()...); err != nil {
			log.Error("cannot remove outputs", "err", err)
		}
	}
	if rel != "" && !out.Partial {
		e := Execution{Status: out.Status.String(), Message: out.Message, Endpoint: cfg.EndpointName, Schedule: cfg.ScheduleName,
			WindowStart: cfg.StartTime, WindowEnd: cfg.EndTime, StartedAt: start.UTC().Format(time.RFC3339Nano),
			EndedAt: time.Now().UTC().Format(time.RFC3339Nano), ItemCount: out.ItemCount, Violations: out.Violations}
		if !ok {
			e.FailureReason = out.Message
		}
		if err := writeExecution(cfg.OutputPath, e); err != nil {
			log.Error("cannot write the execution record", "err", err)
		}
	}
	if stage == "" {
		return out
	}
	// Upload: every output of a successful job (the execution record last); only the record of a
	// failed or stopped one. The upload outlives a stop signal, bounded in time.
	uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), uploadTimeout)
	defer cancel()
	c, err := source.S3(uctx)
	if err == nil {
		target := joinDest(dest, rel)
		if ok {
			last := ""
			if rel != "" {
				last = ExecutionFile
			}
			err = c.UploadDir(uctx, cfg.OutputPath, target, last)
		} else if rel != "" {
			err = uploadFile(uctx, c, filepath.Join(cfg.OutputPath, ExecutionFile), target+"/"+ExecutionFile)
		}
	}
	if err != nil && ok {
		return failed(fmt.Errorf("upload outputs to %s: %w", dest, err))
	}
	if err != nil {
		log.Error("cannot upload the execution record", "err", err)
	}
	return out
}

// uploadTimeout bounds the final upload, which runs even after a stop signal.
const uploadTimeout = 2 * time.Minute

func uploadFile(ctx context.Context, c *s3io.Client, path, uri string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	return c.Put(ctx, uri, f, fi.Size())
}

// joinDest appends a relative path to a local folder or an s3:// URI.
func joinDest(dest, rel string) string {
	if rel == "" {
		return dest
	}
	if s3io.IsURI(dest) {
		return strings.TrimSuffix(dest, "/") + "/" + filepath.ToSlash(rel)
	}
	return filepath.Join(dest, rel)
}

func failed(err error) Outcome {
	st := Failed
	if errors.Is(err, context.Canceled) || errors.Is(err, ErrStopped) {
		st = Stopped
		err = fmt.Errorf("%w: %w", ErrStopped, err)
	}
	prefix := "Error: "
	if st == Stopped {
		prefix = "Stopped: "
	}
	return Outcome{Status: st, Message: truncate(prefix+err.Error(), MaxMessageBytes), Err: err}
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func completed(violations int) Outcome {
	if violations == 0 {
		return Outcome{Status: Completed, Message: "Completed: Job completed successfully with no violations."}
	}
	return Outcome{Status: CompletedWithViolations, Violations: violations,
		Message: fmt.Sprintf("CompletedWithViolations: Job completed successfully with %d violations.", violations)}
}

// outputFiles are the files the job writes in output_path.
func (c *Config) outputFiles() []string {
	if c.BaselineConstraints != "" || c.BaselineStatistics != "" {
		return []string{StatisticsFile, ViolationsFile, DetailsFile, ReportFile}
	}
	return []string{StatisticsFile, ConstraintsFile, ReportFile}
}

func runBaseline(ctx context.Context, cfg *Config, log Logger) Outcome {
	// Stale outputs of an earlier run must not survive a failed one and pass for its result.
	if err := removeOutputs(cfg.OutputPath, cfg.outputFiles()...); err != nil {
		return failed(err)
	}
	ds, nfiles, early, err := acquireDataset(ctx, cfg, kindBaseline, nil, nil, log)
	if err != nil {
		return failed(err)
	}
	if early != nil {
		return *early // a shard that only writes its partial profile
	}
	prof, columns := ds.profile, ds.columns
	if prof.Rows == 0 {
		return failed(fmt.Errorf("%w: dataset_source %s has no data rows (%d file(s) read)", decode.ErrBadInput, cfg.DatasetSource, nfiles))
	}
	features := orderFeatures(prof.Features(), columns)
	log.Info("profiled", "rows", prof.Rows, "columns", len(features))
	cons := checks.Suggest(features, checks.SuggestOptions{CategoricalDriftMethod: cfg.CategoricalDriftMethod})
	if err := writeJSON(cfg.OutputPath, ConstraintsFile, cons.Document()); err != nil {
		return failed(err)
	}
	if err := writeJSON(cfg.OutputPath, StatisticsFile, sagemaker.StatisticsDocument(prof.Rows, features)); err != nil {
		return failed(err)
	}
	if err := ctx.Err(); err != nil {
		return failed(err)
	}
	o := completed(0)
	o.ItemCount = prof.Rows
	return o
}

// writeJSON writes doc as name in dir, in the real container's layout with a trailing newline
// (the housing files end with one), through a temporary file and a rename. The text is streamed
// to the file (jackson.Stream): statistics.json of wide data runs to tens of megabytes.
func writeJSON(dir, name string, doc jackson.Value) error {
	return writeFileAtomicWith(filepath.Join(dir, name), func(w io.Writer) error {
		if err := jackson.Stream(w, doc); err != nil {
			return err
		}
		_, err := w.Write([]byte{'\n'})
		return err
	})
}

// writeFileAtomic writes data to a temporary file beside path and renames it into place, so a
// reader never sees a partial file.
func writeFileAtomic(path string, data []byte) error {
	return writeFileAtomicWith(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// writeFileAtomicWith is writeFileAtomic with the content written by write.
func writeFileAtomicWith(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create output directory %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	werr := write(f)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func removeOutputs(dir string, names ...string) error {
	var errs []error
	for _, n := range names {
		if err := os.Remove(filepath.Join(dir, n)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("remove stale %s: %w", n, err))
		}
	}
	return errors.Join(errs...)
}
