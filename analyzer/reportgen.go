package analyzer

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/driftwatch/driftwatch/analyzer/source"
	"github.com/driftwatch/driftwatch/report"
)

// ReportFile is the self-contained HTML report written beside the JSON outputs.
const ReportFile = "report.html"

// maxHistory is how many earlier executions feed the report's trend charts.
const maxHistory = 30

// writeReport renders report.html into the job's output folder. The SageMaker files are the
// contract; the report is for people, so a report that cannot be made is logged, not fatal.
func writeReport(ctx context.Context, cfg *Config, outcome string, baselineStats []byte, history []report.HistoryPoint, log Logger) {
	if cfg.NoReport {
		return
	}
	read := func(name string) []byte {
		b, err := source.ReadFile(ctx, filepath.Join(cfg.OutputPath, name))
		if err != nil {
			return nil
		}
		return b
	}
	m, err := report.Build(report.Input{
		Current: read(StatisticsFile), Baseline: baselineStats, Violations: read(ViolationsFile),
		Details: read(DetailsFile), Outcome: outcome, History: history,
	})
	if err == nil {
		err = renderReportFile(filepath.Join(cfg.OutputPath, ReportFile), m)
	}
	if err != nil {
		log.Error("report not written", "err", err)
		return
	}
	log.Info("report written", "path", filepath.Join(cfg.OutputPath, ReportFile))
}

// renderReportFile renders m straight into a temporary file beside path (Render buffers its writes
// and streams the ~1 MB echarts library from the binary) and renames it into place; a failed
// render leaves no file. Rendering into memory first cost a 1.5 MiB buffer of fresh pages, about
// a tenth of an hourly job's page faults.
func renderReportFile(path string, m *report.Model) error {
	return writeFileAtomicWith(path, func(w io.Writer) error { return report.Render(w, m) })
}

// reportHistory reads the drift and completeness of earlier executions under dest (with the
// execution layout), newest first, for the trend charts.
func reportHistory(ctx context.Context, dest string, log Logger) []report.HistoryPoint {
	list, err := ListExecutions(ctx, dest)
	if err != nil {
		log.Warn("execution history not read", "err", err)
		return nil
	}
	var out []report.HistoryPoint
	for _, e := range list {
		if len(out) == maxHistory {
			break
		}
		if e.Status == Failed.String() || e.Status == Stopped.String() {
			continue
		}
		t, _ := time.Parse(time.RFC3339, e.WindowEnd)
		hp := report.HistoryPoint{Time: t, Status: e.Status, Drift: map[string]float64{}, Completeness: map[string]float64{}}
		if b, err := source.ReadFile(ctx, joinPath(e.Path, DetailsFile)); err == nil {
			var d struct {
				Drift []struct {
					Feature string  `json:"feature_name"`
					Method  string  `json:"method"`
					Value   float64 `json:"value"`
				} `json:"drift"`
			}
			if json.Unmarshal(b, &d) == nil {
				for _, x := range d.Drift {
					// Chi-squared p-values are not distances: they would mislead on the same axis.
					if x.Method != "ChiSquared" {
						hp.Drift[x.Feature] = x.Value
					}
				}
			}
		}
		if b, err := source.ReadFile(ctx, joinPath(e.Path, StatisticsFile)); err == nil {
			var s struct {
				Features []struct {
					Name string `json:"name"`
					Num  *struct {
						Completeness *float64 `json:"completeness"`
					} `json:"numerical_statistics"`
					Str *struct {
						Completeness *float64 `json:"completeness"`
					} `json:"string_statistics"`
				} `json:"features"`
			}
			if json.Unmarshal(b, &s) == nil {
				for _, f := range s.Features {
					switch {
					case f.Num != nil && f.Num.Completeness != nil:
						hp.Completeness[f.Name] = *f.Num.Completeness
					case f.Str != nil && f.Str.Completeness != nil:
						hp.Completeness[f.Name] = *f.Str.Completeness
					}
				}
			}
		}
		out = append(out, hp)
	}
	return out
}

func joinPath(dir, name string) string {
	if strings.HasPrefix(dir, "s3://") {
		return strings.TrimSuffix(dir, "/") + "/" + name
	}
	return filepath.Join(dir, name)
}
