package decode

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/bits"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// pieceBytes is about how much of a plain chunk one batch of ParseCSVBatches holds: small enough
// that the batch's bytes, its separator positions and its columns stay in a core's L2 cache (1.25
// MiB on the machines of BENCHMARKS.md) from the separator scan through the column fill to the
// statistics that read the columns; a whole 4 MiB chunk went through each of those steps from L3
// (BENCHMARKS.md, "Batches of a quarter MiB").
const pieceBytes = 256 << 10

// pieceRows is the fewest lines a batch of ParseCSVBatches holds (the last of a chunk aside, if the
// chunk is shorter): every batch costs each column a few microseconds, which on wide data (1,000
// columns, 7 KB lines) would outweigh what the cache saves.
const pieceRows = 1024

// piece is where a batch of ParseCSVBatches ends in its chunk: the offset just past its last line
// break, and the line breaks and records of the chunk up to there.
type piece struct {
	end     int
	lines   int
	records int64
}

// ParseCSVBatches parses c as ParseCSV does and hands fn the same rows in order, in one or more
// record batches: a chunk the splitter saw without quotes or carriage returns is parsed in runs of
// whole lines of about 256 KiB (pieceBytes), each into a batch of its own. fn must not keep a batch
// (it is released when fn returns). Errors are ParseCSV's, numbered in the file as ParseCSV numbers
// them, and fn's, returned as they are; the batches before an error have been handed to fn.
func ParseCSVBatches(c Chunk, names []string, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	pieces := c.pieces
	if len(pieces) == 0 {
		// One batch: the chunk itself (lines -1: a hand-made chunk's are counted by ParseCSV).
		pieces = []piece{{end: len(c.Data), lines: c.lines - 1}}
	}
	start, lines, records := 0, 0, int64(0)
	for _, p := range pieces {
		pc := Chunk{File: c.File, Index: c.Index, Data: c.Data[start:p.end:p.end],
			FirstLine: c.FirstLine + int64(lines), FirstRecord: c.FirstRecord + records,
			lines: p.lines - lines + 1, plain: c.plain}
		rec, err := ParseCSV(pc, names, mem)
		if err != nil {
			return err
		}
		err = fn(rec)
		rec.Release()
		if err != nil {
			return err
		}
		start, lines, records = p.end, p.lines, p.records
	}
	return nil
}

// ParseCSV parses one chunk into a record batch with one nullable string column
// (arrow.BinaryTypes.String) per name, in the order given. The dialect is described in the package
// documentation. It returns arrow.RecordBatch (arrow-go v18.8's name; arrow.Record is its deprecated
// alias); the caller releases it. Buffers come from mem (nil means memory.DefaultAllocator). ParseCSV
// only reads c, so chunks may be parsed concurrently.
//
// Errors are *Error wrapping ErrBadInput: a record whose field count is not len(names), a quoted
// field left open at the end of the data (line where it opened), invalid UTF-8 (line, field and byte
// column). The end of c.Data is taken as the end of the file.
func ParseCSV(c Chunk, names []string, mem memory.Allocator) (arrow.RecordBatch, error) {
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	d := c.Data
	ncol := len(names)
	// Upper bound on records: every record but the last ends with '\n'.
	rows := c.Lines()
	if ncol > 0 && fastCSV && plainChunk(&c) {
		if rec, ok, err := parseFast(d, names, rows-1, mem); ok {
			return rec, err
		}
		// Not for the fast path after all (csvfast.go): the general parser reports why.
	}
	cols := make([]*strCol, ncol)
	per := len(d)/max(ncol, 1) + 16
	for k := range cols {
		cols[k] = newStrCol(mem, rows, per)
	}
	p := csvParser{file: c.File, d: d, cols: cols, mem: mem}
	for _, col := range cols {
		col.progress, col.total = &p.pos, len(d)
	}
	n, err := p.parse(firstOr1(c.FirstLine), firstOr1(c.FirstRecord), -1)
	if p.extra != nil {
		p.extra.release()
	}
	if err != nil {
		releaseCols(cols)
		return nil, err
	}
	rec, err := buildBatch(names, cols, n)
	releaseCols(cols)
	return rec, err
}

func firstOr1(v int64) int64 {
	if v < 1 {
		return 1
	}
	return v
}

// csvParser holds the state of one pass over a chunk.
type csvParser struct {
	file string
	d    []byte
	cols []*strCol
	mem  memory.Allocator

	extra   *strCol  // sink for fields beyond len(cols)
	collect bool     // keep extra fields in fields (header decoding)
	fields  []string // collected fields, "" for empty
	pos     int      // start of the record being parsed, for the columns' growth estimates
}

// parse reads records until the data ends or limit records were read (limit < 0: no limit). It
// returns the number of records read.
func (p *csvParser) parse(line, record int64, limit int) (int, error) {
	d := p.d
	n := len(d)
	ncol := len(p.cols)
	checkUTF8 := !utf8.Valid(d)
	rec := record - 1
	rows := 0
	i := 0
	for i < n && rows != limit {
		// Blank lines: LF, CRLF, or a CR ending the data.
		switch d[i] {
		case '\n':
			i++
			line++
			continue
		case '\r':
			if i+1 == n {
				i++
				continue
			}
			if d[i+1] == '\n' {
				i += 2
				line++
				continue
			}
		}
		rec++
		recStart, recLine := i, line
		p.pos = i
		field := 0
	fields:
		for {
			col := p.extra
			if field < ncol {
				col = p.cols[field]
			} else if col == nil {
				p.extra = newStrCol(p.mem, 8, 64)
				col = p.extra
			}
			fstart := i
			if i < n && d[i] == '"' {
				// Quoted field.
				qLine := line
				i++
				seg := i
				for {
					if i >= n {
						return rows, &Error{File: p.file, Line: qLine, Record: rec, Column: field + 1,
							Msg: "unbalanced quote: quoted field is not closed before the end of the file"}
					}
					ch := d[i]
					if ch != '"' {
						if ch == '\\' && i+1 < n && (d[i+1] == '"' || d[i+1] == '\\') {
							col.write(d[seg:i])
							seg = i + 1 // the escaped byte starts the next segment
							i += 2
							continue
						}
						if ch == '\n' {
							line++
						}
						i++
						continue
					}
					if i+1 < n && d[i+1] == '"' { // "" is a quote
						col.write(d[seg:i])
						seg = i + 1
						i += 2
						continue
					}
					col.write(d[seg:i])
					i++ // past the closing quote
					stray := false
					if i < n {
						switch d[i] {
						case ',', '\n':
						case '\r':
							stray = i+1 < n && d[i+1] != '\n'
						default:
							stray = true
						}
					}
					if stray {
						// A closing quote followed by other data: the quote is data and the rest
						// of the field is read unquoted (Spark STOP_AT_DELIMITER).
						j := i
						for j < n && d[j] != ',' && d[j] != '\n' {
							j++
						}
						e := j
						if (j == n || d[j] == '\n') && d[e-1] == '\r' {
							e--
						}
						col.write(d[i-1 : e])
						i = j
					}
					col.endCSV()
					if err := p.check(checkUTF8, fstart, i, recStart, recLine, rec, field); err != nil {
						return rows, err
					}
					break
				}
			} else {
				// Unquoted field: everything up to ',' or '\n', eight bytes at a time.
				j := i
				for j+8 <= n {
					w := binary.LittleEndian.Uint64(d[j:])
					if m := hasByte(w, ',') | hasByte(w, '\n'); m != 0 {
						j += bits.TrailingZeros64(m) >> 3
						goto found
					}
					j += 8
				}
				for j < n && d[j] != ',' && d[j] != '\n' {
					j++
				}
			found:
				e := j
				if e > i && d[e-1] == '\r' && (j == n || d[j] == '\n') {
					e--
				}
				if e == i {
					col.appendNull()
				} else if e-i <= 16 && i+16 <= n && len(col.data)-col.dn >= 16 && col.n+1 < len(col.offs) {
					// Short field: two unaligned 8-byte moves instead of a memmove call. The
					// bytes past the field are overwritten by the next value or cut off.
					dst := col.data[col.dn : col.dn+16]
					binary.LittleEndian.PutUint64(dst, binary.LittleEndian.Uint64(d[i:]))
					binary.LittleEndian.PutUint64(dst[8:], binary.LittleEndian.Uint64(d[i+8:]))
					col.dn += e - i
					col.valid[col.n>>3] |= 1 << (col.n & 7)
					col.n++
					col.setEnd()
				} else {
					col.appendValue(d[i:e])
				}
				if checkUTF8 {
					if err := p.check(true, fstart, j, recStart, recLine, rec, field); err != nil {
						return rows, err
					}
				}
				i = j
			}
			if col == p.extra {
				if p.collect {
					p.fields = append(p.fields, string(col.data[col.offs[col.n-1]:col.dn]))
				}
				col.n, col.dn, col.nulls = 0, 0, 0
				col.valid[0] = 0
			}
			field++
			if i >= n {
				break
			}
			switch d[i] {
			case ',':
				i++
				continue
			case '\n':
				i++
				line++
				break fields
			default: // CRLF or a CR ending the data, after a quoted field
				i++
				if i < n {
					i++
					line++
				}
				break fields
			}
		}
		if field != ncol && !p.collect {
			return rows, &Error{File: p.file, Line: recLine, Record: rec,
				Msg: fmt.Sprintf("expected %d fields, found %d", ncol, field)}
		}
		rows++
	}
	return rows, nil
}

// hasByte returns a word with the high bit set in the lowest byte of w equal to c, and possibly in
// higher bytes (borrows propagate upwards only, so the lowest set bit is exact).
func hasByte(w uint64, c byte) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	x := w ^ (ones * uint64(c))
	return (x - ones) &^ x & highs
}

// check reports invalid UTF-8 in the raw field bytes d[from:to] when the chunk is not valid UTF-8.
func (p *csvParser) check(on bool, from, to, recStart int, recLine, rec int64, field int) error {
	if !on {
		return nil
	}
	bad := invalidUTF8At(p.d[from:to])
	if bad < 0 {
		return nil
	}
	pos := from + bad
	line := recLine + int64(bytes.Count(p.d[recStart:pos], []byte{'\n'}))
	lineStart := bytes.LastIndexByte(p.d[:pos], '\n') + 1
	return &Error{File: p.file, Line: line, Record: rec, Column: field + 1,
		Msg: fmt.Sprintf("invalid UTF-8 at byte column %d", pos-lineStart+1)}
}

// invalidUTF8At returns the index of the first byte of b that is not part of a valid UTF-8
// sequence, or -1.
func invalidUTF8At(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}
