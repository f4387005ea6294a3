package analyzer

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// scenarioFormats are the inputs every scenario is checked in: the same rows as CSV, JSON Lines,
// Parquet and endpoint capture.
var scenarioFormats = []struct {
	name, file, format string
}{
	{"csv", "current.csv", `{"csv": {"header": true}}`},
	{"jsonl", "current.jsonl.gz", `{"json": {"lines": true}}`},
	{"parquet", "current.parquet", `{"parquet": {}}`},
	{"capture", "capture", `{"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}`},
}

func runScenarios(t *testing.T, dir string) {
	if _, err := os.Stat(filepath.Join(dir, "baseline.csv")); err != nil {
		t.Fatalf("scenario data missing (%v): go test ./analyzer/ -run TestScenarios -update", err)
	}
	baseOut := map[string]string{}
	for _, m := range []string{"LInfinity", "ChiSquared"} {
		out := t.TempDir()
		o := runContainer(t, map[string]string{
			"dataset_source": filepath.Join(dir, "baseline.csv"), "dataset_format": `{"csv": {"header": true}}`,
			"output_path": out, "categorical_drift_method": m, "output_message_file": filepath.Join(out, "message"),
		})
		if o.Status != Completed {
			t.Fatalf("baseline job: %v %s", o.Status, o.Message)
		}
		baseOut[m] = out
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		n++
		sd := filepath.Join(dir, e.Name())
		var exp struct {
			Method      string   `json:"comparison_method"`
			Categorical string   `json:"categorical_drift_method"`
			Violations  []string `json:"violations"`
		}
		raw, err := os.ReadFile(filepath.Join(sd, "expect.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &exp); err != nil {
			t.Fatal(err)
		}
		base := baseOut["LInfinity"]
		if exp.Categorical == "ChiSquared" {
			base = baseOut["ChiSquared"]
		}
		cons := filepath.Join(t.TempDir(), "constraints.json")
		c, err := os.ReadFile(filepath.Join(base, ConstraintsFile))
		if err != nil {
			t.Fatal(err)
		}
		if exp.Method != "" {
			c = []byte(strings.Replace(string(c), `"comparison_method" : "Robust"`, `"comparison_method" : "`+exp.Method+`"`, 1))
		}
		if err := os.WriteFile(cons, c, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, f := range scenarioFormats {
			t.Run(e.Name()+"/"+f.name, func(t *testing.T) {
				out := t.TempDir()
				env := map[string]string{
					"dataset_source": filepath.Join(sd, f.file), "dataset_format": f.format, "output_path": out,
					"baseline_constraints": cons, "baseline_statistics": filepath.Join(base, StatisticsFile),
					"output_message_file": filepath.Join(out, "message"),
				}
				if f.name == "capture" {
					env["start_time"], env["end_time"] = "2026-11-01T10:00:00Z", "2026-11-01T11:00:00Z"
				}
				o := runContainer(t, env)
				if o.Status == Failed || o.Status == Stopped {
					t.Fatalf("%v: %s", o.Status, o.Message)
				}
				var got struct {
					Violations []struct {
						Feature string `json:"feature_name"`
						Check   string `json:"constraint_check_type"`
						Desc    string `json:"description"`
					} `json:"violations"`
				}
				raw, err := os.ReadFile(filepath.Join(out, ViolationsFile))
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(raw, &got); err != nil {
					t.Fatal(err)
				}
				var have []string
				for _, v := range got.Violations {
					have = append(have, v.Check+":"+v.Feature)
				}
				if !slices.Equal(have, exp.Violations) {
					details, _ := os.ReadFile(filepath.Join(out, DetailsFile))
					t.Errorf("violations %v, want %v\n%s", have, exp.Violations, details)
				}
				if (len(have) == 0) != (o.Status == Completed) || o.Violations != len(have) {
					t.Errorf("outcome %v with %d violations, file has %d", o.Status, o.Violations, len(have))
				}
			})
		}
	}
	if n != len(scenarioTable()) {
		t.Errorf("%d scenario folders, the table has %d: regenerate with -update", n, len(scenarioTable()))
	}
}
