package parquetfile

// Reading one column chunk: pages in order, levels and values streamed into batches of rows.
//
// Memory: the chunk's compressed bytes are read through one buffer of min(chunk size, 16 MiB),
// so a chunk up to 16 MiB costs one read (one request on S3) and a larger one is read 16 MiB at a
// time; plus one decompressed page and the levels and values of the rows asked for. Nothing is
// sized by a count read from the file without that count being checked against the bytes that
// hold it or against the column chunk's value count.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"unsafe"
)

// Allocator lends a column reader its large buffers (the column chunk's read buffer, decompressed
// pages, dictionary indices). Allocate returns a buffer of len n whose contents are undefined: the
// reader writes every byte before reading it. Free takes back a buffer from Allocate that the
// reader no longer reads (buffers that codecs grew with the Go allocator are never given to it).
// decode.Pool is one.
type Allocator interface {
	Allocate(n int) []byte
	Free(b []byte)
}

// goAlloc is the Allocator of a File without one: fresh Go memory, nothing recycled.
type goAlloc struct{}

func (goAlloc) Allocate(n int) []byte { return make([]byte, n) }
func (goAlloc) Free([]byte)           {}

// maxPageValues bounds the values (levels) one data page may declare: 2^26, far above what writers
// put in a page (parquet-mr and arrow-go cap pages at 20,000 rows and about 1 MiB).
const maxPageValues = 1 << 26

// maxChunkBuffer is the largest read of a column chunk (16 MiB).
const maxChunkBuffer = 16 << 20

// levelBlock is how many levels are decoded at a time for repeated columns.
const levelBlock = 4096

// Batch receives the levels and values of rows read from one column. Def and Rep hold one level per
// value slot (nil when the column's maximum level is 0); Values holds the non-null values, those
// whose definition level is the column's maximum.
type Batch struct {
	Def []int16
	Rep []int16
	// Defined counts the levels of Def at the column's maximum — the value slots — that
	// ColumnReader.Read added for a column that is not repeated; whoever empties Def sets it to 0.
	Defined int
	// Full counts levels at the column's maximum that ColumnReader.Read did not write to Def (a
	// column that is not repeated, while Def is empty: the levels of a column without nulls are
	// one run of the maximum per page, and writing them cost more than their counting). The
	// batch's levels are Full levels at the maximum, then Def's; a Full batch's Def is empty.
	Full int
	Values
}

// Reset empties b, keeping its storage.
func (b *Batch) Reset() {
	b.Def, b.Rep, b.Defined, b.Full = b.Def[:0], b.Rep[:0], 0, 0
	b.Values.Reset()
}

// levelDecoder is the RLE or BIT_PACKED decoder of one level stream of a page.
type levelDecoder struct {
	rle     rleDecoder
	packed  bitPackedLevels
	isRLE   bool
	scratch [levelBlock]int32
}

// skipMax consumes the next n levels and reports true when they are all max and in one RLE run
// already started or starting here; otherwise it consumes nothing (a run header read is kept).
func (l *levelDecoder) skipMax(n int, max int16) (bool, error) {
	if !l.isRLE {
		return false, nil
	}
	d := &l.rle
	if d.rleLeft == 0 && d.bitLeft == 0 {
		if err := d.nextRun(); err != nil {
			return false, err
		}
	}
	if d.rleLeft >= uint64(n) && d.rleValue == int32(max) {
		d.rleLeft -= uint64(n)
		return true, nil
	}
	return false, nil
}

// read fills dst with the next len(dst) levels and returns how many are max.
func (l *levelDecoder) read(dst []int16, max int16) (int, error) {
	if l.isRLE {
		return l.rle.levels(dst, max, l.scratch[:])
	}
	return l.packed.levels(dst, max)
}

// ColumnReader reads one column, row group by row group.
type ColumnReader struct {
	f      *File
	Node   *Node
	maxDef int16
	maxRep int16
	width  int // FIXED_LEN_BYTE_ARRAY width

	// KeepDictionary: BYTE_ARRAY values of dictionary-encoded pages of a column that is not
	// repeated are read as indices into the chunk's dictionary (Values.Dict and Index) while the
	// batch holds no other values. Set it before Seek.
	KeepDictionary bool

	meta       *ColumnMetaData
	src        chunkSource
	valuesLeft int64 // values (level slots) of the chunk not yet seen in a data page header
	dict       *Values
	started    bool // a data page was read from this chunk
	firstLevel bool // repeated columns: the chunk's first repetition level is still to be checked

	pageLeft int // level slots left in the current data page
	def, rep levelDecoder
	values   valueDecoder
	pageBuf  []byte   // decompressed page
	pageOwn  bool     // pageBuf came from mem
	dictIx   []int32  // dictionary indices, reused by the pages' decoders
	ix       *[]int32 // &dictIx, or the File's when its readers share scratch
	mem      Allocator

	// repeated columns: levels decoded ahead, pend[pendPos:] not yet returned
	pendDef, pendRep []int16
	pendPos          int
}

// NewColumnReader returns a reader of column col; call Seek before Read.
func (f *File) NewColumnReader(col int) *ColumnReader {
	n := f.Schema.Columns[col]
	mem := f.Buffers
	if mem == nil {
		mem = goAlloc{}
	}
	c := &ColumnReader{f: f, Node: n, maxDef: n.DefLevel, maxRep: n.RepLevel, width: int(n.TypeLength), mem: mem}
	c.src.mem = mem
	c.ix = &c.dictIx
	if f.Sequential {
		c.ix = &f.dictIx
	}
	return c
}

// Release returns the reader's buffers to the File's Buffers allocator. The reader must not be
// used afterwards. Nothing the reader returned points into these buffers: Read copies every value
// into the caller's Batch, and dictionaries live in memory of their own.
func (c *ColumnReader) Release() {
	c.src.release()
	if c.pageOwn {
		c.mem.Free(c.pageBuf)
	}
	c.mem.Free(int32Bytes(*c.ix))
	*c.ix = nil // readers sharing it allocate another should they be used again
	c.pageBuf, c.pageOwn, c.values, c.dict = nil, false, nil, nil
}

// int32Bytes is the storage of s as bytes, with its full capacity.
func int32Bytes(s []int32) []byte {
	if cap(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), 4*cap(s))[:4*len(s)]
}

// allocInt32 returns an []int32 of len n from mem (storage aligned as the Go allocator aligns it).
func allocInt32(mem Allocator, n int) []int32 {
	b := mem.Allocate(4 * n)
	return unsafe.Slice((*int32)(unsafe.Pointer(unsafe.SliceData(b))), cap(b)/4)[:n]
}

// Seek positions c at the start of the column's chunk in row group rg.
func (c *ColumnReader) Seek(rg int) error {
	m, start, end, err := c.f.chunk(rg, c.Node.Column)
	if err != nil {
		return err
	}
	c.meta = m
	c.src.reset(c.f.r, start, end)
	c.valuesLeft = m.NumValues
	c.dict, c.started, c.firstLevel = nil, false, true
	c.pageLeft, c.values = 0, nil
	c.pendDef, c.pendRep, c.pendPos = c.pendDef[:0], c.pendRep[:0], 0
	return nil
}

// Read appends the levels and values of the next n rows to b and returns how many rows it read:
// n, or fewer when the chunk ends.
func (c *ColumnReader) Read(n int, b *Batch) (int, error) {
	if c.maxRep > 0 {
		return c.readRepeated(n, b)
	}
	rows := 0
	for rows < n {
		if c.pageLeft == 0 {
			if err := c.nextDataPage(); err == io.EOF {
				break
			} else if err != nil {
				return rows, err
			}
			continue
		}
		k := min(n-rows, c.pageLeft)
		m := k
		if c.maxDef > 0 {
			full, err := false, error(nil)
			if len(b.Def) == 0 {
				full, err = c.def.skipMax(k, c.maxDef)
				if err != nil {
					return rows, fmt.Errorf("definition levels: %w", err)
				}
			}
			if full {
				b.Full += k
			} else {
				if b.Full > 0 { // a level below the maximum: write the levels skipped so far
					b.Def = grow(b.Def[:0], b.Full)
					fill(b.Def, c.maxDef)
					b.Full = 0
				}
				at := len(b.Def)
				b.Def = grow(b.Def, k)
				if m, err = c.def.read(b.Def[at:], c.maxDef); err != nil {
					return rows, fmt.Errorf("definition levels: %w", err)
				}
			}
			b.Defined += m
		}
		if err := c.decodeValues(&b.Values, m); err != nil {
			return rows, fmt.Errorf("values: %w", err)
		}
		c.pageLeft -= k
		rows += k
	}
	return rows, nil
}

// DictionaryChunk reports whether the column chunk Seek chose names a dictionary page in its
// metadata (its data pages are then dictionary-encoded, at least at first).
func (c *ColumnReader) DictionaryChunk() bool {
	return c.meta != nil && c.meta.HasDictionaryOffset && c.meta.DictionaryPageOffset > 0
}

// keep reports whether the page decoders keep dictionary indices (KeepDictionary).
func (c *ColumnReader) keep() bool { return c.KeepDictionary && c.maxRep == 0 }

// decodeValues appends the page's next m values to v, expanding v's dictionary indices first
// when the page cannot add to them.
func (c *ColumnReader) decodeValues(v *Values, m int) error {
	if v.Dict != nil {
		if d, ok := c.values.(*dictDecoder); !ok || !d.keeps(v) {
			if err := v.Expand(); err != nil {
				return err
			}
		}
	}
	return c.values.decode(v, m)
}

// readRepeated reads whole rows of a repeated column: a row starts at each repetition level 0.
func (c *ColumnReader) readRepeated(n int, b *Batch) (int, error) {
	rows := 0
	for {
		if c.pendPos == len(c.pendRep) {
			if c.pageLeft == 0 {
				if err := c.nextDataPage(); err == io.EOF {
					return rows, nil
				} else if err != nil {
					return rows, err
				}
				continue
			}
			k := min(c.pageLeft, levelBlock)
			c.pendDef, c.pendRep, c.pendPos = grow(c.pendDef[:0], k), grow(c.pendRep[:0], k), 0
			if _, err := c.rep.read(c.pendRep, c.maxRep); err != nil {
				return rows, fmt.Errorf("repetition levels: %w", err)
			}
			if c.maxDef > 0 {
				if _, err := c.def.read(c.pendDef, c.maxDef); err != nil {
					return rows, fmt.Errorf("definition levels: %w", err)
				}
			} else {
				clear(c.pendDef)
			}
			if c.firstLevel && c.pendRep[0] != 0 {
				return rows, errors.New("column chunk does not start a row (first repetition level is not 0)")
			}
			c.firstLevel = false
			c.pageLeft -= k
		}
		j := c.pendPos
		done := false
		for ; j < len(c.pendRep); j++ {
			if c.pendRep[j] == 0 {
				if rows == n {
					done = true
					break
				}
				rows++
			}
		}
		m := 0
		for _, d := range c.pendDef[c.pendPos:j] {
			if d == c.maxDef {
				m++
			}
		}
		b.Def = append(b.Def, c.pendDef[c.pendPos:j]...)
		b.Rep = append(b.Rep, c.pendRep[c.pendPos:j]...)
		if err := c.decodeValues(&b.Values, m); err != nil {
			return rows, fmt.Errorf("values: %w", err)
		}
		c.pendPos = j
		if done {
			return rows, nil
		}
	}
}

// grow extends s by n elements.
func grow[T any](s []T, n int) []T {
	if cap(s)-len(s) < n {
		t := make([]T, len(s), 2*cap(s)+n)
		copy(t, s)
		s = t
	}
	return s[:len(s)+n]
}

// nextDataPage reads page headers until a data page and prepares its decoders; io.EOF when the
// chunk has no more values.
func (c *ColumnReader) nextDataPage() error {
	for {
		if c.valuesLeft == 0 || c.src.left() == 0 {
			return io.EOF
		}
		d := thriftDecoder{r: &c.src, remain: c.src.left()}
		h, err := d.pageHeader()
		if err != nil {
			return fmt.Errorf("page header: %w", err)
		}
		if int64(h.CompressedSize) > c.src.left() {
			return fmt.Errorf("page of %d bytes in the %d bytes left of the column chunk", h.CompressedSize, c.src.left())
		}
		if h.UncompressedSize > maxPageSize || h.CompressedSize > maxPageSize {
			return fmt.Errorf("page of %d bytes (%d compressed), above the %d-byte limit", h.UncompressedSize, h.CompressedSize, maxPageSize)
		}
		body, err := c.src.body(int(h.CompressedSize))
		if err != nil {
			return err
		}
		switch h.Type {
		case DictionaryPage:
			if err := c.readDictionary(h, body); err != nil {
				return err
			}
		case DataPage:
			return c.startDataPageV1(h, body)
		case DataPageV2:
			return c.startDataPageV2(h, body)
		}
		// index pages and unknown page types are skipped
	}
}

func (c *ColumnReader) readDictionary(h *PageHeader, body []byte) error {
	if h.Dictionary == nil {
		return errors.New("dictionary page without its header")
	}
	if c.dict != nil || c.started {
		return errors.New("dictionary page after the first page of the column chunk")
	}
	if e := h.Dictionary.Encoding; e != Plain && e != PlainDictionary {
		return fmt.Errorf("dictionary page encoded %s", e)
	}
	data, err := c.decompress(c.meta.Codec, body, int(h.UncompressedSize))
	if err != nil {
		return fmt.Errorf("dictionary page: %w", err)
	}
	dict, err := decodeDictionary(c.Node.Type, c.width, data, int(h.Dictionary.NumValues))
	if err != nil {
		return err
	}
	c.dict = dict
	return nil
}

// checkValues checks a data page's value count against the chunk's and the page limit.
func (c *ColumnReader) checkValues(n int32) error {
	if n < 0 || n > maxPageValues {
		return fmt.Errorf("data page with %d values", n)
	}
	if int64(n) > c.valuesLeft {
		return fmt.Errorf("data page with %d values where the column chunk has %d left", n, c.valuesLeft)
	}
	c.valuesLeft -= int64(n)
	return nil
}

func (c *ColumnReader) startDataPageV1(h *PageHeader, body []byte) error {
	p := h.Data
	if p == nil {
		return errors.New("data page without its header")
	}
	if err := c.checkValues(p.NumValues); err != nil {
		return err
	}
	c.started = true
	data, err := c.decompress(c.meta.Codec, body, int(h.UncompressedSize))
	if err != nil {
		return fmt.Errorf("data page: %w", err)
	}
	n := int(p.NumValues)
	if c.maxRep > 0 {
		if data, err = c.rep.init(p.RepEncoding, data, c.maxRep, n, true); err != nil {
			return fmt.Errorf("repetition levels: %w", err)
		}
	}
	if c.maxDef > 0 {
		if data, err = c.def.init(p.DefEncoding, data, c.maxDef, n, true); err != nil {
			return fmt.Errorf("definition levels: %w", err)
		}
	}
	if c.values, err = newValueDecoder(p.Encoding, c.Node.Type, c.width, data, c.dict, c.ix, c.mem, c.keep()); err != nil {
		return fmt.Errorf("values: %w", err)
	}
	c.pageLeft = n
	return nil
}

func (c *ColumnReader) startDataPageV2(h *PageHeader, body []byte) error {
	p := h.DataV2
	if p == nil {
		return errors.New("data page v2 without its header")
	}
	if err := c.checkValues(p.NumValues); err != nil {
		return err
	}
	c.started = true
	if p.RepLength < 0 || p.DefLength < 0 || int64(p.RepLength)+int64(p.DefLength) > int64(len(body)) ||
		int64(p.RepLength)+int64(p.DefLength) > int64(h.UncompressedSize) {
		return fmt.Errorf("data page v2: level lengths %d and %d in a page of %d bytes", p.RepLength, p.DefLength, len(body))
	}
	repData := body[:p.RepLength]
	defData := body[p.RepLength : p.RepLength+p.DefLength]
	valData := body[p.RepLength+p.DefLength:]
	size := int(h.UncompressedSize - p.RepLength - p.DefLength)
	codec := c.meta.Codec
	if !p.IsCompressed {
		codec = Uncompressed
	}
	valData, err := c.decompress(codec, valData, size)
	if err != nil {
		return fmt.Errorf("data page v2: %w", err)
	}
	n := int(p.NumValues)
	if c.maxRep > 0 {
		if _, err := c.rep.init(RLE, repData, c.maxRep, n, false); err != nil {
			return fmt.Errorf("repetition levels: %w", err)
		}
	}
	if c.maxDef > 0 {
		if _, err := c.def.init(RLE, defData, c.maxDef, n, false); err != nil {
			return fmt.Errorf("definition levels: %w", err)
		}
	}
	if c.values, err = newValueDecoder(p.Encoding, c.Node.Type, c.width, valData, c.dict, c.ix, c.mem, c.keep()); err != nil {
		return fmt.Errorf("values: %w", err)
	}
	c.pageLeft = n
	return nil
}

// decompress decompresses a data page into the reader's page buffer, which it keeps for the
// next page (growing it from the allocator when the page does not fit).
func (c *ColumnReader) decompress(codec Codec, body []byte, size int) ([]byte, error) {
	if codec == Uncompressed {
		return decompress(codec, nil, body, size, c.mem)
	}
	data, err := decompress(codec, c.pageBuf, body, size, c.mem)
	if err != nil {
		return nil, err
	}
	if unsafe.SliceData(data) != unsafe.SliceData(c.pageBuf) { // replaced by a larger buffer
		if c.pageOwn {
			c.mem.Free(c.pageBuf)
		}
		// Block codecs decompress into a buffer from the allocator; stream codecs grow theirs
		// with the Go allocator, which the allocator did not lend.
		c.pageOwn = codec == Snappy || codec == LZ4 || codec == LZ4Raw
	}
	c.pageBuf = data
	return data, nil
}

// init prepares the decoder for n levels of at most max at the start of data and returns the
// data after them. prefixed: data page v1, where RLE levels carry a 4-byte length.
func (l *levelDecoder) init(enc Encoding, data []byte, max int16, n int, prefixed bool) ([]byte, error) {
	width := uint(bits.Len16(uint16(max)))
	switch enc {
	case RLE:
		l.isRLE = true
		if prefixed {
			if len(data) < 4 {
				return nil, errRLETruncated
			}
			size := binary.LittleEndian.Uint32(data)
			if uint64(size) > uint64(len(data)-4) {
				return nil, errRLETruncated
			}
			rest := data[4+size:]
			return rest, l.rle.reset(data[4:4+size], width)
		}
		return nil, l.rle.reset(data, width)
	case BitPacked:
		l.isRLE = false
		size := (uint64(n)*uint64(width) + 7) / 8
		if size > uint64(len(data)) {
			return nil, errRLETruncated
		}
		l.packed = bitPackedLevels{data: data[:size], width: width}
		return data[size:], nil
	}
	return nil, fmt.Errorf("level encoding %s", enc)
}

// chunkSource reads the bytes [off, end) of a file through a buffer.
type chunkSource struct {
	r       io.ReaderAt
	next    int64 // file offset of the byte after buf
	end     int64
	buf     []byte
	pos     int // read position in buf
	scratch []byte
	mem     Allocator
}

func (s *chunkSource) reset(r io.ReaderAt, start, end int64) {
	s.r, s.next, s.end = r, start, end
	size := int(min(end-start, maxChunkBuffer))
	if cap(s.buf) < size {
		s.mem.Free(s.buf)
		s.buf = s.mem.Allocate(size)
	}
	s.buf, s.pos = s.buf[:0], 0
}

// release returns the buffers to the allocator.
func (s *chunkSource) release() {
	if s.mem != nil {
		s.mem.Free(s.buf)
		s.mem.Free(s.scratch)
	}
	s.buf, s.scratch = nil, nil
}

// left is the number of bytes not yet read.
func (s *chunkSource) left() int64 { return s.end - s.next + int64(len(s.buf)-s.pos) }

func (s *chunkSource) fill() error {
	n := int(min(int64(cap(s.buf)), s.end-s.next))
	if n == 0 {
		return io.EOF
	}
	s.buf = s.buf[:n]
	m, err := s.r.ReadAt(s.buf, s.next)
	if m < n {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	s.next += int64(n)
	s.pos = 0
	return nil
}

// ReadByte implements io.ByteReader for the Thrift decoder.
func (s *chunkSource) ReadByte() (byte, error) {
	if s.pos == len(s.buf) {
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
	b := s.buf[s.pos]
	s.pos++
	return b, nil
}

// Read implements io.Reader for the Thrift decoder.
func (s *chunkSource) Read(p []byte) (int, error) {
	if s.pos == len(s.buf) {
		if err := s.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, s.buf[s.pos:])
	s.pos += n
	return n, nil
}

// body returns the next n bytes: a slice of the buffer when they are in it (valid until the next
// read), else a copy.
func (s *chunkSource) body(n int) ([]byte, error) {
	if int64(n) > s.left() {
		return nil, fmt.Errorf("page body of %d bytes beyond the end of the column chunk", n)
	}
	if len(s.buf)-s.pos >= n {
		b := s.buf[s.pos : s.pos+n]
		s.pos += n
		return b, nil
	}
	if cap(s.scratch) < n {
		s.mem.Free(s.scratch)
		s.scratch = s.mem.Allocate(n)
	}
	b := s.scratch[:n]
	k := copy(b, s.buf[s.pos:])
	s.pos = len(s.buf)
	if k < n {
		m, err := s.r.ReadAt(b[k:], s.next)
		if m < n-k {
			if err == nil || err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, err
		}
		s.next += int64(n - k)
	}
	return b, nil
}
