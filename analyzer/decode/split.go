package decode

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// readStep is the least amount asked from the reader at once (64 KiB), less for small chunk sizes
// (tests) so that a chunk does not cost far more memory than its data: see splitter.step.
const readStep = 64 << 10

var bom = []byte{0xEF, 0xBB, 0xBF}

// recordScanner finds the end of the record starting at d[i]. It returns the index just past the
// record's terminator and whether the record is blank. more reports that d ends before the record
// does and more input is needed to decide (never when atEOF). err reports a data error found at the
// end of the file; it is built by the splitter, which knows the numbering.
type recordScanner func(d []byte, i int, atEOF bool) (end int, blank, more bool, err *scanError)

// scanError is a data error found by a record scanner, located by offset.
type scanError struct {
	pos   int // offset in the scanned data where the problem starts
	field int // 1-based field, 0 if none
	msg   string
}

// splitter is the boundary logic shared by CSVSplitter and LineSplitter.
type splitter struct {
	file      string
	r         io.Reader
	size      int64
	step      int // read granularity: min(readStep, max(size, 4096))
	maxRecord int
	scan      recordScanner
	plainCSV  bool // CSV: lines without a quote may be taken in bulk (see bulk)
	// oneLine: every record the scanner finds is one line (LineSplitter), so a chunk's line
	// breaks are counted as its records are found, not searched for again.
	oneLine bool

	buf     []byte // unconsumed input; buf[0] is at file offset off
	whole   []byte // the allocation buf lies in, when it came from pool
	pool    *Pool  // source of buffers (nil: the Go allocator); chunks give theirs back (Chunk.Release)
	off     int64
	eof     bool
	readErr error // sticky I/O error, returned once buf is used up
	line    int64 // line number of buf[0]
	record  int64 // records before buf[0]
	index   int
	err     error // sticky error to return from Next
	end     int64 // records starting at or after this offset are left for the next range (setRange); 0: none
}

func newSplitter(file string, r io.Reader, size, maxRecord int, scan recordScanner) *splitter {
	if size <= 0 {
		size = DefaultChunkSize
	}
	if maxRecord <= 0 {
		maxRecord = DefaultMaxRecordSize
	}
	return &splitter{file: file, r: r, size: int64(size), step: min(readStep, max(size, 4096)),
		maxRecord: maxRecord, scan: scan, line: 1}
}

// fill reads until buf holds at least want bytes or the input ends.
func (s *splitter) fill(want int) {
	if s.eof || len(s.buf) >= want {
		return
	}
	if cap(s.buf) < want {
		old := s.whole
		s.buf = s.alloc(s.buf, max(want, 2*cap(s.buf), s.step))
		s.pool.release(old)
	}
	for len(s.buf) < want {
		// At most a step past want: the bytes just read are scanned next, while in cache.
		n, err := s.r.Read(s.buf[len(s.buf):min(cap(s.buf), want+s.step)])
		s.buf = s.buf[:len(s.buf)+n]
		if err != nil {
			s.eof = true
			if !errors.Is(err, io.EOF) {
				s.readErr = fmt.Errorf("read %s: %w", s.file, err)
			}
			return
		}
	}
}

// dropBOM skips a UTF-8 byte-order mark at the start of the stream.
func (s *splitter) dropBOM() {
	s.fill(len(bom))
	if bytes.HasPrefix(s.buf, bom) {
		s.buf = s.buf[len(bom):]
		s.off += int64(len(bom))
	}
}

// nextRecord scans the record at buf[pos:], reading more input as needed. It returns the end of the
// record, or ok=false when the input is used up at pos.
func (s *splitter) nextRecord(pos int) (end int, blank, ok bool, err error) {
	want := pos + 1
	for {
		s.fill(want)
		if pos >= len(s.buf) {
			return pos, false, false, s.readErr
		}
		// A stream that failed has no end of file: a record is complete only if its terminator
		// was read, so a broken stream is never taken for a complete one.
		end, blank, more, serr := s.scan(s.buf, pos, s.eof && s.readErr == nil)
		// The length check must not depend on how much was read: a record that is complete, or
		// open at the end of the file, is measured whole; an incomplete one is at least as long
		// as what is buffered.
		extent := end - pos
		if more || serr != nil {
			extent = len(s.buf) - pos
		}
		if extent > s.maxRecord {
			return 0, false, false, &Error{File: s.file, Line: s.lineAt(pos), Record: s.record + 1,
				Msg: fmt.Sprintf("record is longer than %d bytes (unclosed quote?)", s.maxRecord)}
		}
		if serr != nil {
			return 0, false, false, s.scanErr(serr)
		}
		if !more {
			return end, blank, true, nil
		}
		if s.readErr != nil {
			return 0, false, false, s.readErr
		}
		// Grow geometrically with the record so a long record is rescanned O(log n) times.
		want = len(s.buf) + max(s.step, len(s.buf)-pos)
	}
}

// alloc returns a buffer of capacity at least size holding a copy of b, from the pool if the
// splitter has one (and then records it as whole).
func (s *splitter) alloc(b []byte, size int) []byte {
	if s.pool == nil {
		nb := make([]byte, len(b), size)
		copy(nb, b)
		return nb
	}
	s.whole = s.pool.Allocate(size)
	nb := s.whole[:len(b)]
	copy(nb, b)
	return nb
}

// lineAt returns the line number of buf[pos].
func (s *splitter) lineAt(pos int) int64 {
	return s.line + int64(bytes.Count(s.buf[:pos], []byte{'\n'}))
}

func (s *splitter) scanErr(e *scanError) error {
	return &Error{File: s.file, Line: s.lineAt(e.pos), Record: s.record + 1, Column: e.field, Msg: e.msg}
}

// next cuts the next chunk: the records that start before the next multiple of size. Blank lines
// of a division in which no record starts are carried into the next chunk, so the chunks' Data tile
// the input (header and trailing blank lines aside).
func (s *splitter) next() (Chunk, error) {
	if s.err != nil {
		return Chunk{}, s.err
	}
	c := Chunk{File: s.file, Index: s.index, FirstLine: s.line, FirstRecord: s.record + 1}
	pos, rec0 := 0, s.record // s.record is kept current: errors number the record s.record+1
	var err error
	done := false
	// nl counts the line breaks of buf[:counted]: bulk reports those it passes, and the bytes
	// between bulk runs are counted at once, not record by record. plain stays set while every
	// byte of the chunk went through bulk without a carriage return (Chunk.plain).
	nl, counted, plain := 0, 0, s.plainCSV
	breaks := 0 // the line breaks of the records found one by one, when oneLine
	var pieces []piece
	for !done && s.record == rec0 && err == nil {
		limit := ((s.off+int64(pos))/s.size + 1) * s.size // records starting before limit belong here
		if s.end > 0 {
			if s.off+int64(pos) >= s.end {
				break // the range ends here: the rest belongs to the next one (setRange)
			}
			limit = min(limit, s.end)
		}
		s.fill(pos + int(min(limit-s.off-int64(pos), pieceBytes)) + s.step)
		for s.off+int64(pos) < limit {
			if s.plainCSV {
				p0 := pos
				// While the chunk is plain, bulk runs stop after about pieceBytes: where they stop
				// is where ParseCSVBatches cuts its batches.
				lim := limit
				if plain {
					lim = min(limit, s.off+int64(pos)+pieceBytes)
				}
				s.fill(int(lim-s.off) + s.step)
				if n, cr, ok := s.bulk(&pos, int(lim-s.off)); ok {
					nl += bytes.Count(s.buf[counted:p0], []byte{'\n'}) + n
					counted = pos
					plain = plain && !cr
					if plain {
						pieces = addPiece(pieces, piece{end: pos, lines: nl, records: s.record - rec0}, false)
					}
					continue
				}
			}
			end, blank, ok, rerr := s.nextRecord(pos)
			if rerr != nil {
				err = rerr
				break
			}
			if !ok {
				done = true
				break
			}
			plain = false
			if s.oneLine && s.buf[end-1] == '\n' {
				breaks++
			}
			pos = end
			if !blank {
				s.record++
			}
		}
	}
	if s.record > rec0 {
		c.Data = s.buf[:pos:pos]
		if s.oneLine {
			nl += breaks // (bulk runs are CSV's only: counted is 0)
		} else {
			nl += bytes.Count(s.buf[counted:pos], []byte{'\n'})
		}
		c.lines, c.plain = nl+1, plain
		if plain {
			if pieces = addPiece(pieces, piece{end: pos, lines: nl, records: s.record - rec0}, true); len(pieces) > 1 {
				c.pieces = pieces
			}
		}
		s.line += int64(nl)
		s.off += int64(pos)
		// Hand the consumed bytes to the chunk and keep the tail in a fresh buffer.
		c.buf, c.pool = s.whole, s.pool
		s.buf = s.alloc(s.buf[pos:], max(len(s.buf)-pos, int(s.size)+2*s.step))
		s.index++
		// Records before an error are still delivered; the error comes with the next call.
		s.err = err
		return c, nil
	}
	if err == nil {
		err = io.EOF
	}
	s.err = err
	return Chunk{}, err
}

// addPiece records p, the end of a bulk run of a plain chunk, as the end of a piece (a batch of
// ParseCSVBatches) if the piece then holds at least pieceRows lines; a batch of a few rows of wide
// data would cost more per column than the cache saves. With last (p is the chunk's end) a
// shorter last piece joins the one before.
func addPiece(pieces []piece, p piece, last bool) []piece {
	prev := piece{}
	if n := len(pieces); n > 0 {
		prev = pieces[n-1]
		if p.end == prev.end {
			return pieces
		}
		if last && p.lines-prev.lines < pieceRows {
			pieces[n-1] = p
			return pieces
		}
	}
	if last || p.lines-prev.lines >= pieceRows {
		pieces = append(pieces, p)
	}
	return pieces
}

// bulk is the CSV splitter's fast path. Lines holding no quote are whole records, so it advances
// pos over buffered '\n'-terminated lines up to the first quote, stopping at the first record
// boundary at or after lim; counting records is then counting lines and blank lines, with SIMD
// byte searches instead of a call per record. The record holding the quote, and a last line not yet
// terminated in the buffer, are left to the record scanner, so the boundaries are the same as
// record by record. It reports whether pos moved and, if so, how many line breaks it passed and
// whether a carriage return was among the bytes.
func (s *splitter) bulk(pos *int, lim int) (lines int, cr, ok bool) {
	d, p := s.buf, *pos
	if useAVX512 {
		// One pass instead of two: the end of the record holding byte lim-1 first, then the
		// lines up to it and the quotes among them (csvLinesQuotes). Without a quote that is
		// the outcome of the searches below; with one, or without a line feed after lim-1, they
		// decide.
		if from := max(p, lim-1); from < len(d) {
			if e := bytes.IndexByte(d[from:], '\n'); e >= 0 && from+e+1-p <= s.maxRecord {
				end := from + e + 1
				lines, blank, cr, quote := csvLinesQuotes(d[p:end])
				if !quote {
					s.record += int64(lines - blank)
					*pos = end
					return lines, cr, true
				}
			}
		}
	}
	zone := len(d) // d[p:zone] holds no quote
	if q := bytes.IndexByte(d[p:], '"'); q >= 0 {
		zone = p + q
	}
	end := -1
	if from := max(p, lim-1); from < zone {
		if e := bytes.IndexByte(d[from:zone], '\n'); e >= 0 {
			end = from + e + 1 // the record holding byte lim-1 ends here
		}
	}
	if end < 0 {
		ls := bytes.LastIndexByte(d[p:zone], '\n')
		if ls < 0 {
			return 0, false, false
		}
		end = p + ls + 1
	}
	if end-p > s.maxRecord {
		return 0, false, false // a line might be too long: let the record scanner measure each
	}
	lines, blank, cr := csvLines(d[p:end])
	s.record += int64(lines - blank)
	*pos = end
	return lines, cr, true
}

// csvLines counts the '\n'-terminated lines of b and, among them, the blank ones (LF or CRLF
// alone), and reports whether b holds a carriage return. It works on the bitmaps of b's line
// feeds and carriage returns (maskScanner): a line feed at p ends a blank line when the byte
// before it is a line feed, or a carriage return preceded by one; the start of b counts as a
// line feed. No branch per line: bytes.Index("\n\n") would cost a call per line, a byte loop a
// branch per byte.
func csvLines(b []byte) (lines, blank int, cr bool) {
	lines, blank, crs := countLines(b, 1<<63, 0) // a line feed at position -1
	return lines, blank, crs != 0
}

// countLines is csvLines' loop for text that follows other text: prevLF and prevCR are the
// bitmaps of the block before b (bit 63 its last byte). It returns the OR of b's bitmaps of
// carriage returns.
func countLines(b []byte, prevLF, prevCR uint64) (lines, blank int, crs uint64) {
	sc := newMaskScanner(b, '\n', '\r')
	for lfm, crm := sc.next(); lfm != nil; lfm, crm = sc.next() {
		for k, l := range lfm {
			c := crm[k]
			crs |= c
			l1 := l<<1 | prevLF>>63 // the byte before is a line feed
			c1 := c<<1 | prevCR>>63 // … a carriage return
			l2 := l<<2 | prevLF>>62 // the byte two before is a line feed
			lines += bits.OnesCount64(l)
			blank += bits.OnesCount64(l & (l1 | c1&l2))
			prevLF, prevCR = l, c
		}
	}
	return lines, blank, crs
}

// csvLinesQuotes is csvLines that also reports whether b holds a quote: with AVX-512 in one
// pass over the whole blocks (linesAVX512), the rest as csvLines does.
func csvLinesQuotes(b []byte) (lines, blank int, cr, quote bool) {
	nb := 0
	prevLF, prevCR := uint64(1)<<63, uint64(0) // a line feed at position -1
	var crs, qs uint64
	if useAVX512 && len(b) >= 64 {
		nb = len(b) / 64
		lines, blank, crs, qs, prevLF, prevCR = linesAVX512(unsafe.SliceData(b), nb, prevLF, prevCR)
	}
	rest := b[64*nb:]
	l, bl, rcrs := countLines(rest, prevLF, prevCR)
	return lines + l, blank + bl, crs|rcrs != 0, qs != 0 || bytes.IndexByte(rest, '"') >= 0
}

// CSVOptions configures CSV reading. The zero value reads without a header, with the defaults.
type CSVOptions struct {
	Header        bool // the first non-blank record names the columns
	ChunkSize     int  // bytes per division; 0 means DefaultChunkSize
	MaxRecordSize int  // longest record accepted, in bytes; 0 means DefaultMaxRecordSize
	// Pool, if set, provides the chunks' buffers; give each back with Chunk.Release once parsed.
	Pool *Pool
}

// DefaultCSVOptions returns the options of dataset_format {"csv":{}}: a header (the SDK's default,
// contract §3.1), 4 MiB chunks, 64 MiB records at most.
func DefaultCSVOptions() CSVOptions {
	return CSVOptions{Header: true, ChunkSize: DefaultChunkSize, MaxRecordSize: DefaultMaxRecordSize}
}

// Validate reports every invalid option at once.
func (o CSVOptions) Validate() error {
	var errs []error
	if o.ChunkSize < 0 {
		errs = append(errs, fmt.Errorf("csv options: chunk size %d is negative", o.ChunkSize))
	}
	if o.MaxRecordSize < 0 {
		errs = append(errs, fmt.Errorf("csv options: max record size %d is negative", o.MaxRecordSize))
	}
	return errors.Join(errs...)
}

// CSVSplitter cuts a CSV stream into chunks of whole records, aware of quoted line breaks.
type CSVSplitter struct {
	s    *splitter
	cols []string
}

// NewCSVSplitter prepares to split r (named file in errors). It drops a leading byte-order mark and
// reads the first non-blank record eagerly: with opts.Header it is consumed as the header, without
// a header it is only peeked to count the fields. Errors: invalid options, an I/O error, or an
// *Error in that first record (an unclosed quote, invalid UTF-8).
func NewCSVSplitter(file string, r io.Reader, opts CSVOptions) (*CSVSplitter, error) {
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("read %s: %w", file, err)
	}
	s := newSplitter(file, r, opts.ChunkSize, opts.MaxRecordSize, csvRecordEnd)
	s.plainCSV = true
	s.pool = opts.Pool
	s.dropBOM()
	// Skip blank lines up to the first record.
	pos := 0
	var end int
	for {
		e, blank, ok, err := s.nextRecord(pos)
		if err != nil {
			return nil, headerErr(err, opts.Header)
		}
		if !ok {
			if opts.Header {
				s.consume(pos)
			}
			return &CSVSplitter{s: s}, nil // empty input: no columns, no chunks
		}
		if !blank {
			end = e
			break
		}
		pos = e
	}
	p := csvParser{file: file, d: s.buf[pos:end], mem: memory.DefaultAllocator, collect: true}
	_, err := p.parse(s.lineAt(pos), 1, 1)
	if p.extra != nil {
		p.extra.release()
	}
	if err != nil {
		return nil, headerErr(err, opts.Header)
	}
	cs := &CSVSplitter{s: s}
	if opts.Header {
		cs.cols = headerNames(p.fields)
		s.consume(end)
	} else {
		cs.cols = make([]string, len(p.fields))
		for k := range cs.cols {
			cs.cols[k] = "_c" + strconv.Itoa(k)
		}
	}
	return cs, nil
}

// consume drops the first n bytes of the buffer (header and leading blank lines).
func (s *splitter) consume(n int) {
	s.line = s.lineAt(n)
	s.off += int64(n)
	s.buf = s.buf[n:]
}

// headerErr marks an error in the first record as a header error when there is a header.
func headerErr(err error, header bool) error {
	var e *Error
	if header && errors.As(err, &e) {
		e.Record = 0
		e.Msg = "header: " + e.Msg
	}
	return err
}

// headerNames applies Spark's header clean-up: an empty name becomes _c<i>; names that occur more
// than once, compared case-insensitively (spark.sql.caseSensitive=false), get their position
// appended. Positions are 0-based.
func headerNames(raw []string) []string {
	seen := make(map[string]int, len(raw))
	for _, v := range raw {
		if v != "" {
			seen[strings.ToLower(v)]++
		}
	}
	names := make([]string, len(raw))
	for k, v := range raw {
		switch {
		case v == "":
			names[k] = "_c" + strconv.Itoa(k)
		case seen[strings.ToLower(v)] > 1:
			names[k] = v + strconv.Itoa(k)
		default:
			names[k] = v
		}
	}
	return names
}

// Columns returns the column names: the header's, or _c0.._c<n-1> after the first record's field
// count without a header. An empty input has no columns.
func (c *CSVSplitter) Columns() []string { return c.cols }

// Next returns the next chunk, io.EOF after the last one.
func (c *CSVSplitter) Next() (Chunk, error) { return c.s.next() }

// csvRecordEnd is the CSV record scanner. It mirrors csvParser.parse exactly in where records end.
// Most lines hold no quote; for them the end is the next '\n' (found with bytes.IndexByte). Lines with
// a quote go through the full state machine.
func csvRecordEnd(d []byte, i int, atEOF bool) (end int, blank, more bool, err *scanError) {
	n := len(d)
	switch d[i] {
	case '\n':
		return i + 1, true, false, nil
	case '\r':
		if i+1 == n {
			if atEOF {
				return n, true, false, nil
			}
			return 0, false, true, nil
		}
		if d[i+1] == '\n' {
			return i + 2, true, false, nil
		}
	}
	nl := bytes.IndexByte(d[i:], '\n')
	line := d[i:]
	if nl >= 0 {
		line = line[:nl]
	}
	if bytes.IndexByte(line, '"') < 0 {
		if nl >= 0 {
			return i + nl + 1, false, false, nil
		}
		if atEOF {
			return n, false, false, nil
		}
		return 0, false, true, nil
	}
	return csvRecordEndSlow(d, i, atEOF)
}

// csvRecordEndSlow walks the fields of a record that contains a quote.
func csvRecordEndSlow(d []byte, i int, atEOF bool) (end int, blank, more bool, err *scanError) {
	n := len(d)
	field := 1
	for {
		if i < n && d[i] == '"' {
			q := i
			i++
		quoted:
			for {
				if i >= n {
					if atEOF {
						return 0, false, false, &scanError{pos: q, field: field,
							msg: "unbalanced quote: quoted field is not closed before the end of the file"}
					}
					return 0, false, true, nil
				}
				switch d[i] {
				case '\\':
					if i+1 >= n {
						i++ // unbalanced at EOF, or needs more
						continue
					}
					if d[i+1] == '"' || d[i+1] == '\\' {
						i += 2
					} else {
						i++
					}
				case '"':
					if i+1 >= n {
						if atEOF {
							return n, false, false, nil
						}
						return 0, false, true, nil
					}
					switch d[i+1] {
					case '"':
						i += 2
					case ',':
						i += 2
						field++
						break quoted
					case '\n':
						return i + 2, false, false, nil
					case '\r':
						if i+2 >= n {
							if atEOF {
								return n, false, false, nil
							}
							return 0, false, true, nil
						}
						if d[i+2] == '\n' {
							return i + 3, false, false, nil
						}
						i++ // stray: the quote is data, continue unquoted
						goto unquoted
					default:
						i++
						goto unquoted
					}
				default:
					// Skip to the next quote or backslash.
					j := bytes.IndexAny(d[i:], "\"\\")
					if j < 0 {
						i = n
					} else {
						i += j
					}
				}
			}
			continue
		}
	unquoted:
		for i < n && d[i] != ',' && d[i] != '\n' {
			i++
		}
		if i == n {
			if atEOF {
				return n, false, false, nil
			}
			return 0, false, true, nil
		}
		if d[i] == '\n' {
			return i + 1, false, false, nil
		}
		i++
		field++
	}
}
