package source

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestList(t *testing.T) {
	root := t.TempDir()
	for name, data := range map[string]string{
		"b.csv": "1", "a/z.csv": "2", "a/b.csv": "3", "_SUCCESS": "", ".hidden.csv": "x", "a/.crc/c.csv": "x",
		"_tmp/d.csv": "x", "empty.csv": "", "c.csv.gz": "x",
	} {
		p := filepath.Join(root, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte(data), 0o644)
	}
	files, err := List(t.Context(), root, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		rel, _ := filepath.Rel(root, f.Path)
		got = append(got, rel)
	}
	want := []string{"a/b.csv", "a/z.csv", "b.csv", "c.csv.gz"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("got %v, want %v", got, want)
		}
	}
	if fs, err := List(t.Context(), filepath.Join(root, "_tmp"), Options{}); err != nil || len(fs) != 1 {
		t.Errorf("a root named like a hidden folder is still read: %v %v", fs, err)
	}
	only := filepath.Join(root, "only")
	os.MkdirAll(only, 0o755)
	os.WriteFile(filepath.Join(only, "_SUCCESS"), nil, 0o644)
	os.WriteFile(filepath.Join(only, ".x.csv"), []byte("1"), 0o644)
	if _, err := List(t.Context(), only, Options{}); !errors.Is(err, ErrNoInput) {
		t.Errorf("a folder with only hidden content: %v", err)
	}
	if fs, err := List(t.Context(), filepath.Join(root, "b.csv"), Options{}); err != nil || len(fs) != 1 {
		t.Errorf("a single file: %v %v", fs, err)
	}
	if _, err := List(t.Context(), filepath.Join(root, "nope"), Options{}); err == nil {
		t.Error("missing path: no error")
	}
}

func TestOpenGzip(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte("a,b\n1,2\n"))
	zw.Close()
	p := filepath.Join(dir, "d.csv.gz")
	os.WriteFile(p, buf.Bytes(), 0o644)
	r, err := Open(t.Context(), File{Path: p})
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	r.Close()
	if err != nil || string(b) != "a,b\n1,2\n" {
		t.Errorf("read %q %v", b, err)
	}
	os.WriteFile(p, []byte("not gzip"), 0o644)
	if _, err := Open(t.Context(), File{Path: p}); err == nil {
		t.Error("not gzip: no error")
	}
}
