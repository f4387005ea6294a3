package parquetfile

// The schema tree: the footer stores it depth first as a list of SchemaElements, each group
// followed by its num_children children. Definition and repetition levels count the OPTIONAL and
// REPEATED fields on the path from the root (parquet-format README, "Nested Encoding").

import (
	"errors"
	"fmt"
)

// Node is a field of the schema: a group (Children) or a leaf column (Column >= 0).
type Node struct {
	Name       string
	Repetition Repetition
	Type       Type  // leaves
	TypeLength int32 // FIXED_LEN_BYTE_ARRAY width
	Converted  ConvertedType
	// Logical is the element's logical type, or the one its converted type implies for files
	// that only carry converted types (LogicalTypes.md, backward compatibility).
	Logical  LogicalType
	Children []*Node
	Parent   *Node
	// DefLevel and RepLevel are the maximum definition and repetition levels at this node: the
	// number of OPTIONAL or REPEATED (DefLevel) and REPEATED (RepLevel) fields from the root's
	// children down to and including this node.
	DefLevel int16
	RepLevel int16
	Column   int // leaf: index of the column chunk; groups: -1
}

// IsLeaf reports whether n is a column.
func (n *Node) IsLeaf() bool { return n.Column >= 0 }

// Schema is the file's schema tree.
type Schema struct {
	Root    *Node
	Columns []*Node // the leaves in file order: column i is Columns[i]
}

// maxSchemaDepth bounds nesting (levels are stored in int16, and real schemas nest a few deep).
const maxSchemaDepth = 100

func newSchema(elems []SchemaElement) (*Schema, error) {
	if len(elems) == 0 {
		return nil, errors.New("empty schema")
	}
	s := &Schema{}
	pos := 0
	var build func(parent *Node, depth int) (*Node, error)
	build = func(parent *Node, depth int) (*Node, error) {
		if pos >= len(elems) {
			return nil, errors.New("schema has fewer elements than its groups declare")
		}
		if depth > maxSchemaDepth {
			return nil, fmt.Errorf("schema nested more than %d levels deep", maxSchemaDepth)
		}
		e := &elems[pos]
		pos++
		n := &Node{Name: e.Name, Repetition: e.Repetition, Type: e.Type, TypeLength: e.TypeLength,
			Converted: e.Converted, Logical: e.effectiveLogical(), Parent: parent, Column: -1}
		if parent != nil {
			if !e.HasRepetition {
				return nil, fmt.Errorf("field %q has no repetition type", e.Name)
			}
			if n.Repetition < Required || n.Repetition > Repeated {
				return nil, fmt.Errorf("field %q has repetition %s", e.Name, n.Repetition)
			}
			n.DefLevel, n.RepLevel = parent.DefLevel, parent.RepLevel
			if n.Repetition != Required {
				n.DefLevel++
			}
			if n.Repetition == Repeated {
				n.RepLevel++
			}
		}
		if e.NumChildren < 0 || int(e.NumChildren) > len(elems)-pos {
			return nil, fmt.Errorf("group %q declares %d children, the schema has %d elements left", e.Name, e.NumChildren, len(elems)-pos)
		}
		if e.NumChildren == 0 && parent != nil {
			if !e.HasType {
				return nil, fmt.Errorf("field %q has neither children nor a type", e.Name)
			}
			if e.Type < Boolean || e.Type > FixedLenByteArray {
				return nil, fmt.Errorf("column %q has physical type %s", e.Name, e.Type)
			}
			if e.Type == FixedLenByteArray && (e.TypeLength <= 0 || e.TypeLength > maxPageSize) {
				return nil, fmt.Errorf("column %q: FIXED_LEN_BYTE_ARRAY of length %d", e.Name, e.TypeLength)
			}
			n.Column = len(s.Columns)
			s.Columns = append(s.Columns, n)
			return n, nil
		}
		for range e.NumChildren {
			c, err := build(n, depth+1)
			if err != nil {
				return nil, err
			}
			n.Children = append(n.Children, c)
		}
		return n, nil
	}
	root, err := build(nil, 0)
	if err != nil {
		return nil, err
	}
	if pos != len(elems) {
		return nil, fmt.Errorf("schema has %d elements after its root's fields", len(elems)-pos)
	}
	s.Root = root
	return s, nil
}

// effectiveLogical returns the element's logical type, or the one its converted type implies.
func (e *SchemaElement) effectiveLogical() LogicalType {
	if e.Logical.Kind != LogicalNone {
		lt := e.Logical
		if (lt.Kind == LogicalTime || lt.Kind == LogicalTimestamp) && (lt.Unit == 0 || lt.unitUnsupported) {
			return LogicalType{Kind: LogicalOther}
		}
		return lt
	}
	switch e.Converted {
	case UTF8:
		return LogicalType{Kind: LogicalString}
	case MapConverted, MapKeyValue:
		return LogicalType{Kind: LogicalMap}
	case ListConverted:
		return LogicalType{Kind: LogicalList}
	case Enum:
		return LogicalType{Kind: LogicalEnum}
	case Decimal:
		return LogicalType{Kind: LogicalDecimal, Scale: e.Scale, Precision: e.Precision}
	case Date:
		return LogicalType{Kind: LogicalDate}
	case TimeMillis:
		return LogicalType{Kind: LogicalTime, Unit: Millis, AdjustedToUTC: true}
	case TimeMicros:
		return LogicalType{Kind: LogicalTime, Unit: Micros, AdjustedToUTC: true}
	case TimestampMillis:
		return LogicalType{Kind: LogicalTimestamp, Unit: Millis, AdjustedToUTC: true}
	case TimestampMicros:
		return LogicalType{Kind: LogicalTimestamp, Unit: Micros, AdjustedToUTC: true}
	case Uint8, Uint16, Uint32, Uint64:
		return LogicalType{Kind: LogicalInteger, BitWidth: int8(8 << (e.Converted - Uint8)), Signed: false}
	case Int8, Int16, Int32Converted, Int64Converted:
		return LogicalType{Kind: LogicalInteger, BitWidth: int8(8 << (e.Converted - Int8)), Signed: true}
	case JSON:
		return LogicalType{Kind: LogicalJSON}
	case BSON:
		return LogicalType{Kind: LogicalBSON}
	}
	return LogicalType{}
}
