package sidecar

import (
	"errors"
	"flag"
	"io"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	c := DefaultConfig()
	c.Listen, c.Upstream, c.Destination, c.EndpointName, c.VariantName = ":8000", "http://127.0.0.1:8080", "/tmp/capture", "ep", "AllTraffic"
	return c
}

func TestValidateReportsEveryProblem(t *testing.T) {
	if err := validConfig().Validate(); err != nil {
		t.Fatalf("defaults with the required fields: %v", err)
	}
	c := validConfig()
	c.Listen = "8000"
	c.MetricsListen = c.Listen
	c.Upstream = "ftp://x"
	c.Destination = "s3://"
	c.EndpointName = "my_endpoint"
	c.VariantName = ""
	c.SamplingPercentage = 101
	c.CaptureInput, c.CaptureOutput = false, false
	c.ContentTypes.CSV = []string{"csv"}
	c.CaptureMethods = []string{"post"}
	c.SkipPaths = []string{"ping"}
	c.MaxPayloadBytes = 13 << 20
	c.MaxFileAge = time.Millisecond
	c.QueueBytes = 1000
	err := c.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"--listen", "--metrics-listen", "--upstream", "--destination", "--endpoint-name", "--variant-name",
		"--sampling-percentage", "--capture:", "--csv-content-types", "--capture-methods", "--skip-paths", "--max-payload-bytes", "--max-file-age", "--queue-bytes"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %s:\n%v", want, err)
		}
	}
}

func TestParseConfigEnvAndFlags(t *testing.T) {
	env := map[string]string{
		"DRIFTWATCH_CAPTURE_LISTEN":              ":9999",
		"DRIFTWATCH_CAPTURE_UPSTREAM":            "http://model:8080",
		"DRIFTWATCH_CAPTURE_DESTINATION":         "s3://bucket/capture",
		"DRIFTWATCH_CAPTURE_ENDPOINT_NAME":       "ep",
		"DRIFTWATCH_CAPTURE_VARIANT_NAME":        "v1",
		"DRIFTWATCH_CAPTURE_SAMPLING_PERCENTAGE": "20",
		"DRIFTWATCH_CAPTURE_CAPTURE":             "output",
		"DRIFTWATCH_CAPTURE_MAX_FILE_BYTES":      "8MiB",
		"DRIFTWATCH_CAPTURE_JSON_CONTENT_TYPES":  "application/json, application/jsonlines",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	c, err := ParseConfig([]string{"--listen", ":8000", "--max-file-age", "30s"}, lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != ":8000" || c.Upstream != "http://model:8080" || c.SamplingPercentage != 20 || c.CaptureInput || !c.CaptureOutput ||
		c.MaxFileBytes != 8<<20 || c.MaxFileAge != 30*time.Second || strings.Join(c.ContentTypes.JSON, "|") != "application/json|application/jsonlines" ||
		c.SpoolDir == "" {
		t.Errorf("config %s", c)
	}
	env["DRIFTWATCH_CAPTURE_MAX_SPOOL_BYTES"] = "lots"
	if _, err := ParseConfig(nil, lookup, io.Discard); err == nil || !strings.Contains(err.Error(), "DRIFTWATCH_CAPTURE_MAX_SPOOL_BYTES") {
		t.Errorf("bad variable: %v", err)
	}
	delete(env, "DRIFTWATCH_CAPTURE_MAX_SPOOL_BYTES")
	var out strings.Builder
	if _, err := ParseConfig([]string{"-h"}, lookup, &out); !errors.Is(err, flag.ErrHelp) || !strings.Contains(out.String(), "-max-payload-bytes") {
		t.Errorf("-h: %v\n%s", err, out.String())
	}
	if _, err := ParseConfig([]string{"stray"}, func(string) (string, bool) { return "", false }, io.Discard); err == nil {
		t.Error("stray argument accepted")
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1024": 1024, "1KiB": 1024, "6 MiB": 6 << 20, "2GiB": 2 << 30, "5MB": 5e6, "10B": 10} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.5MiB", "MiB", "1TiB", "99999999999GiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q) accepted", in)
		}
	}
}

// TestSampler: with a fixed seed the captured share of 200,000 requests lies within 5 standard
// deviations of p (binomial sd = sqrt(n p (1-p))), for every percentage; 0 and 100 are exact.
func TestSampler(t *testing.T) {
	const n = 200000
	for _, pct := range []int{0, 1, 20, 50, 99, 100} {
		r := rand.New(rand.NewPCG(1, uint64(pct)))
		s := NewSampler(pct, r.Uint64)
		hits := 0
		for range n {
			if s.Sample() {
				hits++
			}
		}
		p := float64(pct) / 100
		sd := 5 * math.Sqrt(n*p*(1-p))
		if got := float64(hits); got < n*p-sd || got > n*p+sd {
			t.Errorf("%d %%: %d of %d sampled, want %.0f ± %.0f", pct, hits, n, n*p, sd)
		}
	}
}
