// Package source lists and opens the input files of a job — every file under dataset_source,
// recursively, in a stable order, local or on S3 (s3://bucket/prefix), with gzip decompressed
// transparently (contract §3.2) — and reads baseline files from either place.
package source

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/driftwatch/driftwatch/analyzer/s3io"
)

// ErrNoInput reports a dataset_source with no data file in it.
var ErrNoInput = errors.New("no input files")

// File is one input object.
type File struct {
	Path string // a local path or an s3:// URI, as named in messages
	Size int64
}

// IsS3 reports whether the file is an S3 object.
func (f File) IsS3() bool { return s3io.IsURI(f.Path) }

// Compressed reports whether the file is gzip-compressed (by its name, as Spark picks its codec).
func (f File) Compressed() bool { return strings.HasSuffix(f.Path, ".gz") }

// Options narrow a listing.
type Options struct {
	// Start and End, when set on an S3 capture tree, restrict listing to the hour prefixes
	// {endpoint}/{variant}/yyyy/mm/dd/hh/ that overlap [Start, End).
	Start, End time.Time
	Capture    bool
}

var s3 struct {
	once sync.Once
	c    *s3io.Client
	err  error
}

// client returns the process's S3 client, created on first use with the SDK's standard
// credential chain and endpoint settings.
func client(ctx context.Context) (*s3io.Client, error) {
	s3.once.Do(func() { s3.c, s3.err = s3io.New(ctx) })
	return s3.c, s3.err
}

// S3 returns the shared S3 client (for writers).
func S3(ctx context.Context) (*s3io.Client, error) { return client(ctx) }

// List returns the data files under root (a file, a directory or an S3 prefix), recursively,
// sorted by path. Like Spark's file index it skips files and directories whose names start with
// "." or "_" (hidden files, _SUCCESS markers, .crc files), and empty files.
func List(ctx context.Context, root string, opt Options) ([]File, error) {
	if s3io.IsURI(root) {
		c, err := client(ctx)
		if err != nil {
			return nil, fmt.Errorf("dataset_source %s: %w", root, err)
		}
		var objs []s3io.Object
		if opt.Capture && !opt.Start.IsZero() {
			objs, err = c.ListHours(ctx, root, opt.Start, opt.End)
		} else {
			objs, err = c.List(ctx, root)
		}
		if err != nil {
			return nil, fmt.Errorf("list dataset_source %s: %w", root, err)
		}
		files := make([]File, 0, len(objs))
		for _, o := range objs {
			files = append(files, File{Path: o.URI, Size: o.Size})
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("dataset_source %s: %w", root, ErrNoInput)
		}
		return files, nil
	}
	info, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("dataset_source %s: %w", root, err)
	}
	if !info.IsDir() {
		return []File{{Path: root, Size: info.Size()}}, nil
	}
	var files []File
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if !fi.Mode().IsRegular() || fi.Size() == 0 {
			return nil
		}
		files = append(files, File{Path: path, Size: fi.Size()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list dataset_source %s: %w", root, err)
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("dataset_source %s: %w", root, ErrNoInput)
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// Open opens f for sequential reading (S3 objects stream), decompressing gzip files.
func Open(ctx context.Context, f File) (io.ReadCloser, error) {
	var rc io.ReadCloser
	if f.IsS3() {
		c, err := client(ctx)
		if err != nil {
			return nil, err
		}
		if rc, err = c.Open(ctx, s3io.Object{URI: f.Path, Size: f.Size}); err != nil {
			return nil, err
		}
	} else {
		fh, err := os.Open(f.Path)
		if err != nil {
			return nil, err
		}
		rc = fh
	}
	return decompress(f, rc)
}

// decompress wraps rc in a gzip reader when f is gzip-compressed (by its name).
func decompress(f File, rc io.ReadCloser) (io.ReadCloser, error) {
	if !f.Compressed() {
		return rc, nil
	}
	zr, err := gzip.NewReader(rc)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("%s: not a gzip file: %w", f.Path, err)
	}
	return &gzipFile{Reader: zr, c: rc}, nil
}

type gzipFile struct {
	*gzip.Reader
	c io.Closer
}

func (g *gzipFile) Close() error { return errors.Join(g.Reader.Close(), g.c.Close()) }

// RandomAccess is a file opened for random access (Parquet footers and column chunks).
type RandomAccess interface {
	io.ReaderAt
	io.ReadSeeker
}

// OpenRandom opens f for random access: a local file, or ranged GETs on an S3 object.
func OpenRandom(ctx context.Context, f File) (RandomAccess, io.Closer, error) {
	if f.IsS3() {
		c, err := client(ctx)
		if err != nil {
			return nil, nil, err
		}
		r, err := c.ReaderAt(ctx, s3io.Object{URI: f.Path, Size: f.Size})
		if err != nil {
			return nil, nil, err
		}
		return r, io.NopCloser(nil), nil
	}
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, nil, err
	}
	return fh, fh, nil
}

// ReadFile reads a whole small file (a baseline) from a local path or an S3 URI.
func ReadFile(ctx context.Context, path string) ([]byte, error) {
	if s3io.IsURI(path) {
		c, err := client(ctx)
		if err != nil {
			return nil, err
		}
		return c.Get(ctx, path)
	}
	return os.ReadFile(path)
}

// prefetchObjects is how many S3 objects are fetched ahead of the one being read.
const prefetchObjects = 4

// Reader opens the files of one listing in order. For S3 listings it reads ahead: while object i is
// decoded, objects i+1 … i+4 are already being fetched (s3io.OpenAll, bounded memory), so many
// small capture objects do not pay one round trip each.
type Reader struct {
	ctx    context.Context
	stream *s3io.Stream
}

// NewReader prepares sequential reading of files, which must then all be opened in order with
// Open; readAhead false (random-access formats such as Parquet) opens each file on demand.
func NewReader(ctx context.Context, files []File, readAhead bool) (*Reader, error) {
	r := &Reader{ctx: ctx}
	if !readAhead || len(files) == 0 || !files[0].IsS3() {
		return r, nil
	}
	c, err := client(ctx)
	if err != nil {
		return nil, err
	}
	objs := make([]s3io.Object, len(files))
	for i, f := range files {
		objs[i] = s3io.Object{URI: f.Path, Size: f.Size}
	}
	r.stream = c.OpenAll(ctx, objs, prefetchObjects)
	return r, nil
}

// Open opens f, the next file of the listing, decompressing gzip files.
func (r *Reader) Open(f File) (io.ReadCloser, error) {
	if r.stream == nil || !f.IsS3() {
		return Open(r.ctx, f)
	}
	o, rc, err := r.stream.Next()
	if err != nil {
		return nil, err
	}
	if o.URI != f.Path {
		rc.Close()
		return nil, fmt.Errorf("source: opened %s out of order (expected %s)", f.Path, o.URI)
	}
	return decompress(f, rc)
}

// Close stops any read-ahead.
func (r *Reader) Close() error {
	if r.stream == nil {
		return nil
	}
	return r.stream.Close()
}
