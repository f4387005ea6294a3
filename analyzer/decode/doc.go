// Package decode cuts CSV and JSON input files into chunks of whole records and parses each chunk
// into an Arrow record batch of nullable string columns (contract §3: every column is read as a
// string; typing happens later by regex, §5.2).
//
// # Data flow
//
// A [Splitter] reads one file sequentially from an [io.Reader] (a plain file, a gzip stream or an S3
// stream: it never seeks) and cuts it into [Chunk]s of whole records. Chunks are independent: a
// caller parses them in parallel ([ParseCSV], [ParseJSONLines]) and consumes the batches in chunk
// order. Chunk boundaries are a pure function of the file's bytes and the chunk size (never of read
// sizes, timing or the number of cores), so a job's output does not depend on the machine.
//
// The boundary rule follows Hadoop's LineRecordReader, which Spark uses for its 4 MiB file splits
// (contract §3.2): the file is divided at every multiple of the chunk size in bytes (offsets count
// every byte of the stream, including a byte-order mark and the header line) and each record belongs
// to the division in which its first byte lies. A chunk therefore ends at the first record boundary
// at or after each multiple of the size. Divisions in which no record starts (a record longer than
// the size) produce no chunk, and blank lines of a division without records are carried into the
// next chunk, so Index counts emitted chunks and the chunks' Data tile the input (header, byte-order
// mark and blank lines after the last record aside).
//
// # Numbering
//
// Lines are 1-based and count '\n' bytes from the start of the file, header included. Records are
// 1-based data rows: the header and blank lines are not records. Both are carried by each chunk
// (FirstLine, FirstRecord), so every [Error] names the true line and record of the file whatever
// the chunking.
//
// # CSV dialect (Spark 3.3 defaults, contract §3.2)
//
//   - Separator ',', quote '"'. A field is quoted only when its first byte is '"'.
//   - Inside a quoted field: `""` and `\"` are a quote, `\\` is one backslash (Spark's
//     charToEscapeQuoteEscaping defaults to the escape character), any other backslash is kept.
//   - Records end at LF or CRLF. A CR directly before LF or before the end of the file belongs to the
//     terminator; any other CR is data.
//   - Quoted fields may contain separators and line breaks (RFC 4180 records). This is a deliberate
//     choice: Spark's default multiLine=false would cut such a record at the line break and read two
//     broken rows; we keep the record whole, which is what every CSV writer meant. The splitter is
//     quote-aware for this reason.
//   - An empty field, quoted ("") or not, is null (Spark's nullValue "" and emptyValue "").
//   - Whitespace is kept ("  5" and "5 " stay as written; §5.2 types them as String).
//   - Blank lines (nothing before the terminator) are skipped. A line holding only spaces is a record.
//   - A UTF-8 byte-order mark at the start of the file is dropped.
//   - A quote that does not open a field (a"b) is data, as in Spark. A closing quote followed by
//     anything other than a separator or a line end ("ab"c) is data too, and the rest of the field up
//     to the next separator or line end is read unquoted (Spark's STOP_AT_DELIMITER handling of
//     unescaped quotes): "ab"c,d gives the fields ab"c and d.
//   - Errors (all wrap [ErrBadInput]): a record whose field count differs from the column count
//     (Spark's PERMISSIVE mode would pad or drop; we refuse to guess), a quoted field still open at the
//     end of the file (reported at the line where it opened), invalid UTF-8 (line, field and byte
//     column), a record longer than CSVOptions.MaxRecordSize.
//   - Header: the first non-blank record supplies the names, unquoted and unescaped, exactly as
//     written, except where Spark rewrites them: an empty name becomes _c<i> (0-based position) and
//     names that repeat (compared case-insensitively, Spark's default) get their 0-based position
//     appended ("a","A" → "a0","A1"). Without a header the columns are _c0.._c<n-1>, n being the
//     field count of the first record.
//
// # JSON flattening (our decision for contract §16.11)
//
// See [ParseJSONLines]: nested objects flatten to dotted names, arrays stay compact JSON text, numbers
// keep their literal text, columns are sorted by name.
package decode

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
)

// DefaultChunkSize is the split size in bytes: 4 MiB, the partition size the real container's Spark
// logs show (FileSourceScanExec, 4194304 bytes; contract §3.2).
const DefaultChunkSize = 4 << 20

// DefaultMaxRecordSize bounds one record (64 MiB). A record can only grow that large through a quote
// that is never closed, which would otherwise pull the rest of the file into memory; no real table
// has such rows. Spark has no such limit (maxCharsPerColumn -1); this is our safety decision.
const DefaultMaxRecordSize = 64 << 20

// ErrBadInput marks every problem in the data itself (as opposed to I/O or internal failures).
// Test with errors.Is.
var ErrBadInput = errors.New("bad input")

// ColumnUnit says what Error.Column counts.
type ColumnUnit uint8

const (
	// FieldColumn: Column is the 1-based field number in a CSV record.
	FieldColumn ColumnUnit = iota
	// ByteColumn: Column is the 1-based byte offset within the line (JSON).
	ByteColumn
)

// String returns "field" or "byte".
func (u ColumnUnit) String() string {
	switch u {
	case FieldColumn:
		return "field"
	case ByteColumn:
		return "byte"
	default:
		return "ColumnUnit(" + strconv.Itoa(int(u)) + ")"
	}
}

// Error locates a data problem for a person. It always wraps ErrBadInput.
type Error struct {
	File   string
	Line   int64      // 1-based line in the file; 0 when unknown
	Record int64      // 1-based data record (header and blank lines excluded); 0 when not in a record
	Column int        // 1-based, counted in Unit; 0 when not applicable
	Unit   ColumnUnit // what Column counts
	Msg    string     // what was expected or found
}

// Error renders e.g. `data.csv line 17 (record 16): expected 9 fields, found 8` or
// `data.jsonl line 4 (record 4), byte 12: invalid character 'x' after object key`.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("line ")
		b.WriteString(strconv.FormatInt(e.Line, 10))
	}
	if e.Record > 0 {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("(record ")
		b.WriteString(strconv.FormatInt(e.Record, 10))
		b.WriteByte(')')
	}
	if e.Column > 0 {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.Unit.String())
		b.WriteByte(' ')
		b.WriteString(strconv.Itoa(e.Column))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrBadInput.
func (e *Error) Unwrap() error { return ErrBadInput }

// Chunk is a run of whole records cut from one file.
type Chunk struct {
	File        string
	Index       int    // 0-based index among the chunks emitted for the file
	Data        []byte // whole records only; owned by the chunk
	FirstLine   int64  // 1-based line number of Data[0] in the file
	FirstRecord int64  // 1-based record number of the first record in Data

	// lines is the number of line breaks in Data plus one, counted by the splitter that cut it;
	// 0 when unknown (a Chunk made by hand), and ParseCSV counts them itself.
	lines int
	// plain is set by a CSV splitter that saw every byte of Data in bulk (no quote) and no
	// carriage return: ParseCSV may take the fast path without searching Data for them again.
	// Unset says nothing (a final record without a line break, a hand-made chunk).
	plain bool
	// pieces cut a plain chunk into runs of about pieceBytes of whole lines, where the splitter's
	// bulk scans stopped (ParseCSVBatches); nil for one piece, or a chunk that is not plain.
	pieces []piece
	buf    []byte // the pooled allocation Data lies in (nil: not pooled)
	pool   *Pool
}

// Release gives the chunk's buffer back to the Pool its splitter drew it from (CSVOptions.Pool), for
// the next chunks; without a pool it does nothing. Data must not be used afterwards, by anyone:
// call it once, when the chunk is parsed (ParseCSV copies what it keeps).
func (c *Chunk) Release() {
	c.pool.release(c.buf)
	c.buf, c.Data = nil, nil
}

// Lines returns the chunk's line breaks plus one, as the splitter that cut it counted them (or
// counted now, for a chunk made by hand).
func (c *Chunk) Lines() int {
	if c.lines > 0 {
		return c.lines
	}
	return bytes.Count(c.Data, []byte{'\n'}) + 1
}

// Splitter cuts a stream into chunks. Next returns io.EOF after the last chunk. Errors other than
// io.EOF are sticky: I/O errors are wrapped with the file name, data errors are *Error.
type Splitter interface {
	Next() (Chunk, error)
}

var (
	_ Splitter = (*CSVSplitter)(nil)
	_ Splitter = (*LineSplitter)(nil)
)
