package decode

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
)

// The tests in this file check ReadParquet against an independent Parquet implementation: the
// files are written by arrow-go (pqarrow, or its low-level column writers for the legacy layouts
// pqarrow never writes), and the expected batches are what arrow-go's own reader (pqarrow) reads
// from the same bytes, normalised by the same rules. Every page encoding, codec and page version
// arrow-go can write is covered, with nulls at every nesting level, pages far smaller than a row
// group (so repeated rows span pages) and several row groups.

// pqOracle reads data with pqarrow and normalises it: the columns ReadParquet must return.
func pqOracle(t testing.TB, data []byte) (*arrow.Schema, map[string][]any) {
	t.Helper()
	pr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	fr, err := pqarrow.NewFileReader(pr, pqarrow.ArrowReadProperties{BatchSize: 1 << 20}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	top := make([]arrow.Array, tbl.NumCols())
	for i := range top {
		a, err := array.Concatenate(tbl.Column(i).Data().Chunks(), memory.DefaultAllocator)
		if err != nil {
			t.Fatal(err)
		}
		defer a.Release()
		top[i] = a
	}
	plan, err := newPQPlan(tbl.Schema())
	if err != nil {
		t.Fatal(err)
	}
	cols, err := plan.normalise(top, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]any{}
	for i, f := range plan.schema.Fields() {
		out[f.Name] = pqValues(t, cols[i])
		cols[i].Release()
	}
	return plan.schema, out
}

// pqCheckAgainstOracle reads data with ReadParquet at several batch sizes and compares every
// cell with the oracle.
func pqCheckAgainstOracle(t *testing.T, data []byte, batchSizes ...int) {
	t.Helper()
	wantSchema, want := pqOracle(t, data)
	for _, batchRows := range batchSizes {
		sc, got, _, err := pqRead(t, "formats.parquet", data, batchRows)
		if err != nil {
			t.Fatalf("batches of %d: %v", batchRows, err)
		}
		if !sc.Equal(wantSchema) {
			t.Fatalf("batches of %d: schema\n%v\nwant (pqarrow)\n%v", batchRows, sc, wantSchema)
		}
		pqCompareCells(t, fmt.Sprintf("batches of %d", batchRows), "pqarrow reads", got, want)
		// The same cells with dictionary arrays.
		_, got, _, _, err = pqReadWith(t, "formats.parquet", data, batchRows, true)
		if err != nil {
			t.Fatalf("batches of %d, dictionaries: %v", batchRows, err)
		}
		pqCompareCells(t, fmt.Sprintf("batches of %d, dictionaries", batchRows), "pqarrow reads", got, want)
	}
}

// pqRandomBatch builds rows of every type family with nulls at every level, from a fixed seed.
func pqRandomBatch(t testing.TB, rows int, seed uint64) arrow.RecordBatch {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, seed))
	st := arrow.StructOf(
		arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		arrow.Field{Name: "y", Type: arrow.ListOf(arrow.PrimitiveTypes.Float64), Nullable: true},
		arrow.Field{Name: "z", Type: arrow.StructOf(arrow.Field{Name: "w", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
	)
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "i64req", Type: arrow.PrimitiveTypes.Int64},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "u16", Type: arrow.PrimitiveTypes.Uint16, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "s_low", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "s_high", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bin", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		{Name: "fsb", Type: &arrow.FixedSizeBinaryType{ByteWidth: 5}, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 18, Scale: 3}, Nullable: true},
		{Name: "date", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "ls", Type: arrow.ListOf(arrow.BinaryTypes.String), Nullable: true},
		{Name: "ll", Type: arrow.ListOf(arrow.ListOf(arrow.PrimitiveTypes.Int32)), Nullable: true},
		{Name: "st", Type: st, Nullable: true},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64), Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	null := func() bool { return rng.IntN(7) == 0 }
	word := func(n int) string {
		w := make([]byte, n)
		for i := range w {
			w[i] = byte('a' + rng.IntN(26))
		}
		return string(w)
	}
	int64s := []int64{math.MinInt64, math.MaxInt64, 0, -1, 1}
	anyInt64 := func() int64 {
		if rng.IntN(5) == 0 {
			return int64s[rng.IntN(len(int64s))]
		}
		return int64(rng.Uint64())
	}
	var listInt func(lb *array.ListBuilder, depth int)
	listInt = func(lb *array.ListBuilder, depth int) {
		if null() {
			lb.AppendNull()
			return
		}
		lb.Append(true)
		for range rng.IntN(4) {
			switch vb := lb.ValueBuilder().(type) {
			case *array.ListBuilder:
				listInt(vb, depth+1)
			case *array.Int32Builder:
				if null() {
					vb.AppendNull()
				} else {
					vb.Append(rng.Int32N(1000) - 500)
				}
			}
		}
	}
	for range rows {
		for i, fb := range b.Fields() {
			if sc.Field(i).Nullable && null() {
				fb.AppendNull()
				continue
			}
			switch i {
			case 0, 1:
				fb.(*array.Int64Builder).Append(anyInt64())
			case 2:
				fb.(*array.Int32Builder).Append(int32(rng.Uint32()))
			case 3:
				fb.(*array.Uint16Builder).Append(uint16(rng.Uint32()))
			case 4:
				fb.(*array.Float64Builder).Append(rng.NormFloat64() * 1e3)
			case 5:
				fb.(*array.Float32Builder).Append(float32(rng.NormFloat64()))
			case 6:
				fb.(*array.StringBuilder).Append([]string{"red", "green", "blue", "", "é"}[rng.IntN(5)])
			case 7:
				fb.(*array.StringBuilder).Append(word(rng.IntN(40)))
			case 8:
				v := make([]byte, rng.IntN(6))
				for k := range v {
					v[k] = byte(rng.Uint32())
				}
				fb.(*array.BinaryBuilder).Append(v)
			case 9:
				fb.(*array.BooleanBuilder).Append(rng.IntN(3) == 0)
			case 10:
				fb.(*array.FixedSizeBinaryBuilder).Append([]byte(word(5)))
			case 11:
				fb.(*array.TimestampBuilder).Append(arrow.Timestamp(rng.Int64N(4e15) - 1e15))
			case 12:
				fb.(*array.Decimal128Builder).Append(decimal128.FromI64(rng.Int64N(2e15) - 1e15))
			case 13:
				fb.(*array.Date32Builder).Append(arrow.Date32(rng.Int32N(40000) - 10000))
			case 14:
				lb := fb.(*array.ListBuilder)
				lb.Append(true)
				vb := lb.ValueBuilder().(*array.Int64Builder)
				for range rng.IntN(5) {
					if null() {
						vb.AppendNull()
					} else {
						vb.Append(anyInt64())
					}
				}
			case 15:
				lb := fb.(*array.ListBuilder)
				lb.Append(true)
				vb := lb.ValueBuilder().(*array.StringBuilder)
				for range rng.IntN(5) {
					if null() {
						vb.AppendNull()
					} else {
						vb.Append(word(rng.IntN(8)))
					}
				}
			case 16:
				listInt(fb.(*array.ListBuilder), 0)
			case 17:
				sb := fb.(*array.StructBuilder)
				sb.Append(true)
				if null() {
					sb.FieldBuilder(0).AppendNull()
				} else {
					sb.FieldBuilder(0).(*array.Int32Builder).Append(rng.Int32N(100))
				}
				yb := sb.FieldBuilder(1).(*array.ListBuilder)
				if null() {
					yb.AppendNull()
				} else {
					yb.Append(true)
					for range rng.IntN(4) {
						yb.ValueBuilder().(*array.Float64Builder).Append(float64(rng.IntN(100)) / 4)
					}
				}
				zb := sb.FieldBuilder(2).(*array.StructBuilder)
				if null() {
					zb.AppendNull()
				} else {
					zb.Append(true)
					if null() {
						zb.FieldBuilder(0).AppendNull()
					} else {
						zb.FieldBuilder(0).(*array.StringBuilder).Append(word(3))
					}
				}
			case 18:
				mb := fb.(*array.MapBuilder)
				mb.Append(true)
				for k := range rng.IntN(4) {
					mb.KeyBuilder().(*array.StringBuilder).Append(fmt.Sprintf("k%d", k))
					if null() {
						mb.ItemBuilder().AppendNull()
					} else {
						mb.ItemBuilder().(*array.Int64Builder).Append(anyInt64())
					}
				}
			}
		}
	}
	return b.NewRecordBatch()
}

// TestParquetFormatsAgainstPqarrow writes the same rows with every codec, both data page
// versions and every encoding arrow-go writes, and checks ReadParquet against pqarrow's reading.
func TestParquetFormatsAgainstPqarrow(t *testing.T) {
	rec := pqRandomBatch(t, 1500, 1)
	defer rec.Release()
	codecs := []compress.Compression{compress.Codecs.Uncompressed, compress.Codecs.Snappy, compress.Codecs.Gzip,
		compress.Codecs.Brotli, compress.Codecs.Zstd, compress.Codecs.Lz4Raw}
	deltas := []parquet.WriterProperty{
		parquet.WithEncodingFor("i64", parquet.Encodings.DeltaBinaryPacked),
		parquet.WithEncodingFor("i64req", parquet.Encodings.DeltaBinaryPacked),
		parquet.WithEncodingFor("i32", parquet.Encodings.DeltaBinaryPacked),
		parquet.WithEncodingFor("s_low", parquet.Encodings.DeltaLengthByteArray),
		parquet.WithEncodingFor("s_high", parquet.Encodings.DeltaByteArray),
		parquet.WithEncodingFor("bin", parquet.Encodings.DeltaByteArray),
		parquet.WithEncodingFor("f64", parquet.Encodings.ByteStreamSplit),
		parquet.WithEncodingFor("f32", parquet.Encodings.ByteStreamSplit),
		parquet.WithEncodingFor("l.list.element", parquet.Encodings.DeltaBinaryPacked),
		parquet.WithEncodingFor("ls.list.element", parquet.Encodings.DeltaByteArray),
		parquet.WithEncodingFor("st.y.list.element", parquet.Encodings.ByteStreamSplit),
		parquet.WithEncodingFor("b", parquet.Encodings.RLE),
	}
	// the encodings each scenario must have produced (so that a writer default cannot silently
	// turn the test into one more PLAIN test)
	wantDelta := map[string]parquet.Encoding{
		"i64": parquet.Encodings.DeltaBinaryPacked, "s_low": parquet.Encodings.DeltaLengthByteArray,
		"s_high": parquet.Encodings.DeltaByteArray, "f64": parquet.Encodings.ByteStreamSplit,
		"l.list.element": parquet.Encodings.DeltaBinaryPacked, "st.y.list.element": parquet.Encodings.ByteStreamSplit,
		"b": parquet.Encodings.RLE,
	}
	wantDict := map[string]parquet.Encoding{"s_low": parquet.Encodings.RLEDict, "i64": parquet.Encodings.RLEDict}
	type scenario struct {
		name  string
		props []parquet.WriterProperty
		want  map[string]parquet.Encoding
	}
	var scenarios []scenario
	for _, v := range []parquet.DataPageVersion{parquet.DataPageV1, parquet.DataPageV2} {
		for _, c := range codecs {
			scenarios = append(scenarios, scenario{fmt.Sprintf("v%d/%s/plain", v+1, c), []parquet.WriterProperty{
				parquet.WithDataPageVersion(v), parquet.WithCompression(c), parquet.WithDictionaryDefault(false)},
				map[string]parquet.Encoding{"i64": parquet.Encodings.Plain, "s_high": parquet.Encodings.Plain}})
		}
		scenarios = append(scenarios,
			scenario{fmt.Sprintf("v%d/snappy/dictionary", v+1), []parquet.WriterProperty{
				parquet.WithDataPageVersion(v), parquet.WithCompression(compress.Codecs.Snappy), parquet.WithDictionaryDefault(true)}, wantDict},
			scenario{fmt.Sprintf("v%d/zstd/delta+byte-stream-split", v+1), append([]parquet.WriterProperty{
				parquet.WithDataPageVersion(v), parquet.WithCompression(compress.Codecs.Zstd), parquet.WithDictionaryDefault(false)}, deltas...), wantDelta},
		)
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			// 1 KiB pages and 400-row row groups: many pages per chunk, lists across page ends
			props := append([]parquet.WriterProperty{parquet.WithDataPageSize(1 << 10), parquet.WithMaxRowGroupLength(400), parquet.WithBatchSize(64)}, sc.props...)
			var buf bytes.Buffer
			w, err := pqarrow.NewFileWriter(rec.Schema(), &buf, parquet.NewWriterProperties(props...), pqarrow.DefaultWriterProps())
			if err != nil {
				t.Fatal(err)
			}
			if err := w.Write(rec); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			pqCheckEncodings(t, buf.Bytes(), maps.Clone(sc.want))
			pqCheckAgainstOracle(t, buf.Bytes(), 0, 333, 7)
		})
	}
}

// pqCheckEncodings checks that the column chunks of the first row group use the given encodings.
func pqCheckEncodings(t *testing.T, data []byte, want map[string]parquet.Encoding) {
	t.Helper()
	pr, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	rg := pr.MetaData().RowGroup(0)
	for i := range rg.NumColumns() {
		cc, err := rg.ColumnChunk(i)
		if err != nil {
			t.Fatal(err)
		}
		path := cc.PathInSchema().String()
		if enc, ok := want[path]; ok && !slices.Contains(cc.Encodings(), enc) {
			t.Errorf("column %s written with %v, want %v among them", path, cc.Encodings(), enc)
		}
		delete(want, path)
	}
	if len(want) > 0 {
		t.Errorf("columns %v not in the file", want)
	}
}

// TestParquetInt96AgainstPqarrow checks INT96 timestamps (Impala and old Spark), nanoseconds
// included, before 1970 and after.
func TestParquetInt96AgainstPqarrow(t *testing.T) {
	a, _, err := array.FromJSON(memory.DefaultAllocator, &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "UTC"},
		bytes.NewReader([]byte(`[0, -1, 1730050771123456789, null, -86400000000000, 946684800123456789]`)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()
	rec := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{{Name: "ts", Type: a.DataType(), Nullable: true}}, nil), []arrow.Array{a}, int64(a.Len()))
	defer rec.Release()
	var buf bytes.Buffer
	w, err := pqarrow.NewFileWriter(rec.Schema(), &buf, parquet.NewWriterProperties(), pqarrow.NewArrowWriterProperties(pqarrow.WithDeprecatedInt96Timestamps(true)))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_, got, _, err := pqRead(t, "int96.parquet", buf.Bytes(), 0)
	if err != nil {
		t.Fatal(err)
	}
	// Spark's rendering of these instants (microseconds, trailing zeros dropped), by hand.
	// 946684800 s is 2000-01-01 00:00:00 UTC.
	want := []any{"1970-01-01 00:00:00", "1969-12-31 23:59:59.999999", "2024-10-27 17:39:31.123456", nil,
		"1969-12-31 00:00:00", "2000-01-01 00:00:00.123456"}
	for i, w := range want {
		if got["ts"][i] != w {
			t.Errorf("row %d: got %#v, want %#v", i, got["ts"][i], w)
		}
	}
	pqCheckAgainstOracle(t, buf.Bytes(), 0, 2)
}

// pqLowLevelFile writes one row group with arrow-go's column writers: write is called once per
// column, in schema order, with that column's writer.
func pqLowLevelFile(t *testing.T, root *schema.GroupNode, write func(col int, cw file.ColumnChunkWriter)) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := file.NewParquetWriter(&buf, root, file.WithWriterProps(parquet.NewWriterProperties(parquet.WithDictionaryDefault(false))))
	rg, err := w.AppendRowGroupChecked()
	if err != nil {
		t.Fatal(err)
	}
	for col := range schema.NewSchema(root).NumColumns() {
		cw, err := rg.NextColumn()
		if err != nil {
			t.Fatal(err)
		}
		write(col, cw)
		if err := cw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := rg.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestParquetLegacyListLayouts reads the list and map layouts older writers produce (parquet-format
// LogicalTypes.md, backward-compatibility rules), which pqarrow never writes: a repeated field
// outside any LIST group, two-level lists of primitives and of groups ("array", "<name>_tuple"),
// and MAP_KEY_VALUE maps. Levels are written by hand; pqarrow's reading is the oracle, and the
// JSON text of the first rows is also checked by hand.
func TestParquetLegacyListLayouts(t *testing.T) {
	rep, opt, req := parquet.Repetitions.Repeated, parquet.Repetitions.Optional, parquet.Repetitions.Required
	i32 := func(name string, r parquet.Repetition) schema.Node {
		return must(schema.NewPrimitiveNode(name, r, parquet.Types.Int32, -1, -1))
	}
	str := func(name string, r parquet.Repetition) schema.Node {
		return must(schema.NewPrimitiveNodeConverted(name, r, parquet.Types.ByteArray, schema.ConvertedTypes.UTF8, 0, 0, 0, -1))
	}
	root := must(schema.NewGroupNode("schema", req, schema.FieldList{
		// repeated int32 bare; (no annotation): a list of required ints, never null
		i32("bare", rep),
		// optional group two (LIST) { repeated int32 element; }
		must(schema.NewGroupNodeConverted("two", opt, schema.FieldList{i32("element", rep)}, schema.ConvertedTypes.List, -1)),
		// optional group pairs (LIST) { repeated group array { required int32 a; optional binary b (UTF8); } }
		must(schema.NewGroupNodeConverted("pairs", opt, schema.FieldList{
			must(schema.NewGroupNode("array", rep, schema.FieldList{i32("a", req), str("b", opt)}, -1))}, schema.ConvertedTypes.List, -1)),
		// optional group tup (LIST) { repeated group tup_tuple { required int32 a; } }
		must(schema.NewGroupNodeConverted("tup", opt, schema.FieldList{
			must(schema.NewGroupNode("tup_tuple", rep, schema.FieldList{i32("a", req)}, -1))}, schema.ConvertedTypes.List, -1)),
		// optional group kv (MAP_KEY_VALUE) { repeated group map { required binary key (UTF8); optional int32 value; } }
		must(schema.NewGroupNodeConverted("kv", opt, schema.FieldList{
			must(schema.NewGroupNode("map", rep, schema.FieldList{str("key", req), i32("value", opt)}, -1))}, schema.ConvertedTypes.MapKeyValue, -1)),
	}, -1))
	// Three rows:
	//   bare [1, 2]      two [10, 11]   pairs [{1,"x"}, {2,null}]   tup [{5}]   kv {"a":1, "b":null}
	//   bare []          two null       pairs []                    tup null    kv {}
	//   bare [3]         two []         pairs null                  tup []      kv null
	data := pqLowLevelFile(t, root, func(col int, cw file.ColumnChunkWriter) {
		var err error
		switch col {
		case 0: // bare: def 1 = element present
			_, err = cw.(*file.Int32ColumnChunkWriter).WriteBatch([]int32{1, 2, 3}, []int16{1, 1, 0, 1}, []int16{0, 1, 0, 0})
		case 1: // two.element: def 0 null list, 1 empty, 2 element
			_, err = cw.(*file.Int32ColumnChunkWriter).WriteBatch([]int32{10, 11}, []int16{2, 2, 0, 1}, []int16{0, 1, 0, 0})
		case 2: // pairs.array.a (required): def 2 = element
			_, err = cw.(*file.Int32ColumnChunkWriter).WriteBatch([]int32{1, 2}, []int16{2, 2, 1, 0}, []int16{0, 1, 0, 0})
		case 3: // pairs.array.b (optional): def 3 = value
			_, err = cw.(*file.ByteArrayColumnChunkWriter).WriteBatch([]parquet.ByteArray{parquet.ByteArray("x")}, []int16{3, 2, 1, 0}, []int16{0, 1, 0, 0})
		case 4: // tup.tup_tuple.a
			_, err = cw.(*file.Int32ColumnChunkWriter).WriteBatch([]int32{5}, []int16{2, 0, 1}, []int16{0, 0, 0})
		case 5: // kv.map.key
			_, err = cw.(*file.ByteArrayColumnChunkWriter).WriteBatch([]parquet.ByteArray{parquet.ByteArray("a"), parquet.ByteArray("b")}, []int16{2, 2, 1, 0}, []int16{0, 1, 0, 0})
		case 6: // kv.map.value: def 3 = value
			_, err = cw.(*file.Int32ColumnChunkWriter).WriteBatch([]int32{1}, []int16{3, 2, 1, 0}, []int16{0, 1, 0, 0})
		}
		if err != nil {
			t.Fatal(err)
		}
	})
	_, got, _, err := pqRead(t, "legacy.parquet", data, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]any{
		"bare":  {"[1,2]", "[]", "[3]"},
		"two":   {"[10,11]", nil, "[]"},
		"pairs": {`[{"a":1,"b":"x"},{"a":2,"b":null}]`, "[]", nil},
		"tup":   {`[{"a":5}]`, nil, "[]"},
		"kv":    {`{"a":1,"b":null}`, "{}", nil},
	}
	for name, w := range want {
		for r := range w {
			if got[name][r] != w[r] {
				t.Errorf("column %s row %d: got %#v, want %#v", name, r, got[name][r], w[r])
			}
		}
	}
	pqCheckAgainstOracle(t, data, 0, 1)
}

// pqCompareCells fails t at the first cell of got (column name → values) that differs from want,
// naming where (what) and the other side (other: e.g. "pqarrow reads"); it returns the cells compared.
func pqCompareCells(t testing.TB, what, other string, got, want map[string][]any) int {
	t.Helper()
	cells := 0
	for name, w := range want {
		g := got[name]
		if len(g) != len(w) {
			t.Fatalf("%s: column %s has %d rows, want %d", what, name, len(g), len(w))
		}
		for r := range w {
			if !pqSame(g[r], w[r]) {
				t.Fatalf("%s: column %s row %d: got %#v, %s %#v", what, name, r, g[r], other, w[r])
			}
			cells++
		}
	}
	return cells
}

// TestParquetDictionaryArrays reads dictionary-encoded columns as dictionary arrays
// (ParquetFile.Dictionaries) and checks every cell against the same read without them: a string
// column of few values with nulls, one without nulls, one whose writer fell back to PLAIN pages
// part-way through each chunk (a batch then mixes both), binary values that are not UTF-8 (read
// as text of their own, not as a dictionary), INT64, INT32 (widened), DOUBLE (NaN, -0, infinities)
// and FLOAT columns, and a timestamp (not kept: it normalises to text).
func TestParquetDictionaryArrays(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "few", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "nonull", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "fallback", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "bad", Type: arrow.BinaryTypes.Binary, Nullable: true},
		{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	const rows = 3000
	for i := range rows {
		few := b.Field(0).(*array.StringBuilder)
		if rng.IntN(9) == 0 {
			few.AppendNull()
		} else {
			few.Append([]string{"Phoenix", "Omaha", "", "7", "Ünïcode"}[rng.IntN(5)])
		}
		b.Field(1).(*array.StringBuilder).Append([]string{"a", "bb", "ccc", "r7"}[rng.IntN(4)])
		fb := b.Field(2).(*array.StringBuilder)
		if rng.IntN(11) == 0 {
			fb.AppendNull()
		} else {
			fb.Append(fmt.Sprintf("value-%d", i)) // all distinct: the dictionary outgrows its limit
		}
		b.Field(3).(*array.BinaryBuilder).Append([]byte{'x', byte(0xc3 + rng.IntN(2)*0x3c)}) // "x\xc3" or "x\xff"
		if rng.IntN(9) == 0 {
			for f := 4; f < 9; f++ {
				b.Field(f).AppendNull()
			}
			continue
		}
		b.Field(4).(*array.Int64Builder).Append([]int64{18, 87, -1, math.MaxInt64, math.MinInt64}[rng.IntN(5)])
		b.Field(5).(*array.Int32Builder).Append([]int32{0, 7, -3, math.MaxInt32}[rng.IntN(4)])
		b.Field(6).(*array.Float64Builder).Append([]float64{0.5, math.Copysign(0, -1), math.NaN(), math.Inf(-1), 1e300}[rng.IntN(5)])
		b.Field(7).(*array.Float32Builder).Append([]float32{0.1, -2, float32(math.Inf(1))}[rng.IntN(3)])
		b.Field(8).(*array.TimestampBuilder).Append(arrow.Timestamp(1730050771000000 + int64(rng.IntN(3))))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	data := pqWrite(t, pqWriteOpts{rowGroupRows: 1200, dictionary: true, props: []parquet.WriterProperty{
		parquet.WithDictionaryPageSizeLimit(4 << 10), parquet.WithDataPageSize(1 << 10), parquet.WithBatchSize(100)}}, rec)
	pqCheckEncodings(t, data, map[string]parquet.Encoding{"few": parquet.Encodings.RLEDict, "nonull": parquet.Encodings.RLEDict, "bad": parquet.Encodings.RLEDict,
		"i64": parquet.Encodings.RLEDict, "i32": parquet.Encodings.RLEDict, "f64": parquet.Encodings.RLEDict, "f32": parquet.Encodings.RLEDict,
		"ts": parquet.Encodings.RLEDict})
	pqCheckEncodings(t, data, map[string]parquet.Encoding{"fallback": parquet.Encodings.RLEDict})
	pqCheckEncodings(t, data, map[string]parquet.Encoding{"fallback": parquet.Encodings.Plain})
	for _, batchRows := range []int{0, 333, 7, 1200} {
		_, want, _, _, err := pqReadWith(t, "dict.parquet", data, batchRows, false)
		if err != nil {
			t.Fatal(err)
		}
		_, got, _, dicts, err := pqReadWith(t, "dict.parquet", data, batchRows, true)
		if err != nil {
			t.Fatal(err)
		}
		if cells := pqCompareCells(t, fmt.Sprintf("batches of %d", batchRows), "without dictionaries", got, want); cells != 9*rows {
			t.Fatalf("batches of %d: %d cells compared, want %d", batchRows, cells, 9*rows)
		}
		// few, nonull and the four numeric columns are dictionary arrays in every batch, fallback
		// in those of small batches before its chunk fell back, bad and ts (a timestamp) in none.
		batches := (rows + batchRows - 1) / max(batchRows, 1)
		if batchRows == 0 || batchRows > 1200 {
			batches = 3
		}
		lo, hi := 6*batches, 7*batches-1
		if batchRows > 0 && batchRows < 1200 {
			lo++
		}
		if dicts < lo || dicts > hi {
			t.Errorf("batches of %d: %d dictionary arrays in %d batches, want %d to %d", batchRows, dicts, batches, lo, hi)
		}
	}
	// A chunk's batches share one dictionary array, widened ones included (the statistics'
	// cache of a dictionary's values is keyed by it): one per column chunk.
	pf, err := OpenParquet("dict.parquet", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	pf.Dictionaries = true
	seen := map[string]map[arrow.ArrayData]bool{}
	err = pf.ReadGroups(bytes.NewReader(data), 333, nil, nil, nil, func(_ int, rec arrow.RecordBatch) error {
		for i, f := range rec.Schema().Fields() {
			if d, ok := rec.Column(i).(*array.Dictionary); ok {
				if seen[f.Name] == nil {
					seen[f.Name] = map[arrow.ArrayData]bool{}
				}
				seen[f.Name][d.Dictionary().Data()] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"few", "nonull", "i64", "i32", "f64", "f32"} {
		if len(seen[name]) != 3 {
			t.Errorf("column %s: %d dictionary arrays over 3 row groups, want 3", name, len(seen[name]))
		}
	}
	// Dictionaries longer than pqDictMaxLen are expanded: with a limit of 3 values, only f32's
	// (three values) stays a dictionary; nonull and i32 have four, bad's are not UTF-8.
	defer func(n int) { pqDictMaxLen = n }(pqDictMaxLen)
	pqDictMaxLen = 3
	_, want, _, _, err := pqReadWith(t, "dict.parquet", data, 333, false)
	if err != nil {
		t.Fatal(err)
	}
	_, got, _, dicts, err := pqReadWith(t, "dict.parquet", data, 333, true)
	if err != nil {
		t.Fatal(err)
	}
	pqCompareCells(t, "dictionaries of at most 3 values", "without dictionaries", got, want)
	if dicts != 10 {
		t.Errorf("dictionaries of at most 3 values: %d dictionary arrays in 10 batches, want 10 (f32's)", dicts)
	}
}

// TestParquetLevelsSkipped: definition levels at the maximum that the reader counts without
// writing them (parquetfile.Batch.Full) — pages without nulls — followed in the same batch by
// pages with nulls, in a top-level column and in a struct's fields, read cell by cell against
// pqarrow at batch sizes that cut across both.
func TestParquetLevelsSkipped(t *testing.T) {
	st := arrow.StructOf(arrow.Field{Name: "x", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "y", Type: arrow.BinaryTypes.String, Nullable: true})
	sc := arrow.NewSchema([]arrow.Field{
		{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "s", Type: st, Nullable: true},
	}, nil)
	b := array.NewRecordBuilder(memory.DefaultAllocator, sc)
	defer b.Release()
	rng := rand.New(rand.NewPCG(12, 12))
	const rows = 3000
	for i := range rows {
		late := i%1000 >= 600 && rng.IntN(5) == 0 // nulls only in the last 400 rows of each 1,000
		if late {
			b.Field(0).AppendNull()
		} else {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
		}
		sb := b.Field(1).(*array.StructBuilder)
		if late && rng.IntN(2) == 0 {
			sb.AppendNull()
			continue
		}
		sb.Append(true)
		if late && rng.IntN(2) == 0 {
			sb.FieldBuilder(0).AppendNull()
		} else {
			sb.FieldBuilder(0).(*array.Int64Builder).Append(int64(-i))
		}
		sb.FieldBuilder(1).(*array.StringBuilder).Append(fmt.Sprint("y", i%7))
	}
	rec := b.NewRecordBatch()
	defer rec.Release()
	data := pqWrite(t, pqWriteOpts{rowGroupRows: 1500, dictionary: true, props: []parquet.WriterProperty{
		parquet.WithDataPageSize(1 << 9), parquet.WithBatchSize(50)}}, rec)
	pqCheckAgainstOracle(t, data, 0, 333, 7, 1000)
}
