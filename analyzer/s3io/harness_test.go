package s3io

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// The integration tests run against the real S3 server .ci/run starts (versitygw) when
// DRIFTWATCH_TEST_S3_ENDPOINT names it, and the same tests run against an in-process gofakes3
// always, so a plain `go test` on a laptop still exercises the code.
const (
	envTestEndpoint  = "DRIFTWATCH_TEST_S3_ENDPOINT"
	envTestAccessKey = "DRIFTWATCH_TEST_S3_ACCESS_KEY" // default "testkey", as .ci/run starts versitygw
	envTestSecretKey = "DRIFTWATCH_TEST_S3_SECRET_KEY" // default "testsecret"
)

type backend struct {
	name, endpoint, key, secret string
	real                        bool // a server that checks signatures
}

// realBackend returns the versitygw server, skipping (or failing, in CI) when none is configured.
func realBackend(t *testing.T) backend {
	t.Helper()
	ep := os.Getenv(envTestEndpoint)
	if ep == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is unset in CI: .ci/run must start versitygw and export it", envTestEndpoint)
		}
		t.Skipf("%s unset: no real S3 server (start versitygw as .ci/run does to run this test)", envTestEndpoint)
	}
	return backend{name: "versitygw", endpoint: ep, key: envOr(envTestAccessKey, "testkey"), secret: envOr(envTestSecretKey, "testsecret"), real: true}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// fakeBackend starts an in-process gofakes3 server for the test.
func fakeBackend(t *testing.T) backend {
	t.Helper()
	srv := httptest.NewServer(gofakes3.New(s3mem.New()).Server())
	t.Cleanup(srv.Close)
	return backend{name: "gofakes3", endpoint: srv.URL, key: "fakekey", secret: "fakesecret"}
}

// forEachBackend runs fn against gofakes3 and against the real server.
func forEachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Run("gofakes3", func(t *testing.T) { fn(t, fakeBackend(t)) })
	t.Run("versitygw", func(t *testing.T) { fn(t, realBackend(t)) })
}

// awsEnv is every variable the SDK's configuration chain reads that could make a test depend on
// the machine.
var awsEnv = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE",
	"AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3",
	"AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
	"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", EnvPathStyle,
}

// useBackend points the SDK's standard variables at b, with nothing else of the machine's AWS
// configuration in play.
func useBackend(t *testing.T, b backend) {
	t.Helper()
	for _, k := range awsEnv {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_ENDPOINT_URL_S3", b.endpoint)
	t.Setenv("AWS_ACCESS_KEY_ID", b.key)
	t.Setenv("AWS_SECRET_ACCESS_KEY", b.secret)
}

// request is one HTTP request the client sent, as the recorder saw it.
type request struct {
	Method, Path string
	Query        url.Values
	Header       http.Header
	Start, End   time.Time
}

// op names the S3 operation of a request, as far as the tests need it.
func (r request) op() string {
	switch {
	case r.Method == http.MethodGet && r.Query.Get("list-type") == "2":
		return "ListObjectsV2"
	case r.Method == http.MethodGet:
		return "GetObject"
	case r.Method == http.MethodPost && r.Query.Has("uploads"):
		return "CreateMultipartUpload"
	case r.Method == http.MethodPut && r.Query.Has("partNumber"):
		return "UploadPart"
	case r.Method == http.MethodPost && r.Query.Has("uploadId"):
		return "CompleteMultipartUpload"
	case r.Method == http.MethodDelete && r.Query.Has("uploadId"):
		return "AbortMultipartUpload"
	case r.Method == http.MethodPut:
		return "PutObject"
	}
	return r.Method
}

// recorder is an HTTP client wrapper that records every request and can inject faults.
type recorder struct {
	inner s3.HTTPClient
	mu    sync.Mutex
	reqs  []request
	// fault, when set, may replace the response of a request (before it is recorded as ended).
	fault func(req *http.Request, resp *http.Response) (*http.Response, error)
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	rec := request{Method: req.Method, Path: req.URL.Path, Query: req.URL.Query(), Header: req.Header.Clone(), Start: time.Now()}
	resp, err := r.inner.Do(req)
	if r.fault != nil && err == nil {
		resp, err = r.fault(req, resp)
	}
	rec.End = time.Now()
	r.mu.Lock()
	r.reqs = append(r.reqs, rec)
	r.mu.Unlock()
	return resp, err
}

func (r *recorder) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]request(nil), r.reqs...)
}

func (r *recorder) reset() {
	r.mu.Lock()
	r.reqs = nil
	r.mu.Unlock()
}

// ops returns the requests of one operation.
func (r *recorder) ops(op string) []request {
	var out []request
	for _, q := range r.requests() {
		if q.op() == op {
			out = append(out, q)
		}
	}
	return out
}

// newClient returns a client for b (the environment set by useBackend) with a recorder installed.
func newClient(t *testing.T, b backend, opts ...func(*s3.Options)) (*Client, *recorder) {
	t.Helper()
	useBackend(t, b)
	rec := &recorder{}
	opts = append([]func(*s3.Options){func(o *s3.Options) { rec.inner = o.HTTPClient; o.HTTPClient = rec }}, opts...)
	c, err := New(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c, rec
}

var nonBucketChars = regexp.MustCompile(`[^a-z0-9-]+`)

// newBucket creates an empty bucket named after the test and removes it (and its objects) at the end.
func newBucket(t *testing.T, c *Client) string {
	t.Helper()
	name := strings.Trim(nonBucketChars.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	name = fmt.Sprintf("dw-%.40s-%08x", name, rand.Uint32())
	ctx := context.Background()
	if _, err := c.s3.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &name}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	t.Cleanup(func() {
		p := s3.NewListObjectsV2Paginator(c.s3, &s3.ListObjectsV2Input{Bucket: &name})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return
			}
			var ids []types.ObjectIdentifier
			for _, o := range page.Contents {
				ids = append(ids, types.ObjectIdentifier{Key: o.Key})
			}
			for _, id := range ids {
				c.s3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &name, Key: id.Key})
			}
		}
		c.s3.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: &name})
	})
	return name
}

// putObjects stores fixture objects directly (not through the code under test).
func putObjects(t *testing.T, c *Client, bucket string, objs map[string][]byte) {
	t.Helper()
	for k, v := range objs {
		if _, err := c.s3.PutObject(context.Background(), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(k), Body: bytes.NewReader(v)}); err != nil {
			t.Fatalf("put %s: %v", k, err)
		}
	}
}

// payload returns n pseudo-random bytes, the same for the same seed.
func payload(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func readAll(t *testing.T, r io.Reader) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
