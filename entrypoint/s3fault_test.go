package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// versitygwBinary finds the S3 server .ci/run installs (.tools/versitygw at the repository root).
func versitygwBinary(t *testing.T) string {
	p, _ := filepath.Abs(filepath.Join("..", ".tools", "versitygw"))
	if _, err := os.Stat(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("versitygw missing in CI (%v): .ci/run installs it", err)
		}
		t.Skipf("versitygw not installed at %s: skipping the S3 fault test", p)
	}
	return p
}

func startVersitygw(t *testing.T, bin, addr, dir string) *exec.Cmd {
	cmd := exec.Command(bin, "--port", addr, "posix", dir)
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY=testkey", "ROOT_SECRET_KEY=testsecret")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 100; i++ {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return cmd
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatalf("versitygw did not start on %s", addr)
	return nil
}

// TestS3ServerDiesMidJob: the S3 server is stopped while a job streams its input → the job ends
// Failed with a message naming the object, leaves no output that looks complete, and a rerun after
// the server is back succeeds.
func TestS3ServerDiesMidJob(t *testing.T) {
	if testing.Short() {
		t.Skip("uploads a large object")
	}
	bin := versitygwBinary(t)
	addr := freeAddr(t)
	dir := t.TempDir()
	srv := startVersitygw(t, bin, addr, dir)
	defer func() { srv.Process.Kill(); srv.Wait() }()
	endpoint := "http://" + addr
	ctx := context.Background()
	cl := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("testkey", "testsecret", "")})
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("fault")}); err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.WriteString("a,b,c\n")
	for i := 0; body.Len() < 120<<20; i++ {
		fmt.Fprintf(&body, "%d,%d.25,n%d\n", i, i%977, i%50)
	}
	for i := 0; i < 3; i++ {
		if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("fault"), Key: aws.String(fmt.Sprintf("in/part-%d.csv", i)), Body: bytes.NewReader(body.Bytes())}); err != nil {
			t.Fatal(err)
		}
	}
	body.Reset()
	out := t.TempDir()
	msg := filepath.Join(t.TempDir(), "message")
	job := func() *exec.Cmd {
		cmd := exec.Command(binary)
		cmd.Env = append(s3Env(endpoint, "testkey", "testsecret"), "AWS_MAX_ATTEMPTS=2", "dataset_source=s3://fault/in",
			`dataset_format={"csv": {"header": true}}`, "output_path="+out, "output_message_file="+msg)
		return cmd
	}
	cmd := job()
	var logs bytes.Buffer
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	srv.Process.Kill()
	srv.Wait()
	err := cmd.Wait()
	if exitCode(err) != 1 {
		t.Fatalf("exit %d after the server died, want 1 (Failed); the job may have finished first\n%s", exitCode(err), logs.String())
	}
	m, _ := os.ReadFile(msg)
	if !strings.HasPrefix(string(m), "Error: ") || !strings.Contains(string(m), "s3://fault/in/part-") {
		t.Errorf("message %q: want an Error naming the object", m)
	}
	for _, n := range []string{"statistics.json", "constraints.json", "report.html"} {
		if _, err := os.Stat(filepath.Join(out, n)); err == nil {
			t.Errorf("%s written by a failed job", n)
		}
	}
	srv = startVersitygw(t, bin, addr, dir)
	if b, err := job().CombinedOutput(); err != nil {
		t.Fatalf("rerun after restart: %v\n%s", err, b)
	}
	if m, _ := os.ReadFile(msg); !strings.HasPrefix(string(m), "Completed: ") {
		t.Errorf("rerun message %q", m)
	}
}

// freeAddr returns a loopback address nothing listens on (a port the kernel just handed out).
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}
