package analyzer

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/driftwatch/driftwatch/analyzer/s3io"
)

// Version is the driftwatch version written into partial profiles (the binary sets it from its
// build-time version). The merge refuses partials written by different versions: the profile of a
// unit may change between versions, and then so would the merged bytes.
var Version = "dev"

// Sharding is how a job takes part in a sharded run (docs/sharding.md): shard Index of Count
// profiles its part of the input (units.go) and writes a partial profile to Partials; a merging
// job reads all the partials and writes the outputs, byte-identical to a single-node job's.
type Sharding struct {
	// Index and Count place this process: shard Index of Count. Count 0 means not a shard.
	Index, Count int
	// From says where Index and Count came from (flags, DRIFTWATCH_SHARD_INDEX,
	// JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, resourceconfig.json), for the log.
	From string
	// Partials is the folder or s3:// prefix of the partial profiles; empty means
	// {output_path}/partials (the execution's output folder with the SageMaker layout).
	Partials string
	// Merge makes the job merge the partials and write the outputs: alone (a merge job), or after
	// writing its own partial (host 0 of a SageMaker multi-instance job).
	Merge bool
	// MergeTimeout bounds how long a merging job waits for partials that are not there yet; 0
	// fails at once on a missing partial.
	MergeTimeout time.Duration
	// RunID, when set, must be the same in every partial of a job: partials left by another run
	// are then recognised as such. SageMaker jobs use the processing job's name.
	RunID string
	// ExpectCount, when set on a merge job, is the number of partials it must find.
	ExpectCount int
}

// Sharded reports whether the job profiles a shard and writes a partial profile.
func (s *Sharding) Sharded() bool { return s.Count > 0 }

// mergeOnly reports whether the job only merges partials (it reads no dataset).
func (s *Sharding) mergeOnly() bool { return s.Merge && !s.Sharded() }

// Environment of sharded jobs.
const (
	envShardIndex       = "DRIFTWATCH_SHARD_INDEX"
	envShardCount       = "DRIFTWATCH_SHARD_COUNT"
	envPartials         = "DRIFTWATCH_PARTIALS"
	envMerge            = "DRIFTWATCH_MERGE"
	envMergeTimeout     = "DRIFTWATCH_MERGE_TIMEOUT"
	envRunID            = "DRIFTWATCH_RUN_ID"
	envUnitSize         = "DRIFTWATCH_UNIT_SIZE"
	envSageMakerConfig  = "DRIFTWATCH_SAGEMAKER_CONFIG_DIR"
	envJobCompletionIdx = "JOB_COMPLETION_INDEX"      // Kubernetes Indexed Jobs
	envBatchArrayIndex  = "AWS_BATCH_JOB_ARRAY_INDEX" // AWS Batch array jobs
	envBatchArraySize   = "AWS_BATCH_JOB_ARRAY_SIZE"
	resourceConfigFile  = "resourceconfig.json" // SageMaker: {"current_host", "hosts", …}
	// defaultSageMakerMergeTimeout is how long host 0 of a SageMaker multi-instance job waits for
	// the other hosts' partials: they start together and do equal work, so an hour is generous
	// while still ending a job whose other host died well before the job's MaxRuntimeInSeconds.
	defaultSageMakerMergeTimeout = time.Hour
)

// shardingEnvKeys are the variables sharding reads (added to EnvKeys).
var shardingEnvKeys = []string{envShardIndex, envShardCount, envPartials, envMerge, envMergeTimeout, envRunID,
	envUnitSize, envSageMakerConfig, envJobCompletionIdx, envBatchArrayIndex, envBatchArraySize}

// sageMakerConfigDir returns the folder of processingjobconfig.json and resourceconfig.json:
// DRIFTWATCH_SAGEMAKER_CONFIG_DIR when set (tests, or a non-standard mount), else the folder of
// the given processingjobconfig.json path.
func sageMakerConfigDir(env Env, processingJobConfig string) string {
	if d, ok := env(envSageMakerConfig); ok && d != "" {
		return d
	}
	return filepath.Dir(processingJobConfig)
}

// processingJob is the part of processingjobconfig.json sharding needs.
type processingJob struct {
	ProcessingJobName string
	ProcessingInputs  []struct {
		InputName string
		S3Input   *struct {
			LocalPath              string
			S3Uri                  string
			S3DataDistributionType string
		}
	}
	ProcessingOutputConfig struct {
		Outputs []struct {
			OutputName string
			S3Output   *struct {
				S3Uri     string
				LocalPath string
			}
		}
	}
}

// resourceConfig is SageMaker's /opt/ml/config/resourceconfig.json.
type resourceConfig struct {
	CurrentHost string   `json:"current_host"`
	Hosts       []string `json:"hosts"`
}

// shardingFromEnv fills c.Sharding and c.UnitSize from the variables and, on SageMaker, the two
// configuration files in dir. Sources, first match wins: DRIFTWATCH_SHARD_INDEX (with
// DRIFTWATCH_SHARD_COUNT), JOB_COMPLETION_INDEX (with DRIFTWATCH_SHARD_COUNT),
// AWS_BATCH_JOB_ARRAY_INDEX (with AWS_BATCH_JOB_ARRAY_SIZE), resourceconfig.json with more than one
// host (the index of current_host among the hosts sorted by name, as SageMaker's own Spark
// container picks its primary host).
func (c *Config) shardingFromEnv(vars map[string]string, dir string) []error {
	var errs []error
	s := &c.Sharding
	atoi := func(name string) int {
		v := vars[name]
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || n < 0 {
			errs = append(errs, fmt.Errorf("%s must be a non-negative integer, got %q", name, v))
			return 0
		}
		return n
	}
	count := func(names ...string) int {
		for _, n := range names {
			if vars[n] != "" {
				return atoi(n)
			}
		}
		errs = append(errs, fmt.Errorf("%s is set: set %s to the number of shards", s.From, names[len(names)-1]))
		return 0
	}
	sageMaker := false
	switch {
	case vars[envShardIndex] != "":
		s.From = envShardIndex
		s.Index, s.Count = atoi(envShardIndex), count(envShardCount)
	case vars[envJobCompletionIdx] != "":
		s.From = envJobCompletionIdx
		s.Index, s.Count = atoi(envJobCompletionIdx), count(envShardCount)
	case vars[envBatchArrayIndex] != "":
		s.From = envBatchArrayIndex
		s.Index, s.Count = atoi(envBatchArrayIndex), count(envBatchArraySize, envShardCount)
	default:
		rc, err := readResourceConfig(filepath.Join(dir, resourceConfigFile))
		if err != nil {
			errs = append(errs, err)
		} else if rc != nil && len(rc.Hosts) > 1 {
			hosts := slices.Sorted(slices.Values(rc.Hosts))
			s.From = filepath.Join(dir, resourceConfigFile)
			s.Index, s.Count = slices.Index(hosts, rc.CurrentHost), len(hosts)
			if s.Index < 0 {
				errs = append(errs, fmt.Errorf("%s: current_host %q is not among the hosts %q", s.From, rc.CurrentHost, rc.Hosts))
				s.Index = 0
			}
			sageMaker = true
		}
	}
	if s.From == "" && vars[envShardCount] != "" {
		s.ExpectCount = atoi(envShardCount)
	}
	s.Partials = vars[envPartials]
	s.RunID = vars[envRunID]
	switch v := vars[envMerge]; v {
	case "":
		s.Merge = sageMaker && s.Index == 0
	case publishCloudWatchEnabled:
		s.Merge = true
	case publishCloudWatchDisabled:
	default:
		errs = append(errs, fmt.Errorf("%s must be Enabled or Disabled, got %q", envMerge, v))
	}
	if v := vars[envMergeTimeout]; v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("%s must be a duration such as 30m, got %q", envMergeTimeout, v))
		}
		s.MergeTimeout = d
	} else if sageMaker {
		s.MergeTimeout = defaultSageMakerMergeTimeout
	}
	if v := vars[envUnitSize]; v != "" {
		n, err := parseSize(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %v", envUnitSize, err))
		}
		c.UnitSize = n
	}
	if sageMaker {
		errs = append(errs, c.sageMakerSharding(filepath.Join(dir, filepath.Base(DefaultProcessingJobConfig)))...)
	}
	return errs
}

// sageMakerSharding completes a SageMaker multi-instance job's sharding from processingjobconfig.json:
// the run ID is the processing job's name, partials go below the S3 destination of output_path
// unless DRIFTWATCH_PARTIALS says otherwise, and a ShardedByS3Key dataset input is refused (each
// host would see other files, so no two hosts could agree on the split).
func (c *Config) sageMakerSharding(path string) []error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return []error{fmt.Errorf("read %s: %w", path, err)}
	}
	var pj processingJob
	if err := json.Unmarshal(raw, &pj); err != nil {
		return []error{fmt.Errorf("%s: %v", path, err)}
	}
	var errs []error
	s := &c.Sharding
	if s.RunID == "" {
		s.RunID = pj.ProcessingJobName
	}
	for _, in := range pj.ProcessingInputs {
		if in.S3Input == nil || in.S3Input.S3DataDistributionType != "ShardedByS3Key" || c.DatasetSource == "" {
			continue
		}
		lp := strings.TrimSuffix(in.S3Input.LocalPath, "/")
		if c.DatasetSource == lp || strings.HasPrefix(c.DatasetSource, lp+"/") || strings.HasPrefix(lp, strings.TrimSuffix(c.DatasetSource, "/")+"/") {
			errs = append(errs, fmt.Errorf("dataset_source %s is the ProcessingInput %q with S3DataDistributionType ShardedByS3Key: every host sees other files, so the hosts cannot agree on a split; use FullyReplicated, or give dataset_source as the s3:// URI and let driftwatch read its own part (docs/sharding.md)", c.DatasetSource, in.InputName))
		}
	}
	if s.Partials == "" && !s3io.IsURI(c.OutputPath) {
		for _, o := range pj.ProcessingOutputConfig.Outputs {
			if o.S3Output != nil && strings.TrimSuffix(o.S3Output.LocalPath, "/") == strings.TrimSuffix(c.OutputPath, "/") {
				s.Partials = strings.TrimSuffix(o.S3Output.S3Uri, "/") + "/partials"
			}
		}
	}
	return errs
}

func readResourceConfig(path string) (*resourceConfig, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	var rc resourceConfig
	if err := json.Unmarshal(raw, &rc); err != nil {
		return nil, fmt.Errorf("%s: not valid JSON: %v", path, err)
	}
	return &rc, nil
}

// parseSize parses a byte count: digits with an optional KiB, MiB or GiB suffix.
func parseSize(v string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSuffix(v, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("want a positive size such as 268435456 or 256MiB, got %q", v)
	}
	return n * mult, nil
}

// ParseShard parses a --shard flag: "i/n", shard i (from 0) of n.
func ParseShard(v string) (index, count int, err error) {
	a, b, ok := strings.Cut(v, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: want i/n with 0 <= i < n, e.g. 0/4", v)
	}
	return i, n, nil
}

// validateSharding reports the problems of the sharding settings.
func (c *Config) validateSharding() []error {
	var errs []error
	s := &c.Sharding
	if s.Count < 0 || s.Index < 0 || (s.Count > 0 && s.Index >= s.Count) {
		errs = append(errs, fmt.Errorf("shard %d of %d: the index must be in [0, count)", s.Index, s.Count))
	}
	if c.UnitSize < 0 {
		errs = append(errs, fmt.Errorf("unit size must be positive, got %d", c.UnitSize))
	}
	if s.Merge && s.Sharded() && s.Index != 0 {
		errs = append(errs, fmt.Errorf("only shard 0 can merge (this is shard %d of %d)", s.Index, s.Count))
	}
	if s.Sharded() && s.Count > 1 && s.Partials == "" && !s3io.IsURI(c.OutputPath) && strings.Contains(s.From, resourceConfigFile) {
		errs = append(errs, fmt.Errorf("a SageMaker multi-instance job needs %s=s3://… (or an S3 ProcessingOutput for output_path): host 0 reads the other hosts' partial profiles from there", envPartials))
	}
	return errs
}

// unitSize returns the configured unit size or DefaultUnitSize.
func (c *Config) unitSize() int64 {
	if c.UnitSize > 0 {
		return c.UnitSize
	}
	return DefaultUnitSize
}

// partialsLocation is where this job's partial profiles are written and read.
func (c *Config) partialsLocation() string {
	if c.Sharding.Partials != "" {
		return c.Sharding.Partials
	}
	return joinDest(c.outputDest, "partials")
}

// partialName is the file name of shard i of n's partial profile; zero-padded so that names sort
// in shard order.
func partialName(i, n int) string {
	return fmt.Sprintf("shard-%05d-of-%05d%s", i, n, PartialExt)
}
