package parquetfile

// Value encodings of data pages (Encodings.md). Each decoder streams: decode(v, n) appends the
// next n values and fails, never panics, when the page holds fewer.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"unsafe"

	"github.com/driftwatch/driftwatch/internal/ints"
)

// Values holds decoded values of one physical type, appended in file order. Only the slice of the
// column's type is used.
type Values struct {
	Bool   []bool    // BOOLEAN
	Int32  []int32   // INT32
	Int64  []int64   // INT64
	Float  []float32 // FLOAT
	Double []float64 // DOUBLE
	// BYTE_ARRAY: value i is Bytes[Offsets[i]:Offsets[i+1]], Offsets[0] == 0. FIXED_LEN_BYTE_ARRAY
	// and INT96 (12 bytes: nanoseconds of the day, little-endian int64, then the Julian day,
	// little-endian int32): value i is Bytes[i*w:(i+1)*w].
	Offsets []int32
	Bytes   []byte
	// Dict and Index hold BYTE_ARRAY, INT32, INT64, FLOAT or DOUBLE values as indices into the
	// column chunk's dictionary (ColumnReader.KeepDictionary): value i is Dict's value Index[i],
	// every index checked, and the slice of the type is empty. Dict is nil otherwise; a Values
	// with Dict set is only appended to by the decoder of pages of that dictionary (others
	// Expand it first).
	Dict     *Values
	Index    []int32
	dictType Type
	Len      int // number of values
}

// Reset empties v, keeping its storage.
func (v *Values) Reset() {
	v.Bool, v.Int32, v.Int64, v.Float, v.Double = v.Bool[:0], v.Int32[:0], v.Int64[:0], v.Float[:0], v.Double[:0]
	v.Offsets, v.Bytes, v.Len = v.Offsets[:0], v.Bytes[:0], 0
	v.Dict, v.Index = nil, v.Index[:0]
}

// Expand turns values kept as dictionary indices (Dict set) into values of their own in Offsets
// and Bytes; it does nothing to other values.
func (v *Values) Expand() error {
	if v.Dict == nil {
		return nil
	}
	d := &dictDecoder{t: v.dictType, dict: v.Dict}
	ix := v.Index
	v.Dict, v.Index, v.Len = nil, ix[:0], 0
	return d.gatherValues(v, ix)
}

// appendBytes appends one BYTE_ARRAY value.
func (v *Values) appendBytes(b []byte) error {
	if len(v.Offsets) == 0 {
		v.Offsets = append(v.Offsets, 0)
	}
	if len(v.Bytes)+len(b) > math.MaxInt32 {
		return errors.New("more than 2 GiB of BYTE_ARRAY data in one batch")
	}
	v.Bytes = append(v.Bytes, b...)
	v.Offsets = append(v.Offsets, int32(len(v.Bytes)))
	return nil
}

// reserve makes room for n more values of type t (and bytes more BYTE_ARRAY or fixed-size bytes),
// so that decoding appends without growing the slices value by value.
func (v *Values) reserve(t Type, n, bytes int) {
	switch t {
	case Boolean:
		v.Bool = slices.Grow(v.Bool, n)
	case Int32:
		v.Int32 = slices.Grow(v.Int32, n)
	case Int64:
		v.Int64 = slices.Grow(v.Int64, n)
	case Float:
		v.Float = slices.Grow(v.Float, n)
	case Double:
		v.Double = slices.Grow(v.Double, n)
	case ByteArray:
		if len(v.Offsets) == 0 {
			v.Offsets = append(v.Offsets, 0)
		}
		v.Offsets = slices.Grow(v.Offsets, n)
		v.Bytes = slices.Grow(v.Bytes, bytes)
	default:
		v.Bytes = slices.Grow(v.Bytes, bytes)
	}
}

// valueDecoder appends the next n values of a page to v.
type valueDecoder interface {
	decode(v *Values, n int) error
}

var errValuesTruncated = errors.New("page holds fewer values than its levels need")

// valueSize is the width in bytes of a fixed-width physical type (FIXED_LEN_BYTE_ARRAY: width).
func valueSize(t Type, width int) int {
	switch t {
	case Int32, Float:
		return 4
	case Int64, Double:
		return 8
	case Int96:
		return 12
	case FixedLenByteArray:
		return width
	}
	return 0
}

// newValueDecoder returns the decoder for a data page's values section. ix is the column
// reader's buffer of dictionary indices, reused from page to page.
//
// With keep, a dictionary decoder of BYTE_ARRAY values appends indices (Values.Dict, Index)
// where it can.
func newValueDecoder(enc Encoding, t Type, width int, data []byte, dict *Values, ix *[]int32, mem Allocator, keep bool) (valueDecoder, error) {
	switch enc {
	case Plain:
		return &plainDecoder{t: t, width: width, data: data}, nil
	case PlainDictionary, RLEDictionary:
		if dict == nil {
			return nil, errors.New("dictionary-encoded page without a dictionary page")
		}
		if len(data) == 0 {
			return nil, errValuesTruncated
		}
		keep = keep && (t == ByteArray || t == Int32 || t == Int64 || t == Float || t == Double)
		d := &dictDecoder{t: t, width: width, dict: dict, ix: ix, mem: mem, keep: keep}
		if err := d.idx.reset(data[1:], uint(data[0])); err != nil {
			return nil, err
		}
		return d, nil
	case RLE:
		if t != Boolean {
			return nil, fmt.Errorf("RLE encoding for %s values", t)
		}
		if len(data) < 4 {
			return nil, errValuesTruncated
		}
		n := binary.LittleEndian.Uint32(data)
		if uint64(n) > uint64(len(data)-4) {
			return nil, errValuesTruncated
		}
		d := &rleBoolDecoder{}
		return d, d.rle.reset(data[4:4+n], 1)
	case DeltaBinaryPacked:
		if t != Int32 && t != Int64 {
			return nil, fmt.Errorf("DELTA_BINARY_PACKED encoding for %s values", t)
		}
		d := &deltaIntDecoder{t: t}
		return d, d.delta.init(data)
	case DeltaLengthByteArray:
		if t != ByteArray {
			return nil, fmt.Errorf("DELTA_LENGTH_BYTE_ARRAY encoding for %s values", t)
		}
		return newDeltaLengthDecoder(data)
	case DeltaByteArray:
		if t != ByteArray && t != FixedLenByteArray {
			return nil, fmt.Errorf("DELTA_BYTE_ARRAY encoding for %s values", t)
		}
		return newDeltaByteArrayDecoder(t, width, data)
	case ByteStreamSplit:
		size := valueSize(t, width)
		if size == 0 || t == Int96 {
			return nil, fmt.Errorf("BYTE_STREAM_SPLIT encoding for %s values", t)
		}
		if len(data)%size != 0 {
			return nil, fmt.Errorf("BYTE_STREAM_SPLIT data of %d bytes is not a multiple of %d", len(data), size)
		}
		return &byteStreamSplitDecoder{t: t, size: size, data: data, count: len(data) / size}, nil
	}
	return nil, fmt.Errorf("encoding %s is not supported for data pages", enc)
}

// ---- PLAIN ----

type plainDecoder struct {
	t     Type
	width int
	data  []byte
	pos   int    // next byte
	bit   uint64 // BOOLEAN: next bit
}

func (p *plainDecoder) need(n, size int) ([]byte, error) {
	if size > 0 && n > (len(p.data)-p.pos)/size {
		return nil, errValuesTruncated
	}
	b := p.data[p.pos : p.pos+n*size]
	p.pos += n * size
	return b, nil
}

func (p *plainDecoder) decode(v *Values, n int) error {
	if p.t == ByteArray {
		return p.byteArrays(v, n)
	}
	v.reserve(p.t, n, n*valueSize(p.t, p.width))
	var err error
	switch p.t {
	case Boolean:
		if uint64(n) > uint64(len(p.data))*8-p.bit {
			return errValuesTruncated
		}
		at := len(v.Bool)
		v.Bool = v.Bool[:at+n] // reserved above
		unpackBools(v.Bool[at:], p.data, p.bit)
		p.bit += uint64(n)
	case Int32:
		err = plainFixed(p, &v.Int32, n, func(b []byte) int32 { return int32(binary.LittleEndian.Uint32(b)) })
	case Int64:
		err = plainFixed(p, &v.Int64, n, func(b []byte) int64 { return int64(binary.LittleEndian.Uint64(b)) })
	case Float:
		err = plainFixed(p, &v.Float, n, func(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) })
	case Double:
		err = plainFixed(p, &v.Double, n, func(b []byte) float64 { return math.Float64frombits(binary.LittleEndian.Uint64(b)) })
	case Int96, FixedLenByteArray:
		size := valueSize(p.t, p.width)
		if size <= 0 {
			return fmt.Errorf("FIXED_LEN_BYTE_ARRAY of width %d", size)
		}
		b, err := p.need(n, size)
		if err != nil {
			return err
		}
		v.Bytes = append(v.Bytes, b...)
	default:
		return fmt.Errorf("physical type %s", p.t)
	}
	if err != nil {
		return err
	}
	v.Len += n
	return nil
}

// maxBatchBytes bounds the BYTE_ARRAY bytes of one batch: offsets are int32, and 16 bytes of
// slack past the values must stay addressable by them.
const maxBatchBytes = math.MaxInt32 - 16

// byteArrays is decode for PLAIN BYTE_ARRAY values, in one pass that checks, moves and counts
// them. plainShort moves at most as many values as the storage has 16 bytes for (and 16 of
// slack); a longer value, or too little room, takes the checked path, which grows the storage
// for the values left at the mean length so far and an eighth more (an estimate never past the
// page's bytes left, so that one long value cannot reserve for thousands), by at least a quarter
// and 4 KiB, and never past maxBatchBytes. On an error the batch and the decoder are as they
// were: bs and offs are local until the end, and the position and the offsets' length are put
// back.
func (p *plainDecoder) byteArrays(v *Values, n int) error {
	pos0, offs0 := p.pos, len(v.Offsets)
	fail := func(err error) error {
		p.pos, v.Offsets = pos0, v.Offsets[:offs0]
		return err
	}
	v.reserve(ByteArray, n, 0)
	bs, at, offs := v.Bytes[:min(cap(v.Bytes), maxBatchBytes+16)], len(v.Bytes), v.Offsets
	at0, base := at, len(offs)
	offs = offs[:base+n] // reserved above
	for i := 0; i < n; {
		if m := min(n-i, (len(bs)-at-16)/16); m > 0 {
			if k, a, pos := plainShort(unsafe.SliceData(bs), at, unsafe.SliceData(p.data), p.pos, len(p.data), &offs[base+i], m); k > 0 {
				i, at, p.pos = i+k, a, pos
				continue
			}
		}
		if len(p.data)-p.pos < 4 {
			return fail(errValuesTruncated)
		}
		l := int(binary.LittleEndian.Uint32(p.data[p.pos:]))
		if uint64(l) > uint64(len(p.data)-p.pos-4) {
			return fail(errValuesTruncated)
		}
		if l > maxBatchBytes-at { // (at+l may not fit an int on 32 bits)
			return fail(errors.New("more than 2 GiB of BYTE_ARRAY data in one batch"))
		}
		if at+l+16 > len(bs) {
			mean := l
			if i > 0 {
				mean = (at - at0) / i
			}
			// Sizes past at+l are clamped first to what the batch may still take, so that no
			// sum overflows an int on 32 bits.
			room := maxBatchBytes - (at + l)
			left := min(len(p.data)-p.pos-4-l, room) // the page's bytes after this value
			more := min(n-i-1, left/4)               // values that can follow on this page
			est := left
			if mean > 0 && more <= left/mean {
				est = min(more*mean+more*mean/8, left)
			}
			// The estimate never passes the page; the quarter more (geometric growth, so that a
			// batch over many pages is copied O(1) times per byte) and 4 KiB may.
			want := max(at+l+16+est, len(bs)+min(len(bs)/4, maxBatchBytes+16-len(bs)), 4096)
			grown := make([]byte, want)
			copy(grown, bs[:at])
			bs = grown
		}
		p.pos += 4
		at = putBytes(bs, at, p.data, p.pos, p.pos+l)
		offs[base+i] = int32(at)
		p.pos += l
		i++
	}
	v.Bytes, v.Offsets = bs[:at], offs
	v.Len += n
	return nil
}

// boolBytes[b] is byte b's eight bits as eight bools, bit 0 first, in one little-endian word.
var boolBytes = func() (t [256]uint64) {
	for b := range t {
		for i := range 8 {
			t[b] |= uint64(b>>i&1) << (8 * i)
		}
	}
	return t
}()

// unpackBools sets out[j] to bit (bit + j) of src, bits numbered from each byte's least
// significant one (Parquet's bit-packed booleans). The caller checked that src holds them. Whole
// bytes become eight bools with one table load and one 8-byte store.
func unpackBools(out []bool, src []byte, bit uint64) {
	j := 0
	for ; j < len(out) && bit%8 != 0; j++ {
		out[j] = src[bit/8]>>(bit%8)&1 == 1
		bit++
	}
	if rest := len(out) - j; rest >= 8 {
		bytes := unsafe.Slice((*byte)(unsafe.Pointer(&out[j])), rest) // a bool is one byte, 0 or 1
		for k, b := range src[bit/8 : bit/8+uint64(rest/8)] {
			binary.LittleEndian.PutUint64(bytes[8*k:], boolBytes[b])
		}
		j += rest &^ 7
		bit += uint64(rest &^ 7)
	}
	for ; j < len(out); j++ {
		out[j] = src[bit/8]>>(bit%8)&1 == 1
		bit++
	}
}

// plainFixed is plainDecoder.decode for a fixed-width type: the next n values, reserved in out
// (one of the batch's slices) by the caller, copied as one block where the machine is little-endian, else
// converted one by one by le.
func plainFixed[T int32 | int64 | float32 | float64](p *plainDecoder, out *[]T, n int, le func([]byte) T) error {
	size := int(unsafe.Sizeof(T(0)))
	b, err := p.need(n, size)
	if err != nil {
		return err
	}
	at := len(*out)
	*out = (*out)[:at+n] // reserved by decode
	if dst := (*out)[at:]; !copyLE(dst, b) {
		for j := range dst {
			dst[j] = le(b[size*j:])
		}
	}
	return nil
}

// plainShort is the PLAIN BYTE_ARRAY loop for values of at most 16 bytes: from src at pos (a
// value's length, then its bytes), while 20 bytes are readable before end, it moves each value
// with one 16-byte load and store to dst at at and writes its end offset to offs[0], offs[1], …
// (at most m values). It returns how many values it moved and the new at and pos; it stops at a
// longer value. Its reads stay in the page (20 bytes from pos, a length of at most 16); the
// caller bounds m so that its 16-byte stores stay in dst. With pointers, the loop keeps its
// state in registers.
func plainShort(dst *byte, at int, src *byte, pos, end int, offs *int32, m int) (k, _, _ int) {
	d, s, o := unsafe.Pointer(dst), unsafe.Pointer(src), unsafe.Pointer(offs)
	for ; k < m && pos+20 <= end; k++ {
		l := int(binary.LittleEndian.Uint32((*[4]byte)(unsafe.Add(s, pos))[:]))
		if l > 16 {
			break
		}
		*(*[16]byte)(unsafe.Add(d, at)) = *(*[16]byte)(unsafe.Add(s, pos+4))
		at += l
		pos += 4 + l
		*(*int32)(unsafe.Add(o, 4*k)) = int32(at)
	}
	return k, at, pos
}

// putBytes copies src[s:e] into dst (sliced to its capacity) at at and returns at + e - s. A value
// of up to 16 bytes moves as one 16-byte load and store when src has 16 bytes from s and dst
// from at (the bytes past the value in dst are scratch): a copy call per short value was most of
// the cost of BYTE_ARRAY columns.
func putBytes(dst []byte, at int, src []byte, s, e int) int {
	if l := e - s; l <= 16 && s+16 <= len(src) && at+16 <= len(dst) {
		*(*[16]byte)(dst[at:]) = *(*[16]byte)(src[s:])
		return at + l
	}
	return at + copy(dst[at:], src[s:e])
}

// decodeDictionary decodes a dictionary page: n PLAIN values.
func decodeDictionary(t Type, width int, data []byte, n int) (*Values, error) {
	if n < 0 {
		return nil, fmt.Errorf("dictionary with %d values", n)
	}
	// Every value takes at least a bit (BOOLEAN), 4 bytes (BYTE_ARRAY) or its size: a count the
	// data cannot hold is refused before anything is allocated.
	minBits := uint64(8 * valueSize(t, width))
	switch t {
	case Boolean:
		minBits = 1
	case ByteArray:
		minBits = 8 * 4 // the length prefix
	}
	if uint64(n)*minBits > uint64(len(data))*8 {
		return nil, fmt.Errorf("dictionary of %d values in %d bytes", n, len(data))
	}
	v := &Values{}
	if err := (&plainDecoder{t: t, width: width, data: data}).decode(v, n); err != nil {
		return nil, fmt.Errorf("dictionary page: %w", err)
	}
	return v, nil
}

// ---- dictionary indices ----

type dictDecoder struct {
	t     Type
	width int
	dict  *Values
	idx   rleDecoder
	ix    *[]int32 // indices of the values being decoded (the column reader's buffer)
	mem   Allocator
	// keep: append the indices to Values.Index (Dict d.dict) when the Values hold no other
	// values.
	keep bool
}

// keeps reports whether d appends to v as indices.
func (d *dictDecoder) keeps(v *Values) bool {
	return d.keep && (v.Dict == d.dict || (v.Dict == nil && v.Len == 0))
}

// decodeIndex appends n indices to v.Index, each checked against the dictionary.
func (d *dictDecoder) decodeIndex(v *Values, n int) error {
	at := len(v.Index)
	v.Index = slices.Grow(v.Index, n)[:at+n]
	ix := v.Index[at:]
	if err := d.idx.int32s(ix); err != nil {
		v.Index = v.Index[:at]
		return err
	}
	// One unsigned maximum instead of a test per index; a negative index is above every length.
	if top := ints.MaxUnsigned(ix); n > 0 && top >= uint32(d.dict.Len) {
		v.Index = v.Index[:at]
		return fmt.Errorf("dictionary index %d out of range (dictionary of %d values)", int32(top), d.dict.Len)
	}
	v.Dict, v.dictType = d.dict, d.t
	v.Len += n
	return nil
}

// gather appends dict[i] for each index i of ix to dst, checking every index.
func gather[T any](dst, dict []T, ix []int32) ([]T, error) {
	at := len(dst)
	dst = slices.Grow(dst, len(ix))
	out := dst[at : at+len(ix)]
	for j, i := range ix {
		if uint32(i) >= uint32(len(dict)) {
			return dst[:at], fmt.Errorf("dictionary index %d out of range (dictionary of %d values)", i, len(dict))
		}
		out[j] = dict[i]
	}
	return dst[:at+len(ix)], nil
}

func (d *dictDecoder) decode(v *Values, n int) error {
	if d.keeps(v) {
		return d.decodeIndex(v, n)
	}
	if err := v.Expand(); err != nil {
		return err
	}
	if cap(*d.ix) < n {
		d.mem.Free(int32Bytes(*d.ix))
		*d.ix = allocInt32(d.mem, n)
	}
	ix := (*d.ix)[:n]
	if err := d.idx.int32s(ix); err != nil {
		return err
	}
	return d.gatherValues(v, ix)
}

// gatherValues appends the dictionary's values of indices ix, checking every index.
func (d *dictDecoder) gatherValues(v *Values, ix []int32) error {
	n := len(ix)
	var err error
	switch d.t {
	case Boolean:
		v.Bool, err = gather(v.Bool, d.dict.Bool, ix)
	case Int32:
		v.Int32, err = gather(v.Int32, d.dict.Int32, ix)
	case Int64:
		v.Int64, err = gather(v.Int64, d.dict.Int64, ix)
	case Float:
		v.Float, err = gather(v.Float, d.dict.Float, ix)
	case Double:
		v.Double, err = gather(v.Double, d.dict.Double, ix)
	default:
		return d.decodeBytes(v, ix)
	}
	if err != nil {
		return err
	}
	v.Len += n
	return nil
}

// decodeBytes appends the BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY or INT96 values of indices ix.
func (d *dictDecoder) decodeBytes(v *Values, ix []int32) error {
	n := len(ix)
	size := valueSize(d.t, d.width)
	bytes := n * size
	if d.t == ByteArray {
		bytes = 0
	}
	for _, i := range ix {
		if i < 0 || int(i) >= d.dict.Len {
			return fmt.Errorf("dictionary index %d out of range (dictionary of %d values)", i, d.dict.Len)
		}
		if d.t == ByteArray {
			bytes += int(d.dict.Offsets[i+1] - d.dict.Offsets[i])
		}
	}
	if len(v.Bytes)+bytes > math.MaxInt32 {
		return errors.New("more than 2 GiB of BYTE_ARRAY data in one batch")
	}
	v.reserve(d.t, n, bytes+16) // 16 bytes of slack for putBytes
	switch d.t {
	case Int96, FixedLenByteArray:
		for _, i := range ix {
			v.Bytes = append(v.Bytes, d.dict.Bytes[int(i)*size:int(i+1)*size]...)
		}
	case ByteArray:
		offs := d.dict.Offsets
		bs, at, vo := v.Bytes[:cap(v.Bytes)], len(v.Bytes), v.Offsets
		for _, i := range ix {
			at = putBytes(bs, at, d.dict.Bytes, int(offs[i]), int(offs[i+1]))
			vo = append(vo, int32(at))
		}
		v.Bytes, v.Offsets = bs[:at], vo
	}
	v.Len += n
	return nil
}

// ---- RLE booleans ----

type rleBoolDecoder struct {
	rle     rleDecoder
	scratch [512]int32
}

func (d *rleBoolDecoder) decode(v *Values, n int) error {
	for n > 0 {
		k := min(n, len(d.scratch))
		if err := d.rle.int32s(d.scratch[:k]); err != nil {
			return err
		}
		for _, b := range d.scratch[:k] {
			v.Bool = append(v.Bool, b == 1)
		}
		v.Len += k
		n -= k
	}
	return nil
}

// ---- DELTA_BINARY_PACKED ----
//
//	header   block size in values:uvarint, miniblocks per block:uvarint, total values:uvarint,
//	         first value:zigzag varint
//	block    min delta:zigzag varint, one bit-width byte per miniblock, then the miniblocks: each
//	         (block size / miniblocks) deltas minus min delta, bit-packed LSB first at its width
//	value[i] = value[i-1] + min delta + packed delta, in wrapping 64-bit arithmetic (INT32 columns
//	keep the low 32 bits). Miniblocks after the last value are absent from the data.

// maxDeltaBlock bounds a DELTA_BINARY_PACKED block (writers use 128 or 1024 values).
const maxDeltaBlock = 1 << 16

type deltaBinaryPacked struct {
	data      []byte
	pos       int
	perBlock  uint64
	minis     uint64
	perMini   uint64
	total     uint64 // values in the encoded stream
	emitted   uint64
	last      uint64
	minDelta  uint64
	widths    []byte
	mini      uint64   // index of the next miniblock in the block
	buf       []uint64 // deltas of the current miniblock
	bufPos    int
	blockOpen bool
}

func (d *deltaBinaryPacked) uvarint() (uint64, error) {
	v, n := binary.Uvarint(d.data[d.pos:])
	if n <= 0 {
		return 0, errors.New("DELTA_BINARY_PACKED: bad varint")
	}
	d.pos += n
	return v, nil
}

func (d *deltaBinaryPacked) init(data []byte) error {
	*d = deltaBinaryPacked{data: data, widths: d.widths[:0], buf: d.buf[:0]}
	var err error
	if d.perBlock, err = d.uvarint(); err != nil {
		return err
	}
	if d.minis, err = d.uvarint(); err != nil {
		return err
	}
	if d.total, err = d.uvarint(); err != nil {
		return err
	}
	first, err := d.uvarint()
	if err != nil {
		return err
	}
	if d.perBlock == 0 || d.perBlock > maxDeltaBlock || d.minis == 0 || d.perBlock%d.minis != 0 || (d.perBlock/d.minis)%8 != 0 {
		return fmt.Errorf("DELTA_BINARY_PACKED: block of %d values in %d miniblocks", d.perBlock, d.minis)
	}
	if d.total > maxPageValues {
		return fmt.Errorf("DELTA_BINARY_PACKED: %d values in one page", d.total)
	}
	d.perMini = d.perBlock / d.minis
	d.last = uint64(int64(first>>1) ^ -int64(first&1))
	return nil
}

// next returns the next value.
func (d *deltaBinaryPacked) next() (uint64, error) {
	if d.emitted >= d.total {
		return 0, errValuesTruncated
	}
	if d.emitted == 0 {
		d.emitted++
		return d.last, nil
	}
	if d.bufPos >= len(d.buf) {
		if err := d.loadMiniblock(); err != nil {
			return 0, err
		}
	}
	d.last += d.minDelta + d.buf[d.bufPos]
	d.bufPos++
	d.emitted++
	return d.last, nil
}

func (d *deltaBinaryPacked) loadMiniblock() error {
	if !d.blockOpen || d.mini >= d.minis {
		md, err := d.uvarint()
		if err != nil {
			return err
		}
		d.minDelta = uint64(int64(md>>1) ^ -int64(md&1))
		if uint64(len(d.data)-d.pos) < d.minis {
			return errValuesTruncated
		}
		d.widths = append(d.widths[:0], d.data[d.pos:d.pos+int(d.minis)]...)
		d.pos += int(d.minis)
		d.mini, d.blockOpen = 0, true
	}
	w := uint(d.widths[d.mini])
	d.mini++
	if w > 64 {
		return fmt.Errorf("DELTA_BINARY_PACKED: miniblock bit width %d", w)
	}
	nbytes := int(d.perMini) * int(w) / 8
	if len(d.data)-d.pos < nbytes {
		return errValuesTruncated
	}
	src := d.data[d.pos : d.pos+nbytes]
	d.pos += nbytes
	if cap(d.buf) < int(d.perMini) {
		d.buf = make([]uint64, d.perMini)
	}
	d.buf, d.bufPos = d.buf[:d.perMini], 0
	unpackLSB(d.buf, src, w)
	return nil
}

// end is the offset just after the encoded values, once all of them were read.
func (d *deltaBinaryPacked) end() int { return d.pos }

// unpackLSB unpacks len(dst) values of w bits (0..64) packed least significant bit first.
func unpackLSB(dst []uint64, src []byte, w uint) {
	if w == 0 {
		clear(dst)
		return
	}
	bit := uint64(0)
	for i := range dst {
		var v uint64
		got := uint(0)
		for got < w {
			b := uint64(src[bit/8]) >> (bit % 8)
			take := min(8-uint(bit%8), w-got)
			v |= (b & (1<<take - 1)) << got
			got += take
			bit += uint64(take)
		}
		dst[i] = v
	}
}

type deltaIntDecoder struct {
	t     Type
	delta deltaBinaryPacked
}

func (d *deltaIntDecoder) decode(v *Values, n int) error {
	for range n {
		x, err := d.delta.next()
		if err != nil {
			return err
		}
		if d.t == Int32 {
			v.Int32 = append(v.Int32, int32(x))
		} else {
			v.Int64 = append(v.Int64, int64(x))
		}
	}
	v.Len += n
	return nil
}

// deltaInts decodes a whole DELTA_BINARY_PACKED stream of lengths and returns it with the offset
// where the stream ends.
func deltaInts(data []byte) ([]int32, int, error) {
	var d deltaBinaryPacked
	if err := d.init(data); err != nil {
		return nil, 0, err
	}
	out := make([]int32, d.total)
	for i := range out {
		x, err := d.next()
		if err != nil {
			return nil, 0, err
		}
		if int64(x) < 0 || int64(x) > math.MaxInt32 {
			return nil, 0, fmt.Errorf("byte array length %d out of range", int64(x))
		}
		out[i] = int32(x)
	}
	return out, d.end(), nil
}

// ---- DELTA_LENGTH_BYTE_ARRAY: all lengths (DELTA_BINARY_PACKED), then all the bytes ----

type deltaLengthDecoder struct {
	lengths []int32
	next    int
	data    []byte
	pos     int
}

func newDeltaLengthDecoder(data []byte) (*deltaLengthDecoder, error) {
	lengths, end, err := deltaInts(data)
	if err != nil {
		return nil, err
	}
	return &deltaLengthDecoder{lengths: lengths, data: data[end:]}, nil
}

func (d *deltaLengthDecoder) decode(v *Values, n int) error {
	if n > len(d.lengths)-d.next {
		return errValuesTruncated
	}
	for _, l := range d.lengths[d.next : d.next+n] {
		if int(l) > len(d.data)-d.pos {
			return errValuesTruncated
		}
		if err := v.appendBytes(d.data[d.pos : d.pos+int(l)]); err != nil {
			return err
		}
		d.pos += int(l)
	}
	d.next += n
	v.Len += n
	return nil
}

// ---- DELTA_BYTE_ARRAY: prefix lengths, suffix lengths (both DELTA_BINARY_PACKED), suffixes;
// value i = value[i-1][:prefix[i]] + suffix[i] ----

type deltaByteArrayDecoder struct {
	t        Type
	width    int
	prefixes []int32
	suffixes deltaLengthDecoder
	prev     []byte
	scratch  Values
}

func newDeltaByteArrayDecoder(t Type, width int, data []byte) (*deltaByteArrayDecoder, error) {
	prefixes, end, err := deltaInts(data)
	if err != nil {
		return nil, err
	}
	suffixes, err := newDeltaLengthDecoder(data[end:])
	if err != nil {
		return nil, err
	}
	if len(suffixes.lengths) != len(prefixes) {
		return nil, fmt.Errorf("DELTA_BYTE_ARRAY: %d prefixes and %d suffixes", len(prefixes), len(suffixes.lengths))
	}
	return &deltaByteArrayDecoder{t: t, width: width, prefixes: prefixes, suffixes: *suffixes}, nil
}

func (d *deltaByteArrayDecoder) decode(v *Values, n int) error {
	for range n {
		i := d.suffixes.next
		if i >= len(d.prefixes) {
			return errValuesTruncated
		}
		p := int(d.prefixes[i])
		if p > len(d.prev) {
			return fmt.Errorf("DELTA_BYTE_ARRAY: prefix of %d bytes after a value of %d", p, len(d.prev))
		}
		d.scratch.Reset()
		if err := d.suffixes.decode(&d.scratch, 1); err != nil {
			return err
		}
		d.prev = append(d.prev[:p], d.scratch.Bytes...)
		if d.t == FixedLenByteArray {
			if len(d.prev) != d.width {
				return fmt.Errorf("DELTA_BYTE_ARRAY: value of %d bytes in a FIXED_LEN_BYTE_ARRAY(%d) column", len(d.prev), d.width)
			}
			v.Bytes = append(v.Bytes, d.prev...)
		} else if err := v.appendBytes(d.prev); err != nil {
			return err
		}
	}
	v.Len += n
	return nil
}

// ---- BYTE_STREAM_SPLIT: byte k of value i is data[k*count+i] ----

type byteStreamSplitDecoder struct {
	t     Type
	size  int
	data  []byte
	count int
	next  int
	tmp   [16]byte
}

func (d *byteStreamSplitDecoder) decode(v *Values, n int) error {
	if n > d.count-d.next {
		return errValuesTruncated
	}
	for i := d.next; i < d.next+n; i++ {
		var b []byte
		if d.size <= len(d.tmp) {
			b = d.tmp[:d.size]
		} else {
			b = make([]byte, d.size)
		}
		for k := range d.size {
			b[k] = d.data[k*d.count+i]
		}
		switch d.t {
		case Int32:
			v.Int32 = append(v.Int32, int32(binary.LittleEndian.Uint32(b)))
		case Int64:
			v.Int64 = append(v.Int64, int64(binary.LittleEndian.Uint64(b)))
		case Float:
			v.Float = append(v.Float, math.Float32frombits(binary.LittleEndian.Uint32(b)))
		case Double:
			v.Double = append(v.Double, math.Float64frombits(binary.LittleEndian.Uint64(b)))
		case FixedLenByteArray:
			v.Bytes = append(v.Bytes, b...)
		}
	}
	d.next += n
	v.Len += n
	return nil
}

// nativeLE reports whether this machine stores numbers little-endian, as PLAIN encodes them.
var nativeLE = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// copyLE copies the PLAIN little-endian values at the start of b into dst as one block of
// bytes, and reports whether it could: only where the machine's byte order is Parquet's (else the
// caller converts value by value).
func copyLE[T int32 | int64 | float32 | float64](dst []T, b []byte) bool {
	if !nativeLE || len(dst) == 0 {
		return nativeLE
	}
	size := int(unsafe.Sizeof(dst[0]))
	copy(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(dst))), size*len(dst)), b[:size*len(dst)])
	return true
}
