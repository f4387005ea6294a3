// Package capture turns SageMaker endpoint data capture files (JSON Lines, contract §4.1) into rows of
// a tabular dataset: Arrow record batches of nullable string columns named by position _c0, _c1, …,
// which the caller renames to the baseline's features by position (contract §3.3).
//
// The real container fails a whole job on one odd record (an encoding mismatch, #2785; nested JSON;
// BASE64 payloads). Here every record is handled on its own: what can be used becomes rows, what
// cannot is counted in a [Summary] under a short reason, with the file and line of the first
// [MaxExamples] cases. Nothing is dropped silently. [Parse] returns an error only for internal
// failures, never for bad data.
//
// Usage, one chunk from [decode.LineSplitter] at a time:
//
//	rec, sum, err := capture.Parse(chunk, capture.Options{OutputFirst: true}, mem)
//
// # Records (contract §4.1, §4.5, §16.12)
//
//   - Each line is one record; lines holding only spaces, tabs and CRs are skipped and not counted
//     (the same blank-line rule as decode.LineSplitter). Key order never matters. A repeated key:
//     the last one wins.
//   - A line that is not valid UTF-8 is unusable ("invalid UTF-8"). A line that is not one JSON
//     object under strict RFC 8259 (trailing data, syntax error, nesting deeper than 10000) is
//     unusable ("invalid JSON").
//   - Window (§4.5, §16.12): each bound applies when it is not the zero time. A record is kept when
//     Start <= eventMetadata.inferenceTime < End, compared as instants. inferenceTime is parsed as
//     RFC 3339 (Go's time.RFC3339Nano layout: fractional seconds and any offset accepted; real files
//     use second resolution and Z). With a bound set, a missing, non-string or unparseable
//     inferenceTime makes the record unusable ("missing or invalid inferenceTime"); with no bound
//     set it is not read at all (the SDK's test files hold a "{%s}" placeholder). Records outside
//     the window are counted in OutsideWindow and their captured data is not examined.
//
// # Sides and encodings (contract §3.3, §4.1, §16.11)
//
//   - The sides are captureData.endpointInput and captureData.endpointOutput, each an object with
//     encoding, data and observedContentType. Options.IndexNames selects the sides that are used
//     (nil or empty: both; unknown names are ignored). A side that is absent, null, or not selected
//     contributes nothing.
//   - encoding is compared case-insensitively: CSV, JSON or BASE64. BASE64 data (standard alphabet,
//     padded) is decoded and then read as CSV when observedContentType contains "csv", else as JSON
//     when it contains "json" (case-insensitive), else the record is unusable ("BASE64 payload with
//     unsupported content type …"). Decoded bytes must be valid UTF-8.
//   - The two sides of a record may use different encodings (the container refuses this, #2785).
//   - A used side with a problem makes the whole record unusable, never half a row: a partial row
//     would leave nulls that look like missing values. Wrong JSON types in the envelope
//     (captureData or a side not an object, encoding/data/observedContentType not a string) give
//     "<path> is not an object" / "<path> is not a string"; a used side without encoding or data
//     gives "missing encoding" / "missing data".
//
// # CSV payloads (contract §3.3)
//
//   - Rows end at LF or CRLF; a CR at the very end is a terminator too. Empty lines, and so a
//     trailing terminator, are skipped.
//   - Fields are separated by ','. A field is quoted when its first byte is '"'; inside, "" is a
//     quote and separators and line breaks are data (RFC 4180). A quote elsewhere is data, and a
//     closing quote followed by something other than a separator or a row end is data too, the rest
//     of the field being read unquoted (as analyzer/decode and Spark do). A quote left open makes the
//     record unusable ("unclosed quote in CSV data").
//   - An empty field, quoted or not, is null. Values are kept verbatim: whitespace is kept.
//
// # JSON payloads (our decision for contract §16.11)
//
// A payload becomes rows by these rules, applied to its top-level value:
//
//  1. An object with exactly one member whose value is an array is unwrapped to that array
//     ({"instances": […]}, {"predictions": […]}).
//  2. A non-empty array whose elements are all arrays, or all objects, gives one row per element.
//  3. Any other array gives one row holding its elements (an empty array gives no row).
//  4. An object, or a scalar, gives one row.
//
// A payload holding several JSON values one after another (JSON Lines, application/jsonlines) gives
// the rows of each value in order. Within a row, a value flattens to fields depth-first:
//
//   - an object gives the fields of its members in key order (byte order of the UTF-8 keys, which
//     is code point order: Python's sorted(), as the preprocessor contract sorts dict keys, §3.4;
//     Spark sorts JSON fields by name too); a repeated key: the last one wins; {} gives no field;
//   - an array of scalars gives its elements in order ([] gives no field); an array holding an array
//     or object is one field, its compact JSON text (whitespace outside strings removed, strings as
//     written). At the top of a row (rules 2 and 3) the elements are flattened one by one instead;
//   - a number keeps its literal text ("3.5" stays Fractional, "5" Integral, "1e5" as written);
//     a string is its unescaped value and is not parsed further, even when it holds JSON; the empty
//     string is an empty (non-null) value; true and false are "true" and "false"; null is null.
//
// A syntax error in a payload makes the record unusable ("invalid JSON data").
//
// # Rows of a record (contract §3.3)
//
// A side whose rows hold no field at all (empty data, {}, [], [{}]) counts as having no rows. When
// both used sides have n rows, row i of one is paired with row i of the other. When one side has n
// rows and the other none (or is absent or not selected), the n rows stand alone. Any other counts
// (1 and n > 1, or n ≠ m) make the record unusable ("row count mismatch between endpointInput and
// endpointOutput"): repeating or truncating either side would invent data. A record that yields no
// row at all is unusable ("no captured data"). Each row is the output fields followed by the input
// fields when Options.OutputFirst is set (output_columns_position START, the default), otherwise
// input then output. The batch has as many columns as its widest row; shorter rows end in nulls.
//
// # Limits
//
// A row holding more than 20480 fields (Spark's CSV maxColumns default) makes its record unusable
// ("row wider than 20480 fields"): a batch holds width × rows cells, so one garbage record among
// narrow ones would otherwise widen every row of its chunk. A record holding more than 4194304 JSON
// values, envelope and payloads together, is unusable ("record holds more than 4194304 JSON
// values"); real-time payloads (at most 6 MB) stay far below, and the bound keeps the parse of a
// pathological 64 MiB line within 256 MiB.
//
// Accounting: every record counted in Summary.Records is exactly one of: a record that produced at
// least one row, OutsideWindow, or Unusable.
package capture
