package analyzer

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// sharedDir returns the conformance folder beside the checkout, skipping the test when it is
// absent on a developer's machine and failing it in CI.
func sharedDir(t *testing.T, parts ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{"..", "..", "shared", "conformance"}, parts...)...)
	if _, err := os.Stat(dir); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("conformance data missing in CI: %v", err)
		}
		t.Skipf("conformance data not beside the checkout (%v): skipping", err)
	}
	return dir
}

func testLogger(t testing.TB) Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil)).With("test", t.Name())
	}
	return slog.New(slog.DiscardHandler)
}

// runContainer runs a job the way container mode does, from environment variables.
func runContainer(t *testing.T, env map[string]string) Outcome {
	t.Helper()
	cfg, err := ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, filepath.Join(t.TempDir(), "absent.json"))
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	return Run(context.Background(), cfg, testLogger(t))
}

// TestHousingGolden is the acceptance test of the baseline job: the real container's files for
// the housing dataset, byte for byte.
func TestHousingGolden(t *testing.T) {
	dir := sharedDir(t, "aai540-scottreidux-housing")
	out := t.TempDir()
	msg := filepath.Join(out, "message")
	o := runContainer(t, map[string]string{
		"dataset_source":      filepath.Join(dir, "train_data.csv"),
		"dataset_format":      `{"csv": {"header": true}}`,
		"output_path":         out,
		"output_message_file": msg,
	})
	if o.Status != Completed || o.ExitCode() != 0 {
		t.Fatalf("outcome %v (%s)", o.Status, o.Message)
	}
	for _, name := range []string{StatisticsFile, ConstraintsFile} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s differs from the real container's: %s", name, firstDiff(got, want))
		}
	}
	m, err := os.ReadFile(msg)
	if err != nil {
		t.Fatal(err)
	}
	if string(m) != "Completed: Job completed successfully with no violations." {
		t.Errorf("message file: %q", m)
	}
}

// firstDiff describes where two byte slices first differ, with a little context.
func firstDiff(got, want []byte) string {
	i := 0
	for i < len(got) && i < len(want) && got[i] == want[i] {
		i++
	}
	line := bytes.Count(want[:i], []byte("\n")) + 1
	lo := max(0, i-80)
	return fmt.Sprintf("first difference at byte %d (line %d)\n got: %s\nwant: %s",
		i, line, got[lo:min(len(got), i+80)], want[lo:min(len(want), i+80)])
}
