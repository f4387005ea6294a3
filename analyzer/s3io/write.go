package s3io

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/s3/transfermanager"
)

// Put uploads r as the object uri. size is r's length when known (-1 otherwise). Objects larger
// than 16 MiB go up as a multipart upload of 8 MiB parts, 5 in flight (the SDK's transfer
// manager), which is aborted on failure so no partial object appears; smaller ones in one
// PutObject. The Content-Type is set from the key's extension (.json, .html, …).
func (c *Client) Put(ctx context.Context, u string, r io.Reader, size int64) error {
	bucket, key, err := ParseURI(u)
	if err != nil {
		return err
	}
	if key == "" || key[len(key)-1] == '/' {
		return fmt.Errorf("put %s: the URI names a folder, not an object", u)
	}
	in := &transfermanager.UploadObjectInput{Bucket: &bucket, Key: &key, Body: r}
	if size >= 0 {
		in.ContentLength = aws.Int64(size)
	}
	if ct := mime.TypeByExtension(path.Ext(key)); ct != "" {
		in.ContentType = aws.String(ct)
	}
	if _, err := c.tm.UploadObject(ctx, in); err != nil {
		return c.fail("put", u, err)
	}
	return nil
}

// uploadConcurrency is the number of files UploadDir uploads at once.
const uploadConcurrency = 4

// UploadDir uploads every regular file below the local directory dir to uri/{relative path}. The
// file named last (a path relative to dir, such as the execution record or message file) is
// uploaded after all the others succeeded, so its presence marks a complete set; when any upload
// fails it is not uploaded. last may be "" (no ordering).
func (c *Client) UploadDir(ctx context.Context, dir, u string, last string) error {
	bucket, key, err := ParseURI(u)
	if err != nil {
		return err
	}
	var files []string // slash-separated, relative to dir
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil {
		return fmt.Errorf("upload %s to %s: %w", dir, u, err)
	}
	last = filepath.ToSlash(filepath.Clean(last))
	if last != "." && !slices.Contains(files, last) {
		return fmt.Errorf("upload %s to %s: the final file %s is not in the directory", dir, u, last)
	}
	put := func(rel string) error {
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil {
			return fmt.Errorf("upload %s: %w", rel, err)
		}
		defer f.Close()
		info, err := f.Stat()
		if err != nil {
			return fmt.Errorf("upload %s: %w", rel, err)
		}
		return c.Put(ctx, uri(bucket, joinKey(key, rel)), f, info.Size())
	}
	errs := make([]error, len(files))
	sem := make(chan struct{}, uploadConcurrency)
	var wg sync.WaitGroup
	for i, rel := range files {
		if rel == last {
			continue
		}
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = put(rel)
		})
	}
	wg.Wait()
	var failed []error
	for _, err := range errs {
		if err != nil {
			failed = append(failed, err)
		}
	}
	switch len(failed) {
	case 0:
	case 1:
		return failed[0]
	default: // the first, in file order: the others usually fail alike
		return fmt.Errorf("%w (and %d more files failed)", failed[0], len(failed)-1)
	}
	if last != "." {
		return put(last)
	}
	return nil
}
