package decode

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/float16"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// pqWriteOpts says how a test file is written.
type pqWriteOpts struct {
	rowGroupRows int64                    // max rows per row group (0: one row group per Write)
	storeSchema  bool                     // store ARROW:schema, so the reader restores Arrow-only types
	dictionary   bool                     // dictionary-encode pages (pqarrow's default is on)
	props        []parquet.WriterProperty // applied after the above, so they override them
}

// pqWrite writes the batches to an in-memory Parquet file with pqarrow.
func pqWrite(t testing.TB, opts pqWriteOpts, recs ...arrow.RecordBatch) []byte {
	t.Helper()
	var buf bytes.Buffer
	props := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Snappy),
		parquet.WithDictionaryDefault(opts.dictionary),
	}
	if opts.rowGroupRows > 0 {
		props = append(props, parquet.WithMaxRowGroupLength(opts.rowGroupRows))
	}
	props = append(props, opts.props...)
	aprops := pqarrow.DefaultWriterProps()
	if opts.storeSchema {
		aprops = pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema())
	}
	w, err := pqarrow.NewFileWriter(recs[0].Schema(), &buf, parquet.NewWriterProperties(props...), aprops)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pqValues returns the cells of a normalised column as Go values (nil for null).
func pqValues(t testing.TB, a arrow.Array) []any {
	t.Helper()
	out := make([]any, a.Len())
	for i := range out {
		if a.IsNull(i) {
			continue
		}
		if c, ok := a.(*array.Dictionary); ok { // ParquetFile.Dictionaries
			j := c.GetValueIndex(i)
			if c.Dictionary().IsNull(j) {
				t.Fatalf("a null dictionary value")
			}
			if _, ok := c.Dictionary().(*array.Boolean); !ok { // no Boolean dictionaries: fail below
				out[i] = pqCell(t, c.Dictionary(), j)
				continue
			}
		}
		out[i] = pqCell(t, a, i)
	}
	return out
}

// pqCell is the value of a's non-null cell i as a Go value.
func pqCell(t testing.TB, a arrow.Array, i int) any {
	t.Helper()
	switch c := a.(type) {
	case *array.Int64:
		return c.Value(i)
	case *array.Float64:
		return c.Value(i)
	case *array.Boolean:
		return c.Value(i)
	case *array.String:
		return c.Value(i)
	}
	t.Fatalf("output column is %T, want Int64, Float64, Boolean, String or a dictionary of String, Int64 or Float64", a)
	return nil
}

// pqSame compares cell values; floats by bits, so -0 differs from 0, except that any NaN equals
// any NaN (widening a float32 NaN gives a NaN payload other than math.NaN()'s).
func pqSame(a, b any) bool {
	if x, ok := a.(float64); ok {
		y, ok := b.(float64)
		return ok && (math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y))
	}
	return reflect.DeepEqual(a, b)
}

// pqRead reads a whole file with ReadParquet, checking the schema of every batch against
// ParquetColumns and that no Arrow memory leaks. It returns the values per output column and
// the (row group, rows) of every batch.
func pqRead(t testing.TB, name string, data []byte, batchRows int) (*arrow.Schema, map[string][]any, [][2]int, error) {
	t.Helper()
	sc, vals, batches, _, err := pqReadWith(t, name, data, batchRows, false)
	return sc, vals, batches, err
}

// pqReadWith is pqRead, with dictionary arrays (ParquetFile.Dictionaries) when dicts is set: a
// batch's schema may then give a String column the dictionary type, and dictBatches counts the
// dictionary arrays read.
func pqReadWith(t testing.TB, name string, data []byte, batchRows int, dicts bool) (_ *arrow.Schema, _ map[string][]any, _ [][2]int, dictBatches int, _ error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	pf, err := OpenParquet(name, bytes.NewReader(data))
	if err != nil {
		return nil, nil, nil, 0, err
	}
	sc := pf.Schema()
	pf.Dictionaries = dicts
	vals := map[string][]any{}
	var batches [][2]int
	err = pf.ReadGroups(bytes.NewReader(data), batchRows, mem, nil, nil, func(rg int, rec arrow.RecordBatch) error {
		got := rec.Schema()
		if dicts {
			fields := slices.Clone(got.Fields())
			for i, f := range fields {
				if dt, ok := f.Type.(*arrow.DictionaryType); ok && arrow.TypeEqual(dt.IndexType, arrow.PrimitiveTypes.Int32) &&
					arrow.TypeEqual(dt.ValueType, sc.Field(i).Type) {
					fields[i].Type = sc.Field(i).Type
					dictBatches++
				}
			}
			got = arrow.NewSchema(fields, nil)
		}
		if !got.Equal(sc) {
			t.Fatalf("batch schema %v, ParquetColumns said %v", rec.Schema(), sc)
		}
		batches = append(batches, [2]int{rg, int(rec.NumRows())})
		for i, f := range rec.Schema().Fields() {
			if !f.Nullable {
				t.Errorf("column %s is not nullable", f.Name)
			}
			col := rec.Column(i)
			if col.Len() != int(rec.NumRows()) {
				t.Fatalf("column %s has %d rows, batch %d", f.Name, col.Len(), rec.NumRows())
			}
			vals[f.Name] = append(vals[f.Name], pqValues(t, col)...)
		}
		return nil
	})
	return sc, vals, batches, dictBatches, err
}

// pqOut is one expected output column.
type pqOut struct {
	name string
	typ  arrow.DataType
	vals []any
}

// pqIn is one written column (as arrow-go JSON) and the output columns it must read back as.
type pqIn struct {
	field arrow.Field
	json  string
	want  []pqOut
}

var (
	pqI64  = arrow.PrimitiveTypes.Int64
	pqF64  = arrow.PrimitiveTypes.Float64
	pqBool = arrow.FixedWidthTypes.Boolean
	pqStr  = arrow.BinaryTypes.String
)

func pqLeaf(name string, typ arrow.DataType, json string, outType arrow.DataType, vals ...any) pqIn {
	return pqIn{
		field: arrow.Field{Name: name, Type: typ, Nullable: true},
		json:  json,
		want:  []pqOut{{name, outType, vals}},
	}
}

func f32(v float64) float64 { return float64(float32(v)) } // what Spark's float -> double cast gives

// pqTypedColumns covers every type family of the normalisation table in parquet.go, six rows
// each, with nulls. Expected strings are written out by hand from the rules (Spark's cast to
// string, java.math.BigDecimal.toString), not computed by the code under test.
func pqTypedColumns() []pqIn {
	negZero := math.Copysign(0, -1)
	return []pqIn{
		pqLeaf("i64", pqI64, `["-9223372036854775808", -1, 0, null, 42, "9223372036854775807"]`, pqI64,
			int64(math.MinInt64), int64(-1), int64(0), nil, int64(42), int64(math.MaxInt64)),
		pqLeaf("i32", arrow.PrimitiveTypes.Int32, `[-2147483648, -7, null, 0, 7, 2147483647]`, pqI64,
			int64(math.MinInt32), int64(-7), nil, int64(0), int64(7), int64(math.MaxInt32)),
		pqLeaf("i16", arrow.PrimitiveTypes.Int16, `[-32768, null, 0, 1, 2, 32767]`, pqI64,
			int64(math.MinInt16), nil, int64(0), int64(1), int64(2), int64(math.MaxInt16)),
		pqLeaf("i8", arrow.PrimitiveTypes.Int8, `[-128, null, 0, 1, 2, 127]`, pqI64,
			int64(-128), nil, int64(0), int64(1), int64(2), int64(127)),
		pqLeaf("u8", arrow.PrimitiveTypes.Uint8, `[0, 255, null, 1, 2, 3]`, pqI64,
			int64(0), int64(255), nil, int64(1), int64(2), int64(3)),
		pqLeaf("u16", arrow.PrimitiveTypes.Uint16, `[0, 65535, null, 1, 2, 3]`, pqI64,
			int64(0), int64(65535), nil, int64(1), int64(2), int64(3)),
		pqLeaf("u32", arrow.PrimitiveTypes.Uint32, `[0, 4294967295, null, 1, 2, 3]`, pqI64,
			int64(0), int64(4294967295), nil, int64(1), int64(2), int64(3)),
		pqLeaf("u64", arrow.PrimitiveTypes.Uint64, `[0, "9223372036854775807", null, 1, 2, 3]`, pqI64,
			int64(0), int64(math.MaxInt64), nil, int64(1), int64(2), int64(3)),
		// float32 -> float64 is exact: 0.1f reads as 0.10000000149011612, not 0.1.
		pqLeaf("f32", arrow.PrimitiveTypes.Float32, `[0.1, "-0", "NaN", "+Inf", null, 3.4028235e38]`, pqF64,
			f32(0.1), negZero, math.NaN(), math.Inf(1), nil, f32(3.4028235e38)),
		pqLeaf("f16", arrow.FixedWidthTypes.Float16, `[1.5, null, -2, 0.099975586, 65504, "-Inf"]`, pqF64,
			1.5, nil, -2.0, float64(float16.New(0.1).Float32()), 65504.0, math.Inf(-1)),
		pqLeaf("f64", pqF64, `[0.1, -1e-300, "NaN", "-Inf", null, 1.7976931348623157e308]`, pqF64,
			0.1, -1e-300, math.NaN(), math.Inf(-1), nil, math.MaxFloat64),
		pqLeaf("b", pqBool, `[true, false, null, true, false, true]`, pqBool,
			true, false, nil, true, false, true),
		pqLeaf("s", pqStr, `["", "héllo", null, "a\"b\\c", "日本", "x\ny"]`, pqStr,
			"", "héllo", nil, `a"b\c`, "日本", "x\ny"),
		// binary: base64 in arrow-go JSON. "/2E=" is ff 61; "4oI=" is e2 82 (a cut-off "€").
		pqLeaf("bin", arrow.BinaryTypes.Binary, `["b2s=", "/2E=", null, "", "4oI=", "eg=="]`, pqStr,
			"ok", "\uFFFDa", nil, "", "\uFFFD\uFFFD", "z"),
		pqLeaf("bin_utf8", arrow.BinaryTypes.Binary, `["b2s=", null, "eg==", null, null, null]`, pqStr,
			"ok", nil, "z", nil, nil, nil),
		// days since 1970-01-01: -719162 is 0001-01-01, -719528 is 0000-01-01 (year 0 is a leap
		// year in the proleptic calendar), -719893 is -0001-01-01, 2932897 is 10000-01-01.
		pqLeaf("d", arrow.FixedWidthTypes.Date32, `[0, -1, null, -719162, -719893, 2932897]`, pqStr,
			"1970-01-01", "1969-12-31", nil, "0001-01-01", "-0001-01-01", "+10000-01-01"),
		pqLeaf("d0", arrow.FixedWidthTypes.Date32, `[-719528, 19782, 2932896, null, null, null]`, pqStr,
			"0000-01-01", "2024-02-29", "9999-12-31", nil, nil, nil),
		// 1730050771 s is 2024-10-27 17:39:31 UTC.
		pqLeaf("ts_us", &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"},
			`[1730050771000000, 1730050771500000, -1, null, 0, 1730050771123456]`, pqStr,
			"2024-10-27 17:39:31", "2024-10-27 17:39:31.5", "1969-12-31 23:59:59.999999", nil,
			"1970-01-01 00:00:00", "2024-10-27 17:39:31.123456"),
		pqLeaf("ts_ms_local", &arrow.TimestampType{Unit: arrow.Millisecond},
			`[1730050771001, 1730050771010, -1000, null, 1730050771100, -62135596800000]`, pqStr,
			"2024-10-27 17:39:31.001", "2024-10-27 17:39:31.01", "1969-12-31 23:59:59", nil,
			"2024-10-27 17:39:31.1", "0001-01-01 00:00:00"),
		// nanoseconds are truncated toward negative infinity to Spark's microseconds
		pqLeaf("ts_ns", &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"},
			`[1730050771123456789, -1, null, 999, 1000, 0]`, pqStr,
			"2024-10-27 17:39:31.123456", "1969-12-31 23:59:59.999999", nil, "1970-01-01 00:00:00",
			"1970-01-01 00:00:00.000001", "1970-01-01 00:00:00"),
		pqLeaf("t_us", arrow.FixedWidthTypes.Time64us, `[0, 86399999999, null, 3600500000, 45296000001, 60000000]`, pqStr,
			"00:00:00", "23:59:59.999999", nil, "01:00:00.5", "12:34:56.000001", "00:01:00"),
		pqLeaf("t_ms", arrow.FixedWidthTypes.Time32ms, `[0, 86399999, null, 1, 10, 100]`, pqStr,
			"00:00:00", "23:59:59.999", nil, "00:00:00.001", "00:00:00.01", "00:00:00.1"),
		// java.math.BigDecimal.toString: plain with the column's scale...
		pqLeaf("dec", &arrow.Decimal128Type{Precision: 10, Scale: 2},
			`["123.45", "-0.05", "1.50", null, "0.00", "99999999.99"]`, pqStr,
			"123.45", "-0.05", "1.50", nil, "0.00", "99999999.99"),
		// ...scientific once the adjusted exponent is below -6 (unscaled 1234, scale 10: -7).
		pqLeaf("dec_small", &arrow.Decimal128Type{Precision: 38, Scale: 10},
			`["0.0000000001", "0", "0.0000000123", "0.0000001234", "0.0000012345", "-0.0000000001"]`, pqStr,
			"1E-10", "0E-10", "1.23E-8", "1.234E-7", "0.0000012345", "-1E-10"),
		pqLeaf("dec_big", &arrow.Decimal128Type{Precision: 38, Scale: 0},
			`["99999999999999999999999999999999999999", "-12345678901234567890", null, "1", "0", "-9223372036854775809"]`, pqStr,
			"99999999999999999999999999999999999999", "-12345678901234567890", nil, "1", "0", "-9223372036854775809"),
		pqLeaf("dec256", &arrow.Decimal256Type{Precision: 50, Scale: 5},
			`["123456789012345678901234567890123456789012345.12345", null, "-1.00000", "0.00001", "0", "7"]`, pqStr,
			"123456789012345678901234567890123456789012345.12345", nil, "-1.00000", "0.00001", "0.00000", "7.00000"),
		pqLeaf("uuid", extensions.NewUUIDType(),
			`["00112233-4455-6677-8899-aabbccddeeff", null, "ffffffff-ffff-ffff-ffff-ffffffffffff", null, null, null]`, pqStr,
			"00112233-4455-6677-8899-aabbccddeeff", nil, "ffffffff-ffff-ffff-ffff-ffffffffffff", nil, nil, nil),
		{
			// a struct flattens to one column per leaf; a null struct nulls all of them
			field: arrow.Field{Name: "st", Nullable: true, Type: arrow.StructOf(
				arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
				arrow.Field{Name: "inner", Nullable: true, Type: arrow.StructOf(
					arrow.Field{Name: "c", Type: pqStr, Nullable: true},
					arrow.Field{Name: "f", Type: arrow.PrimitiveTypes.Float32, Nullable: true})},
				arrow.Field{Name: "tags", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32), Nullable: true},
			)},
			json: `[{"a": 1, "inner": {"c": "x", "f": 0.5}, "tags": [1, 2]},
				null,
				{"a": null, "inner": null, "tags": []},
				{"a": 3, "inner": {"c": null, "f": null}, "tags": null},
				{"a": 4, "inner": {"c": "y", "f": 0.1}, "tags": [null]},
				{"a": 5, "inner": {"c": "", "f": -1}, "tags": [7]}]`,
			want: []pqOut{
				{"st.a", pqI64, []any{int64(1), nil, nil, int64(3), int64(4), int64(5)}},
				{"st.inner.c", pqStr, []any{"x", nil, nil, nil, "y", ""}},
				{"st.inner.f", pqF64, []any{0.5, nil, nil, nil, f32(0.1), -1.0}},
				{"st.tags", pqStr, []any{"[1,2]", nil, "[]", nil, "[null]", "[7]"}},
			},
		},
		pqLeaf("l", arrow.ListOf(pqStr), `[["a", "b"], [], null, ["x", null], ["q\"u\\o\te"], ["日本", "\u0001"]]`, pqStr,
			`["a","b"]`, `[]`, nil, `["x",null]`, `["q\"u\\o\te"]`, `["日本","\u0001"]`),
		// float32 elements print in float32's shortest form; NaN/Inf as Jackson's strings
		pqLeaf("lf", arrow.ListOf(arrow.PrimitiveTypes.Float32), `[[0.1, "NaN"], ["1e-7", "-Inf"], [1e21, "-0"], null, [1.5], ["+Inf"]]`, pqStr,
			`[0.1,"NaN"]`, `[1e-7,"-Infinity"]`, `[1e+21,-0]`, nil, `[1.5]`, `["Infinity"]`),
		pqLeaf("ld", arrow.ListOf(pqF64), `[[0.1, 100], [1e-6, 123456789012], [2.5e-7], null, [], [-1e300]]`, pqStr,
			`[0.1,100]`, `[0.000001,123456789012]`, `[2.5e-7]`, nil, `[]`, `[-1e+300]`),
		pqLeaf("lu64", arrow.ListOf(arrow.PrimitiveTypes.Uint64), `[["18446744073709551615"], null, [], [0], [1, 2], [3]]`, pqStr,
			`[18446744073709551615]`, nil, `[]`, `[0]`, `[1,2]`, `[3]`),
		pqLeaf("ll", arrow.ListOf(arrow.ListOf(arrow.FixedWidthTypes.Boolean)), `[[[true], [false, null]], [null], [[]], null, [], [[true]]]`, pqStr,
			`[[true],[false,null]]`, `[null]`, `[[]]`, nil, `[]`, `[[true]]`),
		pqLeaf("m", arrow.MapOf(pqStr, pqI64), `[[{"key": "k", "value": 1}, {"key": "z", "value": null}], [], null, [{"key": "a\"", "value": -5}], [], []]`, pqStr,
			`{"k":1,"z":null}`, `{}`, nil, `{"a\"":-5}`, `{}`, `{}`),
		pqLeaf("mi", arrow.MapOf(arrow.PrimitiveTypes.Int32, pqStr), `[[{"key": 1, "value": "one"}, {"key": 2, "value": "two"}], null, [], [], [], []]`, pqStr,
			`{"1":"one","2":"two"}`, nil, `{}`, `{}`, `{}`, `{}`),
		pqLeaf("lts", arrow.ListOf(&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}), `[[0, -1], null, [], [1730050771000000], [null], []]`, pqStr,
			`["1970-01-01 00:00:00","1969-12-31 23:59:59.999999"]`, nil, `[]`, `["2024-10-27 17:39:31"]`, `[null]`, `[]`),
		pqLeaf("ldec", arrow.ListOf(&arrow.Decimal128Type{Precision: 20, Scale: 10}), `[["1.5", "0"], null, [], [], [], []]`, pqStr,
			`[1.5000000000,0E-10]`, nil, `[]`, `[]`, `[]`, `[]`),
		pqLeaf("ldate", arrow.ListOf(arrow.FixedWidthTypes.Date32), `[[0], null, [], [], [], [19782]]`, pqStr,
			`["1970-01-01"]`, nil, `[]`, `[]`, `[]`, `["2024-02-29"]`),
		pqLeaf("lst", arrow.ListOf(arrow.StructOf(
			arrow.Field{Name: "x", Type: pqI64, Nullable: true},
			arrow.Field{Name: "y", Type: pqStr, Nullable: true})),
			`[[{"x": 1, "y": "a"}, null], null, [], [{"x": null, "y": null}], [], []]`, pqStr,
			`[{"x":1,"y":"a"},null]`, nil, `[]`, `[{"x":null,"y":null}]`, `[]`, `[]`),
	}
}

// pqTypedBatch builds one record from the columns.
func pqTypedBatch(t testing.TB, cols []pqIn) arrow.RecordBatch {
	t.Helper()
	fields := make([]arrow.Field, len(cols))
	arrs := make([]arrow.Array, len(cols))
	for i, c := range cols {
		fields[i] = c.field
		a, _, err := array.FromJSON(memory.DefaultAllocator, c.field.Type, strings.NewReader(c.json))
		if err != nil {
			t.Fatalf("column %s: %v", c.field.Name, err)
		}
		defer a.Release()
		if a.Len() != 6 {
			t.Fatalf("column %s: %d rows, want 6", c.field.Name, a.Len())
		}
		arrs[i] = a
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), arrs, 6)
}

// TestParquetTypedRoundTrip writes every type family with pqarrow and checks that ReadParquet
// returns exactly the normalised values, names and types, across row groups and batch sizes,
// with plain and dictionary pages.
func TestParquetTypedRoundTrip(t *testing.T) {
	cols := pqTypedColumns()
	rec := pqTypedBatch(t, cols)
	defer rec.Release()
	var wantNames []string
	for _, c := range cols {
		for _, w := range c.want {
			wantNames = append(wantNames, w.name)
		}
	}
	for _, tc := range []struct {
		name      string
		opts      pqWriteOpts
		batchRows int
	}{
		{"one row group, plain", pqWriteOpts{}, 0},
		{"row groups of 4, batches of 3, dictionary", pqWriteOpts{rowGroupRows: 4, dictionary: true}, 3},
		{"batches of 1", pqWriteOpts{rowGroupRows: 5}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := pqWrite(t, tc.opts, rec)
			sc, got, _, err := pqRead(t, "typed.parquet", data, tc.batchRows)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range sc.Fields() {
				names = append(names, f.Name)
			}
			if !reflect.DeepEqual(names, wantNames) {
				t.Fatalf("columns\n got %q\nwant %q", names, wantNames)
			}
			for _, c := range cols {
				for _, w := range c.want {
					f, _ := sc.FieldsByName(w.name)
					if len(f) != 1 || !arrow.TypeEqual(f[0].Type, w.typ) {
						t.Errorf("column %s: type %v, want %v", w.name, f, w.typ)
						continue
					}
					g := got[w.name]
					if len(g) != len(w.vals) {
						t.Errorf("column %s: %d rows, want %d", w.name, len(g), len(w.vals))
						continue
					}
					for r := range g {
						if !pqSame(g[r], w.vals[r]) {
							t.Errorf("column %s row %d: got %#v, want %#v", w.name, r, g[r], w.vals[r])
						}
					}
				}
			}
		})
	}
}

// TestParquetArrowSchemaTypes reads files that carry ARROW:schema, where pqarrow restores
// Arrow-only types (dictionary, large string, large binary, date64) that plain Parquet
// types never produce; they normalise like their plain counterparts.
func TestParquetArrowSchemaTypes(t *testing.T) {
	mem := memory.DefaultAllocator
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: pqStr}
	db := array.NewDictionaryBuilder(mem, dictType).(*array.BinaryDictionaryBuilder)
	defer db.Release()
	for _, v := range []string{"red", "blue", "", "red"} {
		if err := db.AppendString(v); err != nil {
			t.Fatal(err)
		}
	}
	db.AppendNull()
	dict := db.NewArray()
	defer dict.Release()
	mk := func(dt arrow.DataType, js string) arrow.Array {
		a, _, err := array.FromJSON(mem, dt, strings.NewReader(js))
		if err != nil {
			t.Fatalf("%s: %v", dt, err)
		}
		return a
	}
	cols := []arrow.Array{
		dict,
		mk(arrow.BinaryTypes.LargeString, `["a", null, "é", "", "z"]`),
		mk(arrow.BinaryTypes.LargeBinary, `["b2s=", null, "/w==", "", "eg=="]`),
		// Parquet stores DATE as days, so only whole days survive the write
		mk(arrow.FixedWidthTypes.Date64, `[0, -86400000, 86400000, null, 1729987200000]`),
	}
	for _, c := range cols[1:] {
		defer c.Release()
	}
	fields := []arrow.Field{
		{Name: "dict", Type: dictType, Nullable: true},
		{Name: "large", Type: arrow.BinaryTypes.LargeString, Nullable: true},
		{Name: "lbin", Type: arrow.BinaryTypes.LargeBinary, Nullable: true},
		{Name: "d64", Type: arrow.FixedWidthTypes.Date64, Nullable: true},
	}
	rec := array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, 5)
	defer rec.Release()
	data := pqWrite(t, pqWriteOpts{storeSchema: true, dictionary: true}, rec)
	_, got, _, err := pqRead(t, "arrow.parquet", data, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]any{
		"dict":  {"red", "blue", "", "red", nil},
		"large": {"a", nil, "é", "", "z"},
		"lbin":  {"ok", nil, "\uFFFD", "", "z"},
		"d64":   {"1970-01-01", "1969-12-31", "1970-01-02", nil, "2024-10-27"},
	}
	for name, w := range want {
		if !reflect.DeepEqual(got[name], w) {
			t.Errorf("column %s: got %#v, want %#v", name, got[name], w)
		}
	}
}

// pqIDBatch is a batch of rows ids first..first+n-1 with a string column.
func pqIDBatch(first, n int) arrow.RecordBatch {
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: pqI64},
		{Name: "name", Type: pqStr, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	for i := first; i < first+n; i++ {
		b.Field(0).(*array.Int64Builder).Append(int64(i))
		if i%7 == 0 {
			b.Field(1).AppendNull()
		} else {
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("n%d", i))
		}
	}
	return b.NewRecordBatch()
}

// TestParquetRowGroupsAndBatches checks that batches come in file order, never span a row
// group, hold at most batchRows rows, and that together they hold every row once.
func TestParquetRowGroupsAndBatches(t *testing.T) {
	rec := pqIDBatch(0, 1000)
	defer rec.Release()
	data := pqWrite(t, pqWriteOpts{rowGroupRows: 300}, rec) // row groups of 300, 300, 300, 100
	for _, tc := range []struct {
		batchRows int
		want      [][2]int // (row group, rows) per batch
	}{
		{128, [][2]int{{0, 128}, {0, 128}, {0, 44}, {1, 128}, {1, 128}, {1, 44}, {2, 128}, {2, 128}, {2, 44}, {3, 100}}},
		{300, [][2]int{{0, 300}, {1, 300}, {2, 300}, {3, 100}}},
		{0, [][2]int{{0, 300}, {1, 300}, {2, 300}, {3, 100}}}, // default batch size exceeds the row groups
		{1000, [][2]int{{0, 300}, {1, 300}, {2, 300}, {3, 100}}},
	} {
		t.Run(fmt.Sprint(tc.batchRows), func(t *testing.T) {
			_, got, batches, err := pqRead(t, "ids.parquet", data, tc.batchRows)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(batches, tc.want) {
				t.Errorf("batches %v, want %v", batches, tc.want)
			}
			ids, names := got["id"], got["name"]
			if len(ids) != 1000 || len(names) != 1000 {
				t.Fatalf("%d ids, %d names, want 1000", len(ids), len(names))
			}
			for i := range 1000 {
				var wantName any = fmt.Sprintf("n%d", i)
				if i%7 == 0 {
					wantName = nil
				}
				if ids[i] != int64(i) || names[i] != wantName {
					t.Fatalf("row %d: id %v name %v, want %d %v", i, ids[i], names[i], i, wantName)
				}
			}
		})
	}
}

// TestParquetYieldError checks that an error from yield stops the read and comes back as is.
func TestParquetYieldError(t *testing.T) {
	rec := pqIDBatch(0, 100)
	defer rec.Release()
	data := pqWrite(t, pqWriteOpts{rowGroupRows: 10}, rec)
	stop := errors.New("stop")
	calls := 0
	err := ReadParquet("ids.parquet", bytes.NewReader(data), 0, nil, func(int, arrow.RecordBatch) error {
		calls++
		if calls == 3 {
			return stop
		}
		return nil
	})
	if err != stop || calls != 3 {
		t.Fatalf("err %v after %d calls, want stop after 3", err, calls)
	}
}

// TestParquetRetainedBatch checks that a batch retained by yield stays valid after the read.
func TestParquetRetainedBatch(t *testing.T) {
	rec := pqIDBatch(0, 50)
	defer rec.Release()
	data := pqWrite(t, pqWriteOpts{}, rec)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var kept []arrow.RecordBatch
	err := ReadParquet("ids.parquet", bytes.NewReader(data), 20, mem, func(_ int, rec arrow.RecordBatch) error {
		rec.Retain()
		kept = append(kept, rec)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 3 {
		t.Fatalf("%d batches, want 3", len(kept))
	}
	if v := kept[2].Column(0).(*array.Int64).Value(9); v != 49 {
		t.Errorf("last id %d, want 49", v)
	}
	for _, r := range kept {
		r.Release()
	}
}

// TestParquetUint64Overflow checks the one value-level error: a UINT_64 above MaxInt64, reported
// with its row group, column and 1-based row in the file.
func TestParquetUint64Overflow(t *testing.T) {
	a, _, err := array.FromJSON(memory.DefaultAllocator, arrow.PrimitiveTypes.Uint64,
		strings.NewReader(`[1, 2, 3, null, 5, "9223372036854775808"]`))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "count", Type: a.DataType(), Nullable: true}}, nil), []arrow.Array{a}, 6)
	defer rec.Release()
	data := pqWrite(t, pqWriteOpts{rowGroupRows: 4}, rec)
	_, _, batches, err := pqRead(t, "u64.parquet", data, 0)
	var e *Error
	if !errors.As(err, &e) || !errors.Is(err, ErrBadInput) {
		t.Fatalf("err %v, want *Error wrapping ErrBadInput", err)
	}
	if e.File != "u64.parquet" || e.Record != 6 || !strings.Contains(e.Msg, "row group 1 column count row 6") || !strings.Contains(e.Msg, "9223372036854775808") {
		t.Errorf("error %q (record %d)", err, e.Record)
	}
	if !reflect.DeepEqual(batches, [][2]int{{0, 4}}) {
		t.Errorf("batches before the error %v, want the first row group", batches)
	}
}

// TestParquetDuplicateFlattenedName checks that a struct leaf colliding with a dotted top-level
// name is refused rather than producing two columns of one name.
func TestParquetDuplicateFlattenedName(t *testing.T) {
	a, _, err := array.FromJSON(memory.DefaultAllocator, arrow.StructOf(arrow.Field{Name: "b", Type: pqI64, Nullable: true}),
		strings.NewReader(`[{"b": 1}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	b, _, _ := array.FromJSON(memory.DefaultAllocator, pqI64, strings.NewReader(`[2]`))
	defer b.Release()
	sc := arrow.NewSchema([]arrow.Field{{Name: "a", Type: a.DataType(), Nullable: true}, {Name: "a.b", Type: pqI64, Nullable: true}}, nil)
	rec := array.NewRecordBatch(sc, []arrow.Array{a, b}, 1)
	defer rec.Release()
	data := pqWrite(t, pqWriteOpts{}, rec)
	_, err = ParquetColumns("dup.parquet", bytes.NewReader(data))
	if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), `"a.b"`) || !strings.Contains(err.Error(), "dup.parquet") {
		t.Fatalf("err %v, want a bad-input error naming a.b and the file", err)
	}
}

// pqSmallFile is a valid file with a few row groups and types, for corruption tests.
func pqSmallFile(t testing.TB) []byte {
	t.Helper()
	cols := pqTypedColumns()
	rec := pqTypedBatch(t, cols)
	defer rec.Release()
	return pqWrite(t, pqWriteOpts{rowGroupRows: 2, dictionary: true}, rec)
}

// TestParquetCorrupt checks that broken files give an error wrapping ErrBadInput, naming the
// file and saying what is wrong, and never a panic.
func TestParquetCorrupt(t *testing.T) {
	good := pqSmallFile(t)
	footerLen := int(uint32(good[len(good)-8]) | uint32(good[len(good)-7])<<8 | uint32(good[len(good)-6])<<16 | uint32(good[len(good)-5])<<24)
	rng := rand.New(rand.NewPCG(1, 1))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	with := func(b []byte, at int, v ...byte) []byte {
		c := bytes.Clone(b)
		copy(c[at:], v)
		return c
	}
	for _, tc := range []struct {
		name string
		data []byte
		msg  string // substring of the message
	}{
		{"zero length", nil, "empty file"},
		{"shorter than framing", []byte("PAR1PAR1"), "too short"},
		{"random bytes", random, "bad magic"},
		{"csv text", []byte("a,b,c\n1,2,3\n4,5,6\n"), "bad magic"},
		{"bad leading magic", with(good, 0, 'X'), `bad magic: file starts with "XAR1"`},
		{"bad trailing magic", with(good, len(good)-1, 'X'), "bad magic at end"},
		{"truncated tail", good[:len(good)-1], "bad magic at end"},
		{"truncated half", good[:len(good)/2], "bad magic at end"},
		{"encrypted footer", with(good, len(good)-4, 'P', 'A', 'R', 'E'), "encrypted"},
		{"footer length too large", with(good, len(good)-8, 0xff, 0xff, 0xff, 0x7f), "footer length"},
		{"footer length zero", with(good, len(good)-8, 0, 0, 0, 0), "footer length"},
		{"footer garbage", with(good, len(good)-8-footerLen, bytes.Repeat([]byte{0xff}, footerLen)...), "footer"},
		{"first half of the data cut out", append([]byte("PAR1"), good[4+(len(good)-8-footerLen-4)/2:]...), "row group"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, _, err := pqRead(t, "broken.parquet", tc.data, 3)
			if !errors.Is(err, ErrBadInput) {
				t.Fatalf("err %v, want one wrapping ErrBadInput", err)
			}
			if !strings.Contains(err.Error(), "broken.parquet") || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not name the file and say %q", err, tc.msg)
			}
			t.Log(err)
		})
	}
}

// TestParquetCorruptDataPages flips bytes inside the column chunks, where Parquet has no
// checksum to catch every change: each read must end in a bad-input error or succeed, never
// panic or return another kind of error.
func TestParquetCorruptDataPages(t *testing.T) {
	good := pqSmallFile(t)
	footerLen := int(uint32(good[len(good)-8]) | uint32(good[len(good)-7])<<8 | uint32(good[len(good)-6])<<16 | uint32(good[len(good)-5])<<24)
	dataEnd := len(good) - 8 - footerLen
	rng := rand.New(rand.NewPCG(2, 2))
	failed, panicked := 0, 0
	const tries = 300
	for i := range tries {
		c := bytes.Clone(good)
		for range 1 + rng.IntN(4) {
			c[4+rng.IntN(dataEnd-4)] = byte(rng.UintN(256))
		}
		err := pqReadDicts("flipped.parquet", c, 3, nil, i%2 == 1, func(_ int, rec arrow.RecordBatch) error {
			for _, col := range rec.Columns() {
				pqValues(t, col) // every cell is readable
			}
			return nil
		})
		if err != nil {
			failed++
			if strings.Contains(err.Error(), "reader failed") {
				panicked++
			}
			if !errors.Is(err, ErrBadInput) || !strings.Contains(err.Error(), "flipped.parquet") {
				t.Fatalf("try %d: err %v, want a bad-input error naming the file", i, err)
			}
		}
	}
	// Most flips hit headers, levels, snappy framing or dictionary indices and are detected; a
	// flip in a plain value just changes the value. Seeing no failure would mean the test
	// corrupts nothing.
	if failed == 0 {
		t.Fatalf("no corruption detected in %d tries", tries)
	}
	t.Logf("%d of %d corrupted files rejected (%d of them by a recovered library panic), the rest decoded", failed, tries, panicked)
}

// TestParquetYieldPanicPropagates checks that a panic in the caller's yield is not mistaken for
// corrupt data.
func TestParquetYieldPanicPropagates(t *testing.T) {
	rec := pqIDBatch(0, 10)
	defer rec.Release()
	data := pqWrite(t, pqWriteOpts{}, rec)
	defer func() {
		if p := recover(); p != "caller bug" {
			t.Fatalf("recovered %v, want the caller's panic", p)
		}
	}()
	_ = ReadParquet("ids.parquet", bytes.NewReader(data), 0, nil, func(int, arrow.RecordBatch) error { panic("caller bug") })
	t.Fatal("no panic")
}

// TestParquetNullStructMasksChildren feeds the normaliser a struct whose children hold valid
// values under null struct rows. pqarrow never reads such arrays from a file (children of a null
// group are null there too), but Arrow allows them, and a flattened leaf must be null wherever
// any ancestor is null. Every leaf type's masked path is covered.
func TestParquetNullStructMasksChildren(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	js := func(dt arrow.DataType, s string) arrow.Array {
		a, _, err := array.FromJSON(mem, dt, strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	// validity bitmap 0b1101: row 1 is null
	bitmap := func() *memory.Buffer { return memory.NewBufferBytes([]byte{0b1101}) }
	innerCols := []arrow.Array{js(pqI64, `[10, 11, 12, 13]`)}
	inner, err := array.NewStructArrayWithNulls(innerCols, []string{"z"}, memory.NewBufferBytes([]byte{0b0111}), 1, 0) // row 3 null
	if err != nil {
		t.Fatal(err)
	}
	cols := []arrow.Array{
		js(arrow.PrimitiveTypes.Int32, `[1, 2, 3, null]`),
		js(pqI64, `[1, 2, 3, 4]`),
		js(pqF64, `[0.5, 1.5, 2.5, 3.5]`),
		js(pqBool, `[true, true, false, false]`),
		js(pqStr, `["a", "b", "c", "d"]`),
		js(arrow.ListOf(pqI64), `[[1], [2], [], null]`),
		inner,
	}
	st, err := array.NewStructArrayWithNulls(cols, []string{"i32", "i64", "f", "b", "s", "l", "in"}, bitmap(), 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cols {
		c.Release()
	}
	innerCols[0].Release()
	defer st.Release()
	plan, err := newPQPlan(arrow.NewSchema([]arrow.Field{{Name: "st", Type: st.DataType(), Nullable: true}}, nil))
	if err != nil {
		t.Fatal(err)
	}
	out, err := plan.normalise([]arrow.Array{st}, mem)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]any{
		"st.i32":  {int64(1), nil, int64(3), nil},
		"st.i64":  {int64(1), nil, int64(3), int64(4)},
		"st.f":    {0.5, nil, 2.5, 3.5},
		"st.b":    {true, nil, false, false},
		"st.s":    {"a", nil, "c", "d"},
		"st.l":    {"[1]", nil, "[]", nil},
		"st.in.z": {int64(10), nil, int64(12), nil},
	}
	for i, f := range plan.schema.Fields() {
		if got := pqValues(t, out[i]); !reflect.DeepEqual(got, want[f.Name]) {
			t.Errorf("column %s: got %#v, want %#v", f.Name, got, want[f.Name])
		}
		out[i].Release()
	}
	if len(plan.schema.Fields()) != len(want) {
		t.Errorf("%d columns, want %d", len(plan.schema.Fields()), len(want))
	}
}

// pqCloseSpy is a ReaderAtSeeker that records being closed.
type pqCloseSpy struct {
	*bytes.Reader
	closed bool
}

func (s *pqCloseSpy) Close() error { s.closed = true; return nil }

// TestParquetLeavesReaderOpen checks that the caller's reader is not closed (the library's
// file.Reader.Close would close an io.Closer), so ParquetColumns and ReadParquet can share one
// open file.
func TestParquetLeavesReaderOpen(t *testing.T) {
	rec := pqIDBatch(0, 10)
	defer rec.Release()
	r := &pqCloseSpy{Reader: bytes.NewReader(pqWrite(t, pqWriteOpts{}, rec))}
	if _, err := ParquetColumns("ids.parquet", r); err != nil {
		t.Fatal(err)
	}
	if err := ReadParquet("ids.parquet", r, 0, nil, func(int, arrow.RecordBatch) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if r.closed {
		t.Error("the caller's reader was closed")
	}
}

// TestParquetFileSharedFooter: one OpenParquet, then each row group read by its own goroutine over
// its own handle (ReadGroups), gives every row group's rows exactly as ReadParquet does — the
// footer decoded once and shared, the readers' state not.
func TestParquetFileSharedFooter(t *testing.T) {
	rec := pqIDBatch(0, 1000)
	defer rec.Release()
	data := pqWrite(t, pqWriteOpts{rowGroupRows: 120}, rec) // 9 row groups
	want := map[int][]any{}
	if err := ReadParquet("ids.parquet", bytes.NewReader(data), 50, nil, func(rg int, b arrow.RecordBatch) error {
		for c := range int(b.NumCols()) {
			want[rg] = append(want[rg], pqValues(t, b.Column(c))...)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	pf, err := OpenParquet("ids.parquet", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if got := pf.Schema().NumFields(); got != 2 {
		t.Fatalf("schema of %d fields, want 2", got)
	}
	pool := NewPool(8 << 20)
	got := make([][]any, 9)
	var wg sync.WaitGroup
	errs := make([]error, 9)
	for rg := range 9 {
		wg.Go(func() {
			errs[rg] = pf.ReadGroups(bytes.NewReader(data), 50, nil, pool, func(g int) bool { return g == rg },
				func(g int, b arrow.RecordBatch) error {
					if g != rg {
						return fmt.Errorf("batch of row group %d, asked for %d", g, rg)
					}
					for c := range int(b.NumCols()) {
						got[rg] = append(got[rg], pqValues(t, b.Column(c))...)
					}
					return nil
				})
		})
	}
	wg.Wait()
	for rg := range 9 {
		if errs[rg] != nil {
			t.Fatalf("row group %d: %v", rg, errs[rg])
		}
		if !reflect.DeepEqual(got[rg], want[rg]) {
			t.Fatalf("row group %d: %d cells differ from ReadParquet's %d", rg, len(got[rg]), len(want[rg]))
		}
	}
	if len(want) != 9 {
		t.Fatalf("ReadParquet gave %d row groups, want 9", len(want))
	}
}

// TestPackBools packs bools of every length from 0 to 80, random and all true, against bit-by-bit
// packing.
func TestPackBools(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	for n := range 81 {
		for _, all := range []bool{false, true} {
			bools := make([]bool, n)
			want := make([]byte, (n+7)/8)
			for k := range bools {
				bools[k] = all || r.IntN(2) == 0
				if bools[k] {
					want[k/8] |= 1 << (k % 8)
				}
			}
			got := make([]byte, (n+7)/8)
			packBools(got, bools)
			if !bytes.Equal(got, want) {
				t.Fatalf("%d bools (all true %v): %08b, want %08b", n, all, got, want)
			}
		}
	}
}
