// Package source lists and opens the input files of a job: every file under dataset_source,
// recursively, in a stable order, with gzip decompressed transparently (contract §3.2).
package source

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// ErrNoInput reports a dataset_source with no data file in it.
var ErrNoInput = errors.New("no input files")

// File is one input object.
type File struct {
	Path string // as given to Open, and as named in messages
	Size int64
}

// Compressed reports whether the file is gzip-compressed (by its name, as Spark picks its codec).
func (f File) Compressed() bool { return strings.HasSuffix(f.Path, ".gz") }

// List returns the data files under root (a file or a directory), recursively, sorted by path.
// Like Spark's file index it skips files and directories whose names start with "." or "_"
// (hidden files, _SUCCESS markers, .crc files), and empty files.
func List(root string) ([]File, error) {
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

// Open opens f for sequential reading, decompressing gzip files.
func Open(f File) (io.ReadCloser, error) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, err
	}
	if !f.Compressed() {
		return fh, nil
	}
	zr, err := gzip.NewReader(fh)
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("%s: not a gzip file: %w", f.Path, err)
	}
	return &gzipFile{Reader: zr, f: fh}, nil
}

type gzipFile struct {
	*gzip.Reader
	f *os.File
}

func (g *gzipFile) Close() error { return errors.Join(g.Reader.Close(), g.f.Close()) }
