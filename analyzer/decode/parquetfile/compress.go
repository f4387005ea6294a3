package parquetfile

// Page decompression. Every codec checks that the page decompresses to exactly the size its
// header declares, and no codec may produce more than that, so a corrupt header or body cannot
// make the reader allocate more than the page's declared size (itself bounded by maxPageSize).

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// Codec is parquet.thrift CompressionCodec.
type Codec int32

// Codecs.
const (
	Uncompressed Codec = 0
	Snappy       Codec = 1
	Gzip         Codec = 2
	LZO          Codec = 3
	Brotli       Codec = 4
	LZ4          Codec = 5 // deprecated: Hadoop's framing of LZ4 blocks (or a raw block)
	Zstd         Codec = 6
	LZ4Raw       Codec = 7
)

func (c Codec) String() string {
	switch c {
	case Uncompressed:
		return "UNCOMPRESSED"
	case Snappy:
		return "SNAPPY"
	case Gzip:
		return "GZIP"
	case LZO:
		return "LZO"
	case Brotli:
		return "BROTLI"
	case LZ4:
		return "LZ4"
	case Zstd:
		return "ZSTD"
	case LZ4Raw:
		return "LZ4_RAW"
	}
	return "Codec(" + strconv.Itoa(int(c)) + ")"
}

// maxPageSize bounds a page's declared sizes (256 MiB, the limit arrow-go and parquet-mr apply to
// uncompressed pages); real writers make pages of about 1 MiB.
const maxPageSize = 256 << 20

// supported reports whether the reader can decompress c.
func (c Codec) supported() bool {
	switch c {
	case Uncompressed, Snappy, Gzip, Brotli, LZ4, Zstd, LZ4Raw:
		return true
	}
	return false
}

var (
	zstdOnce sync.Once
	zstdDec  *zstd.Decoder
	zstdErr  error
)

// Largest expansion of a block codec: a Snappy copy element of 2 bytes produces at most 11
// bytes and one of 3 bytes at most 64 (ratio < 22); an LZ4 sequence adds at most 255 bytes per
// extra length byte (ratio < 256). A page declaring more than that is refused before its buffer is
// allocated.
const (
	maxSnappyRatio = 22
	maxLZ4Ratio    = 256
)

// decompress returns src decompressed with c, reusing dst's storage when it is large enough (else
// a buffer from mem); the result is exactly size bytes or an error. Stream codecs (gzip, brotli, zstd) grow their output
// as the data decodes, so a size the data does not back is never allocated up front.
func decompress(c Codec, dst, src []byte, size int, mem Allocator) ([]byte, error) {
	if size < 0 || size > maxPageSize {
		return nil, fmt.Errorf("page size %d out of range", size)
	}
	var out []byte
	var err error
	switch c {
	case Uncompressed:
		if len(src) != size {
			return nil, fmt.Errorf("uncompressed page of %d bytes, header says %d", len(src), size)
		}
		return src, nil
	case Snappy:
		var dl int
		if dl, err = s2.DecodedLen(src); err == nil {
			if dl != size || size > maxSnappyRatio*len(src)+64 {
				return nil, fmt.Errorf("snappy block decodes to %d bytes from %d, header says %d", dl, len(src), size)
			}
			out, err = s2.Decode(sized(dst, size, mem), src)
		}
	case Gzip:
		var zr *gzip.Reader
		if zr, err = gzip.NewReader(bytes.NewReader(src)); err == nil {
			out, err = readUpTo(zr, dst, size)
		}
	case Brotli:
		out, err = readUpTo(brotli.NewReader(bytes.NewReader(src)), dst, size)
	case Zstd:
		zstdOnce.Do(func() {
			// One decoder for all pages; DecodeAll is safe for concurrent use. Its memory is
			// bounded by the page limit.
			zstdDec, zstdErr = zstd.NewReader(nil, zstd.WithDecoderConcurrency(0), zstd.WithDecoderMaxMemory(maxPageSize))
		})
		if zstdErr != nil {
			return nil, zstdErr
		}
		out, err = zstdDec.DecodeAll(src, dst[:0])
	case LZ4Raw, LZ4:
		if size > maxLZ4Ratio*len(src)+64 {
			return nil, fmt.Errorf("%s block of %d bytes cannot decode to %d", c, len(src), size)
		}
		buf := sized(dst, size, mem)
		var n int
		if c == LZ4 {
			n, err = lz4Hadoop(src, buf)
		}
		if c == LZ4Raw || err != nil {
			n, err = lz4.UncompressBlock(src, buf) // some writers store a raw block under LZ4
		}
		out = buf[:n]
	default:
		return nil, fmt.Errorf("compression codec %s is not supported", c)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c, err)
	}
	if len(out) != size {
		return nil, fmt.Errorf("%s page decompresses to %d bytes, header says %d", c, len(out), size)
	}
	return out, nil
}

// sized returns a buffer of n bytes, dst's storage when it is large enough, else one from mem.
func sized(dst []byte, n int, mem Allocator) []byte {
	if cap(dst) < n {
		return mem.Allocate(n)
	}
	return dst[:n]
}

// readUpTo reads r to its end into dst's storage, growing it as needed, but stops after size+1
// bytes: one more than expected is enough to report the mismatch.
func readUpTo(r io.Reader, dst []byte, size int) ([]byte, error) {
	buf := bytes.NewBuffer(dst[:0])
	_, err := buf.ReadFrom(io.LimitReader(r, int64(size)+1))
	return buf.Bytes(), err
}

// lz4Hadoop decodes Hadoop's LZ4 framing: blocks of (4-byte big-endian decompressed size, 4-byte
// big-endian compressed size, LZ4 block).
func lz4Hadoop(src, dst []byte) (int, error) {
	n := 0
	for len(src) > 0 {
		if len(src) < 8 {
			return 0, errors.New("lz4: truncated Hadoop frame header")
		}
		usize := int(binary.BigEndian.Uint32(src))
		csize := int(binary.BigEndian.Uint32(src[4:]))
		src = src[8:]
		if csize > len(src) || usize > len(dst)-n {
			return 0, errors.New("lz4: Hadoop frame sizes out of range")
		}
		m, err := lz4.UncompressBlock(src[:csize], dst[n:n+usize])
		if err != nil {
			return 0, err
		}
		if m != usize {
			return 0, errors.New("lz4: Hadoop block size mismatch")
		}
		n += m
		src = src[csize:]
	}
	return n, nil
}
