package s3io

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// secret is a recognisable secret access key: no error message may contain it.
const secret = "dwSECRETdoNotPrint0123456789abcdefghijKLMN"

// operations runs every operation of the package on bucket and returns their errors by name.
func operations(t *testing.T, c *Client, bucket string) map[string]error {
	ctx := context.Background()
	base := "s3://" + bucket
	errs := map[string]error{}
	_, errs["List"] = c.List(ctx, base+"/data")
	_, errs["ListHours"] = c.ListHours(ctx, base+"/capture", time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 11, 0, 0, 0, time.UTC))
	_, errs["Get"] = c.Get(ctx, base+"/baseline/statistics.json")
	_, errs["Open"] = c.Open(ctx, Object{URI: base + "/data/a.csv"})
	st := c.OpenAll(ctx, []Object{{URI: base + "/data/a.csv"}}, 2)
	_, _, errs["OpenAll"] = st.Next()
	st.Close()
	r, _ := c.ReaderAt(ctx, Object{URI: base + "/data/a.csv", Size: 10})
	_, errs["ReaderAt"] = r.ReadAt(make([]byte, 4), 0)
	errs["Put"] = c.Put(ctx, base+"/out/statistics.json", strings.NewReader("{}"), 2)
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"statistics.json": "{}", "message": "Completed"})
	errs["UploadDir"] = c.UploadDir(ctx, dir, base+"/out", "message")
	return errs
}

// TestWrongSecret: against the real server (which checks signatures), a wrong secret makes every
// operation fail with ErrAccessDenied, a message naming the URI and the cause, and no secret.
func TestWrongSecret(t *testing.T) {
	b := realBackend(t)
	good, _ := newClient(t, b)
	bucket := newBucket(t, good)
	putObjects(t, good, bucket, map[string][]byte{"data/a.csv": []byte("a\n1\n"), "baseline/statistics.json": []byte("{}")})

	b.secret = secret
	bad, _ := newClient(t, b)
	for op, err := range operations(t, bad, bucket) {
		if err == nil {
			t.Errorf("%s with a wrong secret succeeded", op)
			continue
		}
		msg := err.Error()
		t.Logf("%s: %s", op, msg)
		if strings.Contains(msg, secret) {
			t.Errorf("%s: the error shows the secret: %s", op, msg)
		}
		if !errors.Is(err, ErrAccessDenied) || !strings.Contains(msg, "s3://"+bucket+"/") || !strings.Contains(msg, "check the AWS credentials") {
			t.Errorf("%s: %q; want ErrAccessDenied naming the bucket with a hint on the credentials", op, msg)
		}
	}
}

// TestUnreachableServer: a server that is down fails every operation after AWS_MAX_ATTEMPTS tries,
// naming the URI and the cause, without the secret.
func TestUnreachableServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	useBackend(t, backend{endpoint: "http://" + addr, key: "testkey", secret: secret})
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	c, err := New(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for op, err := range operations(t, c, "bucket") {
		if err == nil {
			t.Errorf("%s against a stopped server succeeded", op)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, secret) || !strings.Contains(msg, "s3://bucket/") || !strings.Contains(msg, "connection refused") {
			t.Errorf("%s: %q; want the URI and the cause, not the secret", op, msg)
		}
	}
}

// TestSecretRedacted: even a server that echoes the secret in its error message does not get it
// into ours.
func TestSecretRedacted(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>key `+secret+` refused</Message></Error>`)
	}))
	defer srv.Close()
	c, _ := newClient(t, backend{endpoint: srv.URL, key: "testkey", secret: secret})
	for op, err := range operations(t, c, "bucket") {
		if err == nil {
			t.Errorf("%s succeeded", op)
			continue
		}
		if msg := err.Error(); strings.Contains(msg, secret) || !strings.Contains(msg, "[redacted]") || !errors.Is(err, ErrAccessDenied) {
			t.Errorf("%s: %q; want the secret redacted", op, msg)
		}
	}
}
