package analyzer

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sort"
	"strings"

	"github.com/driftwatch/driftwatch/analyzer/capture"
	"github.com/driftwatch/driftwatch/analyzer/checks"
	"github.com/driftwatch/driftwatch/analyzer/decode"
	"github.com/driftwatch/driftwatch/analyzer/jackson"
	"github.com/driftwatch/driftwatch/analyzer/sagemaker"
	"github.com/driftwatch/driftwatch/analyzer/source"
	"github.com/driftwatch/driftwatch/stats"
)

// Monitoring job output files beyond the SageMaker ones.
const (
	// DetailsFile holds the evidence behind each violation, every drift measurement and what
	// happened to the input records (docs/format/violation_details.md).
	DetailsFile = "violation_details.json"
	// MetricsFile is the CloudWatch metrics file in cloudwatch_metrics_directory (contract §10.1).
	MetricsFile = "cloudwatch_metrics.jsonl"
)

// baseline is a loaded baseline.
type baseline struct {
	constraints *sagemaker.Constraints // nil: only drift is checked
	statistics  *sagemaker.Statistics  // nil: no drift check
	// fingerprint is the SHA-256 of both files' bytes: partial profiles of one job must agree on it.
	fingerprint [sha256.Size]byte
}

func loadBaseline(ctx context.Context, cfg *Config) (*baseline, error) {
	var b baseline
	h := sha256.New()
	if cfg.BaselineConstraints != "" {
		data, err := source.ReadFile(ctx, cfg.BaselineConstraints)
		if err != nil {
			return nil, fmt.Errorf("%w: baseline_constraints: %w", sagemaker.ErrBaseline, err)
		}
		h.Write([]byte("constraints\x00"))
		h.Write(data)
		if b.constraints, err = sagemaker.ParseConstraints(cfg.BaselineConstraints, data); err != nil {
			return nil, err
		}
	}
	if cfg.BaselineStatistics != "" {
		data, err := source.ReadFile(ctx, cfg.BaselineStatistics)
		if err != nil {
			return nil, fmt.Errorf("%w: baseline_statistics: %w", sagemaker.ErrBaseline, err)
		}
		h.Write([]byte("\x00statistics\x00"))
		h.Write(data)
		if b.statistics, err = sagemaker.ParseStatistics(cfg.BaselineStatistics, data); err != nil {
			return nil, err
		}
	}
	copy(b.fingerprint[:], h.Sum(nil))
	return &b, nil
}

// constraintsForDrift stands in for absent baseline constraints: the statistics' features with the
// default monitoring_config, so that only drift is evaluated.
func constraintsForDrift(s *sagemaker.Statistics) *sagemaker.Constraints {
	c := &sagemaker.Constraints{MonitoringConfig: sagemaker.DefaultMonitoringConfig()}
	for _, f := range s.Features {
		c.Features = append(c.Features, sagemaker.ConstraintFeature{Name: f.Name, InferredType: f.InferredType})
	}
	return c
}

// trackedValues are the values the window's profile must count exactly: every baseline domain
// value and categorical bucket.
func (b *baseline) trackedValues() []string {
	set := map[string]struct{}{}
	if b.constraints != nil {
		for _, f := range b.constraints.Features {
			for _, v := range f.Domains {
				set[v] = struct{}{}
			}
		}
	}
	if b.statistics != nil {
		for _, f := range b.statistics.Features {
			for _, bk := range f.Buckets {
				set[bk.Value] = struct{}{}
			}
		}
	}
	out := make([]string, 0, len(set))
	for v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func runMonitor(ctx context.Context, cfg *Config, log Logger) Outcome {
	if err := removeOutputs(cfg.OutputPath, cfg.outputFiles()...); err != nil {
		return failed(err)
	}
	base, err := loadBaseline(ctx, cfg)
	if err != nil {
		return failed(err)
	}
	cons := base.constraints
	if cons == nil {
		cons = constraintsForDrift(base.statistics)
	}
	ds, _, early, err := acquireDataset(ctx, cfg, kindMonitoring, base.fingerprint[:], base.trackedValues(), log)
	if err != nil {
		return failed(err)
	}
	if early != nil {
		return *early // a shard that only writes its partial profile
	}
	sum := ds.capture
	if cfg.DatasetFormat.Kind == FormatCapture {
		log.Info("capture records", "read", sum.Records, "outside_window", sum.OutsideWindow, "unusable", sum.Unusable, "rows", sum.Rows)
		for _, p := range sum.Examples {
			log.Warn("unusable capture record", "file", p.File, "line", p.Line, "reason", p.Reason)
		}
	}
	if ds.profile.Rows == 0 {
		if sum.Unusable > 0 {
			return failed(fmt.Errorf("%w: no usable record in the analysis window: %s", decode.ErrBadInput, describeCapture(sum)))
		}
		return emptyWindow(cfg, sum, log)
	}
	named := cfg.DatasetFormat.Kind != FormatCapture && !(cfg.DatasetFormat.Kind == FormatCSV && !cfg.DatasetFormat.Header)
	features := matchFeatures(orderFeatures(ds.profile.Features(), ds.columns), cons.Features, named, log)
	res := checks.Evaluate(checks.Input{Constraints: cons, Statistics: base.statistics, Current: features, ItemCount: ds.profile.Rows, DriftOnly: base.constraints == nil})
	for _, v := range res.Violations {
		log.Info("violation", "check", v.CheckType, "feature", v.FeatureName, "description", v.Description)
	}
	if err := writeJSON(cfg.OutputPath, StatisticsFile, sagemaker.StatisticsDocument(ds.profile.Rows, features)); err != nil {
		return failed(err)
	}
	if err := writeJSON(cfg.OutputPath, ViolationsFile, sagemaker.ViolationsDocument(violationRecords(res.Violations))); err != nil {
		return failed(err)
	}
	if err := writeJSON(cfg.OutputPath, DetailsFile, detailsDocument(cfg, ds.profile.Rows, sum, res)); err != nil {
		return failed(err)
	}
	if cfg.PublishCloudWatchMetrics && cons.MonitoringConfig.EmitMetrics != sagemaker.Disabled {
		if err := writeMetrics(cfg, features, res.Drifts); err != nil {
			return failed(err)
		}
	}
	if err := ctx.Err(); err != nil {
		return failed(err)
	}
	o := completed(len(res.Violations))
	o.ItemCount = ds.profile.Rows
	return o
}

// emptyWindow ends a monitoring job whose window holds no record: Completed, with empty
// statistics and violations and a message that says so (docs/monitoring.md) — the real service
// fails such jobs with "Job inputs had no data" (sdk#2634).
func emptyWindow(cfg *Config, sum capture.Summary, log Logger) Outcome {
	if err := writeJSON(cfg.OutputPath, StatisticsFile, sagemaker.StatisticsDocument(0, nil)); err != nil {
		return failed(err)
	}
	if err := writeJSON(cfg.OutputPath, ViolationsFile, sagemaker.ViolationsDocument(nil)); err != nil {
		return failed(err)
	}
	if err := writeJSON(cfg.OutputPath, DetailsFile, detailsDocument(cfg, 0, sum, checks.Result{})); err != nil {
		return failed(err)
	}
	o := completed(0)
	o.Message += " No data in the analysis window (" + describeCapture(sum) + ")."
	return o
}

func describeCapture(s capture.Summary) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d records read, %d outside the window, %d unusable", s.Records, s.OutsideWindow, s.Unusable)
	reasons := make([]string, 0, len(s.Reasons))
	for r := range s.Reasons {
		reasons = append(reasons, r)
	}
	sort.Strings(reasons)
	for _, r := range reasons {
		fmt.Fprintf(&b, "; %d × %s", s.Reasons[r], r)
	}
	if len(s.Examples) > 0 {
		fmt.Fprintf(&b, "; first: %s line %d: %s", s.Examples[0].File, s.Examples[0].Line, s.Examples[0].Reason)
	}
	return b.String()
}

func violationRecords(vs []checks.Violation) []sagemaker.Violation {
	out := make([]sagemaker.Violation, len(vs))
	for i, v := range vs {
		out[i] = sagemaker.Violation{FeatureName: v.FeatureName, CheckType: v.CheckType, Description: v.Description}
	}
	return out
}

func detailsDocument(cfg *Config, rows int64, sum capture.Summary, res checks.Result) *jackson.Object {
	vs := make(jackson.Array, len(res.Violations))
	for i, v := range res.Violations {
		vs[i] = jackson.NewObject().
			Set("feature_name", jackson.String(v.FeatureName)).
			Set("constraint_check_type", jackson.String(v.CheckType)).
			Set("description", jackson.String(v.Description)).
			Set("observed", jackson.Double(v.Evidence.Observed)).
			Set("threshold", jackson.Double(v.Evidence.Threshold)).
			Set("method", jackson.String(v.Evidence.Method)).
			Set("baseline_sample_size", jackson.Long(v.Evidence.Baseline)).
			Set("current_sample_size", jackson.Long(v.Evidence.Current))
	}
	ds := make(jackson.Array, len(res.Drifts))
	for i, d := range res.Drifts {
		ds[i] = jackson.NewObject().
			Set("feature_name", jackson.String(d.Feature)).
			Set("method", jackson.String(d.Method)).
			Set("value", jackson.Double(d.Distance)).
			Set("threshold", jackson.Double(d.Threshold)).
			Set("violated", jackson.Bool(d.Violated))
	}
	reasons := jackson.NewObject()
	keys := make([]string, 0, len(sum.Reasons))
	for r := range sum.Reasons {
		keys = append(keys, r)
	}
	sort.Strings(keys)
	for _, r := range keys {
		reasons.Set(r, jackson.Long(sum.Reasons[r]))
	}
	ex := make(jackson.Array, len(sum.Examples))
	for i, p := range sum.Examples {
		ex[i] = jackson.NewObject().Set("file", jackson.String(p.File)).Set("line", jackson.Long(p.Line)).Set("reason", jackson.String(p.Reason))
	}
	return jackson.NewObject().
		Set("version", jackson.Double(0)).
		Set("window", jackson.NewObject().
			Set("start_time", jackson.String(cfg.StartTime)).
			Set("end_time", jackson.String(cfg.EndTime))).
		Set("item_count", jackson.Long(rows)).
		Set("records", jackson.NewObject().
			Set("read", jackson.Long(sum.Records)).
			Set("rows", jackson.Long(sum.Rows)).
			Set("outside_window", jackson.Long(sum.OutsideWindow)).
			Set("unusable", jackson.Long(sum.Unusable)).
			Set("unusable_reasons", reasons).
			Set("examples", ex)).
		Set("violations", vs).
		Set("drift", ds)
}

// matchFeatures lines the window's features up with the baseline's. Capture rows and header-less
// CSV have no names: they are matched by position, as the real container does (contract §3.3), and
// take the baseline's names. Data with column names (CSV with header, JSON, Parquet) is matched by
// name when every baseline feature is present — JSON columns come sorted by name, so position
// would pair unrelated columns — with extra columns after the baseline's; otherwise by position.
func matchFeatures(cur []stats.Feature, base []sagemaker.ConstraintFeature, named bool, log Logger) []stats.Feature {
	if named {
		idx := make(map[string]int, len(cur))
		for i, f := range cur {
			idx[f.Name] = i
		}
		all := true
		for _, b := range base {
			if _, ok := idx[b.Name]; !ok {
				all = false
				break
			}
		}
		if all {
			out := make([]stats.Feature, 0, len(cur))
			used := make([]bool, len(cur))
			for _, b := range base {
				out = append(out, cur[idx[b.Name]])
				used[idx[b.Name]] = true
			}
			for i, f := range cur {
				if !used[i] {
					out = append(out, f)
				}
			}
			return out
		}
		log.Warn("the data's column names do not include every baseline feature: matching columns by position")
	}
	for i := range cur {
		if i < len(base) {
			cur[i].Name = base[i].Name
		}
	}
	return cur
}
