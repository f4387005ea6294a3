package parquetfile

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/thrift/lib/go/thrift"
)

// The decoder is checked against Apache Thrift's own compact protocol writer: the bytes of every
// test are produced by github.com/apache/thrift, not by hand.

// thriftWriter writes compact-protocol bytes with Apache Thrift's implementation.
type thriftWriter struct {
	t   *testing.T
	buf *thrift.TMemoryBuffer
	p   *thrift.TCompactProtocol
	ctx context.Context
}

func newThriftWriter(t *testing.T) *thriftWriter {
	buf := thrift.NewTMemoryBuffer()
	return &thriftWriter{t: t, buf: buf, p: thrift.NewTCompactProtocolConf(buf, nil), ctx: context.Background()}
}

func (w *thriftWriter) check(err error) {
	w.t.Helper()
	if err != nil {
		w.t.Fatal(err)
	}
}

func (w *thriftWriter) field(id int16, t thrift.TType, value func()) {
	w.check(w.p.WriteFieldBegin(w.ctx, "", t, id))
	value()
	w.check(w.p.WriteFieldEnd(w.ctx))
}

func (w *thriftWriter) i32(id int16, v int32) {
	w.field(id, thrift.I32, func() { w.check(w.p.WriteI32(w.ctx, v)) })
}

func (w *thriftWriter) i64(id int16, v int64) {
	w.field(id, thrift.I64, func() { w.check(w.p.WriteI64(w.ctx, v)) })
}

func (w *thriftWriter) str(id int16, v string) {
	w.field(id, thrift.STRING, func() { w.check(w.p.WriteString(w.ctx, v)) })
}

func (w *thriftWriter) boolean(id int16, v bool) {
	w.field(id, thrift.BOOL, func() { w.check(w.p.WriteBool(w.ctx, v)) })
}

func (w *thriftWriter) strct(id int16, body func()) {
	w.field(id, thrift.STRUCT, func() { w.begin(); body(); w.end() })
}

func (w *thriftWriter) begin() { w.check(w.p.WriteStructBegin(w.ctx, "")) }

func (w *thriftWriter) end() {
	w.check(w.p.WriteFieldStop(w.ctx))
	w.check(w.p.WriteStructEnd(w.ctx))
}

// junk writes unknown fields of every type, which the decoder must skip.
func (w *thriftWriter) junk(base int16) {
	w.field(base, thrift.DOUBLE, func() { w.check(w.p.WriteDouble(w.ctx, -1.5)) })
	w.field(base+1, thrift.BYTE, func() { w.check(w.p.WriteByte(w.ctx, -7)) })
	w.field(base+2, thrift.I16, func() { w.check(w.p.WriteI16(w.ctx, -300)) })
	w.boolean(base+3, true)
	w.field(base+40, thrift.MAP, func() { // a jump of 37: the long field header
		w.check(w.p.WriteMapBegin(w.ctx, thrift.STRING, thrift.BOOL, 2))
		for _, k := range []string{"a", "b"} {
			w.check(w.p.WriteString(w.ctx, k))
			w.check(w.p.WriteBool(w.ctx, k == "a"))
		}
		w.check(w.p.WriteMapEnd(w.ctx))
	})
	w.field(base+41, thrift.MAP, func() { // empty map: no key/value type byte
		w.check(w.p.WriteMapBegin(w.ctx, thrift.I32, thrift.I32, 0))
		w.check(w.p.WriteMapEnd(w.ctx))
	})
	w.field(base+42, thrift.SET, func() {
		w.check(w.p.WriteSetBegin(w.ctx, thrift.BOOL, 20)) // bools in containers: a byte each; > 14: long size
		for i := range 20 {
			w.check(w.p.WriteBool(w.ctx, i%3 == 0))
		}
		w.check(w.p.WriteSetEnd(w.ctx))
	})
	w.field(base+43, thrift.LIST, func() {
		w.check(w.p.WriteListBegin(w.ctx, thrift.STRUCT, 2))
		for range 2 {
			w.begin()
			w.str(1, "nested")
			w.field(2, thrift.LIST, func() {
				w.check(w.p.WriteListBegin(w.ctx, thrift.I64, 3))
				for _, v := range []int64{-1, 1 << 40, 0} {
					w.check(w.p.WriteI64(w.ctx, v))
				}
				w.check(w.p.WriteListEnd(w.ctx))
			})
			w.end()
		}
		w.check(w.p.WriteListEnd(w.ctx))
	})
}

func (w *thriftWriter) bytes() []byte {
	w.check(w.p.Flush(w.ctx))
	return w.buf.Bytes()
}

func decoderFor(b []byte) *thriftDecoder {
	return &thriftDecoder{r: bytes.NewReader(b), remain: int64(len(b))}
}

// TestThriftPageHeader decodes a data page v2 header surrounded by unknown fields of every type.
func TestThriftPageHeader(t *testing.T) {
	w := newThriftWriter(t)
	w.begin()
	w.i32(1, int32(DataPageV2))
	w.i32(2, 1<<20)
	w.i32(3, 12345)
	w.junk(20)
	w.strct(8, func() {
		w.i32(1, 1000)
		w.i32(2, 17)
		w.i32(3, 990)
		w.i32(4, int32(RLEDictionary))
		w.i32(5, 33)
		w.i32(6, 44)
		w.junk(9)
		w.boolean(7, false)
	})
	w.end()
	got, err := decoderFor(w.bytes()).pageHeader()
	if err != nil {
		t.Fatal(err)
	}
	want := &PageHeader{Type: DataPageV2, UncompressedSize: 1 << 20, CompressedSize: 12345, DataV2: &DataPageHeaderV2{
		NumValues: 1000, NumNulls: 17, NumRows: 990, Encoding: RLEDictionary, DefLength: 33, RepLength: 44, IsCompressed: false}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v %+v, want %+v %+v", got, got.DataV2, want, want.DataV2)
	}
}

// TestThriftFileMetaData decodes a footer with a nested schema, logical types and a row group.
func TestThriftFileMetaData(t *testing.T) {
	w := newThriftWriter(t)
	w.begin()
	w.i32(1, 2)
	w.field(2, thrift.LIST, func() {
		w.check(w.p.WriteListBegin(w.ctx, thrift.STRUCT, 3))
		w.begin() // root
		w.str(4, "schema")
		w.i32(5, 2)
		w.end()
		w.begin() // required int64 ts (TIMESTAMP(MICROS, true))
		w.i32(1, int32(Int64))
		w.i32(3, int32(Required))
		w.str(4, "ts")
		w.strct(10, func() {
			w.strct(8, func() {
				w.boolean(1, true)
				w.strct(2, func() { w.strct(2, func() {}) })
			})
		})
		w.junk(30)
		w.end()
		w.begin() // optional fixed_len_byte_array(16) d (DECIMAL(38, 4))
		w.i32(1, int32(FixedLenByteArray))
		w.i32(2, 16)
		w.i32(3, int32(Optional))
		w.str(4, "d")
		w.i32(6, int32(Decimal))
		w.i32(7, 4)
		w.i32(8, 38)
		w.strct(10, func() { w.strct(5, func() { w.i32(1, 4); w.i32(2, 38) }) })
		w.end()
		w.check(w.p.WriteListEnd(w.ctx))
	})
	w.i64(3, 5)
	w.field(4, thrift.LIST, func() {
		w.check(w.p.WriteListBegin(w.ctx, thrift.STRUCT, 1))
		w.begin()
		w.field(1, thrift.LIST, func() {
			w.check(w.p.WriteListBegin(w.ctx, thrift.STRUCT, 2))
			for i, name := range []string{"ts", "d"} {
				w.begin()
				w.i64(2, 4)
				w.strct(3, func() {
					w.i32(1, int32([]Type{Int64, FixedLenByteArray}[i]))
					w.field(2, thrift.LIST, func() {
						w.check(w.p.WriteListBegin(w.ctx, thrift.I32, 1))
						w.check(w.p.WriteI32(w.ctx, int32(Plain)))
						w.check(w.p.WriteListEnd(w.ctx))
					})
					w.field(3, thrift.LIST, func() {
						w.check(w.p.WriteListBegin(w.ctx, thrift.STRING, 1))
						w.check(w.p.WriteString(w.ctx, name))
						w.check(w.p.WriteListEnd(w.ctx))
					})
					w.i32(4, int32(Zstd))
					w.i64(5, 5)
					w.i64(6, 100)
					w.i64(7, 90)
					w.i64(9, int64(4+100*i))
					w.junk(20)
				})
				w.end()
			}
			w.check(w.p.WriteListEnd(w.ctx))
		})
		w.i64(2, 190)
		w.i64(3, 5)
		w.end()
		w.check(w.p.WriteListEnd(w.ctx))
	})
	w.str(6, "driftwatch test")
	w.end()
	data := w.bytes()

	m, err := decoderFor(data).fileMetaData()
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 2 || m.NumRows != 5 || m.CreatedBy != "driftwatch test" || len(m.Schema) != 3 || len(m.RowGroups) != 1 {
		t.Fatalf("footer %+v", m)
	}
	ts, d := m.Schema[1], m.Schema[2]
	if ts.Name != "ts" || ts.Type != Int64 || ts.Repetition != Required ||
		ts.Logical != (LogicalType{Kind: LogicalTimestamp, AdjustedToUTC: true, Unit: Micros}) {
		t.Errorf("ts element %+v", ts)
	}
	if d.Name != "d" || d.TypeLength != 16 || d.Converted != Decimal || d.Scale != 4 || d.Precision != 38 ||
		d.Logical != (LogicalType{Kind: LogicalDecimal, Scale: 4, Precision: 38}) {
		t.Errorf("d element %+v", d)
	}
	cc := m.RowGroups[0].Columns[1].Meta
	if cc.Type != FixedLenByteArray || cc.Codec != Zstd || cc.NumValues != 5 || cc.TotalCompressedSize != 90 ||
		cc.DataPageOffset != 104 || !reflect.DeepEqual(cc.PathInSchema, []string{"d"}) {
		t.Errorf("column chunk %+v", cc)
	}

	// Every proper prefix is truncated: an error, never a panic or a partial success.
	for n := range len(data) {
		if _, err := decoderFor(data[:n]).fileMetaData(); err == nil {
			t.Fatalf("prefix of %d of %d bytes decoded", n, len(data))
		}
	}
}

// TestThriftHostileSizes checks that sizes the data cannot back are refused before allocating.
func TestThriftHostileSizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		msg  string
	}{
		// field 2 (list), long-form size 2^31 of structs, then nothing
		{"list size", []byte{0x29, 0xfc, 0x80, 0x80, 0x80, 0x80, 0x08}, "exceeds"},
		// field 6 (binary) of length 2^40
		{"binary length", []byte{0x68, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20}, "exceeds"},
		// a varint that never ends
		{"varint", []byte{0x15, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "varint"},
		// 100 nested structs (field 7 of type struct, again and again)
		{"nesting", bytes.Repeat([]byte{0x7c}, 100), "nested"},
		// field 20 (long header: zigzag 20 = 0x28) of type 13
		{"unknown type", []byte{0x0d, 0x28}, "unknown type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := decoderFor(tc.data).fileMetaData()
			if err == nil || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("err %v, want one saying %q", err, tc.msg)
			}
		})
	}
}
