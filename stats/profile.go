// Package stats is driftwatch's statistics engine: per-column accumulators over Arrow record
// batches that reproduce the real container's data-quality statistics (contract §5), and that merge,
// so that parts of a dataset profiled apart (chunks, cores, shards) combine into one profile.
//
// The package knows nothing of files, formats, S3, environment variables or HTML: it consumes
// arrow.RecordBatch values and returns Feature values.
package stats

import (
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/driftwatch/driftwatch/stats/bucketorder"
	"github.com/driftwatch/driftwatch/stats/dtype"
	"github.com/driftwatch/driftwatch/stats/kll"
)

// CardinalityThreshold is the largest HLL++ distinct estimate for which a String column gets
// categorical buckets: Deequ ColumnProfiler.DEFAULT_CARDINALITY_THRESHOLD = 120 (contract §5.4).
const CardinalityThreshold = 120

// NullValue is the bucket under which Deequ's Histogram counts nulls (Histogram.NullFieldReplacement).
const NullValue = "NullValue"

// NumBuckets is the number of equal-width KLL buckets written per numeric feature (contract §5.5).
const NumBuckets = 10

// Profile accumulates the columns of a dataset, or of a contiguous part of it, by column name.
type Profile struct {
	Rows  int64
	cols  []*Column
	index map[string]int
	track *trackedSet
	// uncounted reports the columns whose exact category counts are known to be dropped already
	// in the profile this one will be merged into (SkipCounting).
	uncounted func(name string) bool
}

// NewProfile returns an empty profile.
func NewProfile() *Profile { return &Profile{index: map[string]int{}} }

// TrackValues makes the profile count the given values exactly in every String column, whatever
// the column's cardinality (CategoryCap does not apply): a monitoring job tracks the baseline's
// categories to check domains and categorical drift. Call it before adding data; profiles that
// are merged must track the same values.
func (p *Profile) TrackValues(values []string) {
	set := make(map[string]struct{}, len(values))
	for _, v := range values {
		set[v] = struct{}{}
	}
	p.track = newTrackedSet(set)
	for _, c := range p.cols {
		c.setTracked(p.track)
	}
}

// trackedSet is the values a profile's columns count exactly (Profile.TrackValues), shared by
// them, and whether one of them is Integral or Fractional: if none is, a plain number is never
// tracked, and numbers keep the vector paths that skip the per-value tracking (addStrings).
type trackedSet struct {
	values  map[string]struct{}
	numbers bool
}

// newTrackedSet returns the trackedSet of values.
func newTrackedSet(values map[string]struct{}) *trackedSet {
	t := &trackedSet{values: values}
	for v := range values {
		if dtype.Classify(v).IsNumeric() {
			t.numbers = true
			break
		}
	}
	return t
}

// any reports whether t tracks a value (t may be nil: none).
func (t *trackedSet) any() bool { return t != nil && len(t.values) != 0 }

// has reports whether t tracks v (t may be nil: none).
func (t *trackedSet) has(v string) bool {
	if t == nil {
		return false
	}
	_, ok := t.values[v]
	return ok
}

// hasNumbers reports whether a value t tracks is Integral or Fractional (t may be nil: none).
func (t *trackedSet) hasNumbers() bool { return t != nil && t.numbers }

// Columns returns the accumulators in order of first appearance.
func (p *Profile) Columns() []*Column { return p.cols }

// column returns the accumulator of name, creating it with the rows seen so far as nulls.
func (p *Profile) column(name string) *Column {
	if i, ok := p.index[name]; ok {
		return p.cols[i]
	}
	c := NewColumn(name)
	c.setTracked(p.track)
	if p.uncounted != nil && p.uncounted(name) {
		c.DropCategories()
	}
	c.AddNulls(p.Rows)
	p.index[name] = len(p.cols)
	p.cols = append(p.cols, c)
	return c
}

// SkipCounting tells the profile which columns need no exact category counts because the
// profile it will be merged into has dropped them already (CategoriesDropped): dropped counts
// absorb every merge, so counting them again would only cost time and memory — on wide data with
// short chunks, most of both. The merged result is the same; this profile alone is not (its
// columns report dropped counts), so a profile that is kept on its own, as in a partial profile,
// must not skip. Call it before adding data.
func (p *Profile) SkipCounting(uncounted func(name string) bool) { p.uncounted = uncounted }

// Declare adds columns that exist in the data even when no row has been seen (a CSV header).
func (p *Profile) Declare(names []string) {
	for _, n := range names {
		p.column(n)
	}
}

// Add folds a record batch in. Columns are matched by name; a column absent from the batch counts
// the batch's rows as nulls, and a column seen for the first time counts earlier rows as nulls.
func (p *Profile) Add(rec arrow.RecordBatch) error {
	n := rec.NumRows()
	seen := make([]bool, len(p.cols), len(p.cols)+int(rec.NumCols()))
	// The columns' numbers are added to their statistics eight columns at a time, after the
	// eighth column's per-value loop (flushPending; the rest at the end): their moments'
	// division chains then overlap.
	var held []*numeric
	var err error
	for i, f := range rec.Schema().Fields() {
		c := p.column(f.Name)
		idx := p.index[f.Name]
		if idx >= len(seen) {
			seen = append(seen, make([]bool, idx+1-len(seen))...)
		}
		seen[idx] = true
		if err = c.add(rec.Column(i)); err != nil {
			c.num.flush()
			break
		}
		if len(c.num.pending) == 0 {
			c.num.flush()
			continue
		}
		if held = append(held, &c.num); len(held) == flushColumns {
			flushPending(held)
			held = held[:0]
		}
	}
	flushPending(held)
	if err != nil {
		return err
	}
	for i, c := range p.cols {
		if i >= len(seen) || !seen[i] {
			c.AddNulls(n)
		}
	}
	p.Rows += n
	return nil
}

// flushColumns is the number of numeric columns whose numbers Add holds before it adds them
// together (flushPending): as many as statsOcto takes.
const flushColumns = 8

// Merge folds o, which covers the rows right after the ones p covers, into p.
//
// A profile of many columns is merged on up to GOMAXPROCS goroutines, a run of columns at a
// time: a column's merge reads and writes that column alone (and o's, read-only), so the result
// is the one a sequential merge gives. On wide data the in-order merge of chunk profiles is the
// pipeline's one sequential stage (BENCHMARKS.md).
func (p *Profile) Merge(o *Profile) {
	for _, oc := range o.cols {
		if _, ok := p.index[oc.Name]; !ok {
			p.column(oc.Name)
		}
	}
	mergeCol := func(c *Column) {
		if i, ok := o.index[c.Name]; ok {
			c.Merge(o.cols[i])
		} else {
			c.AddNulls(o.Rows)
		}
	}
	eachColumn(len(p.cols), func(i int) { mergeCol(p.cols[i]) })
	p.Rows += o.Rows
}

// eachColumn calls fn(i) for every i in [0, n), on all cores when there are enough columns to
// pay for the goroutines, in runs of consecutive columns. fn must touch only column i's state:
// the order of the calls is unspecified, so the results cannot depend on it.
func eachColumn(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/parallelColumns)
	if workers <= 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				lo := int(next.Add(columnRun)) - columnRun
				if lo >= n {
					return
				}
				for i := lo; i < min(lo+columnRun, n); i++ {
					fn(i)
				}
			}
		})
	}
	wg.Wait()
}

const (
	// parallelColumns is the number of columns per goroutine below which eachColumn works on
	// the calling goroutine: merging a column of a wide chunk takes a few µs, starting a
	// goroutine about one.
	parallelColumns = 64
	// columnRun is the number of columns a goroutine of eachColumn takes at a time.
	columnRun = 16
)

// Trim gives back the spare capacity the accumulators grew while adding and merging (KLL level
// buffers hold up to twice their items), for a profile that waits before its next merge. The state
// is unchanged: merging and finishing give the same bits.
func (p *Profile) Trim() {
	for _, c := range p.cols {
		c.trim()
	}
}

// Release gives the buffers of p's KLL sketches to the sketches of later profiles
// (kll.Sketch.Release), for a profile merged into another and then dropped: the analyzer's chunk
// profiles. p must not be used afterwards.
func (p *Profile) Release() {
	for _, c := range p.cols {
		if c.num.sketch != nil {
			c.num.sketch.Release()
			c.num.sketch = nil
		}
	}
	p.cols, p.index = nil, nil
}

// Feature is the finished statistics of one column, as statistics.json reports it.
type Feature struct {
	Name string
	// Type is the column type derived from the value kinds (contract §5.2). Boolean columns are
	// reported as String by the writers (docs/decisions.md).
	Type         dtype.Kind
	NumPresent   int64
	NumMissing   int64
	Completeness float64
	// Distinct is the HLL++ estimate of distinct values (contract §5.6).
	Distinct int64
	// Kinds counts the values of each kind (contract §5.2); Kinds[dtype.Unknown] counts nulls.
	Kinds dtype.Counts
	// ValueCounts are the exact counts of the non-null values; nil when the column had more than
	// CategoryCap distinct values.
	ValueCounts map[string]int64
	// Tracked are the exact counts of the values the profile was told to track (TrackValues).
	Tracked map[string]int64

	// Numeric statistics (Type Integral or Fractional).
	Sum, Mean, StdDev, Min, Max float64
	Sketch                      *kll.Sketch
	Buckets                     []kll.Bucket

	// Categories are the exact value counts in output order (contract §5.4), nulls under NullValue;
	// nil when the column is numeric or has more than CardinalityThreshold distinct values.
	Categories []bucketorder.Entry
}

// Features finishes every column, in order of first appearance.
func (p *Profile) Features() []Feature {
	out := make([]Feature, len(p.cols))
	eachColumn(len(p.cols), func(i int) { out[i] = p.cols[i].finish(p.Rows) })
	return out
}

func (c *Column) finish(rows int64) Feature {
	f := Feature{
		Name:       c.Name,
		Type:       c.Kinds.Column(),
		NumMissing: c.Kinds[dtype.Unknown],
		Distinct:   c.HLL.Estimate(),
		Kinds:      c.Kinds,
		Tracked:    c.tracked,
	}
	if !c.catsOff {
		f.ValueCounts = make(map[string]int64, c.numCategories())
		c.eachCategory(func(e category) { f.ValueCounts[e.value] = e.n })
	}
	f.NumPresent = rows - f.NumMissing
	f.Completeness = float64(f.NumPresent) / float64(rows)
	if f.Type.IsNumeric() {
		n := &c.num
		f.Sum = n.sum
		f.Mean = n.sum / float64(n.count)
		f.StdDev = n.moments.PopStdDev()
		f.Min, f.Max = n.min, n.max
		// Spark's final aggregation merges the partition buffers into a freshly initialised one.
		f.Sketch = kll.New()
		if n.sketch != nil {
			f.Sketch.Merge(n.sketch)
		}
		f.Buckets = f.Sketch.Buckets(n.stateMin(), n.stateMax(), NumBuckets)
		return f
	}
	if f.Distinct <= CardinalityThreshold && !c.catsOff {
		f.Categories = make([]bucketorder.Entry, 0, c.numCategories()+1)
		c.eachCategory(func(e category) {
			f.Categories = append(f.Categories, bucketorder.Entry{Value: e.value, Count: e.n})
		})
		if f.NumMissing > 0 {
			f.Categories = append(f.Categories, bucketorder.Entry{Value: NullValue, Count: f.NumMissing})
		}
		bucketorder.Sort(f.Categories)
	}
	return f
}
