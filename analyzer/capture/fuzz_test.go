package capture

import (
	"bytes"
	"encoding/base64"
	"maps"
	"slices"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/analyzer/decode"
)

// fuzzOptions decodes the mode byte of the fuzz targets: bit 0 OutputFirst, bits 1-2 IndexNames
// (nil, input, output, both), bits 3-4 the window (none, both bounds, Start only, End only). The
// bounds fall inside the real files' time range (2019-11-27 … 2024-02-26).
func fuzzOptions(mode uint8) Options {
	opt := Options{OutputFirst: mode&1 != 0}
	switch mode >> 1 & 3 {
	case 1:
		opt.IndexNames = []string{EndpointInput}
	case 2:
		opt.IndexNames = []string{EndpointOutput}
	case 3:
		opt.IndexNames = []string{EndpointOutput, EndpointInput}
	}
	start := time.Date(2019, 11, 27, 17, 48, 10, 0, time.UTC)
	end := time.Date(2024, 2, 26, 7, 55, 57, 0, time.UTC)
	switch mode >> 3 & 3 {
	case 1:
		opt.Start, opt.End = start, end
	case 2:
		opt.Start = start
	case 3:
		opt.End = end
	}
	return opt
}

// FuzzParse checks that Parse never panics or fails on any input, that its summary accounts for
// every record, and that it agrees with the naive oracle cell for cell and reason for reason, whole
// and cut into small chunks.
//
//	go test -run '^$' -fuzz FuzzParse ./analyzer/capture/
func FuzzParse(f *testing.F) {
	// More seeds live in testdata/fuzz/FuzzParse (lines of the real capture files, bad records).
	f.Add([]byte(line("2020-01-01T00:00:00Z", csvSide("1,2\n"), jsonSide(`{"a":[1,{"b":2}]}`))), uint8(9))
	f.Add([]byte(line("2020-01-01T00:00:00Z", &sd{"BASE64", "text/csv", base64.StdEncoding.EncodeToString([]byte("1,\"2\"\r\n"))}, nil)), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, mode uint8) {
		opt := fuzzOptions(mode)
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		rec, sum, err := Parse(decode.Chunk{File: "t.jsonl", Data: data, FirstLine: 1, FirstRecord: 1}, opt, mem)
		if err != nil {
			t.Fatalf("Parse failed on data: %v", err)
		}
		if rec == nil {
			t.Fatal("nil batch")
		}
		got := cells(t, rec)
		rec.Release()

		// Accounting.
		records := int64(0)
		for _, ln := range bytes.Split(data, []byte("\n")) {
			if len(bytes.Trim(ln, " \t\r")) > 0 {
				records++
			}
		}
		used := sum.Records - sum.OutsideWindow - sum.Unusable
		if sum.Records != records || used < 0 || sum.Rows < used || (used == 0) != (sum.Rows == 0) ||
			int64(len(got)) != sum.Rows {
			t.Fatalf("accounting: %+v, %d non-blank lines, %d rows in the batch", sum, records, len(got))
		}
		var reasons int64
		for _, n := range sum.Reasons {
			reasons += n
		}
		if reasons != sum.Unusable || int64(len(sum.Examples)) != min(sum.Unusable, MaxExamples) {
			t.Fatalf("reasons/examples do not add up: %+v", sum)
		}
		for _, r := range got {
			for _, v := range r {
				if v != null && !utf8.ValidString(v) {
					t.Fatalf("invalid UTF-8 value %q", v)
				}
			}
		}

		// The oracle.
		ref := refParse(data, opt)
		if !equalRows(got, ref.rows) {
			t.Fatalf("rows differ\nParse:\n%s\noracle:\n%s", show(got), show(ref.rows))
		}
		refReasons := map[string]int64{}
		for _, p := range ref.problems {
			refReasons[p.Reason]++
		}
		if sum.OutsideWindow != ref.outside || !maps.Equal(sum.Reasons, refReasons) ||
			!slices.Equal(sum.Examples, ref.problems[:min(len(ref.problems), MaxExamples)]) {
			t.Fatalf("summary %+v\noracle outside %d, problems %v", sum, ref.outside, ref.problems)
		}

		// Chunking does not change anything.
		rows, csum := parseAll(t, "t.jsonl", data, opt, 97)
		if !equalRows(rows, got) || csum.Records != sum.Records || csum.Rows != sum.Rows ||
			csum.Unusable != sum.Unusable || csum.OutsideWindow != sum.OutsideWindow || !slices.Equal(csum.Examples, sum.Examples) {
			t.Fatalf("chunked parse differs: %+v vs %+v", csum, sum)
		}
	})
}

// FuzzPayload wraps an arbitrary payload in a well-formed record (CSV, JSON, or BASE64 of CSV or
// JSON, chosen by enc) so that the fuzzer spends its time on the payload rules, and compares
// Parse with the oracle.
//
//	go test -run '^$' -fuzz FuzzPayload ./analyzer/capture/
func FuzzPayload(f *testing.F) {
	for _, s := range []string{"1,2\n", `"a""b",c` + "\r\n", `{"instances": [[1, 2], [3]]}`, `[{"b": 1, "a": [1, [2]]}]`,
		"{\"a\": 1}\n{\"a\": 2}", `"{\"x\": 1}"`, `[1, {"a": null}]`, ""} {
		for enc := range uint8(4) {
			f.Add(s, enc, uint8(0))
		}
	}
	f.Fuzz(func(t *testing.T, payload string, enc, mode uint8) {
		var s *sd
		switch enc % 4 {
		case 0:
			s = csvSide(payload)
		case 1:
			s = jsonSide(payload)
		case 2:
			s = &sd{"BASE64", "text/csv", base64.StdEncoding.EncodeToString([]byte(payload))}
		case 3:
			s = &sd{"BASE64", "application/json", base64.StdEncoding.EncodeToString([]byte(payload))}
		}
		other := csvSide("9")
		if mode&2 != 0 {
			other = s // the same payload on both sides
		}
		data := line("2020-01-01T00:00:00Z", s, other)
		opt := Options{OutputFirst: mode&1 != 0}
		got, sum := parseString(t, data, opt)
		ref := refParse([]byte(data), opt)
		if !equalRows(got, ref.rows) {
			t.Fatalf("rows differ\nParse:\n%s\noracle:\n%s", show(got), show(ref.rows))
		}
		if !slices.Equal(sum.Examples, ref.problems) {
			t.Fatalf("problems %v, oracle %v", sum.Examples, ref.problems)
		}
	})
}
