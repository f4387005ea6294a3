package sidecar

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/driftwatch/driftwatch/analyzer/s3io"
)

// Config is the configuration of a capture sidecar. DefaultConfig returns a complete one; the
// required fields are Listen, Upstream, Destination, EndpointName and VariantName.
type Config struct {
	// Listen is the address the proxy serves on (":8000", "127.0.0.1:8000").
	Listen string
	// MetricsListen is the address of the Prometheus /metrics endpoint, separate from Listen so
	// that no model path is shadowed. "" disables it.
	MetricsListen string
	// Upstream is the model server's base URL (http://127.0.0.1:8080). Request paths and queries
	// are appended to its path.
	Upstream string
	// Destination is where capture files go: a local folder or s3://bucket/prefix. Files land at
	// {Destination}/{EndpointName}/{VariantName}/yyyy/mm/dd/hh/MM-SS-mmm-{uuid}.jsonl (contract §4.2).
	Destination string
	// EndpointName and VariantName name the first two levels of the capture tree (SageMaker's
	// endpoint and production variant names: 1–63 letters, digits and inner hyphens).
	EndpointName, VariantName string
	// SamplingPercentage is the share of candidate requests captured, 0–100 (SageMaker's
	// InitialSamplingPercentage).
	SamplingPercentage int
	// CaptureInput and CaptureOutput select the sides recorded (SageMaker's CaptureOptions
	// Input/Output); at least one.
	CaptureInput, CaptureOutput bool
	// ContentTypes decides CSV / JSON / BASE64 encoding by content type.
	ContentTypes ContentTypes
	// CaptureMethods are the HTTP methods of inference requests; requests with other methods are
	// forwarded without capture.
	CaptureMethods []string
	// SkipPaths are request paths forwarded without capture whatever the method: health checks
	// and the like (exact match, no query).
	SkipPaths []string
	// MaxPayloadBytes is the most bytes of one body kept for its record; a longer body is still
	// forwarded whole but recorded truncated (encoding BASE64_TRUNCATED, see Base64Truncated).
	MaxPayloadBytes int64
	// QueueBytes bounds the records waiting in memory for the file writer (payload bytes plus
	// queueOverhead each). When full, new records are dropped and counted; requests never wait.
	QueueBytes int64
	// SpoolDir is where files are written before delivery: an open file is NAME.jsonl.part, a
	// closed one NAME.jsonl until it is uploaded (S3) or moved into Destination (local). Default:
	// {Destination}/.driftwatch-spool for a local destination (same file system, so delivery is a
	// rename; hidden, so jobs reading Destination skip it), {TMPDIR}/driftwatch-capture for S3.
	SpoolDir string
	// MaxSpoolBytes bounds the bytes in SpoolDir not yet delivered. While S3 is unreachable files
	// accumulate there; past the bound new records are dropped and counted.
	MaxSpoolBytes int64
	// MaxFileBytes and MaxFileAge rotate files: a file is closed and delivered when it reaches
	// MaxFileBytes or MaxFileAge after it was opened, whichever comes first.
	MaxFileBytes int64
	MaxFileAge   time.Duration
	// UpstreamTimeout bounds the wait for the upstream's response headers (0: no bound, the
	// client's own timeout applies); past it the client gets 504.
	UpstreamTimeout time.Duration
	// ShutdownTimeout bounds a graceful stop (SIGTERM): finishing in-flight requests, writing the
	// queued records and delivering every file. What is not delivered by then stays in SpoolDir
	// and is delivered by the next start with the same SpoolDir.
	ShutdownTimeout time.Duration
}

// Defaults and bounds, with where the numbers come from.
const (
	// DefaultMaxPayloadBytes: 6 MiB covers SageMaker's real-time payload limit (6 MB per
	// InvokeEndpoint request), so that only bodies SageMaker would refuse are truncated.
	DefaultMaxPayloadBytes = 6 << 20
	// maxMaxPayloadBytes: a text payload escapes to at most 2× its size (plainText), a binary one
	// to 4/3×; two sides of 12 MiB stay under 2 × 2 × 12 = 48 MiB plus the envelope, below the
	// 64 MiB longest record the monitoring job reads (analyzer/decode).
	maxMaxPayloadBytes = 12 << 20
	// DefaultQueueBytes: 64 MiB of records in memory, ~60,000 records of 1 KB.
	DefaultQueueBytes = 64 << 20
	// DefaultMaxSpoolBytes: 1 GiB on disk while the destination is unreachable (at 1,000 req/s
	// with 1 KB bodies, about 8 minutes of traffic).
	DefaultMaxSpoolBytes = 1 << 30
	// DefaultMaxFileBytes: 64 MiB; files above 16 MiB go to S3 as multipart uploads (s3io.Put).
	DefaultMaxFileBytes = 64 << 20
	// DefaultMaxFileAge: a minute, so the hourly monitoring job (run at :15, contract §4.5) finds
	// the last hour complete, and a crash loses at most the records of the open minute.
	DefaultMaxFileAge = time.Minute
	// DefaultShutdownTimeout: 25 s, inside Kubernetes' default 30 s terminationGracePeriodSeconds.
	DefaultShutdownTimeout = 25 * time.Second
)

// DefaultConfig returns the defaults; the required fields are empty.
func DefaultConfig() Config {
	return Config{
		MetricsListen:      ":9090",
		SamplingPercentage: 100,
		CaptureInput:       true,
		CaptureOutput:      true,
		ContentTypes:       DefaultContentTypes(),
		CaptureMethods:     []string{"POST"},
		// SageMaker's /ping, KServe/Triton's /v2/health/*, the usual Kubernetes probe paths.
		SkipPaths:       []string{"/ping", "/health", "/healthz", "/livez", "/readyz", "/ready", "/v2/health/live", "/v2/health/ready"},
		MaxPayloadBytes: DefaultMaxPayloadBytes,
		QueueBytes:      DefaultQueueBytes,
		MaxSpoolBytes:   DefaultMaxSpoolBytes,
		MaxFileBytes:    DefaultMaxFileBytes,
		MaxFileAge:      DefaultMaxFileAge,
		ShutdownTimeout: DefaultShutdownTimeout,
	}
}

// sageMakerName is the pattern of SageMaker endpoint and variant names (CreateEndpoint
// EndpointName, ProductionVariant VariantName): also safe as path and key segments. Compiled on
// first use: the bounded repetition expands to a ~140 KB program that every driftwatch process
// (monitoring jobs included) paid at start-up as a package variable.
var sageMakerName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$`) })

// Validate reports every problem of c at once.
func (c Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	checkAddr := func(flagName, v string) {
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			bad("--%s %q: expected host:port or :port", flagName, v)
		}
	}
	if c.Listen == "" {
		bad("--listen is required (the address clients call, e.g. :8000)")
	} else {
		checkAddr("listen", c.Listen)
	}
	if c.MetricsListen != "" {
		checkAddr("metrics-listen", c.MetricsListen)
		if _, port, _ := net.SplitHostPort(c.Listen); c.MetricsListen == c.Listen && port != "0" {
			bad("--metrics-listen %q is the proxy's own address: give it another port", c.MetricsListen)
		}
	}
	if c.Upstream == "" {
		bad("--upstream is required (the model server's URL, e.g. http://127.0.0.1:8080)")
	} else if u, err := url.Parse(c.Upstream); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("--upstream %q: expected an http:// or https:// URL with a host", c.Upstream)
	}
	switch {
	case c.Destination == "":
		bad("--destination is required (a folder or s3://bucket/prefix)")
	case s3io.IsURI(c.Destination):
		if _, _, err := s3io.ParseURI(c.Destination); err != nil {
			bad("--destination: %v", err)
		}
	}
	for _, n := range []struct{ flag, v string }{{"endpoint-name", c.EndpointName}, {"variant-name", c.VariantName}} {
		if !sageMakerName().MatchString(n.v) {
			bad("--%s %q: expected 1-63 letters, digits and inner hyphens (SageMaker's name rule)", n.flag, n.v)
		}
	}
	if c.SamplingPercentage < 0 || c.SamplingPercentage > 100 {
		bad("--sampling-percentage %d: expected 0 to 100", c.SamplingPercentage)
	}
	if !c.CaptureInput && !c.CaptureOutput {
		bad("--capture: name input, output or both")
	}
	for _, l := range []struct {
		flag  string
		types []string
	}{{"csv-content-types", c.ContentTypes.CSV}, {"json-content-types", c.ContentTypes.JSON}} {
		for _, t := range l.types {
			if !validContentType(t) {
				bad("--%s: %q is not a content type (type/subtype)", l.flag, t)
			}
		}
	}
	for _, t := range c.ContentTypes.CSV {
		if slices.ContainsFunc(c.ContentTypes.JSON, func(j string) bool { return strings.EqualFold(j, t) }) {
			bad("content type %q is listed both as CSV and as JSON", t)
		}
	}
	if len(c.CaptureMethods) == 0 {
		bad("--capture-methods: name at least one HTTP method")
	}
	for _, m := range c.CaptureMethods {
		if m == "" || strings.ToUpper(m) != m || strings.ContainsAny(m, " \t/") {
			bad("--capture-methods: %q is not an upper-case HTTP method", m)
		}
	}
	for _, p := range c.SkipPaths {
		if !strings.HasPrefix(p, "/") {
			bad("--skip-paths: %q must start with /", p)
		}
	}
	if c.MaxPayloadBytes < 1 || c.MaxPayloadBytes > maxMaxPayloadBytes {
		bad("--max-payload-bytes %d: expected 1 to %d (12 MiB keeps every record line under the 64 MiB the monitoring job reads)", c.MaxPayloadBytes, maxMaxPayloadBytes)
	}
	if c.QueueBytes < 2*c.MaxPayloadBytes+queueOverhead {
		bad("--queue-bytes %d: must hold at least one record with two full payloads (%d)", c.QueueBytes, 2*c.MaxPayloadBytes+queueOverhead)
	}
	if c.MaxFileBytes < 1 {
		bad("--max-file-bytes %d: expected a positive size", c.MaxFileBytes)
	}
	if c.MaxSpoolBytes < c.MaxFileBytes {
		bad("--max-spool-bytes %d: must be at least --max-file-bytes (%d)", c.MaxSpoolBytes, c.MaxFileBytes)
	}
	if c.MaxFileAge < time.Second {
		bad("--max-file-age %v: expected at least 1s", c.MaxFileAge)
	}
	if c.UpstreamTimeout < 0 {
		bad("--upstream-timeout %v: expected 0 (none) or a positive duration", c.UpstreamTimeout)
	}
	if c.ShutdownTimeout <= 0 {
		bad("--shutdown-timeout %v: expected a positive duration", c.ShutdownTimeout)
	}
	return errors.Join(errs...)
}

// String renders the effective configuration on one line, for the log.
func (c Config) String() string {
	side := []string{}
	if c.CaptureInput {
		side = append(side, "input")
	}
	if c.CaptureOutput {
		side = append(side, "output")
	}
	return fmt.Sprintf("listen=%s metrics-listen=%s upstream=%s destination=%s endpoint-name=%s variant-name=%s "+
		"sampling-percentage=%d capture=%s csv-content-types=%s json-content-types=%s capture-methods=%s skip-paths=%s "+
		"max-payload-bytes=%d queue-bytes=%d spool-dir=%s max-spool-bytes=%d max-file-bytes=%d max-file-age=%v "+
		"upstream-timeout=%v shutdown-timeout=%v",
		c.Listen, orNone(c.MetricsListen), c.Upstream, c.Destination, c.EndpointName, c.VariantName,
		c.SamplingPercentage, strings.Join(side, ","), strings.Join(c.ContentTypes.CSV, ","), strings.Join(c.ContentTypes.JSON, ","),
		strings.Join(c.CaptureMethods, ","), strings.Join(c.SkipPaths, ","),
		c.MaxPayloadBytes, c.QueueBytes, c.SpoolDir, c.MaxSpoolBytes, c.MaxFileBytes, c.MaxFileAge,
		c.UpstreamTimeout, c.ShutdownTimeout)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// EnvPrefix starts the environment variable of every flag: --max-file-age is
// DRIFTWATCH_CAPTURE_MAX_FILE_AGE. A flag given on the command line wins over its variable.
const EnvPrefix = "DRIFTWATCH_CAPTURE_"

// EnvName returns the environment variable of a flag.
func EnvName(flagName string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// RegisterFlags defines the sidecar's flags on fs, storing into c (whose values are the defaults).
func RegisterFlags(fs *flag.FlagSet, c *Config) {
	fs.StringVar(&c.Listen, "listen", c.Listen, "address the proxy serves on, e.g. :8000 (required)")
	fs.StringVar(&c.MetricsListen, "metrics-listen", c.MetricsListen, "address of the Prometheus /metrics endpoint, separate from the model's paths; empty disables it")
	fs.StringVar(&c.Upstream, "upstream", c.Upstream, "the model server's URL, e.g. http://127.0.0.1:8080 (required)")
	fs.StringVar(&c.Destination, "destination", c.Destination, "folder or s3://bucket/prefix for the capture tree {endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl (required)")
	fs.StringVar(&c.EndpointName, "endpoint-name", c.EndpointName, "endpoint name: first level of the capture tree (required)")
	fs.StringVar(&c.VariantName, "variant-name", c.VariantName, "variant name: second level of the capture tree, e.g. AllTraffic (required)")
	fs.IntVar(&c.SamplingPercentage, "sampling-percentage", c.SamplingPercentage, "percentage of inference requests captured, 0-100")
	fs.Func("capture", "sides recorded: input, output or input,output (default input,output)", func(v string) error {
		c.CaptureInput, c.CaptureOutput = false, false
		for s := range strings.SplitSeq(v, ",") {
			switch strings.ToLower(strings.TrimSpace(s)) {
			case "input", "request":
				c.CaptureInput = true
			case "output", "response":
				c.CaptureOutput = true
			default:
				return fmt.Errorf("%q: expected input and/or output", s)
			}
		}
		return nil
	})
	fs.Var((*listFlag)(&c.ContentTypes.CSV), "csv-content-types", "comma-separated content types written as CSV text")
	fs.Var((*listFlag)(&c.ContentTypes.JSON), "json-content-types", "comma-separated content types written as JSON text")
	fs.Var((*listFlag)(&c.CaptureMethods), "capture-methods", "comma-separated HTTP methods of inference requests; others pass through uncaptured")
	fs.Var((*listFlag)(&c.SkipPaths), "skip-paths", "comma-separated paths that pass through uncaptured (health checks)")
	fs.Var((*sizeFlag)(&c.MaxPayloadBytes), "max-payload-bytes", "bytes of a body kept in its record; longer bodies are forwarded whole and recorded truncated (BASE64_TRUNCATED)")
	fs.Var((*sizeFlag)(&c.QueueBytes), "queue-bytes", "memory for records waiting to be written; when full, records are dropped and counted, never requests")
	fs.StringVar(&c.SpoolDir, "spool-dir", c.SpoolDir, "folder for files before delivery (default DESTINATION/.driftwatch-spool, or TMPDIR/driftwatch-capture for S3)")
	fs.Var((*sizeFlag)(&c.MaxSpoolBytes), "max-spool-bytes", "bytes of undelivered files kept in the spool folder (S3 unreachable); past it records are dropped and counted")
	fs.Var((*sizeFlag)(&c.MaxFileBytes), "max-file-bytes", "rotate a capture file at this size")
	fs.DurationVar(&c.MaxFileAge, "max-file-age", c.MaxFileAge, "rotate a capture file this long after it was opened")
	fs.DurationVar(&c.UpstreamTimeout, "upstream-timeout", c.UpstreamTimeout, "wait at most this long for the model's response headers, then answer 504 (0: no limit)")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "on SIGTERM, time to finish requests, write and deliver every accepted record")
}

// Usage introduces the flags in `driftwatch capture -h`.
const Usage = `Usage: driftwatch capture --listen ADDR --upstream URL --destination DIR|s3://bucket/prefix
                          --endpoint-name N --variant-name V [flags]

A reverse proxy in front of any HTTP model server: forwards every request unchanged and writes the
sampled inference requests in SageMaker's data capture format, under
{destination}/{endpoint}/{variant}/yyyy/mm/dd/hh/, for 'driftwatch monitor --format capture'.
Each flag can also be set by an environment variable: DRIFTWATCH_CAPTURE_ and the flag's name in
upper case with '_' for '-' (--max-file-age: DRIFTWATCH_CAPTURE_MAX_FILE_AGE); a flag wins over
its variable. Stops gracefully on SIGTERM. See docs/capture-sidecar.md.

Flags:
`

// ParseConfig builds a configuration from the environment (EnvName of each flag) and then the
// command-line flags, and validates it. It returns flag.ErrHelp after -h (usage written to out).
func ParseConfig(args []string, lookupEnv func(string) (string, bool), out io.Writer) (Config, error) {
	c := DefaultConfig()
	fs := flag.NewFlagSet("capture", flag.ContinueOnError)
	fs.SetOutput(out)
	RegisterFlags(fs, &c)
	fs.Usage = func() {
		fmt.Fprint(out, Usage)
		fs.PrintDefaults()
	}
	var envErrs []error
	fs.VisitAll(func(f *flag.Flag) {
		if v, ok := lookupEnv(EnvName(f.Name)); ok {
			if err := fs.Set(f.Name, v); err != nil {
				envErrs = append(envErrs, fmt.Errorf("%s=%q: %v", EnvName(f.Name), v, err))
			}
		}
	})
	if err := errors.Join(envErrs...); err != nil {
		return c, err
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	c.fillSpoolDir()
	return c, c.Validate()
}

// listFlag is a comma-separated list; empty elements are dropped.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error {
	*l = nil
	for s := range strings.SplitSeq(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// sizeFlag is a byte count: a plain integer or one with a binary unit (KiB, MiB, GiB) or a
// decimal one (KB, MB, GB).
type sizeFlag int64

func (s *sizeFlag) String() string { return strconv.FormatInt(int64(*s), 10) }
func (s *sizeFlag) Set(v string) error {
	n, err := parseSize(v)
	if err != nil {
		return err
	}
	*s = sizeFlag(n)
	return nil
}

// parseSize parses "1048576", "1MiB", "64 MiB", "2GB".
func parseSize(v string) (int64, error) {
	v = strings.TrimSpace(v)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(v, u.suffix) {
			v, mult = strings.TrimSpace(strings.TrimSuffix(v, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("%q is not a size (bytes, or a number with KiB, MiB, GiB, KB, MB, GB)", v)
	}
	return n * mult, nil
}
