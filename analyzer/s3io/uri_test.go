package s3io

import (
	"strings"
	"testing"
)

func TestParseURI(t *testing.T) {
	for _, c := range []struct {
		name, in    string
		bucket, key string
		err         string
	}{
		{name: "prefix", in: "s3://bucket/a/b", bucket: "bucket", key: "a/b"},
		{name: "trailing slash kept", in: "s3://bucket/a/b/", bucket: "bucket", key: "a/b/"},
		{name: "bucket only", in: "s3://bucket", bucket: "bucket"},
		{name: "bucket slash", in: "s3://bucket/", bucket: "bucket"},
		{name: "legacy bucket", in: "s3://My_Bucket.2/x", bucket: "My_Bucket.2", key: "x"},
		{name: "unicode key", in: "s3://bucket/données/é.csv", bucket: "bucket", key: "données/é.csv"},
		{name: "local path", in: "/opt/ml/processing/input", err: "not an S3 URI"},
		{name: "other scheme", in: "gs://bucket/x", err: "not an S3 URI"},
		{name: "upper-case scheme", in: "S3://bucket/x", err: "not an S3 URI"},
		{name: "no bucket", in: "s3:///key", err: "bucket name is missing"},
		{name: "bad bucket", in: "s3://b/x", err: "not a bucket name"},
		{name: "bucket with space", in: "s3://my bucket/x", err: "not a bucket name"},
		{name: "long key", in: "s3://bucket/" + strings.Repeat("k", 1025), err: "longer than 1024"},
		{name: "invalid utf-8", in: "s3://bucket/\xff", err: "UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, k, err := ParseURI(c.in)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ParseURI(%q) = %q, %q, %v; want error containing %q", c.in, b, k, err, c.err)
				}
				return
			}
			if err != nil || b != c.bucket || k != c.key {
				t.Fatalf("ParseURI(%q) = %q, %q, %v; want %q, %q", c.in, b, k, err, c.bucket, c.key)
			}
			if !IsURI(c.in) {
				t.Errorf("IsURI(%q) = false", c.in)
			}
		})
	}
}

// FuzzParseURI: any accepted URI re-renders to itself (modulo the trailing slash of a bare bucket).
func FuzzParseURI(f *testing.F) {
	for _, s := range []string{"s3://bucket/a/b", "s3://bucket", "s3://b/", "s3:///x", "s3://bucket//x", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, k, err := ParseURI(s)
		if err != nil {
			return
		}
		if got := uri(b, k); got != s && got != s+"/" {
			t.Fatalf("ParseURI(%q) = %q, %q, which renders as %q", s, b, k, got)
		}
	})
}

func TestHidden(t *testing.T) {
	for rel, want := range map[string]bool{
		"a.csv": false, "x/a.csv": false, "a.b/c": false,
		"_SUCCESS": true, ".a.csv.crc": true, "_temporary/0/a.csv": true, "x/.hidden/a": true, "x/_b": true,
	} {
		if got := hidden(rel); got != want {
			t.Errorf("hidden(%q) = %v, want %v", rel, got, want)
		}
	}
}

func TestJoinKey(t *testing.T) {
	for _, c := range [][3]string{{"", "a.json", "a.json"}, {"out", "a.json", "out/a.json"}, {"out/", "d/a.json", "out/d/a.json"}} {
		if got := joinKey(c[0], c[1]); got != c[2] {
			t.Errorf("joinKey(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}
