package analyzer

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/driftwatch/driftwatch/analyzer/capture"
	"github.com/driftwatch/driftwatch/stats"
)

// TestPartialRoundTrip: header, units (with and without a profile, with a capture summary) and the
// end section survive a write and a read; the bytes are a function of the content.
func TestPartialRoundTrip(t *testing.T) {
	h := partialHeader{FormatVersion: PartialFormatVersion, Version: "1.2.3", Kind: kindMonitoring,
		DatasetFormat: `{"csv":{"header":true}}`, DatasetSource: "s3://b/data/", Baseline: bytes.Repeat([]byte{1}, 32),
		Tracked: bytes.Repeat([]byte{2}, 32), TrackedCount: 3, WindowStart: "2026-11-01T10:00:00Z", WindowEnd: "2026-11-01T11:00:00Z",
		RunID: "job-7", Index: 1, Count: 3, UnitSize: 1 << 28, ChunkSize: 4 << 20, Listing: bytes.Repeat([]byte{3}, 32),
		Files: 12, Bytes: 1 << 33, Units: 40, First: 13, End: 15}
	prof := stats.NewProfile()
	prof.TrackValues([]string{"a", "b"})
	prof.Merge(func() *stats.Profile {
		p := stats.NewProfile()
		p.TrackValues([]string{"a", "b"})
		p.Declare([]string{"x", "y"})
		return p
	}())
	sum := capture.Summary{Records: 9, Rows: 7, OutsideWindow: 1, Unusable: 1, Reasons: map[string]int64{"invalid JSON": 1},
		Examples: []capture.Problem{{File: "f.jsonl", Line: 4, Reason: "invalid JSON"}}}
	write := func() []byte {
		var b bytes.Buffer
		pw, err := newPartialWriter(&b, &h)
		must(t, err)
		must(t, pw.unit(13, unitProfile{profile: prof, capture: sum}))
		must(t, pw.unit(14, unitProfile{}))
		must(t, pw.close(inputColumns{names: []string{"x", "y"}, from: "s3://b/data/a.csv"}))
		return b.Bytes()
	}
	b := write()
	if !bytes.Equal(b, write()) {
		t.Fatal("two writes of the same content differ")
	}
	pr, err := openPartial("p", bytes.NewReader(b), int64(len(b)), nil)
	must(t, err)
	if !reflect.DeepEqual(pr.header, h) {
		t.Errorf("header %+v, want %+v", pr.header, h)
	}
	u, up, _, err := pr.next([]string{"a", "b"})
	must(t, err)
	if u != 13 || up.profile == nil || len(up.profile.Columns()) != 2 || !reflect.DeepEqual(up.capture, sum) {
		t.Errorf("unit 13: %d %+v", u, up)
	}
	u, up, _, err = pr.next(nil)
	must(t, err)
	if u != 14 || up.profile != nil {
		t.Errorf("unit 14: %d %+v", u, up)
	}
	_, _, end, err := pr.next(nil)
	if !errors.Is(err, io.EOF) || end == nil || end.ColumnsFrom != "s3://b/data/a.csv" || len(end.Columns) != 2 {
		t.Errorf("end: %v %+v", err, end)
	}
}

// FuzzPartial: no input crashes the reader; it ends in io.EOF with the end section or an error.
func FuzzPartial(f *testing.F) {
	// Seeds: a real partial of a small monitoring job over capture data, and a baseline's.
	dir := f.TempDir()
	f.Add([]byte(partialMagic))
	for _, in := range []struct{ format, file, data string }{
		{`{"csv": {"header": true}}`, "a.csv", "a,b\n1,x\n2,\"y\nz\"\n,\n3.5,w\n"},
		{`{"json": {"lines": true}}`, "a.jsonl", "{\"a\": 1, \"b\": \"x\"}\n{\"a\": 2.5}\n"},
	} {
		src := filepath.Join(dir, in.file)
		if err := os.WriteFile(src, []byte(in.data), 0o644); err != nil {
			f.Fatal(err)
		}
		parts := filepath.Join(dir, "p-"+in.file)
		cfg := DefaultConfig()
		cfg.DatasetSource, cfg.OutputPath, cfg.OutputMessageFile, cfg.NoReport = src, filepath.Join(dir, "out"), "", true
		cfg.DatasetFormat, _ = ParseFormat(in.format)
		cfg.Sharding = Sharding{Index: 0, Count: 1, Partials: parts}
		if o := Run(f.Context(), cfg, testLogger(f)); o.Status != Completed {
			f.Fatal(o.Message)
		}
		b, err := os.ReadFile(filepath.Join(parts, partialName(0, 1)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		pr, err := openPartial("fuzz", bytes.NewReader(b), int64(len(b)), nil)
		if err != nil {
			return
		}
		for range 1000 {
			_, up, _, err := pr.next([]string{"x"})
			if err != nil {
				return
			}
			if up.profile != nil {
				_ = up.profile.Features()
			}
		}
		t.Fatal("more than 1000 units from a small input")
	})
}

// FuzzDecodeUnit: the unit decoder behind the checksum never panics on damaged bytes, and what it
// accepts re-encodes to an accepted unit.
func FuzzDecodeUnit(f *testing.F) {
	p := stats.NewProfile()
	p.TrackValues([]string{"x"})
	p.Declare([]string{"a"})
	for _, up := range []unitProfile{{}, {profile: p, capture: capture.Summary{Records: 2, Unusable: 1, Reasons: map[string]int64{"r": 1},
		Examples: []capture.Problem{{File: "f", Line: 1, Reason: "r"}}}}} {
		b, err := encodeUnit(3, up)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		u, up, err := decodeUnit(b, []string{"x"})
		if err != nil {
			return
		}
		again, err := encodeUnit(u, up)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := decodeUnit(again, []string{"x"}); err != nil {
			t.Fatalf("re-encoded unit rejected: %v", err)
		}
	})
}
