package analyzer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/driftwatch/driftwatch/analyzer/s3io"
	"github.com/driftwatch/driftwatch/analyzer/source"
)

// Execution history (the list_executions() of SageMaker's SDK): with DRIFTWATCH_EXECUTION_LAYOUT=
// sagemaker, a job writes its outputs under {output_path}/{endpoint}/{schedule}/yyyy/mm/dd/hh/ — the
// layout SageMaker gives monitoring reports, with the hour of the window's end (the scheduled run)
// — and an ExecutionFile record beside them, written last, whatever the outcome. Under SageMaker
// Processing leave it unset: the platform adds that prefix itself when it uploads output_path.
const (
	envExecutionLayout = "DRIFTWATCH_EXECUTION_LAYOUT"
	layoutSageMaker    = "sagemaker"
	// ExecutionFile is the per-execution record (docs/format/execution.md).
	ExecutionFile = "execution.json"
)

// Execution is the record of one job run.
type Execution struct {
	Status        string `json:"status"` // Completed, CompletedWithViolations, Failed, Stopped
	Message       string `json:"message"`
	FailureReason string `json:"failure_reason,omitempty"`
	Endpoint      string `json:"endpoint,omitempty"`
	Schedule      string `json:"schedule,omitempty"`
	WindowStart   string `json:"window_start,omitempty"`
	WindowEnd     string `json:"window_end,omitempty"`
	StartedAt     string `json:"started_at"`
	EndedAt       string `json:"ended_at"`
	ItemCount     int64  `json:"item_count"`
	Violations    int    `json:"violations"`
	// Path is where the record was found (filled by ListExecutions, not stored).
	Path string `json:"-"`
}

// executionRel is the per-execution output folder relative to output_path, or "" without the layout.
func (c *Config) executionRel(now time.Time) string {
	if c.ExecutionLayout != layoutSageMaker {
		return ""
	}
	t := now.UTC()
	if _, end, err := c.window(); err == nil && !end.IsZero() {
		t = end
	}
	ep, sched := c.EndpointName, c.ScheduleName
	if ep == "" {
		ep = "batch"
	}
	if sched == "" {
		sched = "adhoc"
	}
	return filepath.Join(ep, sched, t.Format("2006"), t.Format("01"), t.Format("02"), t.Format("15"))
}

func writeExecution(dir string, e Execution) error {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(dir, ExecutionFile), append(b, '\n'))
}

// ListExecutions finds every execution record under root (a folder or an s3:// prefix), newest
// window first (then newest run).
func ListExecutions(ctx context.Context, root string) ([]Execution, error) {
	var out []Execution
	if s3io.IsURI(root) {
		c, err := source.S3(ctx)
		if err != nil {
			return nil, err
		}
		objs, err := c.List(ctx, root)
		if err != nil && !errors.Is(err, source.ErrNoInput) {
			return nil, err
		}
		for _, o := range objs {
			if !strings.HasSuffix(o.URI, "/"+ExecutionFile) {
				continue
			}
			b, err := c.Get(ctx, o.URI)
			if err != nil {
				return nil, err
			}
			var e Execution
			if err := json.Unmarshal(b, &e); err != nil {
				return nil, fmt.Errorf("%s: %w", o.URI, err)
			}
			e.Path = strings.TrimSuffix(o.URI, "/"+ExecutionFile)
			out = append(out, e)
		}
		sortExecutions(out)
		return out, nil
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || d.Name() != ExecutionFile {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var e Execution
		if err := json.Unmarshal(b, &e); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		e.Path = filepath.Dir(path)
		out = append(out, e)
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	sortExecutions(out)
	return out, nil
}

func sortExecutions(out []Execution) {
	slices.SortStableFunc(out, func(a, b Execution) int {
		if c := strings.Compare(b.WindowEnd, a.WindowEnd); c != 0 {
			return c
		}
		return strings.Compare(b.StartedAt, a.StartedAt)
	})
}
