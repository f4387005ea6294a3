package analyzer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestShardingFromEnv: each scheduler's way of naming the shard, SageMaker's configuration files,
// and the errors of incomplete settings.
func TestShardingFromEnv(t *testing.T) {
	base := map[string]string{"dataset_source": "s3://b/data/", "dataset_format": `{"csv": {}}`, "output_path": "s3://b/out"}
	smDir := func(t *testing.T, rc, pj string) string {
		d := t.TempDir()
		if rc != "" {
			must(t, os.WriteFile(filepath.Join(d, "resourceconfig.json"), []byte(rc), 0o644))
		}
		if pj != "" {
			must(t, os.WriteFile(filepath.Join(d, "processingjobconfig.json"), []byte(pj), 0o644))
		}
		return d
	}
	pj := `{"ProcessingJobName": "dq-123", "ProcessingInputs": [{"InputName": "data", "S3Input": {"LocalPath": "/opt/ml/processing/input/data", "S3Uri": "s3://b/data", "S3DataDistributionType": "%s"}}],
	        "ProcessingOutputConfig": {"Outputs": [{"OutputName": "result", "S3Output": {"S3Uri": "s3://b/results/dq-123", "LocalPath": "/opt/ml/processing/output"}}]}}`
	cases := []struct {
		name    string
		env     map[string]string
		dir     func(t *testing.T) string
		want    Sharding
		errs    []string
		partial string
	}{
		{name: "single node", want: Sharding{}},
		{name: "explicit", env: map[string]string{envShardIndex: "2", envShardCount: "5"}, want: Sharding{Index: 2, Count: 5, From: envShardIndex}},
		{name: "explicit without count", env: map[string]string{envShardIndex: "2"}, errs: []string{"set DRIFTWATCH_SHARD_COUNT"}},
		{name: "index out of range", env: map[string]string{envShardIndex: "5", envShardCount: "5"}, errs: []string{"shard 5 of 5"}},
		{name: "kubernetes indexed job", env: map[string]string{envJobCompletionIdx: "3", envShardCount: "4"}, want: Sharding{Index: 3, Count: 4, From: envJobCompletionIdx}},
		{name: "kubernetes without count", env: map[string]string{envJobCompletionIdx: "3"}, errs: []string{"JOB_COMPLETION_INDEX is set: set DRIFTWATCH_SHARD_COUNT"}},
		{name: "aws batch", env: map[string]string{envBatchArrayIndex: "7", envBatchArraySize: "10"}, want: Sharding{Index: 7, Count: 10, From: envBatchArrayIndex}},
		{name: "bad index", env: map[string]string{envShardIndex: "two", envShardCount: "5"}, errs: []string{"DRIFTWATCH_SHARD_INDEX must be a non-negative integer"}},
		{name: "merge job", env: map[string]string{envMerge: "Enabled", envShardCount: "6", envMergeTimeout: "10m", envPartials: "s3://b/p"},
			want: Sharding{Merge: true, ExpectCount: 6, MergeTimeout: 10 * time.Minute, Partials: "s3://b/p"}},
		{name: "merge of a non-zero shard", env: map[string]string{envShardIndex: "1", envShardCount: "2", envMerge: "Enabled"}, errs: []string{"only shard 0 can merge"}},
		{name: "sagemaker host 0 of 3 (sorted names)", env: map[string]string{"output_path": "/opt/ml/processing/output"},
			dir: func(t *testing.T) string {
				return smDir(t, `{"current_host": "algo-1", "hosts": ["algo-3", "algo-1", "algo-2"]}`, strings.Replace(pj, "%s", "FullyReplicated", 1))
			},
			want: Sharding{Index: 0, Count: 3, Merge: true, MergeTimeout: time.Hour, RunID: "dq-123", Partials: "s3://b/results/dq-123/partials"}},
		{name: "sagemaker host 2 of 3", env: map[string]string{"output_path": "/opt/ml/processing/output"},
			dir: func(t *testing.T) string {
				return smDir(t, `{"current_host": "algo-3", "hosts": ["algo-1", "algo-2", "algo-3"]}`, strings.Replace(pj, "%s", "FullyReplicated", 1))
			},
			want: Sharding{Index: 2, Count: 3, MergeTimeout: time.Hour, RunID: "dq-123", Partials: "s3://b/results/dq-123/partials"}},
		{name: "sagemaker single host", dir: func(t *testing.T) string { return smDir(t, `{"current_host": "algo-1", "hosts": ["algo-1"]}`, "") }, want: Sharding{}},
		{name: "sagemaker unknown host", dir: func(t *testing.T) string {
			return smDir(t, `{"current_host": "algo-9", "hosts": ["algo-1", "algo-2"]}`, "")
		},
			errs: []string{`current_host "algo-9" is not among the hosts`}},
		{name: "sagemaker without S3 for partials", env: map[string]string{"output_path": "/opt/ml/processing/output"},
			dir: func(t *testing.T) string {
				return smDir(t, `{"current_host": "algo-2", "hosts": ["algo-1", "algo-2"]}`, "")
			},
			errs: []string{"needs DRIFTWATCH_PARTIALS=s3://"}},
		{name: "sagemaker ShardedByS3Key", env: map[string]string{"dataset_source": "/opt/ml/processing/input/data"},
			dir: func(t *testing.T) string {
				return smDir(t, `{"current_host": "algo-2", "hosts": ["algo-1", "algo-2"]}`, strings.Replace(pj, "%s", "ShardedByS3Key", 1))
			},
			errs: []string{"ShardedByS3Key", `ProcessingInput "data"`}},
		{name: "sagemaker merge switched off", env: map[string]string{envMerge: "Disabled", envPartials: "s3://b/p"},
			dir: func(t *testing.T) string {
				return smDir(t, `{"current_host": "algo-1", "hosts": ["algo-1", "algo-2"]}`, "")
			},
			want: Sharding{Index: 0, Count: 2, MergeTimeout: time.Hour, Partials: "s3://b/p"}},
		{name: "unit size", env: map[string]string{envUnitSize: "64MiB"}, want: Sharding{}},
		{name: "bad unit size", env: map[string]string{envUnitSize: "big"}, errs: []string{"DRIFTWATCH_UNIT_SIZE"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range base {
				env[k] = v
			}
			for k, v := range c.env {
				env[k] = v
			}
			dir := t.TempDir()
			if c.dir != nil {
				dir = c.dir(t)
			}
			env[envSageMakerConfig] = dir
			cfg, err := ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, DefaultProcessingJobConfig)
			if len(c.errs) > 0 {
				if err == nil {
					t.Fatalf("no error, sharding %+v", cfg.Sharding)
				}
				for _, e := range c.errs {
					if !strings.Contains(err.Error(), e) {
						t.Errorf("error %q does not mention %q", err, e)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := cfg.Sharding
			if c.dir != nil && got.Count > 0 {
				c.want.From = filepath.Join(dir, resourceConfigFile)
			}
			if got != c.want {
				t.Errorf("sharding %+v, want %+v", got, c.want)
			}
			if c.name == "unit size" && cfg.UnitSize != 64<<20 {
				t.Errorf("unit size %d", cfg.UnitSize)
			}
		})
	}
}

func TestParseShard(t *testing.T) {
	for v, want := range map[string][2]int{"0/1": {0, 1}, "3/7": {3, 7}} {
		i, n, err := ParseShard(v)
		if err != nil || i != want[0] || n != want[1] {
			t.Errorf("%q: %d/%d %v", v, i, n, err)
		}
	}
	for _, v := range []string{"", "1", "7/7", "-1/3", "a/b", "1/0"} {
		if _, _, err := ParseShard(v); err == nil {
			t.Errorf("%q accepted", v)
		}
	}
}
