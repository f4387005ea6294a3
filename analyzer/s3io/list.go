package s3io

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// Object is one S3 object of a listing.
type Object struct {
	URI  string // s3://bucket/key, as named in messages
	Key  string
	Size int64
}

// List returns the data objects at uri, sorted by key. Like a path given to Spark, uri names a
// single object when an object has exactly that key, and otherwise the "folder" below it, listed
// recursively; keys with a path element (below uri) starting with "." or "_" and empty objects
// (including folder markers "a/") are skipped. An empty result is not an error.
func (c *Client) List(ctx context.Context, u string) ([]Object, error) {
	bucket, key, err := ParseURI(u)
	if err != nil {
		return nil, err
	}
	prefix := dirPrefix(key)
	if prefix != key {
		// Is there an object with exactly this key? It sorts first among the keys it prefixes.
		out, err := c.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &key, MaxKeys: aws.Int32(1)})
		if err != nil {
			return nil, c.fail("list", u, err)
		}
		if len(out.Contents) == 1 && aws.ToString(out.Contents[0].Key) == key {
			if size := aws.ToInt64(out.Contents[0].Size); size > 0 {
				return []Object{{URI: uri(bucket, key), Key: key, Size: size}}, nil
			}
			return nil, nil
		}
	}
	objs, err := c.listPrefix(ctx, bucket, prefix)
	if err != nil {
		return nil, c.fail("list", u, err)
	}
	return objs, nil
}

// listPrefix lists every data object below prefix (recursively, no delimiter), sorted by key.
func (c *Client) listPrefix(ctx context.Context, bucket, prefix string) ([]Object, error) {
	var objs []Object
	p := s3.NewListObjectsV2Paginator(c.s3, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			k, size := aws.ToString(o.Key), aws.ToInt64(o.Size)
			if size <= 0 || strings.HasSuffix(k, "/") || hidden(strings.TrimPrefix(k, prefix)) {
				continue
			}
			objs = append(objs, Object{URI: uri(bucket, k), Key: k, Size: size})
		}
	}
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return objs, nil
}

// children lists the immediate "subfolders" of prefix (ListObjectsV2 with Delimiter "/"),
// returning their names without prefix or trailing slash, hidden ones left out.
func (c *Client) children(ctx context.Context, bucket, prefix string) ([]string, error) {
	var names []string
	p := s3.NewListObjectsV2Paginator(c.s3, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix, Delimiter: aws.String("/")})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, cp := range page.CommonPrefixes {
			name := strings.TrimSuffix(strings.TrimPrefix(aws.ToString(cp.Prefix), prefix), "/")
			if name != "" && !hidden(name) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}

// ErrNotCaptureTree reports a ListHours URI below which no yyyy/mm/dd/hh/ levels were found.
var ErrNotCaptureTree = errors.New("not a capture tree: expected {endpoint}/{variant}/yyyy/mm/dd/hh/ below it")

// maxCaptureDepth is how many levels ListHours descends to find the year level: the capture
// prefix holds {endpoint}/{variant}/yyyy/…, so the year level is at depth 0 (uri names a variant),
// 1 (an endpoint) or 2 (the capture root).
const maxCaptureDepth = 2

// listConcurrency is the number of listing requests ListHours keeps in flight.
const listConcurrency = 8

// yearName matches a year folder. Compiled on first use, like the other patterns of this package:
// a job that never lists S3 pays nothing for it at process start.
var yearName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{4}$`) })

// ListHours lists the data objects of an endpoint capture tree ({endpoint}/{variant}/yyyy/mm/dd/hh/,
// all times UTC) that lie in the hour prefixes overlapping [start, end), sorted by key. uri may
// name the capture root, one endpoint or one variant: ListHours descends through the levels it
// finds (one ListObjectsV2 with Delimiter "/" per level and folder) until it reaches the year
// level, then lists only the prefix yyyy/mm/dd/hh/ of each needed hour, so reading one hour never
// lists a year of capture. Records are filtered by inferenceTime afterwards; an hour prefix holds
// the records captured in that hour.
//
// An empty tree gives no objects and no error; a tree without year levels within two levels of
// uri is ErrNotCaptureTree.
func (c *Client) ListHours(ctx context.Context, u string, start, end time.Time) ([]Object, error) {
	bucket, key, err := ParseURI(u)
	if err != nil {
		return nil, err
	}
	if start.IsZero() || end.IsZero() || !end.After(start) {
		return nil, fmt.Errorf("list %s: the window [%s, %s) is empty: ListHours needs start < end", u, start.Format(time.RFC3339), end.Format(time.RFC3339))
	}
	// Find the year levels: {prefix}/yyyy/ for every variant.
	var roots []string // prefixes ending in "/" whose children are years
	level := []string{dirPrefix(key)}
	empty := true
	for depth := 0; depth <= maxCaptureDepth && len(level) > 0; depth++ {
		var next []string
		for _, p := range level {
			names, err := c.children(ctx, bucket, p)
			if err != nil {
				return nil, c.fail("list", uri(bucket, p), err)
			}
			empty = empty && len(names) == 0
			if slices.ContainsFunc(names, yearName().MatchString) {
				roots = append(roots, p)
				continue
			}
			for _, n := range names {
				next = append(next, p+n+"/")
			}
		}
		level = next
	}
	if len(roots) == 0 {
		if empty {
			return nil, nil
		}
		return nil, c.fail("list", u, ErrNotCaptureTree)
	}
	var prefixes []string
	for _, r := range roots {
		for h := start.UTC().Truncate(time.Hour); h.Before(end); h = h.Add(time.Hour) {
			prefixes = append(prefixes, r+h.Format("2006/01/02/15/"))
		}
	}
	results := make([][]Object, len(prefixes))
	errs := make([]error, len(prefixes))
	sem := make(chan struct{}, listConcurrency)
	var wg sync.WaitGroup
	for i, p := range prefixes {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			objs, err := c.listPrefix(ctx, bucket, p)
			results[i], errs[i] = objs, c.fail("list", uri(bucket, p), err)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err // the first failed hour; the others fail alike
		}
	}
	objs := slices.Concat(results...)
	slices.SortFunc(objs, func(a, b Object) int { return strings.Compare(a.Key, b.Key) })
	return objs, nil
}
