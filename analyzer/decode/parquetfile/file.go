package parquetfile

// The file layout (parquet-format README, "File Format"):
//
//	"PAR1" | column chunks of row group 0 | … | footer (FileMetaData, compact Thrift) |
//	footer length: 4 bytes little-endian | "PAR1"
//
// A column chunk is its pages back to back: an optional dictionary page first, then data pages,
// each a PageHeader (compact Thrift) followed by the page body.

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"strings"
)

// Magic opens and closes every Parquet file; "PARE" closes a file with an encrypted footer.
const (
	Magic          = "PAR1"
	MagicEncrypted = "PARE"
)

// File is an open Parquet file: its footer decoded and checked against its schema.
type File struct {
	// Buffers, when set before the first NewColumnReader, lends the column readers their large
	// buffers; ColumnReader.Release returns them. Nil: fresh Go memory.
	Buffers Allocator
	// Sequential, when set before the first NewColumnReader, lets the column readers share their
	// scratch (the dictionary indices of the values being decoded): they must then be used by one
	// goroutine at a time. Nothing a reader returns points into the scratch.
	Sequential bool
	dictIx     []int32 // the readers' scratch when Sequential

	r       io.ReaderAt
	size    int64
	dataEnd int64 // offset of the footer: column chunks lie in [4, dataEnd)
	Meta    *FileMetaData
	Schema  *Schema
}

// Open reads and checks the footer of the size-byte file r. It does not read any page.
func Open(r io.ReaderAt, size int64) (*File, error) {
	if size < int64(2*len(Magic)+4) {
		return nil, fmt.Errorf("file of %d bytes is too short for Parquet", size)
	}
	var tail [8]byte
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return nil, fmt.Errorf("read footer: %w", err)
	}
	switch string(tail[4:]) {
	case Magic:
	case MagicEncrypted:
		return nil, fmt.Errorf("encrypted footer: not supported")
	default:
		return nil, fmt.Errorf("bad magic %q at the end of the file", tail[4:])
	}
	footerLen := int64(binary.LittleEndian.Uint32(tail[:4]))
	if footerLen == 0 || footerLen > size-int64(2*len(Magic)+4) {
		return nil, fmt.Errorf("footer length %d does not fit in a %d-byte file", footerLen, size)
	}
	footer := make([]byte, footerLen)
	dataEnd := size - 8 - footerLen
	if _, err := r.ReadAt(footer, dataEnd); err != nil {
		return nil, fmt.Errorf("read footer: %w", err)
	}
	d := thriftDecoder{r: bytes.NewReader(footer), remain: footerLen}
	meta, err := d.fileMetaData()
	if err != nil {
		return nil, fmt.Errorf("decode footer: %w", err)
	}
	if meta.Encrypted {
		return nil, fmt.Errorf("encrypted columns: not supported")
	}
	if meta.NumRows < 0 {
		return nil, fmt.Errorf("footer: negative row count %d", meta.NumRows)
	}
	schema, err := newSchema(meta.Schema)
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	f := &File{r: r, size: size, dataEnd: dataEnd, Meta: meta, Schema: schema}
	for i, rg := range meta.RowGroups {
		if rg.NumRows < 0 {
			return nil, fmt.Errorf("row group %d: negative row count %d", i, rg.NumRows)
		}
		if len(rg.Columns) != len(schema.Columns) {
			return nil, fmt.Errorf("row group %d has %d column chunks, the schema %d columns", i, len(rg.Columns), len(schema.Columns))
		}
	}
	return f, nil
}

// WithReader returns f over another handle r on the same file (the same size and bytes): the
// decoded footer and schema are shared, read-only, and the new File has its own readers' state
// (Buffers and Sequential unset), so that readers of one file on several goroutines, each with
// its own handle, decode the footer once.
func (f *File) WithReader(r io.ReaderAt) *File {
	return &File{r: r, size: f.size, dataEnd: f.dataEnd, Meta: f.Meta, Schema: f.Schema}
}

// NumRowGroups is the number of row groups.
func (f *File) NumRowGroups() int { return len(f.Meta.RowGroups) }

// RowGroupRows is the number of rows of row group rg.
func (f *File) RowGroupRows(rg int) int64 { return f.Meta.RowGroups[rg].NumRows }

// Path is the dotted path of a column, for messages.
func (n *Node) Path() string {
	var parts []string
	for p := n; p != nil && p.Parent != nil; p = p.Parent {
		parts = append(parts, p.Name)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return strings.Join(parts, ".")
}

// chunk checks and returns the metadata and byte range of column col in row group rg.
func (f *File) chunk(rg, col int) (*ColumnMetaData, int64, int64, error) {
	cc := &f.Meta.RowGroups[rg].Columns[col]
	leaf := f.Schema.Columns[col]
	switch {
	case cc.Encrypted:
		return nil, 0, 0, fmt.Errorf("encrypted column: not supported")
	case cc.FilePath != "":
		return nil, 0, 0, fmt.Errorf("column chunk stored in another file (%q): not supported", cc.FilePath)
	case cc.Meta == nil:
		return nil, 0, 0, fmt.Errorf("column chunk without metadata")
	}
	m := cc.Meta
	if m.Type != leaf.Type {
		return nil, 0, 0, fmt.Errorf("column chunk of type %s, the schema says %s", m.Type, leaf.Type)
	}
	if len(m.PathInSchema) > 0 && strings.Join(m.PathInSchema, ".") != leaf.Path() {
		return nil, 0, 0, fmt.Errorf("column chunk for path %q where the schema has %q", strings.Join(m.PathInSchema, "."), leaf.Path())
	}
	if !m.Codec.supported() {
		return nil, 0, 0, fmt.Errorf("compression codec %s is not supported", m.Codec)
	}
	start := m.DataPageOffset
	// Some writers record dictionary_page_offset 0 for chunks without a dictionary.
	if m.HasDictionaryOffset && m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < start {
		start = m.DictionaryPageOffset
	}
	if m.NumValues < 0 || m.TotalCompressedSize <= 0 || start < int64(len(Magic)) || start > f.dataEnd || m.TotalCompressedSize > f.dataEnd-start {
		return nil, 0, 0, fmt.Errorf("column chunk at offset %d of %d bytes lies outside the data (bytes %d to %d)",
			start, m.TotalCompressedSize, len(Magic), f.dataEnd)
	}
	return m, start, start + m.TotalCompressedSize, nil
}
