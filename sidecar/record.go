package sidecar

import (
	"encoding/base64"
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Encoding is how a side's payload is written in the record's data field (contract §4.1).
type Encoding uint8

// Encodings of a captured payload.
const (
	// CSV: the payload is text of a content type listed in --csv-content-types, written as a JSON
	// string.
	CSV Encoding = iota
	// JSON: the payload is text of a content type listed in --json-content-types, written as a
	// JSON string (not embedded as JSON: the contract's data is always a string).
	JSON
	// Base64: any other payload, and CSV/JSON payloads that are not valid UTF-8 or hold control
	// characters other than TAB, LF and CR, as standard padded base64, so that every byte survives.
	Base64
	// Base64Truncated: a payload longer than --max-payload-bytes. data holds the base64 of its
	// first max-payload-bytes bytes and the side carries "payloadSize", the length of the whole
	// payload. The name is not one of the contract's encodings on purpose: a reader that does not
	// know it can never mistake a cut payload for a whole one (analyzer/capture counts the record
	// as unusable with the reason `unknown encoding "BASE64_TRUNCATED"`).
	Base64Truncated
)

// String returns the value written in the encoding field.
func (e Encoding) String() string {
	switch e {
	case CSV:
		return "CSV"
	case JSON:
		return "JSON"
	case Base64:
		return "BASE64"
	case Base64Truncated:
		return "BASE64_TRUNCATED"
	}
	return "Encoding(" + strconv.Itoa(int(e)) + ")"
}

// ContentTypes decides the encoding of a payload from its Content-Type, as SageMaker's
// CaptureContentTypeHeader does (contract §4.1): content types listed as CSV are written as CSV
// text, those listed as JSON as JSON text, anything else as BASE64.
//
// A listed type without parameters ("text/csv") matches the media type of the observed header,
// case-insensitively and whatever its parameters ("text/csv; charset=utf-8" is CSV: the real
// capture records an XGBoost endpoint's "text/csv; charset=utf-8" responses with encoding CSV,
// conformance mq-churn-examples). A listed type with parameters must equal the whole header
// (case-insensitive, spaces around ';' ignored).
type ContentTypes struct {
	CSV, JSON []string
}

// DefaultContentTypes are the SageMaker Python SDK's defaults (DataCaptureConfig:
// csv_content_types ["text/csv"], json_content_types ["application/json"]).
func DefaultContentTypes() ContentTypes {
	return ContentTypes{CSV: []string{"text/csv"}, JSON: []string{"application/json"}}
}

// Encoding returns the text encoding for a payload of content type ct: CSV, JSON or Base64.
func (c ContentTypes) Encoding(ct string) Encoding {
	if ct == "" {
		return Base64
	}
	media, _, _ := strings.Cut(ct, ";")
	media = strings.TrimSpace(media)
	for _, l := range [2]struct {
		types []string
		enc   Encoding
	}{{c.CSV, CSV}, {c.JSON, JSON}} {
		for _, t := range l.types {
			if strings.Contains(t, ";") {
				if normalizeType(t) == normalizeType(ct) {
					return l.enc
				}
			} else if strings.EqualFold(t, media) {
				return l.enc
			}
		}
	}
	return Base64
}

// normalizeType lower-cases a content type and drops the spaces around its ';' separators.
func normalizeType(t string) string {
	parts := strings.Split(t, ";")
	for i, p := range parts {
		parts[i] = strings.ToLower(strings.TrimSpace(p))
	}
	return strings.Join(parts, ";")
}

// validContentType reports whether t parses as a media type, for configuration checks.
func validContentType(t string) bool {
	media, _, err := mime.ParseMediaType(t)
	typ, sub, ok := strings.Cut(media, "/")
	return err == nil && ok && typ != "" && sub != ""
}

// Payload is one side of a captured exchange: the request body (endpointInput) or the response
// body (endpointOutput).
type Payload struct {
	ContentType string // the Content-Type header as sent; "" when absent
	Data        []byte // the payload, or its first bytes when Truncated
	Size        int64  // length of the whole payload in bytes
	Truncated   bool   // Data holds only the first len(Data) of Size bytes
}

// Record is one capture record before encoding (contract §4.1).
type Record struct {
	EventID          string    // unique id of the record (a random UUID)
	InferenceTime    time.Time // when the request arrived; written in UTC, second resolution
	InferenceID      string    // X-Amzn-SageMaker-Inference-Id; "" when absent
	CustomAttributes string    // X-Amzn-SageMaker-Custom-Attributes; "" when absent
	Input, Output    *Payload  // nil: the side is not captured
}

// TimeLayout is the layout of inferenceTime: UTC, second resolution, "Z" (contract §4.1,
// "2021-02-05T04:15:00Z").
const TimeLayout = "2006-01-02T15:04:05Z"

// AppendRecord appends r as one line of capture JSON Lines (contract §4.1), with its terminating
// '\n', and returns the extended buffer. Keys are in the order of real capture files:
//
//	{"captureData":{"endpointInput":{"observedContentType":…,"mode":"INPUT","data":…,"encoding":…},
//	 "endpointOutput":{…,"mode":"OUTPUT",…}},
//	 "eventMetadata":{"eventId":…,"inferenceId":…,"inferenceTime":…,"customAttributes":…},"eventVersion":"0"}
//
// inferenceId and customAttributes are written only when set; a side only when not nil. A
// truncated side has encoding BASE64_TRUNCATED and a "payloadSize" member after "encoding".
func AppendRecord(dst []byte, r *Record, ct ContentTypes) []byte {
	dst = append(dst, `{"captureData":{`...)
	if r.Input != nil {
		dst = appendSide(dst, "endpointInput", "INPUT", r.Input, ct)
	}
	if r.Output != nil {
		if r.Input != nil {
			dst = append(dst, ',')
		}
		dst = appendSide(dst, "endpointOutput", "OUTPUT", r.Output, ct)
	}
	dst = append(dst, `},"eventMetadata":{"eventId":`...)
	dst = appendString(dst, r.EventID)
	if r.InferenceID != "" {
		dst = append(dst, `,"inferenceId":`...)
		dst = appendString(dst, r.InferenceID)
	}
	dst = append(dst, `,"inferenceTime":"`...)
	dst = r.InferenceTime.UTC().AppendFormat(dst, TimeLayout)
	dst = append(dst, '"')
	if r.CustomAttributes != "" {
		dst = append(dst, `,"customAttributes":`...)
		dst = appendString(dst, r.CustomAttributes)
	}
	return append(dst, "},\"eventVersion\":\"0\"}\n"...)
}

// encodingOf decides how p is written: Base64Truncated when truncated; CSV or JSON by content
// type when the bytes are text that a JSON string carries exactly and compactly; Base64 otherwise.
func encodingOf(p *Payload, ct ContentTypes) Encoding {
	if p.Truncated {
		return Base64Truncated
	}
	e := ct.Encoding(p.ContentType)
	if e != Base64 && !plainText(p.Data) {
		return Base64
	}
	return e
}

// plainText reports whether b is valid UTF-8 without control characters other than TAB, LF and
// CR. Escaped as a JSON string such text at most doubles in size, which bounds a record's line
// length (see Config.MaxPayloadBytes).
func plainText(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return utf8.Valid(b)
}

func appendSide(dst []byte, name, mode string, p *Payload, ct ContentTypes) []byte {
	enc := encodingOf(p, ct)
	dst = append(dst, '"')
	dst = append(dst, name...)
	dst = append(dst, `":{"observedContentType":`...)
	dst = appendString(dst, p.ContentType)
	dst = append(dst, `,"mode":"`...)
	dst = append(dst, mode...)
	dst = append(dst, `","data":"`...)
	if enc == CSV || enc == JSON {
		dst = appendEscaped(dst, p.Data)
	} else {
		dst = base64.StdEncoding.AppendEncode(dst, p.Data)
	}
	dst = append(dst, `","encoding":"`...)
	dst = append(dst, enc.String()...)
	dst = append(dst, '"')
	if enc == Base64Truncated {
		dst = append(dst, `,"payloadSize":`...)
		dst = strconv.AppendInt(dst, p.Size, 10)
	}
	return append(dst, '}')
}

// appendString appends s as a JSON string. Header values may hold any bytes: invalid UTF-8 is
// replaced by U+FFFD (as encoding/json does), so the line stays valid UTF-8.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	dst = appendEscaped(dst, []byte(s))
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendEscaped appends valid UTF-8 b escaped for the inside of a JSON string (RFC 8259 §7):
// '"', '\\' and control characters are escaped, everything else is copied, in runs.
func appendEscaped(dst, b []byte) []byte {
	start := 0
	for i, c := range b {
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, b[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	return append(dst, b[start:]...)
}
