package decode

// Normalisation of the Arrow arrays the Parquet reader assembles (parquet_schema.go lists their
// types) into the four types the statistics engine takes (Int64, Float64, Boolean, String). The
// rules are listed at the top of parquet.go.

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/decimal"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// pqPlan maps the Arrow schema the reader assembles to the flattened, normalised output schema.
type pqPlan struct {
	top    []arrow.Field // the top-level fields, one array each per batch
	nodes  []pqNode      // one per top-level field
	schema *arrow.Schema // output: one field per leaf, in depth-first order
}

// pqNode is a field of the read schema: a struct to flatten (children) or a leaf (out >= 0).
type pqNode struct {
	children []pqNode
	out      int // index of the output column for a leaf, -1 for a struct
	name     string
}

func newPQPlan(sc *arrow.Schema) (*pqPlan, error) {
	p := &pqPlan{top: sc.Fields()}
	var fields []arrow.Field
	seen := map[string]bool{}
	var walk func(f arrow.Field, prefix string) (pqNode, error)
	walk = func(f arrow.Field, prefix string) (pqNode, error) {
		name := prefix + f.Name
		if st, ok := f.Type.(*arrow.StructType); ok && st.NumFields() > 0 {
			n := pqNode{out: -1, name: name}
			for _, c := range st.Fields() {
				cn, err := walk(c, name+".")
				if err != nil {
					return n, err
				}
				n.children = append(n.children, cn)
			}
			return n, nil
		}
		if seen[name] {
			return pqNode{}, fmt.Errorf("two columns are named %q after flattening nested fields", name)
		}
		seen[name] = true
		fields = append(fields, arrow.Field{Name: name, Type: pqNormalType(f.Type), Nullable: true})
		return pqNode{out: len(fields) - 1, name: name}, nil
	}
	for _, f := range p.top {
		n, err := walk(f, "")
		if err != nil {
			return nil, err
		}
		p.nodes = append(p.nodes, n)
	}
	p.schema = arrow.NewSchema(fields, nil)
	return p, nil
}

// pqNormalType is the output type of a leaf of type t.
func pqNormalType(t arrow.DataType) arrow.DataType {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return arrow.PrimitiveTypes.Int64
	case arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return arrow.PrimitiveTypes.Float64
	case arrow.BOOL:
		return arrow.FixedWidthTypes.Boolean
	case arrow.EXTENSION:
		ext := t.(arrow.ExtensionType)
		switch ext.ExtensionName() {
		case "arrow.uuid":
			return arrow.BinaryTypes.String
		}
		st := ext.StorageType()
		if st.ID() == arrow.STRUCT {
			return arrow.BinaryTypes.String // a leaf: rendered as JSON text, not flattened
		}
		return pqNormalType(st)
	default:
		return arrow.BinaryTypes.String
	}
}

// batchSchema is the schema of a batch of columns cols: the plan's, with the dictionary type of
// the columns that are dictionary arrays (ParquetFile.Dictionaries).
func (p *pqPlan) batchSchema(cols []arrow.Array) *arrow.Schema {
	var fields []arrow.Field
	for i, c := range cols {
		if c.DataType().ID() != arrow.DICTIONARY {
			continue
		}
		if fields == nil {
			fields = slices.Clone(p.schema.Fields())
		}
		fields[i].Type = c.DataType()
	}
	if fields == nil {
		return p.schema
	}
	return arrow.NewSchema(fields, nil)
}

// normalise turns the top-level arrays of one batch into the output columns. On error every
// column built so far is released.
func (p *pqPlan) normalise(top []arrow.Array, mem memory.Allocator) (cols []arrow.Array, err error) {
	cols = make([]arrow.Array, len(p.schema.Fields()))
	defer func() {
		if err != nil {
			for _, c := range cols {
				if c != nil {
					c.Release()
				}
			}
			cols = nil
		}
	}()
	var walk func(n *pqNode, a arrow.Array, mask []byte) error
	walk = func(n *pqNode, a arrow.Array, mask []byte) error {
		if n.out >= 0 {
			c := &pqConv{mem: mem, column: n.name, mask: mask}
			out, err := c.leaf(a, p.schema.Field(n.out).Type)
			if err != nil {
				return err
			}
			cols[n.out] = out
			return nil
		}
		st := a.(*array.Struct)
		m := pqAndValid(mask, st)
		for i := range n.children {
			if err := walk(&n.children[i], st.Field(i), m); err != nil {
				return err
			}
		}
		return nil
	}
	for i := range p.nodes {
		if err := walk(&p.nodes[i], top[i], nil); err != nil {
			return nil, err
		}
	}
	return cols, nil
}

// pqAndValid returns the validity of a combined with the ancestors' mask, as a bitmap of a.Len()
// bits starting at bit 0, or nil when every row is valid.
func pqAndValid(mask []byte, a arrow.Array) []byte {
	if a.NullN() == 0 {
		return mask
	}
	n := a.Len()
	out := make([]byte, bitutil.BytesForBits(int64(n)))
	for i := range n {
		if a.IsValid(i) && (mask == nil || bitutil.BitIsSet(mask, i)) {
			bitutil.SetBit(out, i)
		}
	}
	return out
}

// pqConv converts one leaf column of one batch.
type pqConv struct {
	mem    memory.Allocator
	column string
	mask   []byte // ancestors' validity (nil: all valid)
	buf    []byte // scratch for text values
	tmp    []byte // scratch for scalar leaves inside JSON text
}

func (c *pqConv) valid(a arrow.Array, i int) bool {
	return a.IsValid(i) && (c.mask == nil || bitutil.BitIsSet(c.mask, i))
}

func (c *pqConv) cellErr(row int, format string, args ...any) error {
	return &pqCellError{column: c.column, row: row, msg: fmt.Sprintf(format, args...)}
}

// leaf converts a to the normalised type dst.
func (c *pqConv) leaf(a arrow.Array, dst arrow.DataType) (arrow.Array, error) {
	if e, ok := a.(array.ExtensionArray); ok && dst.ID() != arrow.STRING {
		return c.leaf(e.Storage(), dst)
	}
	switch dst.ID() {
	case arrow.INT64:
		return c.int64s(a)
	case arrow.FLOAT64:
		return c.float64s(a)
	case arrow.BOOL:
		src, ok := a.(*array.Boolean)
		if !ok {
			return nil, fmt.Errorf("column %s: internal: %s is not a boolean type", c.column, a.DataType())
		}
		if c.mask == nil {
			a.Retain()
			return a, nil
		}
		b := array.NewBooleanBuilder(c.mem)
		defer b.Release()
		b.Reserve(a.Len())
		for i := range a.Len() {
			if c.valid(a, i) {
				b.UnsafeAppend(src.Value(i))
			} else {
				b.UnsafeAppendBoolToBitmap(false)
			}
		}
		return b.NewArray(), nil
	default:
		return c.strings(a)
	}
}

// int64s widens any integer array to Int64.
func (c *pqConv) int64s(a arrow.Array) (arrow.Array, error) {
	switch src := a.(type) {
	case *array.Dictionary:
		return c.dictOf(src, arrow.INT64)
	case *array.Int64:
		if c.mask == nil {
			a.Retain()
			return a, nil
		}
		return pqWiden(c, src.Values(), a), nil
	case *array.Int32:
		return pqWiden(c, src.Values(), a), nil
	case *array.Int16:
		return pqWiden(c, src.Values(), a), nil
	case *array.Int8:
		return pqWiden(c, src.Values(), a), nil
	case *array.Uint32:
		return pqWiden(c, src.Values(), a), nil
	case *array.Uint16:
		return pqWiden(c, src.Values(), a), nil
	case *array.Uint8:
		return pqWiden(c, src.Values(), a), nil
	case *array.Uint64:
		for i, v := range src.Values() {
			if v > math.MaxInt64 && c.valid(a, i) {
				return nil, c.cellErr(i, "UINT_64 value %d does not fit in a signed 64-bit integer (Spark would read this column as decimal(20,0))", v)
			}
		}
		return pqWiden(c, src.Values(), a), nil
	}
	return nil, fmt.Errorf("column %s: internal: %s is not an integer type", c.column, a.DataType())
}

// dictOf passes on a dictionary array of a top-level column (ParquetFile.Dictionaries), whose
// dictionary the reader built already normalised (pqColumn.dictionary: String, Int64 or Float64
// values, INT32 and FLOAT widened once per chunk), when its values are of type want.
func (c *pqConv) dictOf(src *array.Dictionary, want arrow.Type) (arrow.Array, error) {
	if c.mask != nil || src.Dictionary().DataType().ID() != want {
		return nil, fmt.Errorf("column %s: internal: a dictionary of %s under a struct or where %s is wanted", c.column, src.Dictionary().DataType(), want)
	}
	src.Retain()
	return src, nil
}

// pqWiden copies integer values into a new Int64 array; rows that are null (in a or the
// ancestors' mask) are null. Callers check that uint64 values fit.
func pqWiden[T int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64](c *pqConv, vals []T, a arrow.Array) arrow.Array {
	b := array.NewInt64Builder(c.mem)
	defer b.Release()
	b.Reserve(len(vals))
	if a.NullN() == 0 && c.mask == nil {
		for _, v := range vals {
			b.UnsafeAppend(int64(v))
		}
		return b.NewArray()
	}
	for i, v := range vals {
		if c.valid(a, i) {
			b.UnsafeAppend(int64(v))
		} else {
			b.UnsafeAppendBoolToBitmap(false)
		}
	}
	return b.NewArray()
}

// float64s widens float16/float32 exactly to float64 (every float32 is a float64).
func (c *pqConv) float64s(a arrow.Array) (arrow.Array, error) {
	var get func(i int) float64
	switch src := a.(type) {
	case *array.Dictionary:
		return c.dictOf(src, arrow.FLOAT64)
	case *array.Float64:
		if c.mask == nil {
			a.Retain()
			return a, nil
		}
		get = src.Value
	case *array.Float32:
		get = func(i int) float64 { return float64(src.Value(i)) }
	case *array.Float16:
		get = func(i int) float64 { return float64(src.Value(i).Float32()) }
	default:
		return nil, fmt.Errorf("column %s: internal: %s is not a float type", c.column, a.DataType())
	}
	b := array.NewFloat64Builder(c.mem)
	defer b.Release()
	b.Reserve(a.Len())
	for i := range a.Len() {
		if c.valid(a, i) {
			b.UnsafeAppend(get(i))
		} else {
			b.UnsafeAppendBoolToBitmap(false)
		}
	}
	return b.NewArray(), nil
}

// strings renders any array as a String array. Valid UTF-8 string and binary arrays with no
// ancestor nulls are passed through without copying.
func (c *pqConv) strings(a arrow.Array) (arrow.Array, error) {
	if c.mask == nil {
		switch src := a.(type) {
		case *array.Dictionary:
			return c.dictOf(src, arrow.STRING) // valid UTF-8 String values: pqColumn.dictionary
		case *array.String:
			if utf8.Valid(pqUsedBytes(src.ValueOffsets(), src.ValueBytes())) {
				a.Retain()
				return a, nil
			}
		case *array.Binary:
			if utf8.Valid(pqUsedBytes(src.ValueOffsets(), src.ValueBytes())) {
				d := a.Data()
				sd := array.NewData(arrow.BinaryTypes.String, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset())
				defer sd.Release()
				return array.MakeFromData(sd), nil
			}
		}
	}
	text, err := c.textFn(a)
	if err != nil {
		return nil, err
	}
	b := array.NewStringBuilder(c.mem)
	defer b.Release()
	b.Reserve(a.Len())
	for i := range a.Len() {
		if !c.valid(a, i) {
			b.AppendNull()
			continue
		}
		c.buf = text(c.buf[:0], i)
		b.BinaryBuilder.Append(c.buf)
	}
	return b.NewArray(), nil
}

// pqUsedBytes is the part of a binary array's data that its (possibly sliced) offsets cover.
func pqUsedBytes(offs []int32, data []byte) []byte {
	if len(offs) == 0 {
		return nil
	}
	return data[offs[0]:offs[len(offs)-1]]
}

// textFn returns a function appending the string form of a's valid element i.
func (c *pqConv) textFn(a arrow.Array) (func(dst []byte, i int) []byte, error) {
	switch src := a.(type) {
	case *array.Null:
		return func(dst []byte, _ int) []byte { return dst }, nil
	case *array.String:
		offs, data := src.ValueOffsets(), src.ValueBytes()
		return func(dst []byte, i int) []byte { return pqAppendUTF8(dst, data[offs[i]:offs[i+1]]) }, nil
	case *array.LargeString:
		return func(dst []byte, i int) []byte { return pqAppendUTF8(dst, []byte(src.Value(i))) }, nil
	case *array.StringView:
		return func(dst []byte, i int) []byte { return pqAppendUTF8(dst, []byte(src.Value(i))) }, nil
	case *array.Binary:
		return func(dst []byte, i int) []byte { return pqAppendUTF8(dst, src.Value(i)) }, nil
	case *array.LargeBinary:
		return func(dst []byte, i int) []byte { return pqAppendUTF8(dst, src.Value(i)) }, nil
	case *array.BinaryView:
		return func(dst []byte, i int) []byte { return pqAppendUTF8(dst, src.Value(i)) }, nil
	case *array.FixedSizeBinary:
		return func(dst []byte, i int) []byte { return pqAppendUTF8(dst, src.Value(i)) }, nil
	case *array.Date32:
		return func(dst []byte, i int) []byte { return pqAppendDate(dst, int64(src.Value(i))) }, nil
	case *array.Date64:
		return func(dst []byte, i int) []byte { return pqAppendDate(dst, pqFloorDiv(int64(src.Value(i)), 86_400_000)) }, nil
	case *array.Timestamp:
		unit := src.DataType().(*arrow.TimestampType).Unit
		return func(dst []byte, i int) []byte { return pqAppendTimestamp(dst, int64(src.Value(i)), unit) }, nil
	case *array.Time32:
		unit := src.DataType().(*arrow.Time32Type).Unit
		return func(dst []byte, i int) []byte { return pqAppendTime(dst, int64(src.Value(i)), unit) }, nil
	case *array.Time64:
		unit := src.DataType().(*arrow.Time64Type).Unit
		return func(dst []byte, i int) []byte { return pqAppendTime(dst, int64(src.Value(i)), unit) }, nil
	case *array.Decimal32:
		scale := src.DataType().(arrow.DecimalType).GetScale()
		return func(dst []byte, i int) []byte { return pqAppendDecimal(dst, pqInt64Digits(int64(src.Value(i))), scale) }, nil
	case *array.Decimal64:
		scale := src.DataType().(arrow.DecimalType).GetScale()
		return func(dst []byte, i int) []byte { return pqAppendDecimal(dst, pqInt64Digits(int64(src.Value(i))), scale) }, nil
	case *array.Decimal128:
		scale := src.DataType().(arrow.DecimalType).GetScale()
		return func(dst []byte, i int) []byte { return pqAppendDecimal(dst, pqDecimal128Digits(src.Value(i)), scale) }, nil
	case *array.Decimal256:
		scale := src.DataType().(arrow.DecimalType).GetScale()
		return func(dst []byte, i int) []byte { return pqAppendDecimal(dst, src.Value(i).BigInt().String(), scale) }, nil
	case array.ExtensionArray:
		if src.ExtensionType().ExtensionName() == "arrow.uuid" {
			if fb, ok := src.Storage().(*array.FixedSizeBinary); ok && fb.DataType().(*arrow.FixedSizeBinaryType).ByteWidth == 16 {
				return func(dst []byte, i int) []byte { return pqAppendUUID(dst, fb.Value(i)) }, nil
			}
		}
		if src.Storage().DataType().ID() == arrow.STRUCT {
			return c.jsonFn(src.Storage()), nil
		}
		return c.textFn(src.Storage())
	}
	switch a.DataType().ID() {
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST, arrow.LIST_VIEW, arrow.LARGE_LIST_VIEW,
		arrow.MAP, arrow.STRUCT:
		return c.jsonFn(a), nil
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64, arrow.BOOL:
		// only reached inside extensions rendered as text
		return c.jsonFn(a), nil
	}
	return func(dst []byte, i int) []byte { return pqAppendUTF8(dst, []byte(a.ValueStr(i))) }, nil
}

// jsonFn renders element i of a as compact JSON text.
func (c *pqConv) jsonFn(a arrow.Array) func(dst []byte, i int) []byte {
	return func(dst []byte, i int) []byte { return c.appendJSON(dst, a, i) }
}

// appendJSON appends element i of a as JSON (rules in parquet.go, note 5).
func (c *pqConv) appendJSON(dst []byte, a arrow.Array, i int) []byte {
	if a.IsNull(i) {
		return append(dst, "null"...)
	}
	switch src := a.(type) {
	case *array.String:
		offs := src.ValueOffsets()
		return pqAppendJSONString(dst, src.ValueBytes()[offs[i]:offs[i+1]])
	case *array.Binary:
		return pqAppendJSONString(dst, src.Value(i))
	case *array.Int8:
		return strconv.AppendInt(dst, int64(src.Value(i)), 10)
	case *array.Int16:
		return strconv.AppendInt(dst, int64(src.Value(i)), 10)
	case *array.Int32:
		return strconv.AppendInt(dst, int64(src.Value(i)), 10)
	case *array.Int64:
		return strconv.AppendInt(dst, src.Value(i), 10)
	case *array.Uint8:
		return strconv.AppendUint(dst, uint64(src.Value(i)), 10)
	case *array.Uint16:
		return strconv.AppendUint(dst, uint64(src.Value(i)), 10)
	case *array.Uint32:
		return strconv.AppendUint(dst, uint64(src.Value(i)), 10)
	case *array.Uint64:
		return strconv.AppendUint(dst, src.Value(i), 10)
	case *array.Float16:
		return pqAppendJSONFloat(dst, float64(src.Value(i).Float32()), 32)
	case *array.Float32:
		return pqAppendJSONFloat(dst, float64(src.Value(i)), 32)
	case *array.Float64:
		return pqAppendJSONFloat(dst, src.Value(i), 64)
	case *array.Boolean:
		return strconv.AppendBool(dst, src.Value(i))
	case *array.Decimal32, *array.Decimal64, *array.Decimal128, *array.Decimal256:
		text, _ := c.textFn(a)
		return text(dst, i) // BigDecimal.toString is valid JSON number syntax
	case *array.Struct:
		st := src.DataType().(*arrow.StructType)
		dst = append(dst, '{')
		for f := range st.NumFields() {
			if f > 0 {
				dst = append(dst, ',')
			}
			dst = pqAppendJSONString(dst, []byte(st.Field(f).Name))
			dst = append(dst, ':')
			dst = c.appendJSON(dst, src.Field(f), i)
		}
		return append(dst, '}')
	case *array.Map:
		start, end := src.ValueOffsets(i)
		keys, items := src.Keys(), src.Items()
		dst = append(dst, '{')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			dst = c.appendJSONKey(dst, keys, int(j))
			dst = append(dst, ':')
			dst = c.appendJSON(dst, items, int(j))
		}
		return append(dst, '}')
	case array.ListLike: // list, large list, fixed-size list, list views (Map is handled above)
		start, end := src.ValueOffsets(i)
		vals := src.ListValues()
		dst = append(dst, '[')
		for j := start; j < end; j++ {
			if j > start {
				dst = append(dst, ',')
			}
			dst = c.appendJSON(dst, vals, int(j))
		}
		return append(dst, ']')
	case array.ExtensionArray:
		if src.ExtensionType().ExtensionName() != "arrow.uuid" && src.Storage().DataType().ID() != arrow.FIXED_SIZE_BINARY {
			return c.appendJSON(dst, src.Storage(), i)
		}
	}
	// A scalar leaf (string-like, date, time, timestamp, UUID, other): its string form, quoted.
	// c.tmp is only used here, and these text functions never come back into appendJSON.
	text, err := c.textFn(a)
	if err != nil {
		return append(dst, "null"...)
	}
	c.tmp = text(c.tmp[:0], i)
	return pqAppendJSONString(dst, c.tmp)
}

// appendJSONKey appends a map key as a JSON string: its string form, quoted.
func (c *pqConv) appendJSONKey(dst []byte, keys arrow.Array, j int) []byte {
	if keys.IsNull(j) {
		return append(dst, `"null"`...)
	}
	var tmp []byte
	switch keys.DataType().ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW,
		arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.TIME32, arrow.TIME64, arrow.FIXED_SIZE_BINARY:
		text, err := c.textFn(keys)
		if err != nil {
			return append(dst, `"null"`...)
		}
		tmp = text(nil, j)
	default:
		tmp = c.appendJSON(nil, keys, j)
		if len(tmp) > 0 && tmp[0] == '"' {
			return append(dst, tmp...)
		}
	}
	return pqAppendJSONString(dst, tmp)
}

// pqAppendUTF8 appends b, replacing each byte that is not part of a valid UTF-8 sequence with
// U+FFFD.
func pqAppendUTF8(dst, b []byte) []byte {
	if utf8.Valid(b) {
		return append(dst, b...)
	}
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, b[:size]...)
		}
		b = b[size:]
	}
	return dst
}

// pqAppendJSONString appends b as a JSON string: '"' and '\' escaped, control characters as
// \b \f \n \r \t or \u00XX, invalid UTF-8 replaced by U+FFFD, everything else literal.
func pqAppendJSONString(dst, b []byte) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for len(b) > 0 {
		c := b[0]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c >= 0x20:
				dst = append(dst, c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c == '\b':
				dst = append(dst, '\\', 'b')
			case c == '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			b = b[1:]
			continue
		}
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, b[:size]...)
		}
		b = b[size:]
	}
	return append(dst, '"')
}

// pqAppendJSONFloat appends v as a JSON number in the shortest form that reads back as the same
// value at the given width (32 or 64 bits): plain digits for 1e-6 <= |v| < 1e21, exponent form
// otherwise ("1e+21", "1e-7"). NaN and infinities become the strings "NaN", "Infinity",
// "-Infinity".
func pqAppendJSONFloat(dst []byte, v float64, bits int) []byte {
	switch {
	case math.IsNaN(v):
		return append(dst, `"NaN"`...)
	case math.IsInf(v, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(v, -1):
		return append(dst, `"-Infinity"`...)
	}
	abs := math.Abs(v)
	if abs == 0 || (abs >= 1e-6 && abs < 1e21) {
		return strconv.AppendFloat(dst, v, 'f', -1, bits)
	}
	n := len(dst)
	dst = strconv.AppendFloat(dst, v, 'e', -1, bits)
	// strconv writes at least two exponent digits ("1e-07"); drop the padding zero.
	if m := len(dst); m-n >= 4 && dst[m-4] == 'e' && dst[m-2] == '0' {
		dst[m-2] = dst[m-1]
		dst = dst[:m-1]
	}
	return dst
}

// pqFloorDiv is a/b rounded toward negative infinity (b > 0).
func pqFloorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}

// pqAppendYear appends a proleptic Gregorian year as java.time prints "uuuu" with
// SignStyle.EXCEEDS_PAD: at least four digits, "-" for negative years, "+" above 9999.
func pqAppendYear(dst []byte, y int) []byte {
	switch {
	case y < 0:
		dst = append(dst, '-')
		y = -y
	case y > 9999:
		dst = append(dst, '+')
	}
	for p := 1000; p > 1 && y < p; p /= 10 {
		dst = append(dst, '0')
	}
	return strconv.AppendInt(dst, int64(y), 10)
}

func pqAppend2(dst []byte, v int) []byte {
	return append(dst, byte('0'+v/10), byte('0'+v%10))
}

// pqAppendDate appends the date days after 1970-01-01 as yyyy-MM-dd.
func pqAppendDate(dst []byte, days int64) []byte {
	y, m, d := time.Unix(days*86400, 0).UTC().Date()
	dst = pqAppendYear(dst, y)
	dst = append(dst, '-')
	dst = pqAppend2(dst, int(m))
	dst = append(dst, '-')
	return pqAppend2(dst, d)
}

// pqPerSecond is the number of units in one second.
func pqPerSecond(u arrow.TimeUnit) int64 {
	switch u {
	case arrow.Millisecond:
		return 1e3
	case arrow.Microsecond:
		return 1e6
	case arrow.Nanosecond:
		return 1e9
	default:
		return 1
	}
}

// pqSplitMicros splits v units into whole seconds and the microseconds within that second,
// truncating toward negative infinity (Spark's microsecond precision).
func pqSplitMicros(v int64, u arrow.TimeUnit) (sec, micros int64) {
	per := pqPerSecond(u)
	sec = pqFloorDiv(v, per)
	frac := v - sec*per // 0 <= frac < per
	switch u {
	case arrow.Millisecond:
		micros = frac * 1000
	case arrow.Microsecond:
		micros = frac
	case arrow.Nanosecond:
		micros = frac / 1000
	}
	return sec, micros
}

// pqAppendFraction appends ".ffffff" with trailing zeros removed, or nothing when micros is 0.
func pqAppendFraction(dst []byte, micros int64) []byte {
	if micros == 0 {
		return dst
	}
	var digits [6]byte
	for k := 5; k >= 0; k-- {
		digits[k] = byte('0' + micros%10)
		micros /= 10
	}
	n := 6
	for digits[n-1] == '0' {
		n--
	}
	dst = append(dst, '.')
	return append(dst, digits[:n]...)
}

// pqAppendTimestamp appends v (units since the epoch) as yyyy-MM-dd HH:mm:ss[.ffffff] in UTC.
func pqAppendTimestamp(dst []byte, v int64, u arrow.TimeUnit) []byte {
	sec, micros := pqSplitMicros(v, u)
	t := time.Unix(sec, 0).UTC()
	y, m, d := t.Date()
	hh, mm, ss := t.Clock()
	dst = pqAppendYear(dst, y)
	dst = append(dst, '-')
	dst = pqAppend2(dst, int(m))
	dst = append(dst, '-')
	dst = pqAppend2(dst, d)
	dst = append(dst, ' ')
	dst = pqAppend2(dst, hh)
	dst = append(dst, ':')
	dst = pqAppend2(dst, mm)
	dst = append(dst, ':')
	dst = pqAppend2(dst, ss)
	return pqAppendFraction(dst, micros)
}

// pqAppendTime appends v (units since midnight) as HH:mm:ss[.ffffff].
func pqAppendTime(dst []byte, v int64, u arrow.TimeUnit) []byte {
	sec, micros := pqSplitMicros(v, u)
	if sec < 0 {
		dst = append(dst, '-')
		if micros != 0 {
			sec, micros = -sec-1, 1_000_000-micros
		} else {
			sec = -sec
		}
	}
	h := sec / 3600
	if h < 10 {
		dst = append(dst, '0')
	}
	dst = strconv.AppendInt(dst, h, 10)
	dst = append(dst, ':')
	dst = pqAppend2(dst, int(sec/60%60))
	dst = append(dst, ':')
	dst = pqAppend2(dst, int(sec%60))
	return pqAppendFraction(dst, micros)
}

// pqAppendUUID appends 16 bytes as 8-4-4-4-12 lower-case hex.
func pqAppendUUID(dst, b []byte) []byte {
	const hexDigits = "0123456789abcdef"
	for k, x := range b {
		if k == 4 || k == 6 || k == 8 || k == 10 {
			dst = append(dst, '-')
		}
		dst = append(dst, hexDigits[x>>4], hexDigits[x&0xf])
	}
	return dst
}

// pqInt64Digits is v in decimal.
func pqInt64Digits(v int64) string { return strconv.FormatInt(v, 10) }

// pqDecimal128Digits is the unscaled value of n in decimal.
func pqDecimal128Digits(n decimal.Decimal128) string {
	lo, hi := n.LowBits(), n.HighBits()
	if (hi == 0 && lo <= math.MaxInt64) || (hi == -1 && lo > math.MaxInt64) {
		return strconv.FormatInt(int64(lo), 10)
	}
	return n.BigInt().String()
}

// pqAppendDecimal appends the decimal with the given unscaled value (decimal digits with an
// optional leading '-') and scale as java.math.BigDecimal.toString does:
//
//	adjusted = -scale + (number of unscaled digits - 1)
//	scale >= 0 and adjusted >= -6: plain notation with exactly scale digits after the point
//	otherwise: d[.ddd]E(+|-)adjusted
//
// e.g. (123, 2) "1.23", (150, 2) "1.50", (1, 3) "0.001", (123, 10) "1.23E-8", (0, 10) "0E-10",
// (123, -1) "1.23E+3".
func pqAppendDecimal(dst []byte, unscaled string, scale int32) []byte {
	digits := unscaled
	if len(digits) > 0 && digits[0] == '-' {
		dst = append(dst, '-')
		digits = digits[1:]
	}
	nd := int64(len(digits))
	adjusted := -int64(scale) + nd - 1
	if scale >= 0 && adjusted >= -6 {
		s := int64(scale)
		switch {
		case s == 0:
			return append(dst, digits...)
		case nd > s:
			dst = append(dst, digits[:nd-s]...)
			dst = append(dst, '.')
			return append(dst, digits[nd-s:]...)
		default:
			dst = append(dst, '0', '.')
			for k := nd; k < s; k++ {
				dst = append(dst, '0')
			}
			return append(dst, digits...)
		}
	}
	dst = append(dst, digits[0])
	if nd > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'E')
	if adjusted >= 0 {
		dst = append(dst, '+')
	}
	return strconv.AppendInt(dst, adjusted, 10)
}
