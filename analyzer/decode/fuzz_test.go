package decode

import (
	"bytes"
	"errors"
	"reflect"
	"testing"
)

// FuzzParseCSV: splitting and parsing never panics or leaks Arrow memory; every error is bad input
// (the reader cannot fail); the result does not depend on the chunk size (7 bytes against 1 MiB):
// same columns, same cells in order, same first error. readCSV also checks the chunk numbering.
// Seed corpus: testdata/fuzz/FuzzParseCSV.
//
//	go test -run '^$' -fuzz FuzzParseCSV -fuzztime 60s ./analyzer/decode/
func FuzzParseCSV(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte, header bool) {
		small, errSmall := readCSV(t, "f.csv", bytes.NewReader(data), CSVOptions{Header: header, ChunkSize: 7})
		large, errLarge := readCSV(t, "f.csv", bytes.NewReader(data), CSVOptions{Header: header, ChunkSize: 1 << 20})
		for _, err := range []error{errSmall, errLarge} {
			if err != nil && !errors.Is(err, ErrBadInput) {
				t.Fatalf("error %v is not bad input", err)
			}
		}
		if (errSmall == nil) != (errLarge == nil) || (errSmall != nil && errSmall.Error() != errLarge.Error()) {
			t.Fatalf("errors differ: size 7: %v; size 1 MiB: %v", errSmall, errLarge)
		}
		if errSmall != nil {
			return
		}
		if !reflect.DeepEqual(small.cols, large.cols) || !reflect.DeepEqual(small.rows, large.rows) {
			t.Fatalf("results differ:\nsize 7: %q %q\nsize 1 MiB: %q %q", small.cols, small.rows, large.cols, large.rows)
		}
		// The chunks tile the input after the header (blank lines after the last record aside).
		var a, b []byte
		for _, c := range small.chunks {
			a = append(a, c.Data...)
		}
		for _, c := range large.chunks {
			b = append(b, c.Data...)
		}
		if !bytes.Equal(bytes.TrimRight(a, "\r\n"), bytes.TrimRight(b, "\r\n")) {
			t.Fatalf("chunk data differ:\n%q\n%q", a, b)
		}
	})
}

// FuzzParseJSONLines: never panics or leaks; the result does not depend on the chunk size; and it
// agrees with encoding/json (oracleFlattenLine) on which lines are valid and on every flattened value.
// Seed corpus: testdata/fuzz/FuzzParseJSONLines.
//
//	go test -run '^$' -fuzz FuzzParseJSONLines -fuzztime 60s ./analyzer/decode/
func FuzzParseJSONLines(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		small, errSmall := readJSONLinesRows(t, string(data), 7)
		large, errLarge := readJSONLinesRows(t, string(data), 1<<20)
		for _, err := range []error{errSmall, errLarge} {
			if err != nil && !errors.Is(err, ErrBadInput) {
				t.Fatalf("error %v is not bad input", err)
			}
		}
		if (errSmall == nil) != (errLarge == nil) || (errSmall != nil && errSmall.Error() != errLarge.Error()) {
			t.Fatalf("errors differ: size 7: %v; size 1 MiB: %v", errSmall, errLarge)
		}
		if errSmall == nil && (!reflect.DeepEqual(small.names, large.names) || !reflect.DeepEqual(small.rows, large.rows)) {
			t.Fatalf("results differ:\nsize 7: %q %q\nsize 1 MiB: %q %q", small.names, small.rows, large.names, large.rows)
		}
		// Oracle, line by line.
		var errLine int64
		var e *Error
		if errors.As(errLarge, &e) {
			errLine = e.Line
		}
		rows := 0
		for k, line := range bytes.Split(bytes.TrimPrefix(data, bom), []byte{'\n'}) {
			if isBlankLine(line) {
				continue
			}
			if int64(k+1) == errLine {
				if oracleAccepts(line) {
					t.Fatalf("line %d %q rejected (%v), encoding/json accepts it", k+1, line, errLarge)
				}
				return
			}
			m, err := oracleFlattenLine(line)
			if err != nil || !utf8Valid(line) {
				t.Fatalf("line %d %q accepted, encoding/json rejects it (%v)", k+1, line, err)
			}
			if errLarge != nil {
				continue // the rows of the failing chunk were not kept
			}
			got := large.rows[rows]
			for name, v := range m {
				if g, ok := got[name]; v == nil && ok || v != nil && (!ok || g != *v) {
					t.Fatalf("line %d %q: %q = %q, encoding/json gives %v", k+1, line, name, g, v)
				}
			}
			for name := range got {
				if _, ok := m[name]; !ok {
					t.Fatalf("line %d %q: %q not in encoding/json's result", k+1, line, name)
				}
			}
			rows++
		}
		if errLarge == nil && rows != len(large.rows) {
			t.Fatalf("%d rows, %d non-blank lines", len(large.rows), rows)
		}
	})
}
