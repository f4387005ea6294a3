package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// shardTestCSV returns a CSV table with quoted line breaks, numbers and categories.
func shardTestCSV(rows int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, 9))
	var b bytes.Buffer
	b.WriteString("id,amount,count,region,comment\n")
	for i := range rows {
		comment := "ok"
		if r.IntN(7) == 0 {
			comment = "\"multi\nline, note\""
		}
		fmt.Fprintf(&b, "%d,%s,%d,r%d,%s\n", i, strconv.FormatFloat(r.ExpFloat64()*250, 'f', 2, 64), r.IntN(50), r.IntN(6), comment)
	}
	return b.Bytes()
}

// outputFiles reads the named files of a job's output folder.
func outputFiles(t *testing.T, dir string, names ...string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatalf("%v", err)
		}
		m[n] = b
	}
	return m
}

func sameOutputs(t *testing.T, what string, got, want map[string][]byte) {
	t.Helper()
	for n, w := range want {
		if !bytes.Equal(got[n], w) {
			t.Errorf("%s: %s differs from the single-node job's", what, n)
		}
	}
}

// TestSageMakerMultiHost runs a SageMaker Processing job with three instances the way SageMaker
// does: three separate processes of the binary, each with its own /opt/ml/config
// (resourceconfig.json naming it, processingjobconfig.json with the job name and the S3
// destination of its output), reading the dataset from the real S3 server. Hosts algo-2 and
// algo-3 write partial profiles to S3 and exit; algo-1 (index 0 among the sorted hosts) writes its
// own, waits for the others and merges. Its outputs are byte-identical to a single-node job's.
func TestSageMakerMultiHost(t *testing.T) {
	endpoint, key, secret := s3Server(t)
	ctx := context.Background()
	cl := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	bucket := "driftwatch-e2e-sagemaker-multihost"
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
		t.Fatal(err)
	}
	put := func(k string, b []byte) {
		if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: bytes.NewReader(b)}); err != nil {
			t.Fatal(err)
		}
	}
	// Four objects, one of them ~10 units of 32 KiB.
	for i, rows := range []int{300, 9000, 150, 800} {
		put(fmt.Sprintf("data/part-%d.csv", i), shardTestCSV(rows, uint64(i)))
	}
	common := append(s3Env(endpoint, key, secret), "dataset_source=s3://"+bucket+"/data/",
		`dataset_format={"csv": {"header": true}}`, "DRIFTWATCH_UNIT_SIZE=32KiB")

	single := t.TempDir()
	cmd := exec.Command(binary)
	cmd.Env = append(common, "output_path="+single, "output_message_file="+filepath.Join(single, "message"),
		"DRIFTWATCH_SAGEMAKER_CONFIG_DIR="+t.TempDir()) // no resourceconfig.json: one instance
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("single node: %v\n%s", err, b)
	}
	names := []string{"statistics.json", "constraints.json", "report.html"}
	want := outputFiles(t, single, names...)

	hosts := []string{"algo-1", "algo-2", "algo-3"}
	type host struct {
		out, msg string
		cmd      *exec.Cmd
		log      bytes.Buffer
	}
	var hs []*host
	job := fmt.Sprintf("dq-multihost-%d", time.Now().UnixNano()) // SageMaker job names are unique
	// algo-1 starts first and has to wait for the others' partials.
	for _, name := range hosts {
		h := &host{out: t.TempDir()}
		h.msg = filepath.Join(t.TempDir(), "message")
		conf := t.TempDir()
		must := func(err error) {
			if err != nil {
				t.Fatal(err)
			}
		}
		must(os.WriteFile(filepath.Join(conf, "resourceconfig.json"), []byte(fmt.Sprintf(
			`{"current_host": %q, "hosts": ["algo-3", "algo-1", "algo-2"], "network_interface_name": "eth0"}`, name)), 0o644))
		must(os.WriteFile(filepath.Join(conf, "processingjobconfig.json"), []byte(fmt.Sprintf(
			`{"ProcessingJobName": %q, "ProcessingOutputConfig": {"Outputs": [{"OutputName": "result",
			  "S3Output": {"S3Uri": "s3://%s/sm-output", "LocalPath": %q, "S3UploadMode": "EndOfJob"}}]}}`, job, bucket, h.out)), 0o644))
		h.cmd = exec.Command(binary)
		h.cmd.Env = append(common, "output_path="+h.out, "output_message_file="+h.msg, "DRIFTWATCH_SAGEMAKER_CONFIG_DIR="+conf)
		h.cmd.Stdout, h.cmd.Stderr = &h.log, &h.log
		if err := h.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		hs = append(hs, h)
	}
	for i, h := range hs {
		if err := h.cmd.Wait(); err != nil {
			t.Fatalf("%s: %v\n%s", hosts[i], err, h.log.String())
		}
	}
	sameOutputs(t, "host algo-1 after the merge", outputFiles(t, hs[0].out, names...), want)
	if m, _ := os.ReadFile(hs[0].msg); string(m) != "Completed: Job completed successfully with no violations." {
		t.Errorf("algo-1 message %q", m)
	}
	for i, h := range hs[1:] {
		m, _ := os.ReadFile(h.msg)
		if !strings.HasPrefix(string(m), fmt.Sprintf("Completed: Shard %d of 3", i+1)) || !strings.Contains(string(m), "s3://"+bucket+"/sm-output/partials/") {
			t.Errorf("%s message %q", hosts[i+1], m)
		}
		// SageMaker uploads every host's output folder to the same S3 prefix: only host 0 may
		// write outputs.
		if entries, _ := os.ReadDir(h.out); len(entries) != 0 {
			t.Errorf("%s wrote %d outputs", hosts[i+1], len(entries))
		}
	}
	list, err := cl.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(bucket), Prefix: aws.String("sm-output/partials/")})
	if err != nil || len(list.Contents) != 3 {
		t.Errorf("partials on S3: %v %v", list, err)
	}
	if !strings.Contains(hs[0].log.String(), "waiting for partial profiles") && !strings.Contains(hs[0].log.String(), "merging partial profiles") {
		t.Errorf("algo-1 did not merge:\n%s", hs[0].log.String())
	}
}

// TestIndexedJobFlow runs the two-step pattern of Kubernetes Indexed Jobs (and AWS Batch array
// jobs): map processes told their shard by JOB_COMPLETION_INDEX (resp. AWS_BATCH_JOB_ARRAY_INDEX)
// write partial profiles, then a merge process writes the outputs — here a monitoring job over an
// endpoint capture tree, byte-identical to the single-node job's. The merge is also run as the
// CLI command driftwatch merge.
func TestIndexedJobFlow(t *testing.T) {
	sc := filepath.Join("..", "analyzer", "testdata", "scenarios")
	base := t.TempDir()
	if b, err := exec.Command(binary, "baseline", "--dataset", sc+"/baseline.csv", "--output", base, "--report=false").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	// A capture tree: gzip files from several scenarios (whole units) and one large plain file
	// (split into units).
	tree := t.TempDir()
	hour := filepath.Join(tree, "ep", "AllTraffic", "2026", "11", "01", "10")
	if err := os.MkdirAll(hour, 0o755); err != nil {
		t.Fatal(err)
	}
	var plain bytes.Buffer
	for i, s := range []string{"clean", "numeric_drift", "categorical_values", "completeness"} {
		gz, err := os.ReadFile(filepath.Join(sc, s, "capture", "ep", "AllTraffic", "2026", "11", "01", "10", "10-00-000-capture.jsonl.gz"))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(hour, fmt.Sprintf("10-0%d-000-capture.jsonl.gz", i)), gz, 0o644)
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(&plain, zr)
	}
	os.WriteFile(filepath.Join(hour, "10-59-000-capture.jsonl"), plain.Bytes(), 0o644)
	env := []string{"dataset_source=" + tree, `dataset_format={"sagemakerCaptureJson": {}}`,
		"baseline_statistics=" + filepath.Join(base, "statistics.json"), "baseline_constraints=" + filepath.Join(base, "constraints.json"),
		"start_time=2026-11-01T10:00:00Z", "end_time=2026-11-01T11:00:00Z", "DRIFTWATCH_UNIT_SIZE=64KiB",
		"DRIFTWATCH_SAGEMAKER_CONFIG_DIR=" + t.TempDir()}
	run := func(what string, extra ...string) string {
		t.Helper()
		out := t.TempDir()
		cmd := exec.Command(binary)
		cmd.Env = append(append(env, "output_path="+out, "output_message_file="+filepath.Join(out, "message")), extra...)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", what, err, b)
		}
		return out
	}
	names := []string{"statistics.json", "constraint_violations.json", "violation_details.json", "report.html"}
	want := outputFiles(t, run("single node"), names...)

	for _, sched := range []struct {
		name  string
		shard func(i int) []string
	}{
		{"kubernetes", func(i int) []string {
			return []string{"JOB_COMPLETION_INDEX=" + strconv.Itoa(i), "DRIFTWATCH_SHARD_COUNT=3"}
		}},
		{"aws batch", func(i int) []string {
			return []string{"AWS_BATCH_JOB_ARRAY_INDEX=" + strconv.Itoa(i), "AWS_BATCH_JOB_ARRAY_SIZE=3"}
		}},
	} {
		t.Run(sched.name, func(t *testing.T) {
			partials := filepath.Join(t.TempDir(), "partials")
			// The map step: three pods at once.
			var cmds []*exec.Cmd
			var logs []*bytes.Buffer
			for i := range 3 {
				out := t.TempDir()
				cmd := exec.Command(binary)
				cmd.Env = append(append(env, "output_path="+out, "output_message_file="+filepath.Join(out, "message"), "DRIFTWATCH_PARTIALS="+partials), sched.shard(i)...)
				var log bytes.Buffer
				cmd.Stdout, cmd.Stderr = &log, &log
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				cmds, logs = append(cmds, cmd), append(logs, &log)
			}
			for i, c := range cmds {
				if err := c.Wait(); err != nil {
					t.Fatalf("shard %d: %v\n%s", i, err, logs[i])
				}
			}
			// The merge step: a plain Job in container mode.
			merged := run("merge job", "DRIFTWATCH_MERGE=Enabled", "DRIFTWATCH_PARTIALS="+partials, "DRIFTWATCH_SHARD_COUNT=3")
			sameOutputs(t, "merge job", outputFiles(t, merged, names...), want)
			// The same merge from the command line: format and window come from the partials.
			cli := t.TempDir()
			b, err := exec.Command(binary, "merge", "--partials", partials, "--output", cli, "--shards", "3",
				"--baseline-statistics", filepath.Join(base, "statistics.json"), "--baseline-constraints", filepath.Join(base, "constraints.json")).CombinedOutput()
			if err != nil {
				t.Fatalf("driftwatch merge: %v\n%s", err, b)
			}
			sameOutputs(t, "driftwatch merge", outputFiles(t, cli, names...), want)
		})
	}
	// A merge with a partial missing fails with exit code 1 and names it.
	partials := filepath.Join(t.TempDir(), "partials")
	run("shard 0 only", "JOB_COMPLETION_INDEX=0", "DRIFTWATCH_SHARD_COUNT=2", "DRIFTWATCH_PARTIALS="+partials)
	b, err := exec.Command(binary, "merge", "--partials", partials, "--output", t.TempDir(),
		"--baseline-statistics", filepath.Join(base, "statistics.json"), "--baseline-constraints", filepath.Join(base, "constraints.json")).CombinedOutput()
	if exitCode(err) != 1 || !strings.Contains(string(b), "shard-00001-of-00002.dwp") {
		t.Errorf("merge with a missing partial: exit %d\n%s", exitCode(err), b)
	}
}
