// Package parquetfile reads the Parquet file format: the footer (Thrift compact protocol), the
// schema tree with its definition and repetition levels, and column chunks page by page into typed
// values and levels, with every page encoding and compression codec of parquet-format 2.x except
// LZO. It knows nothing about Arrow: package decode assembles its output into record batches.
//
// It exists because the Parquet libraries the design card allows do not fit the product: arrow-go's
// readers link arrow/compute (and pqarrow gRPC) into the binary, 20–30 MB of a 20 MB image budget,
// and xitongsys/parquet-go boxes every value in an interface and reads 4–5× slower than our CSV path
// (docs/parquet-choice.md has the measurements).
//
// Formats: parquet-format's parquet.thrift (footer and page headers), Encodings.md (PLAIN,
// RLE/bit-packed hybrid, dictionary, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
// DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT), LogicalTypes.md, and the Thrift compact protocol
// specification (thrift/doc/specs/thrift-compact-protocol.md). docs/parquet-choice.md ("The
// reader") lists what is supported, the memory it takes and how it is tested.
//
// Every length, count and offset read from a file is checked against the bytes that hold it before
// it sizes an allocation, so a corrupt file gives an error, never a huge allocation or a hang.
//
//	f, err := parquetfile.Open(r, size)
//	cr, err := f.ColumnReader(rowGroup, column)
//	n, err := cr.Read(rows, &batch) // levels and values of the next rows
package parquetfile
