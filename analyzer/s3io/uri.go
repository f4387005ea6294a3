package s3io

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// scheme is the prefix of every S3 URI this package accepts.
const scheme = "s3://"

// maxKeyBytes is S3's limit on the length of an object key (1024 bytes of UTF-8, "Creating object
// key names" in the S3 user guide).
const maxKeyBytes = 1024

// bucketName accepts today's bucket names (3–63 characters of a-z, 0-9, '.' and '-') and the
// legacy us-east-1 names (up to 255 characters, upper case and '_' allowed), so no real bucket is
// refused; S3 itself rejects the rest. Compiled on first use: the bounded repetition expands to a
// ~230 KB program, which every process (local jobs included) paid at start-up as a package variable.
var bucketName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{2,254}$`) })

// IsURI reports whether s names an S3 location ("s3://bucket/prefix"), as opposed to a local path.
func IsURI(s string) bool { return strings.HasPrefix(s, scheme) }

// ParseURI splits "s3://bucket/key/prefix" into its bucket and key ("key/prefix"). The key may be
// empty ("s3://bucket", "s3://bucket/") and keeps any trailing slash.
func ParseURI(s string) (bucket, key string, err error) {
	if !IsURI(s) {
		return "", "", fmt.Errorf("%q is not an S3 URI: expected s3://bucket/prefix", s)
	}
	rest := s[len(scheme):]
	bucket, key, _ = strings.Cut(rest, "/")
	switch {
	case bucket == "":
		return "", "", fmt.Errorf("%q is not an S3 URI: the bucket name is missing (s3://bucket/prefix)", s)
	case !bucketName().MatchString(bucket):
		return "", "", fmt.Errorf("%q is not an S3 URI: %q is not a bucket name (3-255 letters, digits, '.', '-', '_')", s, bucket)
	case !utf8.ValidString(key):
		return "", "", fmt.Errorf("%q is not an S3 URI: the key is not valid UTF-8", s)
	case len(key) > maxKeyBytes:
		return "", "", fmt.Errorf("%q is not an S3 URI: the key is longer than %d bytes", s, maxKeyBytes)
	}
	return bucket, key, nil
}

// uri renders bucket and key as "s3://bucket/key".
func uri(bucket, key string) string { return scheme + bucket + "/" + key }

// joinKey appends a slash-separated relative name to a key prefix ("out" + "a/b.json" →
// "out/a/b.json"; "" + "a.json" → "a.json").
func joinKey(prefix, rel string) string {
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix == "" {
		return rel
	}
	return prefix + "/" + rel
}

// dirPrefix is the key prefix of the "folder" key names: "" stays "", "a/b" becomes "a/b/".
func dirPrefix(key string) string {
	if key == "" || strings.HasSuffix(key, "/") {
		return key
	}
	return key + "/"
}

// hidden reports whether a key, relative to the listed prefix, lies in or is a hidden file: like
// Spark's file index (and analyzer/source for local folders) any path element starting with "."
// or "_" hides it (.crc files, _SUCCESS markers, _temporary folders).
func hidden(rel string) bool {
	for elem := range strings.SplitSeq(rel, "/") {
		if strings.HasPrefix(elem, ".") || strings.HasPrefix(elem, "_") {
			return true
		}
	}
	return false
}
