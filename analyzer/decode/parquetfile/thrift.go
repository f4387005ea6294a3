package parquetfile

// A decoder for the Thrift compact protocol, the encoding of Parquet's footer and page headers
// (thrift-compact-protocol.md). Only what Parquet metadata uses is decoded: structs, i8/i16/i32/
// i64 as zigzag varints, binary/string, bool, double, list/set and map (maps are only skipped).
//
//	field header   1 byte: high nibble = field id delta (1..15, 0: a zigzag i16 id follows),
//	               low nibble = type; 0 = STOP ends the struct
//	types          1 true, 2 false, 3 i8, 4 i16, 5 i32, 6 i64, 7 double, 8 binary, 9 list,
//	               10 set, 11 map, 12 struct
//	list/set       1 byte: high nibble = size (15: a varint size follows), low nibble = element
//	               type; bool elements take one byte each
//	map            varint size, then (size > 0) 1 byte key type << 4 | value type
//	binary         varint length, then the bytes

import (
	"errors"
	"fmt"
	"io"
	"math"
)

// Compact protocol type codes.
const (
	tStop   = 0
	tTrue   = 1
	tFalse  = 2
	tByte   = 3
	tI16    = 4
	tI32    = 5
	tI64    = 6
	tDouble = 7
	tBinary = 8
	tList   = 9
	tSet    = 10
	tMap    = 11
	tStruct = 12
)

// maxThriftDepth bounds struct nesting: Parquet metadata nests 5 deep at most (FileMetaData >
// RowGroup > ColumnChunk > ColumnMetaData > Statistics), so 64 only stops hostile input from
// exhausting the stack.
const maxThriftDepth = 64

var errThriftTruncated = errors.New("thrift: truncated data")

// thriftSource is what the decoder reads from: a bytes.Reader for the footer, a bufio.Reader for
// page headers inside a column chunk.
type thriftSource interface {
	io.Reader
	io.ByteReader
}

// thriftDecoder reads compact-protocol values. remain is how many bytes may still be read: every
// length and element count is checked against it before anything is allocated.
type thriftDecoder struct {
	r      thriftSource
	remain int64
	depth  int
}

func (d *thriftDecoder) byte() (byte, error) {
	if d.remain <= 0 {
		return 0, errThriftTruncated
	}
	b, err := d.r.ReadByte()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return 0, errThriftTruncated
		}
		return 0, err
	}
	d.remain--
	return b, nil
}

func (d *thriftDecoder) uvarint() (uint64, error) {
	var x uint64
	for shift := uint(0); shift < 64; shift += 7 {
		b, err := d.byte()
		if err != nil {
			return 0, err
		}
		x |= uint64(b&0x7f) << shift
		if b < 0x80 {
			return x, nil
		}
	}
	return 0, errors.New("thrift: varint longer than 10 bytes")
}

func (d *thriftDecoder) varint() (int64, error) {
	u, err := d.uvarint()
	return int64(u>>1) ^ -int64(u&1), err // zigzag
}

func (d *thriftDecoder) i32() (int32, error) {
	v, err := d.varint()
	if err == nil && (v < math.MinInt32 || v > math.MaxInt32) {
		err = fmt.Errorf("thrift: i32 value %d out of range", v)
	}
	return int32(v), err
}

// length reads a binary length or container size and checks that it fits in what is left,
// counting at least minSize bytes per element.
func (d *thriftDecoder) length(minSize int64) (int, error) {
	n, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if minSize > 0 && n > uint64(d.remain/minSize) {
		return 0, fmt.Errorf("thrift: size %d exceeds the %d bytes left", n, d.remain)
	}
	return int(n), nil
}

func (d *thriftDecoder) binary() ([]byte, error) {
	n, err := d.length(1)
	if err != nil {
		return nil, err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		return nil, errThriftTruncated
	}
	d.remain -= int64(n)
	return b, nil
}

func (d *thriftDecoder) string() (string, error) {
	b, err := d.binary()
	return string(b), err
}

func (d *thriftDecoder) double() (float64, error) {
	var u uint64
	for i := range 8 {
		b, err := d.byte()
		if err != nil {
			return 0, err
		}
		u |= uint64(b) << (8 * i)
	}
	return math.Float64frombits(u), nil
}

// thriftMinSize is the fewest bytes a value of type t takes, for bounding element counts.
func thriftMinSize(t byte) int64 {
	switch t {
	case tDouble:
		return 8
	default:
		return 1 // varints, bools in containers, lengths and STOP bytes take at least one
	}
}

// listHeader reads a list or set header: element type and count.
func (d *thriftDecoder) listHeader() (elem byte, n int, err error) {
	h, err := d.byte()
	if err != nil {
		return 0, 0, err
	}
	elem = h & 0x0f
	n = int(h >> 4)
	if n == 15 {
		if n, err = d.length(thriftMinSize(elem)); err != nil {
			return 0, 0, err
		}
	} else if int64(n)*thriftMinSize(elem) > d.remain {
		return 0, 0, errThriftTruncated
	}
	return elem, n, nil
}

// structFields calls field for every field of a struct until STOP; field must consume the value
// (or call skip). Bool fields carry their value in the type code: field sees tTrue or tFalse
// and reads nothing.
func (d *thriftDecoder) structFields(field func(id int16, t byte) error) error {
	d.depth++
	defer func() { d.depth-- }()
	if d.depth > maxThriftDepth {
		return errors.New("thrift: structs nested too deep")
	}
	var id int16
	for {
		h, err := d.byte()
		if err != nil {
			return err
		}
		t := h & 0x0f
		if t == tStop {
			return nil
		}
		if delta := h >> 4; delta != 0 {
			id += int16(delta)
		} else {
			v, err := d.varint()
			if err != nil {
				return err
			}
			if v < math.MinInt16 || v > math.MaxInt16 {
				return fmt.Errorf("thrift: field id %d out of range", v)
			}
			id = int16(v)
		}
		if err := field(id, t); err != nil {
			return err
		}
	}
}

// skip consumes a value of type t.
func (d *thriftDecoder) skip(t byte) error {
	switch t {
	case tTrue, tFalse:
		return nil
	case tByte:
		_, err := d.byte()
		return err
	case tI16, tI32, tI64:
		_, err := d.uvarint()
		return err
	case tDouble:
		_, err := d.double()
		return err
	case tBinary:
		n, err := d.length(1)
		if err != nil {
			return err
		}
		for ; n > 0; n-- {
			if _, err := d.byte(); err != nil {
				return err
			}
		}
		return nil
	case tList, tSet:
		elem, n, err := d.listHeader()
		if err != nil {
			return err
		}
		return d.skipElems(elem, n)
	case tMap:
		n, err := d.length(2)
		if err != nil || n == 0 {
			return err
		}
		kv, err := d.byte()
		if err != nil {
			return err
		}
		for range n {
			if err := d.skipElem(kv >> 4); err != nil {
				return err
			}
			if err := d.skipElem(kv & 0x0f); err != nil {
				return err
			}
		}
		return nil
	case tStruct:
		return d.structFields(func(_ int16, t byte) error { return d.skip(t) })
	}
	return fmt.Errorf("thrift: unknown type %d", t)
}

// skipElem consumes one container element: bools take a byte there.
func (d *thriftDecoder) skipElem(t byte) error {
	if t == tTrue || t == tFalse {
		_, err := d.byte()
		return err
	}
	return d.skip(t)
}

func (d *thriftDecoder) skipElems(t byte, n int) error {
	for range n {
		if err := d.skipElem(t); err != nil {
			return err
		}
	}
	return nil
}

// want checks a field's type before it is read as that type.
func want(id int16, got, t byte) error {
	if got != t && !(t == tTrue && got == tFalse) {
		return fmt.Errorf("thrift: field %d has type %d, want %d", id, got, t)
	}
	return nil
}

// list reads a list field whose elements have type elem, calling each for every element.
func (d *thriftDecoder) list(elem byte, each func(i int) error) error {
	t, n, err := d.listHeader()
	if err != nil {
		return err
	}
	if n > 0 && t != elem {
		return fmt.Errorf("thrift: list of type %d, want %d", t, elem)
	}
	for i := range n {
		if err := each(i); err != nil {
			return err
		}
	}
	return nil
}
