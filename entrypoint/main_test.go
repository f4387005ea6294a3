package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

var binary string

// TestMain builds the real binary once; the tests run it as a user or a scheduler would.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "driftwatch-bin")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "driftwatch")
	cmd := exec.Command("go", "build", "-o", binary, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func housing(t *testing.T) string {
	dir := filepath.Join("..", "..", "shared", "conformance", "aai540-scottreidux-housing")
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance data missing in CI: %v", err)
		}
		t.Skipf("conformance data not beside the checkout (%v): skipping", err)
	}
	return dir
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

func sameFiles(t *testing.T, gotDir, wantDir string, names ...string) {
	t.Helper()
	for _, n := range names {
		got, err := os.ReadFile(filepath.Join(gotDir, n))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(wantDir, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from %s", filepath.Join(gotDir, n), filepath.Join(wantDir, n))
		}
	}
}

// TestContainerMode runs the binary with no arguments and the environment contract, as SageMaker
// does, with GOMAXPROCS=1 and with every core: the files are the real container's, byte for byte.
func TestContainerMode(t *testing.T) {
	dir := housing(t)
	for _, procs := range []string{"1", ""} {
		out := t.TempDir()
		cmd := exec.Command(binary)
		cmd.Env = []string{
			"dataset_source=" + dir + "/train_data.csv",
			`dataset_format={"csv": {"header": true, "output_columns_position": "START"}}`,
			"output_path=" + out, "publish_cloudwatch_metrics=Disabled",
			"output_message_file=" + filepath.Join(out, "message"),
			"GOMAXPROCS=" + procs,
		}
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("GOMAXPROCS=%q: %v\n%s", procs, err, b)
		}
		sameFiles(t, out, dir, "statistics.json", "constraints.json")
		if m, _ := os.ReadFile(filepath.Join(out, "message")); string(m) != "Completed: Job completed successfully with no violations." {
			t.Errorf("message %q", m)
		}
	}
}

func TestCLIBaseline(t *testing.T) {
	dir := housing(t)
	out := t.TempDir()
	b, err := exec.Command(binary, "baseline", "--dataset", dir+"/train_data.csv", "--format", "csv", "--header=true", "--output", out).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	sameFiles(t, out, dir, "statistics.json", "constraints.json")
}

func TestUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"baseline", "-h"}, 0, "--dataset"},
		{[]string{"monitor", "-h"}, 0, "-fail-on-violations"},
		{[]string{"help"}, 0, "container mode"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"baseline", "--format", "xml", "--dataset", "x", "--output", "y"}, 2, "unknown --format"},
		{[]string{"monitor", "--dataset", "x", "--output", "y"}, 2, "baseline-constraints"},
	} {
		b, err := exec.Command(binary, c.args...).CombinedOutput()
		if exitCode(err) != c.code || !strings.Contains(string(b), c.want) {
			t.Errorf("%v: exit %d, output %q; want exit %d mentioning %q", c.args, exitCode(err), b, c.code, c.want)
		}
	}
}

// TestFailOnViolations: monitor exits 4 with --fail-on-violations when violations are found, 0
// without the flag, and 0 on clean data.
func TestFailOnViolations(t *testing.T) {
	sc := filepath.Join("..", "analyzer", "testdata", "scenarios")
	base := t.TempDir()
	if b, err := exec.Command(binary, "baseline", "--dataset", sc+"/baseline.csv", "--output", base).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	run := func(scenario string, flags ...string) int {
		args := append([]string{"monitor", "--dataset", sc + "/" + scenario + "/current.csv", "--format", "csv",
			"--baseline-statistics", base + "/statistics.json", "--baseline-constraints", base + "/constraints.json", "--output", t.TempDir()}, flags...)
		_, err := exec.Command(binary, args...).CombinedOutput()
		return exitCode(err)
	}
	if c := run("numeric_drift", "--fail-on-violations"); c != 4 {
		t.Errorf("drifted data with --fail-on-violations: exit %d, want 4", c)
	}
	if c := run("numeric_drift"); c != 0 {
		t.Errorf("drifted data without the flag: exit %d, want 0", c)
	}
	if c := run("clean", "--fail-on-violations"); c != 0 {
		t.Errorf("clean data: exit %d, want 0", c)
	}
}

// TestSIGTERM: SageMaker and Kubernetes stop a job with SIGTERM. The job must end within 5 s as
// Stopped, say so in the message file, exit 143, and leave no output that looks complete.
func TestSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a large input")
	}
	in := t.TempDir()
	bigCSV(t, filepath.Join(in, "big.csv"), 400<<20)
	out := t.TempDir()
	msg := filepath.Join(out, "message")
	cmd := exec.Command(binary)
	cmd.Env = []string{"dataset_source=" + in, `dataset_format={"csv": {"header": true}}`, "output_path=" + out, "output_message_file=" + msg}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(700 * time.Millisecond)
	sent := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if took := time.Since(sent); took > 5*time.Second {
			t.Errorf("stopped after %v, want < 5s", took)
		}
		if c := exitCode(err); c != 143 {
			t.Fatalf("exit %d, want 143 (the job may have finished before the signal)", c)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("still running 10 s after SIGTERM")
	}
	m, _ := os.ReadFile(msg)
	if !strings.HasPrefix(string(m), "Stopped: ") {
		t.Errorf("message %q", m)
	}
	for _, n := range []string{"statistics.json", "constraints.json"} {
		if _, err := os.Stat(filepath.Join(out, n)); err == nil {
			t.Errorf("%s written by a stopped job", n)
		}
	}
}

// TestExecutions: four scheduled runs with the SageMaker layout (clean, drifted, broken input,
// stopped) leave four execution records that `driftwatch executions` lists newest first with their
// status.
func TestExecutions(t *testing.T) {
	sc := filepath.Join("..", "analyzer", "testdata", "scenarios")
	base := t.TempDir()
	if b, err := exec.Command(binary, "baseline", "--dataset", sc+"/baseline.csv", "--output", base).CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	out := t.TempDir()
	broken := filepath.Join(t.TempDir(), "broken.csv")
	os.WriteFile(broken, []byte("a,b\n1\n"), 0o644)
	for _, run := range []struct{ now, data string }{
		{"2026-11-01T10:05:00Z", sc + "/clean/current.csv"},
		{"2026-11-01T11:05:00Z", sc + "/numeric_drift/current.csv"},
		{"2026-11-01T12:05:00Z", broken},
	} {
		cmd := exec.Command(binary)
		cmd.Env = []string{"dataset_source=" + run.data, `dataset_format={"csv": {"header": true}}`, "output_path=" + out,
			"baseline_statistics=" + base + "/statistics.json", "baseline_constraints=" + base + "/constraints.json",
			"sagemaker_endpoint_name=ep", "sagemaker_monitoring_schedule_name=hourly",
			"DRIFTWATCH_WINDOW=previous-hour", "DRIFTWATCH_NOW=" + run.now, "DRIFTWATCH_EXECUTION_LAYOUT=sagemaker",
			"output_message_file=" + filepath.Join(t.TempDir(), "message")}
		cmd.Run()
	}
	// A fourth run, stopped by SIGTERM while it reads a large input.
	big := filepath.Join(t.TempDir(), "big.csv")
	bigCSV(t, big, 300<<20)
	stop := exec.Command(binary)
	stop.Env = []string{"dataset_source=" + big, `dataset_format={"csv": {"header": true}}`, "output_path=" + out,
		"baseline_statistics=" + base + "/statistics.json", "sagemaker_endpoint_name=ep", "sagemaker_monitoring_schedule_name=hourly",
		"DRIFTWATCH_WINDOW=previous-hour", "DRIFTWATCH_NOW=2026-11-01T13:05:00Z", "DRIFTWATCH_EXECUTION_LAYOUT=sagemaker",
		"output_message_file=" + filepath.Join(t.TempDir(), "message")}
	if err := stop.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	stop.Process.Signal(syscall.SIGTERM)
	if c := exitCode(stop.Wait()); c != 143 {
		t.Fatalf("stopped run: exit %d, want 143", c)
	}
	if _, err := os.Stat(filepath.Join(out, "ep", "hourly", "2026", "11", "01", "11", "constraint_violations.json")); err != nil {
		t.Errorf("outputs not under the execution prefix: %v", err)
	}
	b, err := exec.Command(binary, "executions", "--output", out, "--json").Output()
	if err != nil {
		t.Fatal(err)
	}
	var list []struct {
		Status     string `json:"status"`
		WindowEnd  string `json:"window_end"`
		Violations int    `json:"violations"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	want := []string{"Stopped", "Failed", "CompletedWithViolations", "Completed"}
	if len(list) != 4 {
		t.Fatalf("%d executions: %s", len(list), b)
	}
	for i, e := range list {
		if e.Status != want[i] {
			t.Errorf("execution %d: %s, want %s (%s)", i, e.Status, want[i], b)
		}
	}
	if list[1].WindowEnd != "2026-11-01T12:00:00Z" || list[2].Violations != 1 {
		t.Errorf("records: %s", b)
	}
	table, _ := exec.Command(binary, "executions", "--output", out).Output()
	if !strings.Contains(string(table), "CompletedWithViolations") || strings.Index(string(table), "Failed") > strings.Index(string(table), "CompletedWithViolations") {
		t.Errorf("table:\n%s", table)
	}
}

// bigCSV writes a CSV of about size bytes, for jobs that must still be running when a test acts.
func bigCSV(t *testing.T, path string, size int) {
	t.Helper()
	var block bytes.Buffer
	for i := 0; i < 20000; i++ {
		fmt.Fprintf(&block, "%d,%d.5,name%d,%t\n", i, i*7, i%1000, i%3 == 0)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("a,b,c,d\n")
	for written := 0; written < size; written += block.Len() {
		f.Write(block.Bytes())
	}
}
