package decode

import (
	"errors"
	"fmt"
	"io"
)

// SetRange restricts the splitter to the records whose first byte lies at a file offset in
// [start, end); end ≤ 0 means up to the end of the file. Offsets count every byte of the stream,
// as the chunk boundaries do (header and byte-order mark included).
//
// Records starting before start are skipped: scanned for their boundaries (quote-aware, so a
// quoted line break is never taken for a record end) and their lines counted, but not parsed.
// Next then cuts chunks by the usual rule, with end as a hard boundary, and returns io.EOF at the
// first record starting at or after end; SetRange may then be called again with the next range.
// Because the boundary rule depends only on file offsets, the chunks of a range are the same
// whether the splitter started at the beginning of the file and went through the earlier ranges,
// or was created for this range alone: sharded jobs rely on it (docs/sharding.md).
//
// Ranges must move forward. A start before the current position (a record of an earlier range
// reaches past it) skips nothing. The cost of a start deep in a file is one sequential read of
// the bytes before it, at scanning speed.
func (c *CSVSplitter) SetRange(start, end int64) error { return c.s.setRange(start, end) }

// SetRange restricts the splitter to a byte range, as CSVSplitter.SetRange does. Line boundaries
// are unambiguous, so skipping is a search for line ends.
func (l *LineSplitter) SetRange(start, end int64) error {
	if !l.started {
		l.started = true
		l.s.dropBOM()
	}
	return l.s.setRange(start, end)
}

func (s *splitter) setRange(start, end int64) error {
	if s.err != nil && !errors.Is(s.err, io.EOF) {
		return s.err
	}
	if end > 0 && end < start {
		return fmt.Errorf("read %s: range [%d, %d) ends before it starts", s.file, start, end)
	}
	s.err, s.end = nil, 0
	if err := s.skipTo(start); err != nil {
		s.err = err
		return err
	}
	s.end = end
	return nil
}

// skipTo consumes every record (and blank line) starting before offset to, about one chunk size
// at a time, counting lines and records so that later errors keep their true numbers.
func (s *splitter) skipTo(to int64) error {
	for s.off < to {
		lim := min(to, s.off+s.size)
		pos := 0
		s.fill(int(min(lim-s.off, DefaultMaxRecordSize)) + s.step)
		for s.off+int64(pos) < lim {
			if s.plainCSV {
				if _, _, ok := s.bulk(&pos, int(lim-s.off)); ok {
					continue
				}
			}
			end, blank, ok, err := s.nextRecord(pos)
			if err != nil {
				return err
			}
			if !ok {
				s.discard(pos)
				return nil // the input ends before to
			}
			pos = end
			if !blank {
				s.record++
			}
		}
		s.discard(pos)
	}
	return nil
}

// discard drops the first n buffered bytes, keeping the buffer's memory (no chunk aliases it).
func (s *splitter) discard(n int) {
	s.line = s.lineAt(n)
	s.off += int64(n)
	s.buf = append(s.buf[:0], s.buf[n:]...)
}
