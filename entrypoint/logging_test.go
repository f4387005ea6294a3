package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestContainerLogs checks the container-mode log: one JSON object per line, the effective
// configuration first, progress records while the job runs and the outcome last; the CLI logs text.
func TestContainerLogs(t *testing.T) {
	dir := housing(t)
	out := t.TempDir()
	cmd := exec.Command(binary)
	cmd.Env = []string{
		"dataset_source=" + dir + "/train_data.csv",
		`dataset_format={"csv": {"header": true}}`,
		"output_path=" + out, "output_message_file=" + filepath.Join(out, "message"),
		// Every merged chunk is past a 1 ns interval: the job logs progress at least once.
		"DRIFTWATCH_PROGRESS_INTERVAL=1ns",
		"AWS_SECRET_ACCESS_KEY=do-not-log-me",
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "do-not-log-me") {
		t.Error("the log contains the secret")
	}
	var records []map[string]any
	sc := bufio.NewScanner(&stderr)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("log line is not JSON: %q: %v", sc.Text(), err)
		}
		for _, k := range []string{"time", "level", "msg"} {
			if _, ok := r[k]; !ok {
				t.Errorf("log record without %q: %s", k, sc.Text())
			}
		}
		records = append(records, r)
	}
	if len(records) < 3 {
		t.Fatalf("%d log records, want configuration, progress and outcome", len(records))
	}
	first, last := records[0], records[len(records)-1]
	if first["msg"] != "configuration" || first["dataset_source"] != dir+"/train_data.csv" || first["output_path"] != out {
		t.Errorf("first record is not the effective configuration: %v", first)
	}
	var want struct {
		Dataset struct {
			ItemCount float64 `json:"item_count"`
		} `json:"dataset"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "statistics.json")); err != nil || json.Unmarshal(b, &want) != nil {
		t.Fatalf("the real container's statistics.json: %v", err)
	}
	if last["status"] != "Completed" || last["rows"] != want.Dataset.ItemCount {
		t.Errorf("last record is not the outcome: %v", last)
	}
	var progress int
	for _, r := range records {
		if r["msg"] == "progress" {
			progress++
			if rows, _ := r["rows"].(float64); rows <= 0 {
				t.Errorf("progress record without rows: %v", r)
			}
		}
	}
	if progress == 0 {
		t.Error("no progress record")
	}

	// The CLI logs text for a person.
	b, err := exec.Command(binary, "baseline", "--dataset", dir+"/train_data.csv", "--output", t.TempDir(), "--report=false").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if !strings.Contains(string(b), `level=INFO msg="job finished" status=Completed`) || json.Valid(bytes.SplitN(b, []byte("\n"), 2)[0]) {
		t.Errorf("CLI log is not text:\n%s", b)
	}
}
