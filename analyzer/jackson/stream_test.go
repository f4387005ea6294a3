package jackson

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// chunkRecorder is a writer that keeps what it is given and the size of every Write.
type chunkRecorder struct {
	buf    bytes.Buffer
	writes []int
}

func (c *chunkRecorder) Write(p []byte) (int, error) {
	c.writes = append(c.writes, len(p))
	return c.buf.Write(p)
}

// wideDocument is shaped like statistics.json of n numeric features: per feature an object with
// a few scalars, an array of bucket objects and sketch levels as DoubleArrays.
func wideDocument(n int) Value {
	rng := rand.New(rand.NewPCG(1, 2))
	feats := make(Array, n)
	for i := range feats {
		buckets := make(Array, 10)
		for j := range buckets {
			buckets[j] = NewObject().Set("lower_bound", Double(rng.Float64())).Set("count", Double(float64(j)))
		}
		levels := make(Array, 4)
		for j := range levels {
			l := make(DoubleArray, 300*(j+1))
			for k := range l {
				l[k] = rng.NormFloat64() * 1e3
			}
			levels[j] = l
		}
		feats[i] = NewObject().Set("name", String("c"+strconv.Itoa(i))).
			Set("kll", NewObject().Set("buckets", buckets).Set("data", levels))
	}
	return NewObject().Set("version", Double(0)).Set("features", feats)
}

// TestStreamSameBytes requires Stream to write exactly Marshal's bytes, for the real fixtures and
// for a multi-megabyte document, and the large one in several writes none of which holds much
// more than StreamChunk bytes (a flush happens at the first element or member boundary past it).
func TestStreamSameBytes(t *testing.T) {
	docs := map[string]Value{"wide": wideDocument(200)}
	for _, rel := range jacksonFixtures {
		data, err := os.ReadFile(filepath.Join(conformanceDir, rel))
		if err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("conformance data missing in CI: %v", err)
			}
			continue
		}
		v, _, err := parseJSON(data, true)
		if err != nil {
			t.Fatal(err)
		}
		docs[rel] = v
	}
	if _, ok := docs[jacksonFixtures[0]]; !ok {
		t.Log("conformance fixtures not beside the checkout: only the generated document is checked")
	}
	for _, procs := range []int{1, 4} {
		// On one core Stream encodes sequentially; on more, the elements of long arrays (the
		// features) in parallel (appendElementsParallel).
		t.Run("procs="+strconv.Itoa(procs), func(t *testing.T) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
			checkStream(t, docs)
		})
	}
}

func checkStream(t *testing.T, docs map[string]Value) {
	for name, v := range docs {
		want, _ := Marshal(v)
		var rec chunkRecorder
		if err := Stream(&rec, v); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rec.buf.Bytes(), want) {
			t.Fatalf("%s: Stream differs from Marshal %s", name, firstDiff(rec.buf.Bytes(), want))
		}
		for i, n := range rec.writes {
			// The largest piece between two flush points here is a double (≤ 25 bytes) or a
			// feature name; 1 KiB of slack is ample.
			if n > StreamChunk+1<<10 {
				t.Errorf("%s: write %d has %d bytes, more than StreamChunk (%d) + 1 KiB", name, i, n, StreamChunk)
			}
			if n == 0 {
				t.Errorf("%s: write %d is empty", name, i)
			}
		}
		if name == "wide" && len(rec.writes) < len(want)/StreamChunk {
			t.Errorf("wide: %d bytes in %d writes, want at least %d", len(want), len(rec.writes), len(want)/StreamChunk)
		}
	}
}

// failAfter accepts n bytes, then fails every Write, counting the calls after the first failure.
type failAfter struct {
	n           int
	failed      bool
	callsFailed int
}

var errDiskFull = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if f.failed {
		f.callsFailed++
		return 0, errDiskFull
	}
	if len(p) > f.n {
		f.failed = true
		return f.n, errDiskFull
	}
	f.n -= len(p)
	return len(p), nil
}

// TestStreamStopsAtWriteError requires the first write error back, and no write after it.
func TestStreamStopsAtWriteError(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 4} {
		runtime.GOMAXPROCS(procs)
		w := &failAfter{n: 3 * StreamChunk}
		err := Stream(w, wideDocument(100))
		if !errors.Is(err, errDiskFull) {
			t.Fatalf("procs=%d: Stream error = %v, want %v", procs, err, errDiskFull)
		}
		if !w.failed || w.callsFailed != 0 {
			t.Errorf("procs=%d: failed %v, %d writes after the failure, want true and 0", procs, w.failed, w.callsFailed)
		}
	}
}
