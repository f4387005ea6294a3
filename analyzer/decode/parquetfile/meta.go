package parquetfile

// The footer and page header structures of parquet.thrift that reading needs. Field ids are the
// ones of parquet-format's parquet.thrift; fields not listed are skipped.

import (
	"fmt"
	"strconv"
)

// Type is a physical type (parquet.thrift Type).
type Type int32

// Physical types.
const (
	Boolean           Type = 0
	Int32             Type = 1
	Int64             Type = 2
	Int96             Type = 3
	Float             Type = 4
	Double            Type = 5
	ByteArray         Type = 6
	FixedLenByteArray Type = 7
)

func (t Type) String() string {
	switch t {
	case Boolean:
		return "BOOLEAN"
	case Int32:
		return "INT32"
	case Int64:
		return "INT64"
	case Int96:
		return "INT96"
	case Float:
		return "FLOAT"
	case Double:
		return "DOUBLE"
	case ByteArray:
		return "BYTE_ARRAY"
	case FixedLenByteArray:
		return "FIXED_LEN_BYTE_ARRAY"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// Repetition is a field's repetition (parquet.thrift FieldRepetitionType).
type Repetition int32

// Repetitions.
const (
	Required Repetition = 0
	Optional Repetition = 1
	Repeated Repetition = 2
)

func (r Repetition) String() string {
	switch r {
	case Required:
		return "REQUIRED"
	case Optional:
		return "OPTIONAL"
	case Repeated:
		return "REPEATED"
	}
	return "Repetition(" + strconv.Itoa(int(r)) + ")"
}

// ConvertedType is the legacy type annotation (parquet.thrift ConvertedType); NoConvertedType
// when the element has none.
type ConvertedType int32

// Converted types used by the reader.
const (
	NoConvertedType ConvertedType = -1
	UTF8            ConvertedType = 0
	MapConverted    ConvertedType = 1
	MapKeyValue     ConvertedType = 2
	ListConverted   ConvertedType = 3
	Enum            ConvertedType = 4
	Decimal         ConvertedType = 5
	Date            ConvertedType = 6
	TimeMillis      ConvertedType = 7
	TimeMicros      ConvertedType = 8
	TimestampMillis ConvertedType = 9
	TimestampMicros ConvertedType = 10
	Uint8           ConvertedType = 11
	Uint16          ConvertedType = 12
	Uint32          ConvertedType = 13
	Uint64          ConvertedType = 14
	Int8            ConvertedType = 15
	Int16           ConvertedType = 16
	Int32Converted  ConvertedType = 17
	Int64Converted  ConvertedType = 18
	JSON            ConvertedType = 19
	BSON            ConvertedType = 20
	Interval        ConvertedType = 21
)

// LogicalKind names a LogicalType union member (parquet.thrift LogicalType, field id = value).
type LogicalKind int8

// Logical type kinds. LogicalNone: the element has no logical type.
const (
	LogicalNone      LogicalKind = 0
	LogicalString    LogicalKind = 1
	LogicalMap       LogicalKind = 2
	LogicalList      LogicalKind = 3
	LogicalEnum      LogicalKind = 4
	LogicalDecimal   LogicalKind = 5
	LogicalDate      LogicalKind = 6
	LogicalTime      LogicalKind = 7
	LogicalTimestamp LogicalKind = 8
	LogicalInteger   LogicalKind = 10
	LogicalUnknown   LogicalKind = 11 // NullType: only nulls
	LogicalJSON      LogicalKind = 12
	LogicalBSON      LogicalKind = 13
	LogicalUUID      LogicalKind = 14
	LogicalFloat16   LogicalKind = 15
	LogicalVariant   LogicalKind = 16
	LogicalGeometry  LogicalKind = 17
	LogicalGeography LogicalKind = 18
	LogicalOther     LogicalKind = 127 // a member this reader does not know
)

// TimeUnit is the unit of a TIME or TIMESTAMP logical type.
type TimeUnit int8

// Time units.
const (
	Millis TimeUnit = 1
	Micros TimeUnit = 2
	Nanos  TimeUnit = 3
)

// LogicalType is the decoded LogicalType union: Kind, plus the parameters of DECIMAL, TIME,
// TIMESTAMP and INTEGER.
type LogicalType struct {
	Kind            LogicalKind
	Scale           int32 // DECIMAL
	Precision       int32 // DECIMAL
	AdjustedToUTC   bool  // TIME, TIMESTAMP
	Unit            TimeUnit
	BitWidth        int8 // INTEGER
	Signed          bool // INTEGER
	unitUnsupported bool // TIME, TIMESTAMP: a unit this reader does not know
}

// SchemaElement is one node of the flattened schema list (parquet.thrift SchemaElement).
type SchemaElement struct {
	Type          Type
	HasType       bool // leaves have a type, groups do not
	TypeLength    int32
	Repetition    Repetition
	HasRepetition bool // the root has none
	Name          string
	NumChildren   int32
	Converted     ConvertedType
	Scale         int32
	Precision     int32
	Logical       LogicalType
}

// FileMetaData is the footer (parquet.thrift FileMetaData).
type FileMetaData struct {
	Version   int32
	Schema    []SchemaElement
	NumRows   int64
	RowGroups []RowGroup
	CreatedBy string
	Encrypted bool // encryption_algorithm set: encrypted columns in a plaintext footer
}

// RowGroup is one row group's columns (parquet.thrift RowGroup).
type RowGroup struct {
	Columns []ColumnChunk
	NumRows int64
}

// ColumnChunk locates one column of a row group (parquet.thrift ColumnChunk).
type ColumnChunk struct {
	FilePath  string // non-empty: the chunk lives in another file (not supported)
	Meta      *ColumnMetaData
	Encrypted bool
}

// ColumnMetaData describes a column chunk (parquet.thrift ColumnMetaData).
type ColumnMetaData struct {
	Type                  Type
	PathInSchema          []string
	Codec                 Codec
	NumValues             int64
	TotalUncompressedSize int64
	TotalCompressedSize   int64
	DataPageOffset        int64
	DictionaryPageOffset  int64
	HasDictionaryOffset   bool
}

// PageType is parquet.thrift PageType.
type PageType int32

// Page types.
const (
	DataPage       PageType = 0
	IndexPage      PageType = 1
	DictionaryPage PageType = 2
	DataPageV2     PageType = 3
)

// Encoding is parquet.thrift Encoding.
type Encoding int32

// Encodings.
const (
	Plain                Encoding = 0
	PlainDictionary      Encoding = 2
	RLE                  Encoding = 3
	BitPacked            Encoding = 4
	DeltaBinaryPacked    Encoding = 5
	DeltaLengthByteArray Encoding = 6
	DeltaByteArray       Encoding = 7
	RLEDictionary        Encoding = 8
	ByteStreamSplit      Encoding = 9
)

func (e Encoding) String() string {
	switch e {
	case Plain:
		return "PLAIN"
	case PlainDictionary:
		return "PLAIN_DICTIONARY"
	case RLE:
		return "RLE"
	case BitPacked:
		return "BIT_PACKED"
	case DeltaBinaryPacked:
		return "DELTA_BINARY_PACKED"
	case DeltaLengthByteArray:
		return "DELTA_LENGTH_BYTE_ARRAY"
	case DeltaByteArray:
		return "DELTA_BYTE_ARRAY"
	case RLEDictionary:
		return "RLE_DICTIONARY"
	case ByteStreamSplit:
		return "BYTE_STREAM_SPLIT"
	}
	return "Encoding(" + strconv.Itoa(int(e)) + ")"
}

// PageHeader is parquet.thrift PageHeader with the member for its page type.
type PageHeader struct {
	Type             PageType
	UncompressedSize int32
	CompressedSize   int32
	Data             *DataPageHeader
	Dictionary       *DictionaryPageHeader
	DataV2           *DataPageHeaderV2
}

// DataPageHeader is parquet.thrift DataPageHeader (data page v1).
type DataPageHeader struct {
	NumValues   int32
	Encoding    Encoding
	DefEncoding Encoding
	RepEncoding Encoding
}

// DictionaryPageHeader is parquet.thrift DictionaryPageHeader.
type DictionaryPageHeader struct {
	NumValues int32
	Encoding  Encoding
}

// DataPageHeaderV2 is parquet.thrift DataPageHeaderV2.
type DataPageHeaderV2 struct {
	NumValues    int32
	NumNulls     int32
	NumRows      int32
	Encoding     Encoding
	DefLength    int32
	RepLength    int32
	IsCompressed bool // default true
}

// ---- decoding ----------------------------------------------------------------------------------

// i32Field reads field id, which must be an i32, into dst (an int32 or one of the enums).
func i32Field[T ~int32](d *thriftDecoder, id int16, t byte, dst *T) error {
	if err := want(id, t, tI32); err != nil {
		return err
	}
	v, err := d.i32()
	*dst = T(v)
	return err
}

func (d *thriftDecoder) i64Field(id int16, t byte, dst *int64) error {
	if err := want(id, t, tI64); err != nil {
		return err
	}
	v, err := d.varint()
	*dst = v
	return err
}

func (d *thriftDecoder) fileMetaData() (*FileMetaData, error) {
	m := &FileMetaData{}
	var seen [5]bool
	err := d.structFields(func(id int16, t byte) error {
		if id >= 1 && id <= 4 {
			seen[id] = true
		}
		switch id {
		case 1:
			return i32Field(d, id, t, &m.Version)
		case 2:
			if err := want(id, t, tList); err != nil {
				return err
			}
			return d.list(tStruct, func(int) error {
				e, err := d.schemaElement()
				m.Schema = append(m.Schema, e)
				return err
			})
		case 3:
			return d.i64Field(id, t, &m.NumRows)
		case 4:
			if err := want(id, t, tList); err != nil {
				return err
			}
			return d.list(tStruct, func(int) error {
				rg, err := d.rowGroup()
				m.RowGroups = append(m.RowGroups, rg)
				return err
			})
		case 6:
			if err := want(id, t, tBinary); err != nil {
				return err
			}
			s, err := d.string()
			m.CreatedBy = s
			return err
		case 8:
			m.Encrypted = true
		}
		return d.skip(t)
	})
	if err != nil {
		return nil, err
	}
	for id := 1; id <= 4; id++ {
		if !seen[id] {
			return nil, fmt.Errorf("required field %d of FileMetaData missing", id)
		}
	}
	return m, nil
}

func (d *thriftDecoder) schemaElement() (SchemaElement, error) {
	e := SchemaElement{Converted: NoConvertedType}
	hasName := false
	err := d.structFields(func(id int16, t byte) error {
		switch id {
		case 1:
			e.HasType = true
			return i32Field(d, id, t, &e.Type)
		case 2:
			return i32Field(d, id, t, &e.TypeLength)
		case 3:
			e.HasRepetition = true
			return i32Field(d, id, t, &e.Repetition)
		case 4:
			if err := want(id, t, tBinary); err != nil {
				return err
			}
			s, err := d.string()
			e.Name, hasName = s, true
			return err
		case 5:
			return i32Field(d, id, t, &e.NumChildren)
		case 6:
			return i32Field(d, id, t, &e.Converted)
		case 7:
			return i32Field(d, id, t, &e.Scale)
		case 8:
			return i32Field(d, id, t, &e.Precision)
		case 10:
			if err := want(id, t, tStruct); err != nil {
				return err
			}
			lt, err := d.logicalType()
			e.Logical = lt
			return err
		}
		return d.skip(t)
	})
	if err == nil && !hasName {
		err = fmt.Errorf("schema element without a name")
	}
	return e, err
}

// logicalType reads the LogicalType union: exactly one member is set.
func (d *thriftDecoder) logicalType() (LogicalType, error) {
	var lt LogicalType
	err := d.structFields(func(id int16, t byte) error {
		if t != tStruct {
			return d.skip(t)
		}
		switch LogicalKind(id) {
		case LogicalDecimal:
			lt.Kind = LogicalDecimal
			return d.structFields(func(id int16, t byte) error {
				switch id {
				case 1:
					return i32Field(d, id, t, &lt.Scale)
				case 2:
					return i32Field(d, id, t, &lt.Precision)
				}
				return d.skip(t)
			})
		case LogicalTime, LogicalTimestamp:
			lt.Kind = LogicalKind(id)
			return d.structFields(func(id int16, t byte) error {
				switch id {
				case 1:
					if err := want(id, t, tTrue); err != nil {
						return err
					}
					lt.AdjustedToUTC = t == tTrue
					return nil
				case 2:
					if err := want(id, t, tStruct); err != nil {
						return err
					}
					return d.structFields(func(id int16, t byte) error {
						switch id {
						case 1, 2, 3:
							lt.Unit = TimeUnit(id)
						default:
							lt.unitUnsupported = true
						}
						return d.skip(t)
					})
				}
				return d.skip(t)
			})
		case LogicalInteger:
			lt.Kind = LogicalInteger
			return d.structFields(func(id int16, t byte) error {
				switch id {
				case 1:
					if err := want(id, t, tByte); err != nil {
						return err
					}
					b, err := d.byte()
					lt.BitWidth = int8(b)
					return err
				case 2:
					if err := want(id, t, tTrue); err != nil {
						return err
					}
					lt.Signed = t == tTrue
					return nil
				}
				return d.skip(t)
			})
		case LogicalString, LogicalMap, LogicalList, LogicalEnum, LogicalDate, LogicalUnknown,
			LogicalJSON, LogicalBSON, LogicalUUID, LogicalFloat16, LogicalVariant, LogicalGeometry,
			LogicalGeography:
			lt.Kind = LogicalKind(id)
		default:
			lt.Kind = LogicalOther
		}
		return d.skip(t)
	})
	return lt, err
}

func (d *thriftDecoder) rowGroup() (RowGroup, error) {
	var rg RowGroup
	var seenCols, seenRows bool
	err := d.structFields(func(id int16, t byte) error {
		switch id {
		case 1:
			seenCols = true
			if err := want(id, t, tList); err != nil {
				return err
			}
			return d.list(tStruct, func(int) error {
				cc, err := d.columnChunk()
				rg.Columns = append(rg.Columns, cc)
				return err
			})
		case 3:
			seenRows = true
			return d.i64Field(id, t, &rg.NumRows)
		}
		return d.skip(t)
	})
	if err == nil && (!seenCols || !seenRows) {
		err = fmt.Errorf("row group without columns or num_rows")
	}
	return rg, err
}

func (d *thriftDecoder) columnChunk() (ColumnChunk, error) {
	var cc ColumnChunk
	err := d.structFields(func(id int16, t byte) error {
		switch id {
		case 1:
			if err := want(id, t, tBinary); err != nil {
				return err
			}
			s, err := d.string()
			cc.FilePath = s
			return err
		case 3:
			if err := want(id, t, tStruct); err != nil {
				return err
			}
			m, err := d.columnMetaData()
			cc.Meta = m
			return err
		case 8, 9:
			cc.Encrypted = true
		}
		return d.skip(t)
	})
	return cc, err
}

func (d *thriftDecoder) columnMetaData() (*ColumnMetaData, error) {
	m := &ColumnMetaData{}
	var seen [10]bool
	err := d.structFields(func(id int16, t byte) error {
		if id >= 1 && id <= 9 {
			seen[id] = true
		}
		switch id {
		case 1:
			return i32Field(d, id, t, &m.Type)
		case 3:
			if err := want(id, t, tList); err != nil {
				return err
			}
			return d.list(tBinary, func(int) error {
				s, err := d.string()
				m.PathInSchema = append(m.PathInSchema, s)
				return err
			})
		case 4:
			return i32Field(d, id, t, &m.Codec)
		case 5:
			return d.i64Field(id, t, &m.NumValues)
		case 6:
			return d.i64Field(id, t, &m.TotalUncompressedSize)
		case 7:
			return d.i64Field(id, t, &m.TotalCompressedSize)
		case 9:
			return d.i64Field(id, t, &m.DataPageOffset)
		case 11:
			m.HasDictionaryOffset = true
			return d.i64Field(id, t, &m.DictionaryPageOffset)
		}
		return d.skip(t)
	})
	if err != nil {
		return nil, err
	}
	for _, id := range []int{1, 3, 4, 5, 7, 9} {
		if !seen[id] {
			return nil, fmt.Errorf("required field %d of ColumnMetaData missing", id)
		}
	}
	return m, nil
}

func (d *thriftDecoder) pageHeader() (*PageHeader, error) {
	h := &PageHeader{}
	var seen [4]bool
	err := d.structFields(func(id int16, t byte) error {
		if id >= 1 && id <= 3 {
			seen[id] = true
		}
		switch id {
		case 1:
			return i32Field(d, id, t, &h.Type)
		case 2:
			return i32Field(d, id, t, &h.UncompressedSize)
		case 3:
			return i32Field(d, id, t, &h.CompressedSize)
		case 5:
			if err := want(id, t, tStruct); err != nil {
				return err
			}
			p := &DataPageHeader{}
			h.Data = p
			return d.structFields(func(id int16, t byte) error {
				switch id {
				case 1:
					return i32Field(d, id, t, &p.NumValues)
				case 2:
					return i32Field(d, id, t, (*int32)(&p.Encoding))
				case 3:
					return i32Field(d, id, t, (*int32)(&p.DefEncoding))
				case 4:
					return i32Field(d, id, t, (*int32)(&p.RepEncoding))
				}
				return d.skip(t)
			})
		case 7:
			if err := want(id, t, tStruct); err != nil {
				return err
			}
			p := &DictionaryPageHeader{}
			h.Dictionary = p
			return d.structFields(func(id int16, t byte) error {
				switch id {
				case 1:
					return i32Field(d, id, t, &p.NumValues)
				case 2:
					return i32Field(d, id, t, (*int32)(&p.Encoding))
				}
				return d.skip(t)
			})
		case 8:
			if err := want(id, t, tStruct); err != nil {
				return err
			}
			p := &DataPageHeaderV2{IsCompressed: true}
			h.DataV2 = p
			return d.structFields(func(id int16, t byte) error {
				switch id {
				case 1:
					return i32Field(d, id, t, &p.NumValues)
				case 2:
					return i32Field(d, id, t, &p.NumNulls)
				case 3:
					return i32Field(d, id, t, &p.NumRows)
				case 4:
					return i32Field(d, id, t, (*int32)(&p.Encoding))
				case 5:
					return i32Field(d, id, t, &p.DefLength)
				case 6:
					return i32Field(d, id, t, &p.RepLength)
				case 7:
					if err := want(id, t, tTrue); err != nil {
						return err
					}
					p.IsCompressed = t == tTrue
					return nil
				}
				return d.skip(t)
			})
		}
		return d.skip(t)
	})
	if err != nil {
		return nil, err
	}
	if !seen[1] || !seen[2] || !seen[3] {
		return nil, fmt.Errorf("page header without type or sizes")
	}
	if h.UncompressedSize < 0 || h.CompressedSize < 0 {
		return nil, fmt.Errorf("page header with negative size (%d compressed, %d uncompressed)", h.CompressedSize, h.UncompressedSize)
	}
	return h, nil
}
