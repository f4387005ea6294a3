package decode

// Parquet input, read with our own reader (package parquetfile for the file format,
// parquet_schema.go and parquet_assemble.go for Arrow arrays); docs/parquet-choice.md says why.
//
// Unlike CSV and JSON, Parquet columns are typed, and the types are kept: the statistics engine
// receives every column normalised to one of four Arrow types.
//
//	Parquet / Arrow type read                      normalised to   value
//	INT(8|16|32|64, signed), INT32, INT64           Int64           exact
//	INT(8|16|32, unsigned)                          Int64           exact
//	INT(64, unsigned)                               Int64           exact; a value > MaxInt64 is an error (1)
//	FLOAT, DOUBLE, FLOAT16                          Float64         widened exactly (Spark's float->double cast)
//	BOOLEAN                                         Boolean         exact
//	STRING, ENUM, JSON, BSON, BYTE_ARRAY, FIXED     String          the bytes; invalid UTF-8 sequences -> U+FFFD (2)
//	UUID                                            String          canonical 8-4-4-4-12 lower-case hex
//	DATE                                            String          yyyy-MM-dd
//	TIMESTAMP (any unit, UTC-adjusted or local), INT96
//	                                                String          yyyy-MM-dd HH:mm:ss[.ffffff] (3)
//	TIME                                            String          HH:mm:ss[.ffffff] (3)
//	DECIMAL                                         String          java.math.BigDecimal.toString (4)
//	LIST, MAP                                       String          compact JSON text (5)
//	group (struct)                                  flattened       one column per leaf, named "a.b.c" (6)
//	anything else Arrow can hold                    String          arrow-go's ValueStr text
//
// (1) Spark reads UINT_64 as decimal(20,0). We keep such columns numeric (Int64), since real
// UINT_64 columns hold ids and counts far below 2^63, and refuse the file with an error naming
// the row group, column and row when a value does not fit, rather than silently changing the
// column's type or wrapping the value.
//
// (2) Spark's cast of binary to string keeps the raw bytes, and the JVM replaces invalid UTF-8
// with U+FFFD when the value becomes a java.lang.String (as it must before reaching JSON). We do
// the replacement here, one U+FFFD per invalid byte (Go's rule; Java replaces a maximal invalid
// subsequence by one U+FFFD, so counts of U+FFFD can differ on broken multi-byte sequences).
// Valid STRING and BYTE_ARRAY columns are passed through without copying.
//
// (3) Spark's default cast of timestamp to string with session time zone UTC (the container's
// JVM runs in UTC): the instant in UTC for UTC-adjusted timestamps, the wall-clock value for
// local (timestamp_ntz) ones, which is the same arithmetic. Spark holds microseconds: nanosecond
// values are truncated toward negative infinity to microseconds, and the fraction is printed
// with trailing zeros removed and omitted when zero (Spark's FractionTimestampFormatter):
// "2024-10-27 17:39:31", "2024-10-27 17:39:31.5", "1969-12-31 23:59:59.999999". Years are the
// proleptic Gregorian year, at least four digits, with "-" before negative years and "+" before
// years above 9999 (java.time's EXCEEDS_PAD sign style). TIME values use the same fraction rule;
// a value outside one day prints hours above 23 rather than wrapping.
//
// (4) Spark 3.3 (non-ANSI) casts decimal to string with java.math.BigDecimal.toString: plain
// digits with the column's scale ("1.50", "-0.001") unless the adjusted exponent is below -6,
// where it switches to scientific notation ("1.23E-8", "0E-10").
//
// (5) JSON text for LIST and MAP: elements keep their JSON kind (numbers, true/false, null,
// strings), nested structs become objects with fields in schema order, maps become objects
// whose keys are the keys' string forms (duplicate keys kept, in file order), and decimals,
// dates, timestamps and times use the string forms above (decimals unquoted, as JSON numbers).
// Floats are written in their shortest round-trip form for their width (float32 "0.1", not
// "0.10000000149011612"), with NaN and the infinities as the strings "NaN", "Infinity",
// "-Infinity" (Jackson's default, which Spark's to_json uses). No whitespace.
//
// (6) A null struct makes all of its leaves null for that row. The flattened name joins the
// field names with "." without escaping; two leaves that end up with the same name are an
// error (Spark refuses duplicate column names too). Column order is the file's schema order,
// depth first.
//
// Errors: every problem in the file wraps ErrBadInput as an *Error whose File names the file and
// whose Msg says what was wrong ("bad magic ...", "row group 3 column price: ..."); Record is the
// 1-based row of the file when one row is at fault. The reader checks every size and count it
// reads before using it; should a corrupt file still make it panic, the panic is recovered at this
// boundary and reported the same way.

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/driftwatch/driftwatch/analyzer/decode/parquetfile"
)

// DefaultParquetBatchRows is the batch size ReadParquet uses when given batchRows <= 0: 65536
// rows, large enough that per-batch costs vanish and small enough that a batch of a wide file
// stays a few MB.
const DefaultParquetBatchRows = 1 << 16

// parquetMagic opens and closes every Parquet file (parquet-format, "File format").
const parquetMagic = parquetfile.Magic

// parquetMinSize is the smallest possible Parquet file: magic, 4-byte footer length, magic.
const parquetMinSize = 2*len(parquetMagic) + 4

// ParquetSource is what a Parquet file is read from: random access, and Seek to learn its size.
// An *os.File, a *bytes.Reader and source.RandomAccess satisfy it.
type ParquetSource interface {
	io.ReaderAt
	io.Seeker
}

// ReadParquet reads a Parquet file and calls yield once per batch, in file order, with record
// batches of at most batchRows rows (DefaultParquetBatchRows when batchRows <= 0). Batches never
// span row groups; rowGroup is the 0-based row group a batch comes from, and an empty row group
// yields nothing. Every batch has the schema ParquetColumns returns: columns normalised and
// flattened as described at the top of this file, all nullable, nulls preserved.
//
// The batch is released when yield returns: yield must Retain it (and Release it later) to keep
// it. An error from yield stops the read and is returned as is. file names the input in errors;
// mem allocates the arrays normalisation builds (memory.DefaultAllocator when nil); decoded values
// that need no conversion are handed over in Go memory, without a copy.
//
// The file is streamed: the footer, then row group by row group each column chunk through a
// buffer of at most 16 MiB, one page at a time (package parquetfile), so memory is bounded by the
// batch and the pages, not by the file.
//
// Problems with the file (not Parquet, truncated, corrupt pages, values that cannot be
// normalised) return an *Error wrapping ErrBadInput; I/O errors from r are wrapped with the file
// name. ReadParquet does not panic on any input.
func ReadParquet(file string, r ParquetSource, batchRows int, mem memory.Allocator, yield func(rowGroup int, rec arrow.RecordBatch) error) error {
	return ReadParquetGroups(file, r, batchRows, mem, nil, nil, yield)
}

// ReadParquetGroups is ReadParquet restricted to the row groups for which keep reports true (every
// row group when keep is nil): several readers, each over its own ParquetSource, can read the
// row groups of one file in parallel.
//
// With a pool (nil: fresh Go memory) the reader's large buffers are recycled, so that the readers
// of a job's row groups, one after the other or in parallel, share a bounded set of buffers
// instead of each faulting in its own: the column chunks' read buffers, decompressed pages, levels
// and scratch go back to pool when the read returns, and the storage of decoded values that a
// batch's arrays hold without a copy goes back when the last of those arrays is released. The
// Pool contract applies: whoever keeps a batch (Retain) must Release it exactly once, and no one
// may keep a string or slice of its data past the release. mem still allocates the arrays
// normalisation builds.
func ReadParquetGroups(file string, r ParquetSource, batchRows int, mem memory.Allocator, pool *Pool, keep func(rowGroup int) bool, yield func(rowGroup int, rec arrow.RecordBatch) error) (err error) {
	pf, err := OpenParquet(file, r)
	if err != nil {
		return err
	}
	return pf.ReadGroups(r, batchRows, mem, pool, keep, yield)
}

// ParquetFile is a Parquet file whose footer has been read and checked and whose normalisation is
// planned (OpenParquet): the readers of a job's row groups, each over its own handle, share it
// instead of decoding the footer again — which, done per row group, costs time quadratic in the
// number of row groups.
type ParquetFile struct {
	pf *pqFile
	// Dictionaries: ReadGroups yields a top-level string column read from dictionary-encoded
	// pages as an Arrow dictionary array (int32 indices into a String dictionary, the same array
	// for every batch of a column chunk) instead of a String array, wherever a batch's values all
	// come from such pages and the dictionary's values are valid UTF-8. Set it before reading.
	Dictionaries bool
}

// OpenParquet reads the footer of the Parquet file r (named file in errors), with the checks and
// errors of ReadParquet. r is only read during the call.
func OpenParquet(file string, r ParquetSource) (f *ParquetFile, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = pqPanicError(file, p)
		}
	}()
	pf, err := pqOpen(file, r)
	if err != nil {
		return nil, err
	}
	return &ParquetFile{pf: pf}, nil
}

// Schema is the schema of the batches ReadGroups yields (see ParquetColumns).
func (f *ParquetFile) Schema() *arrow.Schema { return f.pf.plan.schema }

// RowGroups returns, per row group, the file offset at which its data begins (its first
// dictionary or data page) and its number of rows: a Parquet file split into units gives each unit
// the row groups that start in its byte range, as Spark assigns row groups to file splits.
func (f *ParquetFile) RowGroups() (starts, rows []int64) {
	meta := f.pf.f.Meta
	starts = make([]int64, len(meta.RowGroups))
	rows = make([]int64, len(meta.RowGroups))
	for rg, g := range meta.RowGroups {
		rows[rg] = f.pf.f.RowGroupRows(rg)
		start := int64(-1)
		for _, cc := range g.Columns {
			if cc.Meta == nil {
				continue
			}
			off := cc.Meta.DataPageOffset
			if cc.Meta.HasDictionaryOffset && cc.Meta.DictionaryPageOffset > 0 {
				off = min(off, cc.Meta.DictionaryPageOffset)
			}
			if start < 0 || off < start {
				start = off
			}
		}
		starts[rg] = max(start, 0)
	}
	return starts, rows
}

// ReadGroups is ReadParquetGroups over r, a handle on the file OpenParquet opened (the same
// bytes). Several goroutines may call it at once, each with its own handle.
func (f *ParquetFile) ReadGroups(r ParquetSource, batchRows int, mem memory.Allocator, pool *Pool, keep func(rowGroup int) bool, yield func(rowGroup int, rec arrow.RecordBatch) error) (err error) {
	file := f.pf.name
	if batchRows <= 0 {
		batchRows = DefaultParquetBatchRows
	}
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	inYield := false
	defer func() {
		if p := recover(); p != nil {
			if inYield {
				panic(p) // the caller's bug, not the file's
			}
			err = pqPanicError(file, p)
		}
	}()

	pf := *f.pf // this read's copy: its own File over r and its own allocator
	pf.f, pf.mem = f.pf.f.WithReader(r), mem
	ff := pf.f
	if pool != nil {
		ff.Buffers = pool
	}
	ff.Sequential = true // the readers below take turns
	readers := make([]*parquetfile.ColumnReader, len(ff.Schema.Columns))
	asm := &pqAssembler{cols: make([]*pqColumn, len(ff.Schema.Columns))}
	for i := range readers {
		readers[i] = ff.NewColumnReader(i)
		asm.cols[i] = &pqColumn{node: ff.Schema.Columns[i], pool: pool}
	}
	if f.Dictionaries {
		for _, fld := range pf.fields {
			if pqDictLeaf(fld) {
				readers[fld.col.Column].KeepDictionary = true
			}
		}
	}
	// The buffers go back whether the read ends, fails or panics (this runs before the recovery
	// above). Nothing handed to yield points into them.
	defer func() {
		for i, cr := range readers {
			cr.Release()
			asm.cols[i].release()
		}
		pqFree(pool, asm.vi)
	}()
	var rowBase int64 // rows of the file before the current row group
	for rg := range ff.NumRowGroups() {
		rows := ff.RowGroupRows(rg)
		if rows == 0 || len(pf.fields) == 0 || (keep != nil && !keep(rg)) {
			rowBase += rows
			continue
		}
		for i, cr := range readers {
			if err := cr.Seek(rg); err != nil {
				return pqErrorf(file, 0, "row group %d column %s: %v", rg, cr.Node.Path(), err)
			}
			// The first batch of a dictionary-encoded chunk whose indices are kept takes
			// storage for indices, not values (startBatch).
			asm.cols[i].indexHint = cr.KeepDictionary && cr.DictionaryChunk()
		}
		// Value storage is sized for the row group's largest batch, so that the last, shorter
		// batch reuses the size class of the others.
		asm.capRows = int(min(int64(batchRows), rows))
		for done := int64(0); done < rows; {
			n := min(int64(batchRows), rows-done)
			rec, err := pf.readBatch(readers, asm, rg, int(n), rowBase+done)
			if err != nil {
				return err
			}
			inYield = true
			err = yield(rg, rec)
			inYield = false
			rec.Release()
			if err != nil {
				return err
			}
			done += n
		}
		rowBase += rows
	}
	return nil
}

// ParquetColumns returns the schema of the batches ReadParquet yields for the file: the flattened,
// normalised column names and types in file order, read from the footer without reading data.
func ParquetColumns(file string, r ParquetSource) (*arrow.Schema, error) {
	pf, err := OpenParquet(file, r)
	if err != nil {
		return nil, err
	}
	return pf.Schema(), nil
}

// pqFile is an open Parquet file with its Arrow fields and normalisation plan.
type pqFile struct {
	name   string
	f      *parquetfile.File
	fields []*pqField
	plan   *pqPlan
	mem    memory.Allocator
}

// pqOpen checks the framing of the file, parses the footer and plans the normalisation. The
// caller's reader is never closed. The allocator is each read's (ReadGroups).
func pqOpen(name string, r ParquetSource) (*pqFile, error) {
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, fmt.Errorf("read parquet file %s: %w", name, err)
	}
	if err := pqCheckFraming(name, r, size); err != nil {
		return nil, err
	}
	f, err := parquetfile.Open(r, size)
	if err != nil {
		return nil, pqErrorf(name, 0, "read footer: %v", err)
	}
	fields, err := pqFields(f.Schema)
	if err != nil {
		return nil, pqErrorf(name, 0, "schema: %v", err)
	}
	top := make([]arrow.Field, len(fields))
	for i, fl := range fields {
		top[i] = arrow.Field{Name: fl.name, Type: fl.typ, Nullable: true}
	}
	plan, err := newPQPlan(arrow.NewSchema(top, nil))
	if err != nil {
		return nil, pqErrorf(name, 0, "schema: %v", err)
	}
	return &pqFile{name: name, f: f, fields: fields, plan: plan}, nil
}

// pqCheckFraming gives the common ways a file is not Parquet a clear message before the footer
// is parsed: empty, too short, wrong magic at either end, encrypted footer, footer longer than the
// file.
func pqCheckFraming(name string, r io.ReaderAt, size int64) error {
	if size == 0 {
		return pqErrorf(name, 0, "empty file (0 bytes), not a Parquet file")
	}
	if size < int64(parquetMinSize) {
		return pqErrorf(name, 0, "file too short to be Parquet (%d bytes, at least %d needed): truncated or not a Parquet file", size, parquetMinSize)
	}
	var head [4]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return fmt.Errorf("read parquet file %s: %w", name, err)
	}
	if string(head[:]) != parquetMagic {
		return pqErrorf(name, 0, "bad magic: file starts with %q, want %q (not a Parquet file)", head[:], parquetMagic)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return fmt.Errorf("read parquet file %s: %w", name, err)
	}
	switch string(tail[4:]) {
	case parquetMagic:
	case parquetfile.MagicEncrypted:
		return pqErrorf(name, 0, "encrypted Parquet footer (magic PARE): encrypted files are not supported")
	default:
		return pqErrorf(name, 0, "bad magic at end of file: %q, want %q (truncated file?)", tail[4:], parquetMagic)
	}
	footer := int64(uint32(tail[0]) | uint32(tail[1])<<8 | uint32(tail[2])<<16 | uint32(tail[3])<<24)
	if footer == 0 || footer > size-int64(parquetMinSize) {
		return pqErrorf(name, 0, "footer length %d does not fit in a %d-byte file (truncated file?)", footer, size)
	}
	return nil
}

// readBatch reads n rows of row group rg from every column, assembles the top-level fields and
// normalises them. first is the 0-based row of the file where the batch starts.
func (p *pqFile) readBatch(readers []*parquetfile.ColumnReader, asm *pqAssembler, rg, n int, first int64) (arrow.RecordBatch, error) {
	defer func() {
		for _, c := range asm.cols {
			c.endBatch() // after the arrays below are released: what they did not take
		}
	}()
	for i, cr := range readers {
		c := asm.cols[i]
		c.startBatch(n, max(n, asm.capRows))
		got, err := cr.Read(n, &c.batch)
		if err != nil {
			return nil, pqErrorf(p.name, 0, "row group %d column %s: %v", rg, cr.Node.Path(), err)
		}
		if got != n {
			return nil, pqErrorf(p.name, 0, "row group %d column %s: read %d rows where %d were expected (corrupt column chunk?)", rg, cr.Node.Path(), got, n)
		}
	}
	asm.rows = n
	top := make([]arrow.Array, len(p.fields))
	defer func() {
		for _, a := range top {
			if a != nil {
				a.Release()
			}
		}
	}()
	for i, f := range p.fields {
		a, err := asm.top(f)
		if err != nil {
			return nil, pqErrorf(p.name, 0, "row group %d column %s: %v", rg, f.name, err)
		}
		top[i] = a
	}
	cols, err := p.plan.normalise(top, p.mem)
	if err != nil {
		var ce *pqCellError
		if errors.As(err, &ce) {
			return nil, pqErrorf(p.name, first+int64(ce.row)+1, "row group %d column %s row %d: %s", rg, ce.column, first+int64(ce.row)+1, ce.msg)
		}
		return nil, pqErrorf(p.name, 0, "row group %d: %v", rg, err)
	}
	rec := array.NewRecordBatch(p.plan.batchSchema(cols), cols, int64(n)) // retains the columns
	for _, c := range cols {
		c.Release()
	}
	return rec, nil
}

// pqCellError is a value that cannot be normalised; readBatch adds the file position.
type pqCellError struct {
	column string
	row    int // 0-based row in the batch
	msg    string
}

func (e *pqCellError) Error() string {
	return fmt.Sprintf("column %s row %d: %s", e.column, e.row, e.msg)
}

// pqErrorf returns an *Error (wrapping ErrBadInput) for the file; record is 1-based or 0.
func pqErrorf(file string, record int64, format string, args ...any) error {
	return &Error{File: file, Record: record, Msg: fmt.Sprintf(format, args...)}
}

// pqPanicError turns a panic on corrupt input into an error, naming where the reader gave up.
func pqPanicError(file string, p any) error {
	return pqErrorf(file, 0, "corrupt Parquet data: reader failed: %v%s", p, pqPanicSite())
}

// pqPanicSite names the innermost reader function on the stack of a recovered panic, so a report
// of a corrupt file says where the reader gave up.
func pqPanicSite() string {
	const mod = "github.com/driftwatch/driftwatch/"
	for _, ln := range strings.Split(string(debug.Stack()), "\n") {
		ln = strings.TrimSpace(ln)
		if strings.HasPrefix(ln, mod+"analyzer/decode.") || strings.HasPrefix(ln, mod+"analyzer/decode/parquetfile.") {
			if strings.Contains(ln, "pqPanic") || strings.Contains(ln, "ReadParquet.func") || strings.Contains(ln, "ParquetColumns.func") {
				continue // the recovery itself
			}
			if i := strings.LastIndexByte(ln, '('); i > 0 {
				ln = ln[:i]
			}
			return " (in " + strings.TrimPrefix(ln, mod) + ")"
		}
	}
	return ""
}
