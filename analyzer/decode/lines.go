package decode

import (
	"bytes"
	"io"
)

// LineSplitter cuts a stream into chunks of whole lines ('\n'-terminated; the last line may lack
// the terminator) with the same boundary rule as CSVSplitter. A byte-order mark at the start of the
// stream is dropped. Lines holding only JSON whitespace (space, tab, CR) are blank: they are not
// records, and the blank lines of a division without records go with the next chunk.
type LineSplitter struct {
	s       *splitter
	started bool
}

// NewLineSplitter prepares to split r (named file in errors) into chunks of about chunkSize bytes;
// chunkSize <= 0 means DefaultChunkSize. With a pool (may be nil) the chunks' buffers come from it;
// give each back with Chunk.Release once parsed. It does no I/O; read errors come from Next.
func NewLineSplitter(file string, r io.Reader, chunkSize int, pool *Pool) *LineSplitter {
	s := newSplitter(file, r, chunkSize, DefaultMaxRecordSize, lineEnd)
	s.pool = pool
	s.oneLine = true
	return &LineSplitter{s: s}
}

// Next returns the next chunk, io.EOF after the last one.
func (l *LineSplitter) Next() (Chunk, error) {
	if !l.started {
		l.started = true
		l.s.dropBOM()
	}
	return l.s.next()
}

// lineEnd is the line scanner: a record ends after the next '\n' or at the end of the file.
func lineEnd(d []byte, i int, atEOF bool) (end int, blank, more bool, err *scanError) {
	nl := bytes.IndexByte(d[i:], '\n')
	if nl < 0 {
		if !atEOF {
			return 0, false, true, nil
		}
		return len(d), isBlankLine(d[i:]), false, nil
	}
	return i + nl + 1, isBlankLine(d[i : i+nl]), false, nil
}

// isBlankLine reports whether b holds only JSON whitespace other than '\n'.
func isBlankLine(b []byte) bool {
	for _, c := range b {
		if c != ' ' && c != '\t' && c != '\r' {
			return false
		}
	}
	return true
}
