package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// s3Server returns the real S3 server .ci/run starts (versitygw), skipping on a laptop without one
// and failing in CI.
func s3Server(t *testing.T) (endpoint, key, secret string) {
	t.Helper()
	endpoint = os.Getenv("DRIFTWATCH_TEST_S3_ENDPOINT")
	if endpoint == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("DRIFTWATCH_TEST_S3_ENDPOINT is unset in CI: .ci/run must start versitygw")
		}
		t.Skip("DRIFTWATCH_TEST_S3_ENDPOINT unset: no real S3 server (start versitygw as .ci/run does)")
	}
	key, secret = "testkey", "testsecret"
	if v := os.Getenv("DRIFTWATCH_TEST_S3_ACCESS_KEY"); v != "" {
		key = v
	}
	if v := os.Getenv("DRIFTWATCH_TEST_S3_SECRET_KEY"); v != "" {
		secret = v
	}
	return endpoint, key, secret
}

func s3Env(endpoint, key, secret string) []string {
	return []string{"AWS_ENDPOINT_URL_S3=" + endpoint, "AWS_ACCESS_KEY_ID=" + key, "AWS_SECRET_ACCESS_KEY=" + secret,
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null"}
}

// TestS3EndToEnd runs the binary against the real S3 server: a baseline job reading the housing
// CSV from S3 and writing to S3 (byte-identical to the real container's files), then a monitoring
// job over a capture tree on S3 with a derived window and the execution layout, listed back with
// `driftwatch executions` from S3.
func TestS3EndToEnd(t *testing.T) {
	endpoint, key, secret := s3Server(t)
	dir := housing(t)
	ctx := context.Background()
	cl := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(key, secret, "")})
	bucket := "driftwatch-e2e-" + strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-"))
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil && !strings.Contains(err.Error(), "BucketAlready") {
		t.Fatal(err)
	}
	put := func(k string, b []byte) {
		if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: bytes.NewReader(b)}); err != nil {
			t.Fatal(err)
		}
	}
	get := func(k string) []byte {
		o, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(k)})
		if err != nil {
			t.Fatalf("get %s: %v", k, err)
		}
		defer o.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(o.Body)
		return b.Bytes()
	}
	csv, _ := os.ReadFile(filepath.Join(dir, "train_data.csv"))
	put("data/housing/train_data.csv", csv)
	put("data/housing/_SUCCESS", nil)

	cmd := exec.Command(binary)
	cmd.Env = append(s3Env(endpoint, key, secret), "dataset_source=s3://"+bucket+"/data/housing/", `dataset_format={"csv": {"header": true}}`,
		"output_path=s3://"+bucket+"/baseline", "output_message_file="+filepath.Join(t.TempDir(), "message"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("baseline on S3: %v\n%s", err, b)
	}
	for _, n := range []string{"statistics.json", "constraints.json"} {
		want, _ := os.ReadFile(filepath.Join(dir, n))
		if !bytes.Equal(get("baseline/"+n), want) {
			t.Errorf("%s on S3 differs from the real container's", n)
		}
	}

	// Many objects, read with read-ahead, give the same bytes as the same files read locally.
	lines := strings.SplitAfter(string(csv), "\n")
	header, rows := lines[0], lines[1:]
	local := t.TempDir()
	for i := 0; i < 7; i++ {
		part := header + strings.Join(rows[i*len(rows)/7:(i+1)*len(rows)/7], "")
		name := "part-" + string(rune('a'+i)) + ".csv"
		put("data/parts/"+name, []byte(part))
		os.WriteFile(filepath.Join(local, name), []byte(part), 0o644)
	}
	localOut := t.TempDir()
	if b, err := exec.Command(binary, "baseline", "--dataset", local, "--output", localOut, "--report=false").CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	cmd = exec.Command(binary, "baseline", "--dataset", "s3://"+bucket+"/data/parts", "--output", "s3://"+bucket+"/parts-out", "--report=false")
	cmd.Env = s3Env(endpoint, key, secret)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("baseline on 7 S3 objects: %v\n%s", err, b)
	}
	for _, n := range []string{"statistics.json", "constraints.json"} {
		want, _ := os.ReadFile(filepath.Join(localOut, n))
		if !bytes.Equal(get("parts-out/"+n), want) {
			t.Errorf("%s from 7 S3 objects differs from the same files read locally", n)
		}
	}

	// A capture tree: two hours of records; the job analyses 2026-11-01T10 only.
	sc := filepath.Join("..", "analyzer", "testdata", "scenarios")
	base := t.TempDir()
	if b, err := exec.Command(binary, "baseline", "--dataset", sc+"/baseline.csv", "--output", base).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	for _, n := range []string{"statistics.json", "constraints.json"} {
		b, _ := os.ReadFile(filepath.Join(base, n))
		put("scenario-baseline/"+n, b)
	}
	capture, _ := os.ReadFile(filepath.Join(sc, "numeric_drift", "capture", "ep", "AllTraffic", "2026", "11", "01", "10", "10-00-000-capture.jsonl.gz"))
	put("capture/ep/AllTraffic/2026/11/01/10/10-00-000-capture.jsonl.gz", capture)
	put("capture/ep/AllTraffic/2026/11/01/09/broken.jsonl", []byte("this hour is outside the window and never read\n"))
	cmd = exec.Command(binary)
	cmd.Env = append(s3Env(endpoint, key, secret), "dataset_source=s3://"+bucket+"/capture", `dataset_format={"sagemakerCaptureJson": {}}`,
		"output_path=s3://"+bucket+"/reports", "baseline_statistics=s3://"+bucket+"/scenario-baseline/statistics.json",
		"baseline_constraints=s3://"+bucket+"/scenario-baseline/constraints.json", "sagemaker_endpoint_name=ep",
		"sagemaker_monitoring_schedule_name=hourly", "DRIFTWATCH_WINDOW=previous-hour", "DRIFTWATCH_NOW=2026-11-01T11:07:00Z",
		"DRIFTWATCH_EXECUTION_LAYOUT=sagemaker", "output_message_file="+filepath.Join(t.TempDir(), "message"))
	b, err := cmd.CombinedOutput()
	if exitCode(err) != 0 || !strings.Contains(string(b), "CompletedWithViolations") {
		t.Fatalf("monitor on S3: %v\n%s", err, b)
	}
	var v struct {
		Violations []struct {
			Feature string `json:"feature_name"`
		} `json:"violations"`
	}
	if err := json.Unmarshal(get("reports/ep/hourly/2026/11/01/11/constraint_violations.json"), &v); err != nil || len(v.Violations) != 1 || v.Violations[0].Feature != "income" {
		t.Errorf("violations on S3: %+v %v", v, err)
	}
	// Only the window's hour was listed and read: the broken object in hour 09 would have been
	// counted as an unusable record.
	var d struct {
		Records struct {
			Read     int64 `json:"read"`
			Unusable int64 `json:"unusable"`
		} `json:"records"`
	}
	if err := json.Unmarshal(get("reports/ep/hourly/2026/11/01/11/violation_details.json"), &d); err != nil || d.Records.Read != 500 || d.Records.Unusable != 0 {
		t.Errorf("records read from S3: %+v (%v), want 500 read and none unusable", d.Records, err)
	}
	ex := exec.Command(binary, "executions", "--output", "s3://"+bucket+"/reports", "--json")
	ex.Env = s3Env(endpoint, key, secret)
	out, err := ex.Output()
	if err != nil {
		t.Fatalf("executions: %v", err)
	}
	var list []struct {
		Status    string `json:"status"`
		WindowEnd string `json:"window_end"`
		Path      string `json:"path"`
	}
	if err := json.Unmarshal(out, &list); err != nil || len(list) != 1 || list[0].Status != "CompletedWithViolations" ||
		list[0].WindowEnd != "2026-11-01T11:00:00Z" || list[0].Path != "s3://"+bucket+"/reports/ep/hourly/2026/11/01/11" {
		t.Errorf("executions on S3: %s (%v)", out, err)
	}
}
