package hll

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite tables.go from the reference tables in ../../../shared/spec/reference")

// sharedDir returns the absolute path of the repository-external shared/
// folder (../../../shared from this package), or skips the test when it is
// missing (failing instead when CI=true, so CI cannot silently lose the
// differential and golden tests).
func sharedDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "..", "..", "shared"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "spec", "reference", "hll.py")); err != nil {
		skipOrFail(t, "shared reference folder not available: "+err.Error())
	}
	return dir
}

// python3 returns the path of the python3 interpreter, or skips (fails when
// CI=true) if there is none.
func python3(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		skipOrFail(t, "python3 not available: "+err.Error())
	}
	return p
}

func skipOrFail(t testing.TB, reason string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(reason + " (required when CI=true)")
	}
	t.Skip(reason)
}
