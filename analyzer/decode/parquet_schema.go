package decode

// The Arrow view of a Parquet schema: which Arrow array each field is read into before the
// normalisation of parquet_convert.go. The mapping is Arrow's usual reading of Parquet types
// (the one arrow-go's pqarrow applies to a file without an ARROW:schema key), so that the
// normalisation rules stay the ones documented at the top of parquet.go:
//
//	BOOLEAN                                 Boolean
//	INT32                                   Int32; INTEGER(8|16|32, signed|unsigned) -> Int8..Uint32;
//	                                        DATE -> Date32; TIME(MILLIS) -> Time32[ms]; DECIMAL -> Decimal
//	INT64                                   Int64; INTEGER(64, unsigned) -> Uint64; TIMESTAMP(unit) ->
//	                                        Timestamp[unit]; TIME(MICROS|NANOS) -> Time64; DECIMAL -> Decimal
//	INT96                                   Timestamp[ns] (Julian day and nanoseconds of the day)
//	FLOAT, DOUBLE                           Float32, Float64
//	BYTE_ARRAY                              String (STRING), Binary (none, ENUM, JSON, BSON, geometry), DECIMAL -> Decimal
//	FIXED_LEN_BYTE_ARRAY                    FixedSizeBinary; FLOAT16 -> Float16; DECIMAL -> Decimal;
//	                                        UUID -> String in canonical 8-4-4-4-12 form (the text the
//	                                        normalisation gives Arrow's UUID extension)
//	logical UNKNOWN (null)                  Null
//	DECIMAL                                 Decimal128 up to precision 38, Decimal256 above
//	group                                   Struct
//	LIST, MAP groups and repeated fields    List, Map, following LogicalTypes.md including its
//	                                        backward-compatibility rules for two-level lists
//
// An annotation that does not fit its physical type (INT32 annotated TIMESTAMP, say) is ignored and
// the column is read as its physical type. The ARROW:schema footer key that Arrow writers add is
// not read (Spark does not read it either): a column written from an Arrow-only type (large or
// view strings, dictionaries, date64, durations) reads as its Parquet type.

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/driftwatch/driftwatch/analyzer/decode/parquetfile"
)

// pqKind is the shape of a field.
type pqKind uint8

const (
	pqKindLeaf pqKind = iota
	pqKindStruct
	pqKindList
	pqKindMap
)

// pqField is one Arrow field of the read schema and how to assemble it from levels.
type pqField struct {
	name string
	typ  arrow.DataType
	kind pqKind
	// present is the definition level from which the value is not null.
	present int16
	// Lists and maps: from definition level elemDef on a list has at least one element, and an
	// element continues the list when its repetition level is rep.
	elemDef int16
	rep     int16
	// children: struct fields; list: [element]; map: [key, value].
	children []*pqField
	// leaves: the columns under the field, in file order; a leaf has exactly its own.
	leaves []int
	// leaf only: the Parquet column.
	col  *parquetfile.Node
	uuid bool // FIXED_LEN_BYTE_ARRAY(16) UUID, read as its canonical text
}

// pqFields maps the file's schema to Arrow fields, one per top-level Parquet field.
func pqFields(s *parquetfile.Schema) ([]*pqField, error) {
	var out []*pqField
	for _, n := range s.Root.Children {
		f, err := pqFieldOf(n, 0)
		if err != nil {
			return nil, err
		}
		if f != nil {
			out = append(out, f)
		}
	}
	return out, nil
}

// pqFieldOf maps node n, whose parent is present from definition level parentDef on.
func pqFieldOf(n *parquetfile.Node, parentDef int16) (*pqField, error) {
	if n.Repetition == parquetfile.Repeated {
		// A repeated field outside a LIST or MAP group is a list of required elements.
		elem, err := pqElement(n)
		if err != nil || elem == nil {
			return nil, err
		}
		return pqListField(n.Name, parentDef, n, elem), nil
	}
	if !n.IsLeaf() {
		switch n.Logical.Kind {
		case parquetfile.LogicalList:
			return pqListGroup(n)
		case parquetfile.LogicalMap:
			return pqMapGroup(n)
		}
		return pqStructField(n, n.Children)
	}
	return pqLeafField(n)
}

// pqElement maps the repeated node r as the element of a list: r itself, taken as required.
func pqElement(r *parquetfile.Node) (*pqField, error) {
	if r.IsLeaf() {
		f, err := pqLeafField(r)
		if err != nil {
			return nil, err
		}
		f.present = r.DefLevel
		return f, nil
	}
	return pqStructField(r, r.Children)
}

// pqListGroup maps a LIST-annotated group (LogicalTypes.md, "Lists"):
//
//	<list-repetition> group <name> (LIST) { repeated group list { <element-repetition> <type> element; } }
//
// and the older two-level forms: a repeated primitive child is the element; a repeated group
// child is the element (a struct) when it has several fields or is named "array" or
// "<name>_tuple", else its one field is the element.
func pqListGroup(n *parquetfile.Node) (*pqField, error) {
	if len(n.Children) != 1 || n.Children[0].Repetition != parquetfile.Repeated {
		return pqStructField(n, n.Children) // not a valid list: read the group as it is
	}
	r := n.Children[0]
	var elem *pqField
	var err error
	switch {
	case r.IsLeaf(), len(r.Children) > 1, r.Name == "array", r.Name == n.Name+"_tuple":
		elem, err = pqElement(r)
	default:
		elem, err = pqFieldOf(r.Children[0], r.DefLevel)
	}
	if err != nil || elem == nil {
		return nil, err
	}
	return pqListField(n.Name, n.DefLevel, r, elem), nil
}

// pqMapGroup maps a MAP (or MAP_KEY_VALUE) group:
//
//	<map-repetition> group <name> (MAP) { repeated group key_value { required <key-type> key; <value-repetition> <value-type> value; } }
//
// A map whose repeated group does not have exactly a key and a value is read as a list of structs.
func pqMapGroup(n *parquetfile.Node) (*pqField, error) {
	if len(n.Children) != 1 || n.Children[0].Repetition != parquetfile.Repeated || n.Children[0].IsLeaf() {
		return pqStructField(n, n.Children)
	}
	kv := n.Children[0]
	if len(kv.Children) != 2 {
		elem, err := pqElement(kv)
		if err != nil || elem == nil {
			return nil, err
		}
		return pqListField(n.Name, n.DefLevel, kv, elem), nil
	}
	key, err := pqFieldOf(kv.Children[0], kv.DefLevel)
	if err != nil {
		return nil, err
	}
	val, err := pqFieldOf(kv.Children[1], kv.DefLevel)
	if err != nil {
		return nil, err
	}
	if key == nil || val == nil {
		return nil, nil
	}
	return &pqField{
		name: n.Name, typ: arrow.MapOf(key.typ, val.typ), kind: pqKindMap,
		present: n.DefLevel, elemDef: kv.DefLevel, rep: kv.RepLevel,
		children: []*pqField{key, val}, leaves: append(append([]int(nil), key.leaves...), val.leaves...),
	}, nil
}

func pqListField(name string, present int16, r *parquetfile.Node, elem *pqField) *pqField {
	return &pqField{
		name: name, typ: arrow.ListOf(elem.typ), kind: pqKindList,
		present: present, elemDef: r.DefLevel, rep: r.RepLevel,
		children: []*pqField{elem}, leaves: elem.leaves,
	}
}

// pqStructField maps group n with the given fields; a group without columns maps to nothing.
func pqStructField(n *parquetfile.Node, children []*parquetfile.Node) (*pqField, error) {
	f := &pqField{name: n.Name, kind: pqKindStruct, present: n.DefLevel}
	var fields []arrow.Field
	for _, c := range children {
		cf, err := pqFieldOf(c, n.DefLevel)
		if err != nil {
			return nil, err
		}
		if cf == nil {
			continue
		}
		f.children = append(f.children, cf)
		f.leaves = append(f.leaves, cf.leaves...)
		fields = append(fields, arrow.Field{Name: cf.name, Type: cf.typ, Nullable: true})
	}
	if len(fields) == 0 {
		return nil, nil
	}
	f.typ = arrow.StructOf(fields...)
	return f, nil
}

func pqLeafField(n *parquetfile.Node) (*pqField, error) {
	f := &pqField{name: n.Name, kind: pqKindLeaf, present: n.DefLevel, col: n, leaves: []int{n.Column}}
	f.typ, f.uuid = pqLeafType(n)
	if f.typ == nil {
		return nil, fmt.Errorf("column %s: physical type %s", n.Path(), n.Type)
	}
	return f, nil
}

// pqLeafType is the Arrow type a column is read into (the table at the top of this file); uuid
// marks UUID columns, read as text.
func pqLeafType(n *parquetfile.Node) (arrow.DataType, bool) {
	lt := n.Logical
	if lt.Kind == parquetfile.LogicalUnknown {
		return arrow.Null, false
	}
	decimal := func() arrow.DataType {
		if lt.Precision <= 38 {
			return &arrow.Decimal128Type{Precision: lt.Precision, Scale: lt.Scale}
		}
		return &arrow.Decimal256Type{Precision: lt.Precision, Scale: lt.Scale}
	}
	validDecimal := lt.Kind == parquetfile.LogicalDecimal && lt.Precision > 0 && lt.Scale >= 0 && lt.Scale <= lt.Precision && lt.Precision <= 76
	switch n.Type {
	case parquetfile.Boolean:
		return arrow.FixedWidthTypes.Boolean, false
	case parquetfile.Int32:
		switch {
		case validDecimal:
			return decimal(), false
		case lt.Kind == parquetfile.LogicalDate:
			return arrow.FixedWidthTypes.Date32, false
		case lt.Kind == parquetfile.LogicalTime && lt.Unit == parquetfile.Millis:
			return arrow.FixedWidthTypes.Time32ms, false
		case lt.Kind == parquetfile.LogicalInteger:
			switch {
			case lt.BitWidth == 8 && lt.Signed:
				return arrow.PrimitiveTypes.Int8, false
			case lt.BitWidth == 8:
				return arrow.PrimitiveTypes.Uint8, false
			case lt.BitWidth == 16 && lt.Signed:
				return arrow.PrimitiveTypes.Int16, false
			case lt.BitWidth == 16:
				return arrow.PrimitiveTypes.Uint16, false
			case lt.BitWidth == 32 && !lt.Signed:
				return arrow.PrimitiveTypes.Uint32, false
			}
		}
		return arrow.PrimitiveTypes.Int32, false
	case parquetfile.Int64:
		switch {
		case validDecimal:
			return decimal(), false
		case lt.Kind == parquetfile.LogicalTimestamp:
			tz := ""
			if lt.AdjustedToUTC {
				tz = "UTC"
			}
			return &arrow.TimestampType{Unit: pqArrowUnit(lt.Unit), TimeZone: tz}, false
		case lt.Kind == parquetfile.LogicalTime && lt.Unit == parquetfile.Micros:
			return arrow.FixedWidthTypes.Time64us, false
		case lt.Kind == parquetfile.LogicalTime && lt.Unit == parquetfile.Nanos:
			return arrow.FixedWidthTypes.Time64ns, false
		case lt.Kind == parquetfile.LogicalInteger && lt.BitWidth == 64 && !lt.Signed:
			return arrow.PrimitiveTypes.Uint64, false
		}
		return arrow.PrimitiveTypes.Int64, false
	case parquetfile.Int96:
		return arrow.FixedWidthTypes.Timestamp_ns, false
	case parquetfile.Float:
		return arrow.PrimitiveTypes.Float32, false
	case parquetfile.Double:
		return arrow.PrimitiveTypes.Float64, false
	case parquetfile.ByteArray:
		switch {
		case validDecimal:
			return decimal(), false
		case lt.Kind == parquetfile.LogicalString:
			return arrow.BinaryTypes.String, false
		}
		return arrow.BinaryTypes.Binary, false
	case parquetfile.FixedLenByteArray:
		switch {
		case validDecimal && int(n.TypeLength) <= 32:
			return decimal(), false
		case lt.Kind == parquetfile.LogicalUUID && n.TypeLength == 16:
			return arrow.BinaryTypes.String, true
		case lt.Kind == parquetfile.LogicalFloat16 && n.TypeLength == 2:
			return arrow.FixedWidthTypes.Float16, false
		}
		return &arrow.FixedSizeBinaryType{ByteWidth: int(n.TypeLength)}, false
	}
	return nil, false
}

func pqArrowUnit(u parquetfile.TimeUnit) arrow.TimeUnit {
	switch u {
	case parquetfile.Millis:
		return arrow.Millisecond
	case parquetfile.Micros:
		return arrow.Microsecond
	}
	return arrow.Nanosecond
}
