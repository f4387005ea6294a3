package analyzer

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBadInput covers each class of bad input: the job ends Failed with a message that names the
// file, the line or record and the problem; the exit code is non-zero; and neither statistics.json
// nor constraints.json is left behind (a stale one from an earlier run is removed too).
func TestBadInput(t *testing.T) {
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	big := bytes.Repeat([]byte("1,2,3\n"), 100000)
	truncatedGzip := gz(append([]byte("a,b,c\n"), big...))
	truncatedGzip = truncatedGzip[:len(truncatedGzip)/2]

	cases := []struct {
		name   string
		format string
		files  map[string][]byte // relative path → content; nil map: an empty directory
		want   []string          // substrings the message must contain
	}{
		{"header only", `{"csv": {"header": true}}`, map[string][]byte{"d.csv": []byte("a,b\n")}, []string{"no data rows"}},
		{"empty directory", `{"csv": {"header": true}}`, nil, []string{"no input files"}},
		{"ragged row", `{"csv": {"header": true}}`, map[string][]byte{"d.csv": []byte("a,b,c\n1,2,3\n4,5\n6,7,8\n")}, []string{"d.csv", "line 3", "3 fields", "2"}},
		{"unbalanced quote", `{"csv": {"header": false}}`, map[string][]byte{"d.csv": []byte("1,2\n3,\"4\n5,6\n")}, []string{"d.csv", "line 2", "quote"}},
		{"invalid utf-8", `{"csv": {"header": true}}`, map[string][]byte{"d.csv": []byte("a,b\n1,2\n3,\xff\xfe\n")}, []string{"d.csv", "line 3", "UTF-8"}},
		{"json syntax error", `{"json": {"lines": true}}`, map[string][]byte{"d.jsonl": []byte("{\"a\": 1}\n{\"a\": 2,}\n")}, []string{"d.jsonl", "line 2"}},
		{"json not an object", `{"json": {"lines": true}}`, map[string][]byte{"d.jsonl": []byte("{\"a\": 1}\n[1,2]\n")}, []string{"d.jsonl", "line 2", "object"}},
		{"corrupt parquet", `{"parquet": {}}`, map[string][]byte{"d.parquet": []byte("PAR1 this is not parquet PAR1")}, []string{"d.parquet"}},
		{"truncated gzip", `{"csv": {"header": true}}`, map[string][]byte{"d.csv.gz": truncatedGzip}, []string{"d.csv.gz"}},
		{"not gzip", `{"csv": {"header": true}}`, map[string][]byte{"d.csv.gz": []byte("a,b\n1,2\n")}, []string{"d.csv.gz", "gzip"}},
		{"different headers", `{"csv": {"header": true}}`, map[string][]byte{"a.csv": []byte("x,y\n1,2\n"), "b.csv": []byte("y,x\n1,2\n")}, []string{"b.csv", "a.csv", "columns"}},
		{"unknown format", `{"avro": {}}`, map[string][]byte{"d.csv": []byte("a\n1\n")}, []string{"unknown dataset_format", "avro"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := t.TempDir()
			for name, data := range c.files {
				if err := os.WriteFile(filepath.Join(in, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out := t.TempDir()
			// A stale result of an earlier run must not survive.
			os.WriteFile(filepath.Join(out, StatisticsFile), []byte("{}"), 0o644)
			msgFile := filepath.Join(out, "message")
			env := map[string]string{"dataset_source": in, "dataset_format": c.format, "output_path": out, "output_message_file": msgFile}
			cfg, cfgErr := ConfigFromEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok }, filepath.Join(in, "absent.json"))
			o := Run(t.Context(), cfg, testLogger(t))
			if cfgErr == nil && o.Status != Failed {
				t.Fatalf("status %v, want Failed (message %q)", o.Status, o.Message)
			}
			if o.ExitCode() == 0 {
				t.Errorf("exit code 0 for a failed job")
			}
			msg, err := os.ReadFile(msgFile)
			if err != nil {
				t.Fatalf("no message file: %v", err)
			}
			if !strings.HasPrefix(string(msg), "Error: ") || len(msg) > MaxMessageBytes {
				t.Errorf("message %q: want an \"Error: \" prefix and at most %d bytes", msg, MaxMessageBytes)
			}
			for _, w := range c.want {
				if !strings.Contains(string(msg), w) {
					t.Errorf("message %q does not mention %q", msg, w)
				}
			}
			for _, name := range []string{StatisticsFile, ConstraintsFile} {
				if _, err := os.Stat(filepath.Join(out, name)); err == nil {
					t.Errorf("%s left behind by a failed job", name)
				}
			}
		})
	}
}

// TestUnreadableFile needs a non-root user: root reads files whatever their mode.
func TestUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("running as root: file modes do not stop root from reading (the truncated-gzip case covers read errors)")
	}
	in := t.TempDir()
	p := filepath.Join(in, "d.csv")
	os.WriteFile(p, []byte("a\n1\n"), 0o000)
	out := t.TempDir()
	cfg := DefaultConfig()
	cfg.DatasetSource, cfg.OutputPath = in, out
	cfg.DatasetFormat, _ = ParseFormat(`{"csv": {}}`)
	o := Run(t.Context(), cfg, testLogger(t))
	if o.Status != Failed || !strings.Contains(o.Message, "d.csv") {
		t.Fatalf("outcome %v %q", o.Status, o.Message)
	}
}
