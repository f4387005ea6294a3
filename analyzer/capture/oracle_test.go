package capture

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// This file is the naive oracle for Parse (the style guide's "slow twin"): the same documented
// rules, written the obvious way on top of encoding/json (json.RawMessage keeps number text and
// lets json.Compact produce the compact text), time.Parse and a byte-at-a-time CSV reader. It is
// slow and allocates freely; tests and the fuzz target compare Parse with it.

// refResult is what the oracle expects from a whole input.
type refResult struct {
	rows     [][]string // null cells are the null sentinel; padded to the widest row
	problems []Problem  // every unusable record, in order (File "t.jsonl")
	outside  int64
	records  int64
}

func refParse(data []byte, opt Options) refResult {
	var res refResult
	for i, ln := range strings.Split(string(data), "\n") {
		if strings.Trim(ln, " \t\r") == "" {
			continue
		}
		res.records++
		rows, reason, out := refRecord([]byte(ln), opt)
		switch {
		case out:
			res.outside++
		case reason != "":
			res.problems = append(res.problems, Problem{File: "t.jsonl", Line: int64(i + 1), Reason: reason})
		default:
			res.rows = append(res.rows, rows...)
		}
	}
	res.rows = padRows(res.rows)
	return res
}

// rawKind is the first byte of a JSON value ('{', '[', '"', 'n', 't', 'f' or a number's first
// byte), 0 for a missing value.
func rawKind(r json.RawMessage) byte {
	r = bytes.TrimLeft(r, " \t\r\n")
	if len(r) == 0 {
		return 0
	}
	return r[0]
}

func refRecord(ln []byte, opt Options) (rows [][]string, reason string, outside bool) {
	if !utf8.Valid(ln) {
		return nil, "invalid UTF-8", false
	}
	if rawKind(ln) != '{' || !json.Valid(ln) {
		return nil, "invalid JSON", false
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(ln, &top); err != nil {
		panic(err) // json.Valid said yes
	}
	if !opt.Start.IsZero() || !opt.End.IsZero() {
		var em map[string]json.RawMessage
		var ts string
		if rawKind(top["eventMetadata"]) != '{' || json.Unmarshal(top["eventMetadata"], &em) != nil ||
			rawKind(em["inferenceTime"]) != '"' || json.Unmarshal(em["inferenceTime"], &ts) != nil {
			return nil, "missing or invalid inferenceTime", false
		}
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return nil, "missing or invalid inferenceTime", false
		}
		if !opt.Start.IsZero() && t.Before(opt.Start) || !opt.End.IsZero() && !t.Before(opt.End) {
			return nil, "", true
		}
	}
	cd := top["captureData"]
	switch rawKind(cd) {
	case 0, 'n':
		return nil, "no captured data", false
	case '{':
	default:
		return nil, "captureData is not an object", false
	}
	var sides map[string]json.RawMessage
	if err := json.Unmarshal(cd, &sides); err != nil {
		panic(err)
	}
	order := []string{"endpointInput", "endpointOutput"}
	if opt.OutputFirst {
		order = []string{"endpointOutput", "endpointInput"}
	}
	var got [2][][]string
	for k, name := range order {
		if len(opt.IndexNames) > 0 && !slices.Contains(opt.IndexNames, name) {
			continue
		}
		r, reason := refSide(name, sides[name])
		if reason != "" {
			return nil, reason, false
		}
		got[k] = r
	}
	const wide = "row wider than 20480 fields" // Spark's maxColumns default
	for _, rows := range got {
		for _, r := range rows {
			if len(r) > 20480 {
				return nil, wide, false
			}
		}
	}
	a, b := got[0], got[1]
	switch {
	case len(a) == 0 && len(b) == 0:
		return nil, "no captured data", false
	case len(a) == 0:
		return b, "", false
	case len(b) == 0:
		return a, "", false
	case len(a) != len(b):
		return nil, "row count mismatch between endpointInput and endpointOutput", false
	}
	for i := range a {
		if len(a[i])+len(b[i]) > 20480 {
			return nil, wide, false
		}
		rows = append(rows, append(slices.Clone(a[i]), b[i]...))
	}
	return rows, "", false
}

func refSide(name string, raw json.RawMessage) ([][]string, string) {
	path := "captureData." + name
	switch rawKind(raw) {
	case 0, 'n':
		return nil, ""
	case '{':
	default:
		return nil, path + " is not an object"
	}
	var s map[string]json.RawMessage
	if err := json.Unmarshal(raw, &s); err != nil {
		panic(err)
	}
	var enc, data, ct string
	switch rawKind(s["encoding"]) {
	case 0, 'n':
		return nil, "missing encoding"
	case '"':
		_ = json.Unmarshal(s["encoding"], &enc)
	default:
		return nil, path + ".encoding is not a string"
	}
	switch rawKind(s["data"]) {
	case 0, 'n':
		return nil, "missing data"
	case '"':
		_ = json.Unmarshal(s["data"], &data)
	default:
		return nil, path + ".data is not a string"
	}
	switch rawKind(s["observedContentType"]) {
	case 0, 'n':
	case '"':
		_ = json.Unmarshal(s["observedContentType"], &ct)
	default:
		return nil, path + ".observedContentType is not a string"
	}
	var rows [][]string
	var ok bool
	switch strings.ToUpper(enc) {
	case "CSV":
		if rows, ok = refCSV(data); !ok {
			return nil, "unclosed quote in CSV data"
		}
	case "JSON":
		if rows, ok = refJSON(data); !ok {
			return nil, "invalid JSON data"
		}
	case "BASE64":
		lct := strings.ToLower(ct)
		isCSV, isJSON := strings.Contains(lct, "csv"), strings.Contains(lct, "json")
		if !isCSV && !isJSON {
			return nil, "BASE64 payload with unsupported content type " + quoteShort([]byte(ct))
		}
		b, err := base64.StdEncoding.DecodeString(data)
		if err != nil {
			return nil, "invalid BASE64 data"
		}
		if !utf8.Valid(b) {
			return nil, "invalid UTF-8 in BASE64 data"
		}
		if isCSV {
			rows, ok = refCSV(string(b))
			if !ok {
				return nil, "unclosed quote in CSV data"
			}
		} else if rows, ok = refJSON(string(b)); !ok {
			return nil, "invalid JSON data"
		}
	default:
		return nil, "unknown encoding " + quoteShort([]byte(enc))
	}
	for _, r := range rows {
		if len(r) > 0 {
			return rows, ""
		}
	}
	return nil, "" // no field at all: no rows
}

// refCSV reads a CSV payload one byte at a time.
func refCSV(s string) ([][]string, bool) {
	var rows [][]string
	n := len(s)
	i := 0
	for i < n {
		if s[i] == '\n' {
			i++
			continue
		}
		if strings.HasPrefix(s[i:], "\r\n") || s[i:] == "\r" {
			i += len(s[i:min(i+2, n)])
			continue
		}
		var row []string
		for {
			var v []byte
			if s[i] == '"' {
				i++
				for {
					if i == n {
						return nil, false
					}
					if s[i] == '"' {
						if i+1 < n && s[i+1] == '"' {
							v = append(v, '"')
							i += 2
							continue
						}
						i++
						break
					}
					v = append(v, s[i])
					i++
				}
				atEnd := i == n || s[i] == ',' || s[i] == '\n' || s[i:] == "\r" || strings.HasPrefix(s[i:], "\r\n")
				if !atEnd {
					v = append(v, '"')
					for i < n && s[i] != ',' && s[i] != '\n' {
						v = append(v, s[i])
						i++
					}
					if len(v) > 0 && v[len(v)-1] == '\r' && (i == n || s[i] == '\n') {
						v = v[:len(v)-1]
					}
				}
			} else {
				for i < n && s[i] != ',' && s[i] != '\n' {
					v = append(v, s[i])
					i++
				}
				if len(v) > 0 && v[len(v)-1] == '\r' && (i == n || s[i] == '\n') {
					v = v[:len(v)-1]
				}
			}
			if len(v) == 0 {
				row = append(row, null)
			} else {
				row = append(row, string(v))
			}
			if i < n && s[i] == ',' {
				i++
				if i == n {
					row = append(row, null)
					break
				}
				continue
			}
			// End of the row: LF, CRLF, a final CR, or the end of the data.
			switch {
			case strings.HasPrefix(s[i:], "\r\n"):
				i += 2
			case i < n:
				i++
			}
			break
		}
		rows = append(rows, row)
	}
	return rows, true
}

// refJSON applies the JSON row rules to a payload of zero or more JSON values.
func refJSON(s string) ([][]string, bool) {
	dec := json.NewDecoder(strings.NewReader(s))
	var vals []json.RawMessage
	for {
		var v json.RawMessage
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, false
		}
		vals = append(vals, v)
	}
	var rows [][]string
	for _, v := range vals {
		if rawKind(v) == '{' {
			var m map[string]json.RawMessage
			must(json.Unmarshal(v, &m))
			if len(m) == 1 {
				for _, x := range m {
					if rawKind(x) == '[' {
						v = x
					}
				}
			}
		}
		if rawKind(v) != '[' {
			rows = append(rows, refFlat(v, nil))
			continue
		}
		var arr []json.RawMessage
		must(json.Unmarshal(v, &arr))
		if len(arr) == 0 {
			continue
		}
		allArr, allObj := true, true
		for _, e := range arr {
			allArr = allArr && rawKind(e) == '['
			allObj = allObj && rawKind(e) == '{'
		}
		if !allArr && !allObj {
			arr = []json.RawMessage{v}
		}
		for _, e := range arr {
			var row []string
			if rawKind(e) == '[' {
				var inner []json.RawMessage
				must(json.Unmarshal(e, &inner))
				for _, x := range inner {
					row = refFlat(x, row)
				}
			} else {
				row = refFlat(e, row)
			}
			rows = append(rows, row)
		}
	}
	return rows, true
}

// refFlat appends the fields of v inside a row.
func refFlat(v json.RawMessage, row []string) []string {
	switch rawKind(v) {
	case '{':
		var m map[string]json.RawMessage
		must(json.Unmarshal(v, &m))
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			row = refFlat(m[k], row)
		}
	case '[':
		var arr []json.RawMessage
		must(json.Unmarshal(v, &arr))
		for _, e := range arr {
			if k := rawKind(e); k == '[' || k == '{' {
				var b bytes.Buffer
				must(json.Compact(&b, v))
				return append(row, b.String())
			}
		}
		for _, e := range arr {
			row = refFlat(e, row)
		}
	case '"':
		var s string
		must(json.Unmarshal(v, &s))
		row = append(row, s)
	case 'n':
		row = append(row, null)
	default:
		row = append(row, string(bytes.TrimSpace(v)))
	}
	return row
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
