// Package s3io reads and writes the S3 objects of a job (dataset_source, baselines, output_path
// given as s3://bucket/prefix) through aws-sdk-go-v2: streaming reads with read-ahead, hour-pruned
// listing of capture trees, multipart uploads, and errors that name the URI but never a credential.
//
//	c, _ := s3io.New(ctx)
//	objs, _ := c.ListHours(ctx, "s3://bucket/capture", start, end)
//	st := c.OpenAll(ctx, objs, 4) // st.Next() returns each object's reader in order
package s3io

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// Settings read besides the SDK's own (AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_MAX_ATTEMPTS, …).
const (
	// EnvPathStyle forces path-style addressing (http://host/bucket/key) on ("true") or off
	// ("false"). Unset, path style is used exactly when an endpoint override is configured
	// (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or endpoint_url in the shared config), as S3-compatible
	// stores (versitygw, MinIO, Ceph) expect.
	EnvPathStyle = "DRIFTWATCH_S3_PATH_STYLE"

	// DefaultRegion is used when the credential chain names no region (AWS_REGION,
	// AWS_DEFAULT_REGION, the shared config's profile).
	DefaultRegion = "us-east-1"

	// DefaultMaxAttempts is the number of attempts of each S3 request (the first try and 4 retries)
	// in the SDK's standard retry mode (exponential backoff with full jitter, at most 20 s between
	// tries, a client-wide retry quota), unless AWS_MAX_ATTEMPTS / AWS_RETRY_MODE or the shared
	// config say otherwise. 5 rather than the SDK's 3: a job lists and reads many objects, and a
	// retried request is cheaper than a rerun of the whole job.
	DefaultMaxAttempts = 5

	// multipartThreshold: objects larger than 16 MiB are uploaded in parts (the upload manager's
	// default threshold, 16 MiB; +1 so that "larger than" is exact).
	multipartThreshold = 16<<20 + 1
	// partSize is the multipart part size (8 MiB, the upload manager's default); with partConcurrency
	// parts in flight an upload buffers at most (partConcurrency+1) × partSize = 48 MiB.
	partSize        = 8 << 20
	partConcurrency = 5
)

// Client reads and writes S3 objects. It is safe for concurrent use.
type Client struct {
	s3      *s3.Client
	tm      *transfermanager.Client
	secrets *secretSet
}

// New returns a client configured by the SDK's standard chain: credentials from the environment,
// the shared config/credentials files, web identity (IRSA on EKS), the ECS/EKS container
// endpoint or EC2 instance metadata; endpoint from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL; region
// from AWS_REGION / AWS_DEFAULT_REGION / the profile, else DefaultRegion. opts adjust the S3
// client after that (tests install a recording HTTP client with them).
func New(ctx context.Context, opts ...func(*s3.Options)) (*Client, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("s3: load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultRegion
	}
	if cfg.RetryMode == "" {
		cfg.RetryMode = aws.RetryModeStandard
	}
	if cfg.RetryMaxAttempts == 0 && cfg.Retryer == nil {
		cfg.RetryMaxAttempts = DefaultMaxAttempts
	}
	pathStyle, forced := false, false
	if v, ok := os.LookupEnv(EnvPathStyle); ok && v != "" {
		if pathStyle, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("s3: %s=%q: expected true or false", EnvPathStyle, v)
		}
		forced = true
	}
	secrets := &secretSet{}
	if cfg.Credentials != nil {
		cfg.Credentials = recordingProvider{cfg.Credentials, secrets}
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		// Runs after the SDK resolved its endpoint settings into o.BaseEndpoint.
		o.UsePathStyle = pathStyle
		if !forced {
			o.UsePathStyle = o.BaseEndpoint != nil
		}
		// Objects uploaded in parts carry no whole-object checksum to validate: the SDK would log
		// a DEBUG line for each such GetObject on stderr.
		o.DisableLogOutputChecksumValidationSkipped = true
	}, func(o *s3.Options) {
		for _, opt := range opts {
			opt(o)
		}
	})
	tm := transfermanager.New(client, func(o *transfermanager.Options) {
		o.MultipartUploadThreshold = multipartThreshold
		o.PartSizeBytes = partSize
		o.Concurrency = partConcurrency
	})
	return &Client{s3: client, tm: tm, secrets: secrets}, nil
}

// Error classes, to test with errors.Is.
var (
	// ErrNotFound: the bucket or object does not exist (NoSuchBucket, NoSuchKey, HTTP 404).
	ErrNotFound = errors.New("not found")
	// ErrAccessDenied: the credentials were refused or lack a permission (AccessDenied,
	// SignatureDoesNotMatch, InvalidAccessKeyId, ExpiredToken, HTTP 403).
	ErrAccessDenied = errors.New("access denied")
)

// Error is a failed S3 operation on one URI. Its message names the operation, the URI and the
// service's error code and message, with every known secret (secret access key, session token)
// replaced by "[redacted]".
type Error struct {
	Op  string // list, get, put, upload, …
	URI string
	Err error // the SDK's error
	msg string
}

func (e *Error) Error() string { return e.msg }
func (e *Error) Unwrap() error { return e.Err }

// Is reports the error's class (ErrNotFound, ErrAccessDenied).
func (e *Error) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return classify(e.Err) == ErrNotFound
	case ErrAccessDenied:
		return classify(e.Err) == ErrAccessDenied
	}
	return false
}

// fail wraps err, which happened while doing op on u.
func (c *Client) fail(op, u string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) && e.URI == u {
		return err
	}
	return &Error{Op: op, URI: u, Err: err, msg: c.secrets.redact(fmt.Sprintf("%s %s: %s", op, u, describe(err)))}
}

// credentialCodes are the S3 error codes that mean the credentials themselves are wrong.
var credentialCodes = map[string]bool{
	"SignatureDoesNotMatch": true, "InvalidAccessKeyId": true, "ExpiredToken": true,
	"InvalidToken": true, "TokenRefreshRequired": true, "AccessDenied": true, "AllAccessDisabled": true,
}

func classify(err error) error {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch code := ae.ErrorCode(); {
		case code == "NoSuchBucket" || code == "NoSuchKey" || code == "NotFound":
			return ErrNotFound
		case credentialCodes[code]:
			return ErrAccessDenied
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case 404:
			return ErrNotFound
		case 403:
			return ErrAccessDenied
		}
	}
	return nil
}

// describe renders an SDK error for a person: the service's code and message with the HTTP status
// and a hint for the usual causes, or the transport failure, instead of the SDK's full chain.
func describe(err error) string {
	var b strings.Builder
	var ae smithy.APIError
	var re *awshttp.ResponseError
	switch {
	case errors.As(err, &ae):
		b.WriteString(ae.ErrorCode())
		if m := ae.ErrorMessage(); m != "" {
			b.WriteString(": " + m)
		}
		if errors.As(err, &re) {
			fmt.Fprintf(&b, " (HTTP %d)", re.HTTPStatusCode())
		}
		switch code := ae.ErrorCode(); {
		case credentialCodes[code]:
			b.WriteString("; check the AWS credentials (access key, secret key, session token, role) and their permissions on the bucket")
		case code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" || code == "IllegalLocationConstraintException":
			b.WriteString("; the bucket is in another region: set AWS_REGION")
		}
	case errors.Is(err, context.Canceled):
		b.WriteString("canceled")
	case errors.Is(err, context.DeadlineExceeded):
		b.WriteString("deadline exceeded")
	default:
		b.WriteString(err.Error())
	}
	return b.String()
}

// secretSet holds the secret values a message must never show: the secret access key and session
// token of the environment and of every credential the chain handed out.
type secretSet struct {
	mu sync.Mutex
	s  []string
}

// minSecret: shorter strings are not redacted (they would garble messages and cannot be secrets
// issued by AWS, which are 40 characters and longer).
const minSecret = 8

func (s *secretSet) add(v string) {
	if len(v) < minSecret {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, have := range s.s {
		if have == v {
			return
		}
	}
	s.s = append(s.s, v)
}

func (s *secretSet) redact(msg string) string {
	s.mu.Lock()
	known := append([]string(nil), s.s...)
	s.mu.Unlock()
	for _, k := range []string{"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"} {
		if v := os.Getenv(k); len(v) >= minSecret {
			known = append(known, v)
		}
	}
	for _, v := range known {
		msg = strings.ReplaceAll(msg, v, "[redacted]")
	}
	return msg
}

// recordingProvider remembers the secrets of the credentials it hands to the SDK.
type recordingProvider struct {
	p       aws.CredentialsProvider
	secrets *secretSet
}

// ProviderSources and IsCredentialsProvider pass the wrapped provider's identity through, as the
// SDK inspects it (user-agent metrics, anonymous access).
func (r recordingProvider) ProviderSources() []aws.CredentialSource {
	if s, ok := r.p.(aws.CredentialProviderSource); ok {
		return s.ProviderSources()
	}
	return nil
}

func (r recordingProvider) IsCredentialsProvider(target aws.CredentialsProvider) bool {
	return aws.IsCredentialsProvider(r.p, target)
}

func (r recordingProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	creds, err := r.p.Retrieve(ctx)
	if err == nil {
		r.secrets.add(creds.SecretAccessKey)
		r.secrets.add(creds.SessionToken)
	}
	return creds, err
}
