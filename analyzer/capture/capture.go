package capture

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/analyzer/decode"
)

// Side names: the keys of captureData and the values of captureIndexNames (contract §3.1, §4.1).
const (
	EndpointInput  = "endpointInput"
	EndpointOutput = "endpointOutput"
)

// Options says which parts of a record to use and how to order them.
type Options struct {
	// IndexNames is captureIndexNames (contract §3.1): the sides to use. Nil or empty means both
	// endpointInput and endpointOutput; names other than these two are ignored.
	IndexNames []string
	// OutputFirst puts the output fields before the input fields in a row: output_columns_position
	// START, the container's default (contract §3.3). False (END) puts the input first.
	OutputFirst bool
	// Start and End bound the analysis window: a record is kept when Start <= inferenceTime < End
	// (contract §4.5). A zero value leaves that side of the window open.
	Start, End time.Time
}

// MaxExamples is how many problems a Summary keeps with their location (10: enough to show a
// pattern in a job log, small enough to print in full).
const MaxExamples = 10

// Summary counts what happened to the records of a chunk (and, merged, of a job). Records equals
// the records that produced rows plus OutsideWindow plus Unusable.
type Summary struct {
	Records       int64            // non-blank lines seen
	Rows          int64            // rows produced
	OutsideWindow int64            // records filtered out by the window
	Unusable      int64            // records that could not be used
	Reasons       map[string]int64 // unusable count per reason (short, stable text); nil when none
	Examples      []Problem        // the first MaxExamples problems, in file order
}

// Problem locates one unusable record.
type Problem struct {
	File   string
	Line   int64 // 1-based line in the file
	Reason string
}

// String renders e.g. `capture.jsonl line 7: invalid JSON`.
func (p Problem) String() string {
	return p.File + " line " + strconv.FormatInt(p.Line, 10) + ": " + p.Reason
}

// Merge adds o, the summary of a later chunk, to s. Examples keep the first MaxExamples in order.
func (s *Summary) Merge(o Summary) {
	s.Records += o.Records
	s.Rows += o.Rows
	s.OutsideWindow += o.OutsideWindow
	s.Unusable += o.Unusable
	for r, n := range o.Reasons {
		if s.Reasons == nil {
			s.Reasons = make(map[string]int64, len(o.Reasons))
		}
		s.Reasons[r] += n
	}
	if room := MaxExamples - len(s.Examples); room > 0 {
		s.Examples = append(s.Examples, o.Examples[:min(room, len(o.Examples))]...)
	}
}

func (s *Summary) unusable(file string, line int64, reason string) {
	s.Unusable++
	if s.Reasons == nil {
		s.Reasons = make(map[string]int64)
	}
	s.Reasons[reason]++
	if len(s.Examples) < MaxExamples {
		s.Examples = append(s.Examples, Problem{File: file, Line: line, Reason: reason})
	}
}

// Reasons for unusable records that carry no data; the others name the offending value.
const (
	reasonUTF8         = "invalid UTF-8"
	reasonJSON         = "invalid JSON"
	reasonTime         = "missing or invalid inferenceTime"
	reasonNoData       = "no captured data"
	reasonCaptureData  = "captureData is not an object"
	reasonEncoding     = "missing encoding"
	reasonData         = "missing data"
	reasonBase64       = "invalid BASE64 data"
	reasonBase64UTF8   = "invalid UTF-8 in BASE64 data"
	reasonPayloadJSON  = "invalid JSON data"
	reasonPayloadQuote = "unclosed quote in CSV data"
	reasonMismatch     = "row count mismatch between endpointInput and endpointOutput"
)

var (
	reasonWide  = "row wider than " + strconv.Itoa(maxFields) + " fields"
	reasonLarge = "record holds more than " + strconv.Itoa(maxNodes) + " JSON values"
)

// sideInfo holds the fixed texts of one side.
type sideInfo struct {
	name                                   string
	notObject, encNotStr, notStr, ctNotStr string // reasons for wrong JSON types
	selected                               bool   // named in Options.IndexNames
}

func newSideInfo(name string) sideInfo {
	p := "captureData." + name
	return sideInfo{
		name:      name,
		notObject: p + " is not an object",
		encNotStr: p + ".encoding is not a string",
		notStr:    p + ".data is not a string",
		ctNotStr:  p + ".observedContentType is not a string",
	}
}

// recordParser holds the per-chunk state; its scratch space is reused from record to record.
type recordParser struct {
	opt      Options
	windowed bool
	sides    [2]sideInfo // in row order
	p        parser
	rows     [2]sideRows
	roots    []int32
}

func newRecordParser(opt Options) *recordParser {
	rp := &recordParser{opt: opt, windowed: !opt.Start.IsZero() || !opt.End.IsZero()}
	in, out := newSideInfo(EndpointInput), newSideInfo(EndpointOutput)
	all := len(opt.IndexNames) == 0
	in.selected = all || slices.Contains(opt.IndexNames, EndpointInput)
	out.selected = all || slices.Contains(opt.IndexNames, EndpointOutput)
	if opt.OutputFirst {
		rp.sides = [2]sideInfo{out, in}
	} else {
		rp.sides = [2]sideInfo{in, out}
	}
	return rp
}

// outcome of one record.
type outcome uint8

const (
	rowsOK outcome = iota
	outside
	unusable
)

// record parses one non-blank line. On rowsOK the rows are in rp.rows[0] and rp.rows[1] (in row
// order; at most one side may have none); on unusable reason says why.
func (rp *recordParser) record(ln []byte, checkUTF8 bool) (outcome, string) {
	p := &rp.p
	p.reset()
	rp.rows[0].reset()
	rp.rows[1].reset()
	if checkUTF8 && !utf8.Valid(ln) {
		return unusable, reasonUTF8
	}
	root, ok := p.parseOne(ln)
	if p.tooBig {
		return unusable, reasonLarge
	}
	if !ok || p.nodes[root].kind != kObj {
		return unusable, reasonJSON
	}
	if rp.windowed {
		t, ok := rp.inferenceTime(root)
		if !ok {
			return unusable, reasonTime
		}
		if (!rp.opt.Start.IsZero() && t.Before(rp.opt.Start)) || (!rp.opt.End.IsZero() && !t.Before(rp.opt.End)) {
			return outside, ""
		}
	}
	cd := p.member(root, "captureData")
	if cd < 0 || p.nodes[cd].kind == kNull {
		return unusable, reasonNoData
	}
	if p.nodes[cd].kind != kObj {
		return unusable, reasonCaptureData
	}
	for k := range rp.sides {
		if reason := rp.side(cd, &rp.sides[k], &rp.rows[k]); reason != "" {
			return unusable, reason
		}
	}
	ra, rb := &rp.rows[0], &rp.rows[1]
	a, b := ra.rows(), rb.rows()
	switch {
	case ra.wide || rb.wide:
		return unusable, reasonWide
	case a == 0 && b == 0:
		return unusable, reasonNoData
	case a != b && a != 0 && b != 0:
		return unusable, reasonMismatch
	case a == b && ra.width()+rb.width() > maxFields:
		for r := range a {
			if len(ra.row(r))+len(rb.row(r)) > maxFields {
				return unusable, reasonWide
			}
		}
	}
	return rowsOK, ""
}

// inferenceTime reads eventMetadata.inferenceTime.
func (rp *recordParser) inferenceTime(root int32) (time.Time, bool) {
	p := &rp.p
	em := p.member(root, "eventMetadata")
	if em < 0 || p.nodes[em].kind != kObj {
		return time.Time{}, false
	}
	it := p.member(em, "inferenceTime")
	if it < 0 || p.nodes[it].kind != kStr {
		return time.Time{}, false
	}
	return parseTime(p.nodes[it].val)
}

// side decodes one side of captureData into out and returns a reason when it cannot be used.
func (rp *recordParser) side(cd int32, si *sideInfo, out *sideRows) string {
	if !si.selected {
		return ""
	}
	p := &rp.p
	s := p.member(cd, si.name)
	if s < 0 || p.nodes[s].kind == kNull {
		return ""
	}
	if p.nodes[s].kind != kObj {
		return si.notObject
	}
	enc, data, ct := p.member(s, "encoding"), p.member(s, "data"), p.member(s, "observedContentType")
	switch {
	case enc < 0 || p.nodes[enc].kind == kNull:
		return reasonEncoding
	case p.nodes[enc].kind != kStr:
		return si.encNotStr
	case data < 0 || p.nodes[data].kind == kNull:
		return reasonData
	case p.nodes[data].kind != kStr:
		return si.notStr
	case ct >= 0 && p.nodes[ct].kind != kStr && p.nodes[ct].kind != kNull:
		return si.ctNotStr
	}
	payload := p.nodes[data].val
	e := p.nodes[enc].val
	var asCSV bool
	switch {
	case bytes.EqualFold(e, []byte("CSV")):
		asCSV = true
	case bytes.EqualFold(e, []byte("JSON")):
	case bytes.EqualFold(e, []byte("BASE64")):
		var ctype []byte
		if ct >= 0 {
			ctype = p.nodes[ct].val
		}
		lower := strings.ToLower(string(ctype))
		switch {
		case strings.Contains(lower, "csv"):
			asCSV = true
		case strings.Contains(lower, "json"):
		default:
			return "BASE64 payload with unsupported content type " + quoteShort(ctype)
		}
		b0 := len(p.buf)
		p.buf = slices.Grow(p.buf, base64.StdEncoding.DecodedLen(len(payload)))
		n, err := base64.StdEncoding.Decode(p.buf[b0:b0+base64.StdEncoding.DecodedLen(len(payload))], payload)
		if err != nil {
			return reasonBase64
		}
		p.buf = p.buf[:b0+n]
		payload = p.buf[b0 : b0+n : b0+n]
		if !utf8.Valid(payload) {
			return reasonBase64UTF8
		}
	default:
		return "unknown encoding " + quoteShort(e)
	}
	if asCSV {
		if !p.csvRows(payload, out) {
			return reasonPayloadQuote
		}
	} else {
		var ok bool
		rp.roots, ok = p.parseSeq(payload, rp.roots[:0])
		if p.tooBig {
			return reasonLarge
		}
		if !ok {
			return reasonPayloadJSON
		}
		p.jsonRows(rp.roots, out)
	}
	out.dropIfEmpty()
	return ""
}

// quoteShort quotes a value for a reason, cut to 32 bytes so that hostile input cannot make
// reasons long.
func quoteShort(b []byte) string {
	const limit = 32
	if len(b) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(b[cut]) {
			cut--
		}
		return strconv.Quote(string(b[:cut])) + "…"
	}
	return strconv.Quote(string(b))
}

// parseTime parses an RFC 3339 time. The form of real files, 2006-01-02T15:04:05Z, is read
// directly; anything else goes through time.Parse with time.RFC3339Nano.
func parseTime(b []byte) (time.Time, bool) {
	if len(b) == 20 && b[4] == '-' && b[7] == '-' && b[10] == 'T' && b[13] == ':' && b[16] == ':' && b[19] == 'Z' {
		num := func(i, n int) int {
			v := 0
			for _, c := range b[i : i+n] {
				if c < '0' || c > '9' {
					return -1
				}
				v = v*10 + int(c-'0')
			}
			return v
		}
		y, mo, d, h, mi, s := num(0, 4), num(5, 2), num(8, 2), num(11, 2), num(14, 2), num(17, 2)
		if y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && h >= 0 && h < 24 && mi >= 0 && mi < 60 && s >= 0 && s < 60 &&
			d <= daysIn(time.Month(mo), y) {
			return time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC), true
		}
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	return t, err == nil
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// Parse parses one chunk of capture JSON Lines into rows (rules in the package documentation). The
// batch has as many columns as the widest row in the chunk, named _c0, _c1, …; shorter rows end in
// nulls. With no rows it has no columns (never nil). The caller releases it. mem nil means
// memory.DefaultAllocator. Problems in the data are counted in the Summary, never returned; the
// error reports internal failures only.
func Parse(c decode.Chunk, opt Options, mem memory.Allocator) (arrow.RecordBatch, Summary, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	d := c.Data
	lines := c.Lines()
	t := &table{mem: mem, hintR: lines, hintB: 8 * lines}
	rp := newRecordParser(opt)
	checkUTF8 := !utf8.Valid(d)
	var sum Summary
	line := max(c.FirstLine, 1)
	for i := 0; i < len(d); line++ {
		var ln []byte
		if j := bytes.IndexByte(d[i:], '\n'); j >= 0 {
			ln = d[i : i+j]
			i += j + 1
		} else {
			ln = d[i:]
			i = len(d)
		}
		if isBlank(ln) {
			continue
		}
		sum.Records++
		out, reason := rp.record(ln, checkUTF8)
		switch out {
		case outside:
			sum.OutsideWindow++
		case unusable:
			sum.unusable(c.File, line, reason)
		case rowsOK:
			a, b := &rp.rows[0], &rp.rows[1]
			n := max(a.rows(), b.rows())
			for r := range n {
				var fa, fb []field
				if a.rows() > 0 {
					fa = a.row(r)
				}
				if b.rows() > 0 {
					fb = b.row(r)
				}
				t.addRow(fa, fb)
			}
			sum.Rows += int64(n)
		}
	}
	rec, err := t.finish()
	if err != nil {
		return nil, sum, fmt.Errorf("parse capture %s: %w", c.File, err)
	}
	return rec, sum, nil
}

// isBlank reports whether a line holds only spaces, tabs and CRs (decode.LineSplitter's rule).
func isBlank(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
