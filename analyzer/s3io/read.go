package s3io

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// maxResumes is how many times one object's stream is reopened after its body failed mid-way
// (connection reset, truncated response). Each reopen is itself a GetObject retried by the SDK.
const maxResumes = 3

// Open streams the object: the GetObject body is handed to the caller as it arrives, nothing is
// downloaded first. A body that breaks off is resumed from the byte reached (Range request, with
// If-Match on the first response's ETag so a changed object fails instead of mixing versions), at
// most maxResumes times. Read errors name the URI.
func (c *Client) Open(ctx context.Context, o Object) (io.ReadCloser, error) {
	bucket, key, err := ParseURI(o.URI)
	if err != nil {
		return nil, err
	}
	r := &objectReader{c: c, ctx: ctx, uri: o.URI, bucket: bucket, key: key, size: o.Size}
	if err := r.open(); err != nil {
		return nil, err
	}
	return r, nil
}

type objectReader struct {
	c                *Client
	ctx              context.Context
	uri, bucket, key string
	size             int64 // as listed; 0 when unknown

	body    io.ReadCloser
	etag    *string
	off     int64 // bytes handed out so far
	resumes int
	pending error // a body error held back while returning the bytes read before it
	done    error // sticky final error (io.EOF or a wrapped failure)
}

func (r *objectReader) open() error {
	in := &s3.GetObjectInput{Bucket: &r.bucket, Key: &r.key}
	var opts []func(*s3.Options)
	if r.off > 0 {
		in.Range = aws.String(fmt.Sprintf("bytes=%d-", r.off))
		in.IfMatch = r.etag
		opts = append(opts, rangeChecksums)
	}
	out, err := r.c.s3.GetObject(r.ctx, in, opts...)
	if err != nil {
		return r.c.fail("get", r.uri, err)
	}
	r.body = out.Body
	if r.etag == nil {
		r.etag = out.ETag
	}
	return nil
}

func (r *objectReader) Read(p []byte) (int, error) {
	for {
		if r.done != nil {
			return 0, r.done
		}
		if r.pending != nil {
			err := r.pending
			r.pending = nil
			if err = r.resume(err); err != nil {
				r.done = err
				return 0, err
			}
		}
		n, err := r.body.Read(p)
		r.off += int64(n)
		switch {
		case err == nil:
			return n, nil
		case err == io.EOF:
			r.done = io.EOF
			return n, io.EOF
		case n > 0:
			r.pending = err
			return n, nil
		default:
			r.pending = err
		}
	}
}

// rangeChecksums turns off the validation of whole-object checksums for a ranged GetObject: they
// do not apply to a part of the object (some servers send them anyway).
func rangeChecksums(o *s3.Options) {
	o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
}

// resume reopens the object at r.off after the body failed with cause. A failure after the last
// byte (a checksum mismatch found at the end) is final.
func (r *objectReader) resume(cause error) error {
	r.body.Close()
	if r.ctx.Err() != nil || r.resumes >= maxResumes || (r.size > 0 && r.off >= r.size) {
		return r.c.fail("read", r.uri, fmt.Errorf("at byte %d: %w", r.off, cause))
	}
	r.resumes++
	if err := r.open(); err != nil {
		return r.c.fail("read", r.uri, fmt.Errorf("resume at byte %d after %v: %w", r.off, cause, err))
	}
	return nil
}

func (r *objectReader) Close() error {
	if r.done == nil {
		r.done = errors.New("read after close")
	}
	if r.body == nil {
		return nil
	}
	err := r.body.Close()
	r.body = nil
	return err
}

// ReadAhead is the number of bytes OpenAll buffers of each object fetched ahead of the consumer
// (8 MiB: enough to cover a request's latency at a few hundred MB/s).
const ReadAhead = 8 << 20

// Stream hands out the readers of a list of objects in order while the next ones are already being
// fetched (see OpenAll).
type Stream struct {
	c           *Client
	ctx         context.Context
	cancel      context.CancelFunc
	objs        []Object
	concurrency int
	slots       []chan fetched // one per object, filled by its fetcher
	started     int            // objects whose fetch has started
	next        int            // next object to hand out
	wg          sync.WaitGroup
}

type fetched struct {
	rc  io.ReadCloser
	err error
}

// OpenAll streams objs in order with read-ahead: while the consumer reads object i, objects
// i+1 … i+concurrency are being fetched in the background, each into a buffer of at most ReadAhead
// bytes; the rest of a larger object stays in its HTTP response until the consumer reads it. So
// the stream holds at most concurrency × ReadAhead bytes (32 MiB for concurrency 4) beyond the
// readers the consumer holds, and at most concurrency+1 connections per consumer. concurrency < 1
// means 1. Call Next until io.EOF, close each reader, then Close.
func (c *Client) OpenAll(ctx context.Context, objs []Object, concurrency int) *Stream {
	ctx, cancel := context.WithCancel(ctx)
	s := &Stream{c: c, ctx: ctx, cancel: cancel, objs: objs, concurrency: max(concurrency, 1), slots: make([]chan fetched, len(objs))}
	s.fill(0)
	return s
}

// fill starts the fetches of objects up to index upto+concurrency-1.
func (s *Stream) fill(upto int) {
	for ; s.started < len(s.objs) && s.started < upto+s.concurrency; s.started++ {
		ch := make(chan fetched, 1)
		s.slots[s.started] = ch
		o := s.objs[s.started]
		s.wg.Go(func() { ch <- s.fetch(o) })
	}
}

// fetch opens o and reads up to ReadAhead bytes of it.
func (s *Stream) fetch(o Object) fetched {
	rc, err := s.c.Open(s.ctx, o)
	if err != nil {
		return fetched{err: err}
	}
	buf := make([]byte, min(max(o.Size, 0), ReadAhead))
	n, err := io.ReadFull(rc, buf)
	switch {
	case err == nil: // more may follow in the body
		return fetched{rc: &prefetched{Reader: io.MultiReader(bytes.NewReader(buf), rc), body: rc}}
	case err == io.EOF || err == io.ErrUnexpectedEOF: // the whole object is in buf
		rc.Close()
		return fetched{rc: &prefetched{Reader: bytes.NewReader(buf[:n])}}
	default: // hand out the bytes read, then the error
		rc.Close()
		return fetched{rc: &prefetched{Reader: io.MultiReader(bytes.NewReader(buf[:n]), errReader{err})}}
	}
}

// Next returns the next object and its reader, or io.EOF after the last one. An object that could
// not be opened returns its error; the stream may still be advanced past it.
func (s *Stream) Next() (Object, io.ReadCloser, error) {
	if s.next >= len(s.objs) {
		return Object{}, nil, io.EOF
	}
	i := s.next
	s.next++
	// Fetch up to concurrency objects beyond i while the consumer reads i.
	s.fill(i + 1)
	var f fetched
	select {
	case f = <-s.slots[i]:
	case <-s.ctx.Done():
		return s.objs[i], nil, s.c.fail("get", s.objs[i].URI, s.ctx.Err())
	}
	s.slots[i] = nil
	return s.objs[i], f.rc, f.err
}

// Close stops the fetches ahead and releases their buffers. Readers handed out by Next must be
// closed by the consumer (before Close: closing the stream cancels their requests).
func (s *Stream) Close() error {
	s.cancel()
	s.wg.Wait()
	var errs []error
	for i := s.next; i < len(s.slots); i++ {
		if ch := s.slots[i]; ch != nil {
			if f := <-ch; f.rc != nil {
				errs = append(errs, f.rc.Close())
			}
		}
	}
	return errors.Join(errs...)
}

type prefetched struct {
	io.Reader
	body io.Closer
}

func (p *prefetched) Close() error {
	if p.body == nil {
		return nil
	}
	err := p.body.Close()
	p.body = nil
	return err
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// MaxGet is the largest object Get reads (256 MiB): Get is for baselines and records, not data.
const MaxGet = 256 << 20

// Get reads a small object whole (a baseline statistics.json or constraints.json).
func (c *Client) Get(ctx context.Context, u string) ([]byte, error) {
	bucket, key, err := ParseURI(u)
	if err != nil {
		return nil, err
	}
	if key == "" || key[len(key)-1] == '/' {
		return nil, fmt.Errorf("get %s: the URI names a folder, not an object", u)
	}
	out, err := c.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return nil, c.fail("get", u, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(io.LimitReader(out.Body, MaxGet+1))
	if err != nil {
		return nil, c.fail("get", u, err)
	}
	if len(b) > MaxGet {
		return nil, fmt.Errorf("get %s: larger than %d MiB", u, MaxGet>>20)
	}
	return b, nil
}

// ReaderAt gives random access to an object with one ranged GetObject per ReadAt call, for
// formats that read a footer first (Parquet). It also implements io.ReadSeeker over the same
// ranges, for readers that want ReaderAt and Seeker together.
type ReaderAt struct {
	c                *Client
	ctx              context.Context
	uri, bucket, key string
	size             int64
	pos              int64 // for Read and Seek
}

// ReaderAt returns a random-access reader of o; o.Size must be the object's size (as listed).
func (c *Client) ReaderAt(ctx context.Context, o Object) (*ReaderAt, error) {
	bucket, key, err := ParseURI(o.URI)
	if err != nil {
		return nil, err
	}
	return &ReaderAt{c: c, ctx: ctx, uri: o.URI, bucket: bucket, key: key, size: o.Size}, nil
}

// Size is the object's size in bytes.
func (r *ReaderAt) Size() int64 { return r.size }

// ReadAt reads len(p) bytes at off (fewer, with io.EOF, at the end of the object).
func (r *ReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, fmt.Errorf("read %s: negative offset %d", r.uri, off)
	}
	if off >= r.size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	last := min(off+int64(len(p)), r.size) - 1
	out, err := r.c.s3.GetObject(r.ctx, &s3.GetObjectInput{Bucket: &r.bucket, Key: &r.key, Range: aws.String(fmt.Sprintf("bytes=%d-%d", off, last))}, rangeChecksums)
	if err != nil {
		return 0, r.c.fail("get", r.uri, err)
	}
	defer out.Body.Close()
	n, err := io.ReadFull(out.Body, p[:last-off+1])
	if err != nil {
		return n, r.c.fail("read", r.uri, fmt.Errorf("bytes %d-%d: %w", off, last, err))
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// Read reads from the current position.
func (r *ReaderAt) Read(p []byte) (int, error) {
	n, err := r.ReadAt(p, r.pos)
	r.pos += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

// Seek sets the position for Read.
func (r *ReaderAt) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.size
	default:
		return 0, fmt.Errorf("seek %s: bad whence %d", r.uri, whence)
	}
	if offset < 0 {
		return 0, fmt.Errorf("seek %s: negative position %d", r.uri, offset)
	}
	r.pos = offset
	return offset, nil
}
