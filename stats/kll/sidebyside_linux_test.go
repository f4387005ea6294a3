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
	"unsafe"
)

// TestSideBySide prints the comparisons behind bucketMin and maxMergeRuns, timed in thread CPU
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
	// Arrival-order input (level 0): pdqsort vs radix sort vs bucket sort by size, the three
	// timed alternately (threadCPUMinAlt) so that a change of load hits them alike. Every
	// iteration sorts a different window of a 2^18-value stream: sorting the same n values over
	// and over lets the branch predictor learn them, which flatters the branchy sorts (pdqsort,
	// insertion sort) by up to 2× compared with Update.
	for _, d := range []string{"normal", "price", "dup20", "age", "lognormal", "wide"} {
		stream := gen(d, 1<<18, r)
		for _, n := range []int{64, 128, 256, 512, 1024, 1536, 2048, 2200, 2400} {
			keys, tmp := make([]uint64, n), make([]uint64, n)
			iters := 4_000_000 / n
			load := func(it int) {
				off := it * n % (len(stream) - n)
				for i, x := range stream[off : off+n] {
					keys[i] = javaKey(x)
				}
			}
			ts := threadCPUMinAlt(7, func() {
				for it := range iters {
					load(it)
					slices.Sort(keys)
				}
			}, func() {
				for it := range iters {
					load(it)
					radixSort(keys, tmp)
				}
			}, func() {
				for it := range iters {
					load(it)
					bucketSort(keys, tmp)
				}
			})
			t.Logf("arrival %-9s n=%4d: pdq %s, radix %s, bucket %s", d, n,
				us(ts[0], iters), us(ts[1], iters), us(ts[2], iters))
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
	for _, d := range []string{"normal", "price", "dup20", "age", "lognormal", "wide"} {
		xs := gen(d, 1<<20, r)
		upd := threadCPUMin(5, func() {
			s := New()
			for i := range 10_000_000 {
				s.Update(xs[i&(1<<20-1)])
			}
		})
		t.Logf("Update %-9s: %.1f ns/value", d, float64(upd.Nanoseconds())/1e7)
	}
}

// threadCPUMin returns the smallest CPU time of the calling (locked) thread over reps runs of f,
// read with clock_gettime(CLOCK_THREAD_CPUTIME_ID), which has nanosecond resolution (getrusage's
// thread times advance in scheduler ticks).
func threadCPUMin(reps int, f func()) time.Duration {
	const clockThreadCPUTime = 3 // CLOCK_THREAD_CPUTIME_ID (Linux)
	cpu := func() time.Duration {
		var ts syscall.Timespec
		if _, _, errno := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime,
			uintptr(unsafe.Pointer(&ts)), 0); errno != 0 {
			panic(errno)
		}
		return time.Duration(ts.Nano())
	}
	best := time.Duration(1<<63 - 1)
	for range reps {
		t0 := cpu()
		f()
		best = min(best, cpu()-t0)
	}
	return best
}

// threadCPUMinAlt runs each of fs once per repetition, in turn, reps times, and returns the
// smallest thread CPU time of each.
func threadCPUMinAlt(reps int, fs ...func()) []time.Duration {
	best := make([]time.Duration, len(fs))
	for i := range best {
		best[i] = 1<<63 - 1
	}
	for range reps {
		for i, f := range fs {
			best[i] = min(best[i], threadCPUMin(1, f))
		}
	}
	return best
}
