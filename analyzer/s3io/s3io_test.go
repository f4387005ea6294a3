package s3io

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestNewSettings(t *testing.T) {
	for _, c := range []struct {
		name      string
		env       map[string]string
		region    string
		pathStyle bool
		attempts  int
		err       string
	}{
		{name: "endpoint override", env: map[string]string{"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:7070"}, region: "us-east-1", pathStyle: true, attempts: 5},
		{name: "global endpoint override", env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:7070"}, region: "us-east-1", pathStyle: true, attempts: 5},
		{name: "AWS", env: map[string]string{"AWS_REGION": "eu-west-1"}, region: "eu-west-1", pathStyle: false, attempts: 5},
		{name: "default region", env: map[string]string{"AWS_DEFAULT_REGION": "ap-south-1"}, region: "ap-south-1", attempts: 5},
		{name: "forced path style", env: map[string]string{EnvPathStyle: "true"}, region: "us-east-1", pathStyle: true, attempts: 5},
		{name: "forced virtual host", env: map[string]string{"AWS_ENDPOINT_URL_S3": "http://s3.local", EnvPathStyle: "false"}, region: "us-east-1", attempts: 5},
		{name: "AWS_MAX_ATTEMPTS", env: map[string]string{"AWS_MAX_ATTEMPTS": "2"}, region: "us-east-1", attempts: 2},
		{name: "bad path style", env: map[string]string{EnvPathStyle: "maybe"}, err: EnvPathStyle},
	} {
		t.Run(c.name, func(t *testing.T) {
			useBackend(t, backend{key: "k", secret: "s"})
			os.Unsetenv("AWS_ENDPOINT_URL_S3")
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			cl, err := New(context.Background())
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("New: %v, want an error naming %s", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			o := cl.s3.Options()
			if o.Region != c.region || o.UsePathStyle != c.pathStyle || o.RetryMaxAttempts != c.attempts || o.RetryMode != aws.RetryModeStandard {
				t.Errorf("region %q path style %v attempts %d mode %q; want %q %v %d standard", o.Region, o.UsePathStyle, o.RetryMaxAttempts, o.RetryMode, c.region, c.pathStyle, c.attempts)
			}
		})
	}
}

func keysOf(objs []Object) []string {
	var ks []string
	for _, o := range objs {
		ks = append(ks, o.Key)
	}
	return ks
}

// TestList: listing order, hidden keys, empty objects, single objects, missing buckets.
func TestList(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c, _ := newClient(t, b)
		bucket := newBucket(t, c)
		putObjects(t, c, bucket, map[string][]byte{
			"data/a.csv":                 []byte("a,b\n1,2\n"),
			"data/a/x.csv":               []byte("a,b\n3,4\n"),
			"data/Z.csv":                 []byte("a,b\n5,6\n"),
			"data/_SUCCESS":              []byte("marker"),
			"data/.a.csv.crc":            []byte("crc"),
			"data/_temporary/0/part.csv": []byte("a,b\n7,8\n"),
			"data/.hidden/part.csv":      []byte("a,b\n9,9\n"),
			"data/empty.csv":             nil,
			"data/folder/":               nil,
			"data.csv":                   []byte("sibling"),
			"data2/z.csv":                []byte("sibling prefix"),
		})
		ctx := context.Background()
		// '/' (0x2f) sorts after '.' (0x2e), upper case before lower case: S3's UTF-8 binary order.
		want := []string{"data/Z.csv", "data/a.csv", "data/a/x.csv"}
		for _, u := range []string{"s3://" + bucket + "/data", "s3://" + bucket + "/data/"} {
			objs, err := c.List(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if got := keysOf(objs); !slices.Equal(got, want) {
				t.Errorf("List(%s) = %v, want %v", u, got, want)
			}
			for _, o := range objs {
				if o.URI != "s3://"+bucket+"/"+o.Key || o.Size != 8 {
					t.Errorf("object %+v: wrong URI or size", o)
				}
			}
		}
		for u, want := range map[string][]string{
			"s3://" + bucket + "/data.csv":   {"data.csv"},
			"s3://" + bucket + "/data/a.csv": {"data/a.csv"},
			"s3://" + bucket + "/nothing":    nil,
			"s3://" + bucket:                 {"data.csv", "data/Z.csv", "data/a.csv", "data/a/x.csv", "data2/z.csv"},
		} {
			objs, err := c.List(ctx, u)
			if err != nil {
				t.Fatal(err)
			}
			if got := keysOf(objs); !slices.Equal(got, want) {
				t.Errorf("List(%s) = %v, want %v", u, got, want)
			}
		}
		_, err := c.List(ctx, "s3://"+bucket+"-missing/data")
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "s3://"+bucket+"-missing/data") {
			t.Errorf("List of a missing bucket: %v; want ErrNotFound naming the URI", err)
		}
	})
}

var hourPrefix = regexp.MustCompile(`/[0-9]{4}/[0-9]{2}/[0-9]{2}/[0-9]{2}/$`)

// listings returns the prefixes of the recorded ListObjectsV2 calls, split by whether they used a
// delimiter (level discovery) or not (an hour's objects).
func listings(rec *recorder) (levels, hours []string) {
	for _, q := range rec.ops("ListObjectsV2") {
		if q.Query.Get("delimiter") != "" {
			levels = append(levels, q.Query.Get("prefix"))
		} else {
			hours = append(hours, q.Query.Get("prefix"))
		}
	}
	slices.Sort(levels)
	slices.Sort(hours)
	return levels, hours
}

// TestListHours: only the hour prefixes overlapping the window are listed, counted on the wire.
func TestListHours(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c, rec := newClient(t, b)
		bucket := newBucket(t, c)
		objs := map[string][]byte{
			"capture/ep/AllTraffic/2026/11/01/10/_tmp.jsonl":    []byte("hidden"),
			"capture/ep/_staging/2026/11/01/10/x.jsonl":         []byte("hidden variant"),
			"capture/other/AllTraffic/2025/12/31/23/x.jsonl":    []byte("old"),
			"capture/ep/AllTraffic/2026/10/31/23/late.jsonl":    []byte("previous month"),
			"capture/ep/AllTraffic/2026/11/01/00/first.jsonl":   []byte("midnight"),
			"capture/ep/AllTraffic/2026/11/01/11/empty.jsonl":   nil,
			"capture/ep/Shadow/2026/11/01/11/extra/deep.jsonl":  []byte("nested below an hour"),
			"capture/ep/AllTraffic/2026/11/02/10/nextday.jsonl": []byte("next day"),
		}
		// Six hours of capture in two variants: 08:00 … 13:00.
		for _, v := range []string{"AllTraffic", "Shadow"} {
			for h := 8; h <= 13; h++ {
				objs[fmt.Sprintf("capture/ep/%s/2026/11/01/%02d/part-%02d.jsonl", v, h, h)] = []byte("{}\n")
			}
		}
		putObjects(t, c, bucket, objs)
		ctx := context.Background()
		root := "s3://" + bucket + "/capture"
		at := func(s string) time.Time {
			tm, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatal(err)
			}
			return tm
		}

		// A window 10:30–12:00 overlaps the hours 10 and 11 (the reader filters 10:00–10:30 out).
		rec.reset()
		got, err := c.ListHours(ctx, root, at("2026-11-01T10:30:00Z"), at("2026-11-01T12:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"capture/ep/AllTraffic/2026/11/01/10/part-10.jsonl",
			"capture/ep/AllTraffic/2026/11/01/11/part-11.jsonl",
			"capture/ep/Shadow/2026/11/01/10/part-10.jsonl",
			"capture/ep/Shadow/2026/11/01/11/extra/deep.jsonl",
			"capture/ep/Shadow/2026/11/01/11/part-11.jsonl",
		}
		if keys := keysOf(got); !slices.Equal(keys, want) {
			t.Errorf("ListHours = %v, want %v", keys, want)
		}
		levels, hours := listings(rec)
		wantLevels := []string{"capture/", "capture/ep/", "capture/ep/AllTraffic/", "capture/ep/Shadow/", "capture/other/", "capture/other/AllTraffic/"}
		wantHours := []string{
			"capture/ep/AllTraffic/2026/11/01/10/", "capture/ep/AllTraffic/2026/11/01/11/",
			"capture/ep/Shadow/2026/11/01/10/", "capture/ep/Shadow/2026/11/01/11/",
			"capture/other/AllTraffic/2026/11/01/10/", "capture/other/AllTraffic/2026/11/01/11/",
		}
		if !slices.Equal(levels, wantLevels) || !slices.Equal(hours, wantHours) {
			t.Errorf("listed levels %v and hours %v;\nwant levels %v and hours %v", levels, hours, wantLevels, wantHours)
		}
		if n := len(rec.requests()); n != len(wantLevels)+len(wantHours) {
			t.Errorf("%d requests, want %d (one per level and hour)", n, len(wantLevels)+len(wantHours))
		}

		// From a variant, across midnight and a month boundary.
		rec.reset()
		got, err = c.ListHours(ctx, root+"/ep/AllTraffic/", at("2026-10-31T23:00:00Z"), at("2026-11-01T01:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		if keys := keysOf(got); !slices.Equal(keys, []string{"capture/ep/AllTraffic/2026/10/31/23/late.jsonl", "capture/ep/AllTraffic/2026/11/01/00/first.jsonl"}) {
			t.Errorf("ListHours across midnight = %v", keys)
		}
		levels, hours = listings(rec)
		if !slices.Equal(levels, []string{"capture/ep/AllTraffic/"}) || !slices.Equal(hours, []string{"capture/ep/AllTraffic/2026/10/31/23/", "capture/ep/AllTraffic/2026/11/01/00/"}) {
			t.Errorf("across midnight: listed levels %v, hours %v", levels, hours)
		}
		for _, h := range hours {
			if !hourPrefix.MatchString(h) {
				t.Errorf("listed %q, which is not an hour prefix", h)
			}
		}

		// From an endpoint: both variants.
		got, err = c.ListHours(ctx, root+"/ep", at("2026-11-01T13:00:00Z"), at("2026-11-01T13:00:01Z"))
		if err != nil {
			t.Fatal(err)
		}
		if keys := keysOf(got); !slices.Equal(keys, []string{"capture/ep/AllTraffic/2026/11/01/13/part-13.jsonl", "capture/ep/Shadow/2026/11/01/13/part-13.jsonl"}) {
			t.Errorf("ListHours from the endpoint = %v", keys)
		}

		// An empty tree, a tree that is not a capture tree, an empty window.
		if got, err := c.ListHours(ctx, "s3://"+bucket+"/nothing", at("2026-11-01T10:00:00Z"), at("2026-11-01T11:00:00Z")); err != nil || len(got) != 0 {
			t.Errorf("ListHours of an empty prefix = %v, %v; want nothing", got, err)
		}
		putObjects(t, c, bucket, map[string][]byte{"notcapture/a/b/c/d.csv": []byte("x")})
		if _, err := c.ListHours(ctx, "s3://"+bucket+"/notcapture", at("2026-11-01T10:00:00Z"), at("2026-11-01T11:00:00Z")); !errors.Is(err, ErrNotCaptureTree) || !strings.Contains(err.Error(), "s3://"+bucket+"/notcapture") {
			t.Errorf("ListHours of a non-capture tree: %v", err)
		}
		if _, err := c.ListHours(ctx, root, at("2026-11-01T10:00:00Z"), at("2026-11-01T10:00:00Z")); err == nil {
			t.Error("ListHours with an empty window succeeded")
		}
	})
}

// countingBody counts the bytes the SDK pulled from the network.
type countingBody struct {
	io.ReadCloser
	n *int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	*c.n += int64(n)
	return n, err
}

// TestOpenStreams: the first bytes reach the caller before the object is downloaded.
func TestOpenStreams(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c, rec := newClient(t, b)
		bucket := newBucket(t, c)
		data := payload(1, 20<<20) // 20 MiB: far more than any transport buffer
		putObjects(t, c, bucket, map[string][]byte{"big.bin": data})
		var pulled int64
		rec.fault = func(req *http.Request, resp *http.Response) (*http.Response, error) {
			if req.Method == http.MethodGet {
				resp.Body = countingBody{resp.Body, &pulled}
			}
			return resp, nil
		}
		r, err := c.Open(context.Background(), Object{URI: "s3://" + bucket + "/big.bin", Key: "big.bin", Size: int64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		head := make([]byte, 1024)
		if _, err := io.ReadFull(r, head); err != nil {
			t.Fatal(err)
		}
		if pulled > 1<<20 {
			t.Errorf("%d bytes pulled from the network to return the first 1 KiB: not streaming", pulled)
		}
		rest := readAll(t, r)
		if !bytes.Equal(append(head, rest...), data) {
			t.Error("streamed object differs")
		}
		if _, err := c.Open(context.Background(), Object{URI: "s3://" + bucket + "/missing.bin"}); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "s3://"+bucket+"/missing.bin") {
			t.Errorf("Open of a missing object: %v", err)
		}
	})
}

// failingBody breaks off after left bytes, as a reset connection does.
type failingBody struct {
	io.ReadCloser
	left int
}

func (f *failingBody) Read(p []byte) (int, error) {
	if f.left <= 0 {
		return 0, fmt.Errorf("simulated connection reset: %w", io.ErrUnexpectedEOF)
	}
	n, err := f.ReadCloser.Read(p[:min(len(p), f.left)])
	f.left -= n
	return n, err
}

// TestOpenResume: a body that breaks off mid-way is resumed from the byte reached, with If-Match.
func TestOpenResume(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c, rec := newClient(t, b)
		bucket := newBucket(t, c)
		data := payload(2, 3<<20)
		putObjects(t, c, bucket, map[string][]byte{"obj.bin": data})
		o := Object{URI: "s3://" + bucket + "/obj.bin", Key: "obj.bin", Size: int64(len(data))}
		breaks, breakAt := 1, 1<<20
		rec.fault = func(req *http.Request, resp *http.Response) (*http.Response, error) {
			if req.Method == http.MethodGet && breaks > 0 {
				breaks--
				resp.Body = &failingBody{resp.Body, breakAt}
			}
			return resp, nil
		}
		r, err := c.Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, r); !bytes.Equal(got, data) {
			t.Fatalf("resumed object differs (%d bytes, want %d)", len(got), len(data))
		}
		r.Close()
		gets := rec.ops("GetObject")
		if len(gets) != 2 || gets[1].Header.Get("Range") != "bytes=1048576-" || gets[1].Header.Get("If-Match") == "" {
			t.Errorf("GETs %d, second Range %q If-Match %q; want a resume at byte 1048576 with If-Match", len(gets), gets[len(gets)-1].Header.Get("Range"), gets[len(gets)-1].Header.Get("If-Match"))
		}

		// A body that always breaks (12 pieces of 256 KiB, more than maxResumes+1): the resumes run
		// out and the error names the object.
		breaks, breakAt = 100, 256<<10
		r, err = c.Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(r)
		if err == nil || !strings.Contains(err.Error(), o.URI) || !strings.Contains(err.Error(), "connection reset") {
			t.Errorf("read of a always-breaking body: %v", err)
		}
	})
}

// TestOpenAll: readers come back in order, at most concurrency objects are fetched ahead, and a
// failed object does not stop the stream.
func TestOpenAll(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c, rec := newClient(t, b)
		bucket := newBucket(t, c)
		var objs []Object
		content := map[string][]byte{}
		for i := range 10 {
			size := 1000 * (i + 1)
			if i == 4 {
				size = ReadAhead + 1<<20 // larger than the read-ahead buffer: the rest streams
			}
			k := fmt.Sprintf("in/part-%02d", i)
			content[k] = payload(uint64(i), size)
			objs = append(objs, Object{URI: "s3://" + bucket + "/" + k, Key: k, Size: int64(size)})
		}
		putObjects(t, c, bucket, content)
		objs = slices.Insert(objs, 7, Object{URI: "s3://" + bucket + "/in/missing", Key: "in/missing", Size: 10})
		rec.reset()

		const concurrency = 3
		st := c.OpenAll(context.Background(), objs, concurrency)
		// Before the consumer takes anything, exactly `concurrency` fetches start.
		deadline := time.Now().Add(10 * time.Second)
		for len(rec.ops("GetObject")) < concurrency && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond)
		if n := len(rec.ops("GetObject")); n != concurrency {
			t.Errorf("%d objects fetched before the first Next, want %d", n, concurrency)
		}
		for i, want := range objs {
			o, r, err := st.Next()
			if o.Key != want.Key {
				t.Fatalf("object %d is %s, want %s", i, o.Key, want.Key)
			}
			if want.Key == "in/missing" {
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("missing object: %v, want ErrNotFound", err)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, r); !bytes.Equal(got, content[o.Key]) {
				t.Errorf("%s: content differs", o.Key)
			}
			r.Close()
		}
		if _, _, err := st.Next(); err != io.EOF {
			t.Errorf("Next after the last object: %v, want io.EOF", err)
		}
		if err := st.Close(); err != nil {
			t.Error(err)
		}
		if n := len(rec.ops("GetObject")); n != len(objs) {
			t.Errorf("%d GETs for %d objects", n, len(objs))
		}

		// Closing early releases the fetches ahead.
		st = c.OpenAll(context.Background(), objs, concurrency)
		_, r, err := st.Next()
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
		if err := st.Close(); err != nil {
			t.Error(err)
		}
	})
}

func TestGet(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c, _ := newClient(t, b)
		bucket := newBucket(t, c)
		stats := []byte(`{"version": 0.0}`)
		putObjects(t, c, bucket, map[string][]byte{"baseline/statistics.json": stats})
		ctx := context.Background()
		got, err := c.Get(ctx, "s3://"+bucket+"/baseline/statistics.json")
		if err != nil || !bytes.Equal(got, stats) {
			t.Errorf("Get = %q, %v", got, err)
		}
		u := "s3://" + bucket + "/baseline/constraints.json"
		if _, err := c.Get(ctx, u); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), u) || !strings.Contains(err.Error(), "NoSuchKey") {
			t.Errorf("Get of a missing object: %v", err)
		}
		if _, err := c.Get(ctx, "s3://"+bucket+"/baseline/"); err == nil {
			t.Error("Get of a folder succeeded")
		}
	})
}

// TestPut: small objects in one PutObject, objects over 16 MiB as multipart uploads, known or
// unknown size.
func TestPut(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c, rec := newClient(t, b)
		bucket := newBucket(t, c)
		ctx := context.Background()
		for _, tc := range []struct {
			name      string
			size      int
			known     bool
			multipart bool
			parts     int
		}{
			{name: "small.json", size: 1000, known: true},
			{name: "exactly-16MiB.bin", size: 16 << 20, known: true},
			{name: "17MiB.bin", size: 17 << 20, known: true, multipart: true, parts: 3}, // 8 + 8 + 1 MiB
			{name: "17MiB-stream.bin", size: 17 << 20, multipart: true, parts: 3},
		} {
			rec.reset()
			data := payload(uint64(tc.size), tc.size)
			var r io.Reader = bytes.NewReader(data)
			size := int64(-1)
			if tc.known {
				size = int64(len(data))
			} else {
				r = io.MultiReader(r) // hides Seek: the size is unknown
			}
			u := "s3://" + bucket + "/out/" + tc.name
			if err := c.Put(ctx, u, r, size); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			creates, parts, puts := len(rec.ops("CreateMultipartUpload")), len(rec.ops("UploadPart")), len(rec.ops("PutObject"))
			if tc.multipart && (creates != 1 || parts != tc.parts || len(rec.ops("CompleteMultipartUpload")) != 1 || puts != 0) {
				t.Errorf("%s: %d creates, %d parts, %d puts; want a multipart upload of %d parts", tc.name, creates, parts, puts, tc.parts)
			}
			if !tc.multipart && (creates != 0 || puts != 1) {
				t.Errorf("%s: %d creates, %d puts; want one PutObject", tc.name, creates, puts)
			}
			rc, err := c.Open(ctx, Object{URI: u})
			if err != nil {
				t.Fatal(err)
			}
			if got := readAll(t, rc); !bytes.Equal(got, data) {
				t.Errorf("%s: read back %d bytes, differing", tc.name, len(got))
			}
			rc.Close()
		}
		head, err := c.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("out/small.json")})
		if err != nil || aws.ToString(head.ContentType) != "application/json" {
			t.Errorf("content type of a .json: %v, %v", head, err)
		}
		if err := c.Put(ctx, "s3://"+bucket+"/out/", strings.NewReader("x"), 1); err == nil {
			t.Error("Put to a folder URI succeeded")
		}
	})
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestUploadDir: every file arrives, the named one strictly after all the others; after a failure
// it does not arrive at all.
func TestUploadDir(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c, rec := newClient(t, b, func(o *s3.Options) { o.RetryMaxAttempts = 1 })
		bucket := newBucket(t, c)
		ctx := context.Background()
		dir := t.TempDir()
		files := map[string]string{
			"statistics.json": "{}", "constraints.json": "{}", "constraint_violations.json": "{}",
			"report/index.html": "<html></html>", "execution.json": `{"status": "Completed"}`,
		}
		writeFiles(t, dir, files)
		u := "s3://" + bucket + "/monitoring/ep/sched/2026/11/01/10"
		if err := c.UploadDir(ctx, dir, u, "execution.json"); err != nil {
			t.Fatal(err)
		}
		objs, err := c.List(ctx, u)
		if err != nil {
			t.Fatal(err)
		}
		if len(objs) != len(files) {
			t.Errorf("%d objects uploaded, want %d: %v", len(objs), len(files), keysOf(objs))
		}
		puts := rec.ops("PutObject")
		slices.SortFunc(puts, func(a, b request) int { return a.Start.Compare(b.Start) })
		final := puts[len(puts)-1]
		if !strings.HasSuffix(final.Path, "/execution.json") {
			t.Errorf("last upload %s, want execution.json", final.Path)
		}
		for _, p := range puts[:len(puts)-1] {
			if p.End.After(final.Start) {
				t.Errorf("%s finished after execution.json started", p.Path)
			}
		}

		// One file refused: the error names it and the final file is not uploaded.
		rec.fault = func(req *http.Request, resp *http.Response) (*http.Response, error) {
			if req.Method == http.MethodPut && strings.HasSuffix(req.URL.Path, "/failing/constraints.json") {
				resp.Body.Close()
				body := `<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>`
				return &http.Response{StatusCode: 403, Status: "403 Forbidden", Header: http.Header{"Content-Type": {"application/xml"}}, Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
			}
			return resp, nil
		}
		u = "s3://" + bucket + "/failing"
		err = c.UploadDir(ctx, dir, u, "execution.json")
		if !errors.Is(err, ErrAccessDenied) || !strings.Contains(err.Error(), u+"/constraints.json") {
			t.Errorf("UploadDir with a refused file: %v", err)
		}
		if objs, _ := c.List(ctx, u+"/execution.json"); len(objs) != 0 {
			t.Error("execution.json was uploaded although another file failed")
		}
		if err := c.UploadDir(ctx, dir, u, "message"); err == nil || !strings.Contains(err.Error(), "message") {
			t.Errorf("UploadDir with a missing final file: %v", err)
		}
	})
}

func TestReaderAt(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		c, _ := newClient(t, b)
		bucket := newBucket(t, c)
		data := payload(3, 100_000)
		putObjects(t, c, bucket, map[string][]byte{"f.parquet": data})
		r, err := c.ReaderAt(context.Background(), Object{URI: "s3://" + bucket + "/f.parquet", Size: int64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		p := make([]byte, 8)
		if n, err := r.ReadAt(p, int64(len(data))-8); n != 8 || err != nil || !bytes.Equal(p, data[len(data)-8:]) {
			t.Errorf("footer ReadAt: %d, %v", n, err)
		}
		if n, err := r.ReadAt(p, int64(len(data))-3); n != 3 || err != io.EOF || !bytes.Equal(p[:3], data[len(data)-3:]) {
			t.Errorf("ReadAt across the end: %d, %v; want 3, io.EOF", n, err)
		}
		if _, err := r.Seek(50_000, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, r); !bytes.Equal(got, data[50_000:]) {
			t.Error("Seek + Read differs")
		}
	})
}
