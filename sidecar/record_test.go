package sidecar

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/driftwatch/driftwatch/analyzer/capture"
	"github.com/driftwatch/driftwatch/analyzer/decode"
)

// decoded is a capture record as encoding/json reads it: the independent reader of our lines.
type decoded struct {
	CaptureData map[string]struct {
		ObservedContentType *string `json:"observedContentType"`
		Mode                string  `json:"mode"`
		Data                string  `json:"data"`
		Encoding            string  `json:"encoding"`
		PayloadSize         *int64  `json:"payloadSize"`
	} `json:"captureData"`
	EventMetadata struct {
		EventID          string  `json:"eventId"`
		InferenceID      *string `json:"inferenceId"`
		InferenceTime    string  `json:"inferenceTime"`
		CustomAttributes *string `json:"customAttributes"`
	} `json:"eventMetadata"`
	EventVersion string `json:"eventVersion"`
}

func decodeLine(t testing.TB, line []byte) decoded {
	t.Helper()
	if len(line) == 0 || line[len(line)-1] != '\n' || bytes.Count(line, []byte{'\n'}) != 1 {
		t.Fatalf("not one line ending in a newline: %q", line)
	}
	if !utf8.Valid(line) {
		t.Fatalf("line is not valid UTF-8: %q", line)
	}
	var d decoded
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("line is not a capture record: %v\n%s", err, line)
	}
	return d
}

// wantEncoding is the encoding rule written out independently of encodingOf: truncated →
// BASE64_TRUNCATED; listed content type (media type, case-insensitive) and clean UTF-8 text →
// CSV/JSON; else BASE64.
func wantEncoding(p *Payload, csvTypes, jsonTypes []string) string {
	if p.Truncated {
		return "BASE64_TRUNCATED"
	}
	media := strings.ToLower(strings.TrimSpace(strings.Split(p.ContentType, ";")[0]))
	text := utf8.Valid(p.Data)
	for _, c := range p.Data {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			text = false
		}
	}
	for _, t := range csvTypes {
		if strings.ToLower(t) == media && text {
			return "CSV"
		}
	}
	for _, t := range jsonTypes {
		if strings.ToLower(t) == media && text {
			return "JSON"
		}
	}
	return "BASE64"
}

func TestAppendRecordRoundTrip(t *testing.T) {
	at := time.Date(2026, 11, 1, 10, 59, 59, 987654321, time.FixedZone("CET", 3600))
	big := bytes.Repeat([]byte("0123456789"), 100)
	for _, c := range []struct {
		name    string
		in, out *Payload
		id, ca  string
	}{
		{name: "csv both sides", in: &Payload{ContentType: "text/csv", Data: []byte("1,2.5,a\n")}, out: &Payload{ContentType: "text/csv; charset=utf-8", Data: []byte("0.75")}},
		{name: "json with escapes", in: &Payload{ContentType: "application/json", Data: []byte(`{"t": "a \"quoted\" \\ back\tslash\nline", "u": "é€😀"}`)}, out: &Payload{ContentType: "Application/JSON", Data: []byte("[1,\r\n2]")}},
		{name: "binary", in: &Payload{ContentType: "image/png", Data: []byte{0x89, 'P', 'N', 'G', 0, 0xff, 0xfe, '\n'}}, out: &Payload{ContentType: "application/json", Data: []byte(`{"label":"cat"}`)}},
		{name: "csv not utf8", in: &Payload{ContentType: "text/csv", Data: []byte("caf\xe9,1\n")}},
		{name: "csv with control char", in: &Payload{ContentType: "text/csv", Data: []byte("a\x00b,\x1f\n")}},
		{name: "no content type", in: &Payload{Data: []byte("x")}},
		{name: "empty bodies", in: &Payload{ContentType: "text/csv"}, out: &Payload{ContentType: "application/json"}},
		{name: "output only", out: &Payload{ContentType: "text/csv", Data: []byte("1")}},
		{name: "truncated input", in: &Payload{ContentType: "text/csv", Data: big[:100], Size: 1000, Truncated: true}, out: &Payload{ContentType: "text/csv", Data: []byte("1")}},
		{name: "ids", in: &Payload{ContentType: "text/csv", Data: []byte("1")}, id: "req-42", ca: `trace="a b"; c=1`},
		{name: "header not utf8", in: &Payload{ContentType: "text/csv", Data: []byte("1")}, id: "id\xff", ca: "\x01"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ct := DefaultContentTypes()
			r := &Record{EventID: "7f0c1f7e-5d4b-4f6a-9c3e-2b1a0d9e8f7c", InferenceTime: at, InferenceID: c.id, CustomAttributes: c.ca, Input: c.in, Output: c.out}
			line := AppendRecord([]byte("prefix"), r, ct)
			if !bytes.HasPrefix(line, []byte("prefix{")) {
				t.Fatalf("did not append: %q", line)
			}
			d := decodeLine(t, line[len("prefix"):])
			if d.EventVersion != "0" || d.EventMetadata.EventID != r.EventID || d.EventMetadata.InferenceTime != "2026-11-01T09:59:59Z" {
				t.Errorf("metadata %+v, version %q", d.EventMetadata, d.EventVersion)
			}
			checkOpt := func(name string, got *string, want string) {
				if want == "" && got != nil {
					t.Errorf("%s written though absent: %q", name, *got)
				}
				if want != "" && (got == nil || *got != strings.ToValidUTF8(want, "\uFFFD")) {
					t.Errorf("%s = %v, want %q", name, got, want)
				}
			}
			checkOpt("inferenceId", d.EventMetadata.InferenceID, c.id)
			checkOpt("customAttributes", d.EventMetadata.CustomAttributes, c.ca)
			for _, side := range []struct {
				key, mode string
				p         *Payload
			}{{"endpointInput", "INPUT", c.in}, {"endpointOutput", "OUTPUT", c.out}} {
				got, ok := d.CaptureData[side.key]
				if side.p == nil {
					if ok {
						t.Errorf("%s written though not captured", side.key)
					}
					continue
				}
				if !ok {
					t.Fatalf("%s missing", side.key)
				}
				enc := wantEncoding(side.p, ct.CSV, ct.JSON)
				if got.Encoding != enc || got.Mode != side.mode || got.ObservedContentType == nil || *got.ObservedContentType != side.p.ContentType {
					t.Errorf("%s: encoding %s mode %s type %v; want %s %s %q", side.key, got.Encoding, got.Mode, got.ObservedContentType, enc, side.mode, side.p.ContentType)
				}
				data := []byte(got.Data)
				if enc == "BASE64" || enc == "BASE64_TRUNCATED" {
					var err error
					if data, err = base64.StdEncoding.DecodeString(got.Data); err != nil {
						t.Fatalf("%s: %v", side.key, err)
					}
				}
				if !bytes.Equal(data, side.p.Data) {
					t.Errorf("%s: data %q, want %q", side.key, data, side.p.Data)
				}
				if (got.PayloadSize != nil) != side.p.Truncated || (got.PayloadSize != nil && *got.PayloadSize != side.p.Size) {
					t.Errorf("%s: payloadSize %v, truncated %v size %d", side.key, got.PayloadSize, side.p.Truncated, side.p.Size)
				}
			}
		})
	}
}

// TestAppendRecordMatchesRealFiles rebuilds real SageMaker capture records from their fields: the
// encoder writes them back byte for byte (key order, escaping, time format).
func TestAppendRecordMatchesRealFiles(t *testing.T) {
	for _, rel := range []string{
		"mq-churn-examples/capture-sample-with-inferenceId.jsonl",
		"sdk-tests-monitor/captured-data.jsonl",
		"mme-movielens-2019/capture-sample.jsonl",
	} {
		b, err := os.ReadFile(filepath.Join("..", "..", "shared", "conformance", rel))
		if errors.Is(err, os.ErrNotExist) {
			if os.Getenv("CI") == "true" {
				t.Fatalf("conformance file %s missing in CI", rel)
			}
			t.Skipf("conformance file %s not beside the checkout", rel)
		}
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.SplitAfter(bytes.TrimRight(b, "\n"), []byte{'\n'})
		for i, real := range lines {
			real = append(bytes.TrimRight(real, "\n"), '\n')
			d := decodeLine(t, real)
			at, err := time.Parse(TimeLayout, d.EventMetadata.InferenceTime)
			if err != nil {
				t.Fatalf("%s line %d: %v", rel, i+1, err)
			}
			r := &Record{EventID: d.EventMetadata.EventID, InferenceTime: at}
			if d.EventMetadata.InferenceID != nil {
				r.InferenceID = *d.EventMetadata.InferenceID
			}
			for key, dst := range map[string]**Payload{"endpointInput": &r.Input, "endpointOutput": &r.Output} {
				if s, ok := d.CaptureData[key]; ok {
					*dst = &Payload{ContentType: *s.ObservedContentType, Data: []byte(s.Data), Size: int64(len(s.Data))}
				}
			}
			if got := AppendRecord(nil, r, DefaultContentTypes()); !bytes.Equal(got, real) {
				t.Errorf("%s line %d differs:\n got %s\nwant %s", rel, i+1, got, real)
			}
		}
	}
}

func TestContentTypes(t *testing.T) {
	ct := ContentTypes{CSV: []string{"text/csv", "application/x-csv; charset=latin1"}, JSON: []string{"application/json", "application/jsonlines"}}
	for in, want := range map[string]Encoding{
		"text/csv": CSV, "TEXT/CSV": CSV, "text/csv; charset=utf-8": CSV, " text/csv ;header=present": CSV,
		"application/json": JSON, "application/jsonlines": JSON, "application/json;charset=UTF-8": JSON,
		"application/x-csv; charset=latin1": CSV, "application/x-csv;charset=LATIN1": CSV, "application/x-csv": Base64,
		"application/x-csv; charset=utf-8": Base64, "text/plain": Base64, "": Base64, "application/x-npy": Base64,
		"text/csvx": Base64, "application/json-seq": Base64,
	} {
		if got := ct.Encoding(in); got != want {
			t.Errorf("Encoding(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestAnalyzerReadsRecords: the records the sidecar writes are what analyzer/capture (the
// monitoring job's reader) expects: CSV and JSON payloads become rows, binary and truncated ones
// are counted unusable under a reason that says why.
func TestAnalyzerReadsRecords(t *testing.T) {
	at := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	rec := func(in, out *Payload) *Record {
		return &Record{EventID: "e", InferenceTime: at, Input: in, Output: out}
	}
	var file []byte
	for _, r := range []*Record{
		rec(&Payload{ContentType: "text/csv", Data: []byte("1,2.5,red\n")}, &Payload{ContentType: "text/csv; charset=utf-8", Data: []byte("0.9")}),
		rec(&Payload{ContentType: "application/json", Data: []byte(`{"b": 2.5, "a": 1, "c": "blue"}`)}, &Payload{ContentType: "application/json", Data: []byte(`{"predictions": [0.1]}`)}),
		rec(&Payload{ContentType: "text/csv", Data: []byte("3,\"x,\ny\",green\r\n")}, &Payload{ContentType: "text/csv", Data: []byte("0.5\n")}),
		// BASE64 because of its bytes, read back as CSV through observedContentType.
		rec(&Payload{ContentType: "text/csv", Data: []byte("4,\x01,grey\n")}, &Payload{ContentType: "text/csv", Data: []byte("0.4")}),
		rec(&Payload{ContentType: "application/octet-stream", Data: []byte{0, 1, 2, 0xff}}, &Payload{ContentType: "text/csv", Data: []byte("0.3")}),
		rec(&Payload{ContentType: "text/csv", Data: []byte("5,6,"), Size: 10, Truncated: true}, &Payload{ContentType: "text/csv", Data: []byte("0.2")}),
	} {
		file = AppendRecord(file, r, DefaultContentTypes())
	}
	b, sum, err := capture.Parse(decode.Chunk{File: "capture.jsonl", Data: file, FirstLine: 1, FirstRecord: 1}, capture.Options{OutputFirst: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	want := [][]string{
		{"0.9", "1", "2.5", "red"},
		{"0.1", "1", "2.5", "blue"},
		{"0.5", "3", "x,\ny", "green"},
		{"0.4", "4", "\x01", "grey"},
	}
	if b.NumRows() != int64(len(want)) || b.NumCols() != 4 {
		t.Fatalf("%d rows × %d columns, want %d × 4 (summary %+v)", b.NumRows(), b.NumCols(), len(want), sum)
	}
	for r, row := range want {
		for c, v := range row {
			if got := b.Column(c).(*array.String).Value(r); got != v {
				t.Errorf("row %d column %d = %q, want %q", r, c, got, v)
			}
		}
	}
	if sum.Records != 6 || sum.Unusable != 2 ||
		sum.Reasons[`BASE64 payload with unsupported content type "application/octet-stream"`] != 1 ||
		sum.Reasons[`unknown encoding "BASE64_TRUNCATED"`] != 1 {
		t.Errorf("summary %+v", sum)
	}
}

func FuzzAppendRecord(f *testing.F) {
	f.Add("text/csv", []byte("1,2\n"), "application/json", []byte(`{"a":1}`), "id", "ca", false)
	f.Add("image/png", []byte{0, 0xff}, "", []byte(nil), "", "", true)
	f.Add("text/csv", []byte("\xe9\x00\"\\"), "text/csv", []byte("\u2028\t"), "\xff", "\x7f", false)
	f.Fuzz(func(t *testing.T, inCT string, in []byte, outCT string, out []byte, id, ca string, trunc bool) {
		r := &Record{EventID: "e", InferenceTime: time.Unix(1e9, 0), InferenceID: id, CustomAttributes: ca,
			Input:  &Payload{ContentType: inCT, Data: in, Size: int64(len(in)) + 1, Truncated: trunc},
			Output: &Payload{ContentType: outCT, Data: out, Size: int64(len(out))}}
		ct := DefaultContentTypes()
		d := decodeLine(t, AppendRecord(nil, r, ct))
		for key, p := range map[string]*Payload{"endpointInput": r.Input, "endpointOutput": r.Output} {
			s := d.CaptureData[key]
			data := []byte(s.Data)
			if s.Encoding != "CSV" && s.Encoding != "JSON" {
				data, _ = base64.StdEncoding.DecodeString(s.Data)
			}
			if !bytes.Equal(data, p.Data) || s.Encoding != wantEncoding(p, ct.CSV, ct.JSON) || *s.ObservedContentType != strings.ToValidUTF8(p.ContentType, "\uFFFD") {
				t.Fatalf("%s: %+v from %+v", key, s, p)
			}
		}
	})
}

// BenchmarkAppendRecord encodes a record of two 1 KB CSV payloads.
//
//	go test -run '^$' -bench AppendRecord -benchmem ./sidecar/
func BenchmarkAppendRecord(b *testing.B) {
	row := bytes.Repeat([]byte("12.5,7,blue,"), 85)
	r := &Record{EventID: "7f0c1f7e-5d4b-4f6a-9c3e-2b1a0d9e8f7c", InferenceTime: time.Now(), InferenceID: "req-1",
		Input: &Payload{ContentType: "text/csv", Data: row}, Output: &Payload{ContentType: "text/csv", Data: row}}
	ct := DefaultContentTypes()
	var buf []byte
	b.SetBytes(int64(2 * len(row)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendRecord(buf[:0], r, ct)
	}
}
