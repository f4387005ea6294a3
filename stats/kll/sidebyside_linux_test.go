package kll

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestSideBySide prints the comparisons behind radixMin and maxMergeRuns, timed in thread CPU
// time (minimum of 7 repetitions) so that other processes on a shared machine distort them less
// than wall-clock benchmarks. Results are recorded in BENCHMARKS.md. Run it with:
//
//	KLL_SIDE_BY_SIDE=1 go test -run TestSideBySide -v ./stats/kll/
func TestSideBySide(t *testing.T) {
	if os.Getenv("KLL_SIDE_BY_SIDE") == "" {
		t.Skip("set KLL_SIDE_BY_SIDE=1 to run")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := rand.New(rand.NewPCG(1, 1))
	us := func(d time.Duration, iters int) string {
		return fmt.Sprintf("%7.2f µs", float64(d.Nanoseconds())/float64(iters)/1e3)
	}
	// Arrival-order input (level 0): pdqsort vs radix sort by size.
	for _, d := range []string{"normal", "price", "dup20"} {
		for _, n := range []int{256, 512, 1024, 2200} {
			vals := gen(d, n, r)
			keys, tmp := make([]uint64, n), make([]uint64, n)
			iters := 4_000_000 / n
			load := func() {
				for i, x := range vals {
					keys[i] = javaKey(x)
				}
			}
			pdq := threadCPUMin(7, func() {
				for range iters {
					load()
					slices.Sort(keys)
				}
			})
			rad := threadCPUMin(7, func() {
				for range iters {
					load()
					radixSort(keys, tmp)
				}
			})
			t.Logf("arrival %-7s n=%4d: pdq %s, radix %s", d, n, us(pdq, iters), us(rad, iters))
		}
	}
	// Level-like input (tail + sorted runs): pdqsort vs run merge.
	for _, runs := range []int{2, 4, 8, 16} {
		vals := gen("normal", 1, r)
		for range runs {
			run := gen("normal", 1300/runs, r)
			slices.SortFunc(run, javaCompare)
			vals = append(vals, run...)
		}
		n := len(vals)
		keys, tmp := make([]uint64, n), make([]uint64, n)
		iters := 4_000_000 / n
		load := func() {
			for i, x := range vals {
				keys[i] = javaKey(x)
			}
		}
		pdq := threadCPUMin(7, func() {
			for range iters {
				load()
				slices.Sort(keys)
			}
		})
		mrg := threadCPUMin(7, func() {
			for range iters {
				load()
				mergeRuns(keys, tmp)
			}
		})
		t.Logf("level   %2d runs n=%4d: pdq %s, merge %s", runs, n, us(pdq, iters), us(mrg, iters))
	}
	// End to end: Update over a 1e7-value stream.
	for _, d := range []string{"normal", "price", "dup20"} {
		xs := gen(d, 1<<20, r)
		upd := threadCPUMin(5, func() {
			s := New()
			for i := range 10_000_000 {
				s.Update(xs[i&(1<<20-1)])
			}
		})
		t.Logf("Update %-7s: %.1f ns/value", d, float64(upd.Nanoseconds())/1e7)
	}
}

// threadCPUMin returns the smallest CPU time of the calling (locked) thread over reps runs of f.
func threadCPUMin(reps int, f func()) time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD (Linux)
	cpu := func() time.Duration {
		var ru syscall.Rusage
		if err := syscall.Getrusage(rusageThread, &ru); err != nil {
			panic(err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	best := time.Duration(1<<63 - 1)
	for range reps {
		t0 := cpu()
		f()
		best = min(best, cpu()-t0)
	}
	return best
}
