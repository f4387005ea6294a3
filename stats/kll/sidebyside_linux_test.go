package kll

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"
)

// TestSideBySide prints the comparisons behind bucketMin, maxMergeRuns and mergeRuns, timed in
// thread CPU time (minimum of 7 repetitions) so that other processes on a shared machine
// distort them less than wall-clock benchmarks. Results are recorded in BENCHMARKS.md. Run it
// with:
//
//	KLL_SIDE_BY_SIDE=1 go test -run TestSideBySide -v ./stats/kll/
//
// or, for some of its three sections only, e.g. KLL_SIDE_BY_SIDE=level,update
// (sections: arrival, level, update).
func TestSideBySide(t *testing.T) {
	env := os.Getenv("KLL_SIDE_BY_SIDE")
	if env == "" {
		t.Skip("set KLL_SIDE_BY_SIDE=1 (or a list of sections) to run")
	}
	run := func(section string) bool {
		return env == "1" || slices.Contains(strings.Split(env, ","), section)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	r := rand.New(rand.NewPCG(1, 1))
	us := func(d time.Duration, iters int) string {
		return fmt.Sprintf("%7.2f µs", float64(d.Nanoseconds())/float64(iters)/1e3)
	}
	// Arrival-order input (level 0): pdqsort vs radix sort vs bucket sort vs the AVX-512
	// quicksort (no-op without AVX-512) by size, the four
	// timed alternately (threadCPUMinAlt) so that a change of load hits them alike. Every
	// iteration sorts a different window of a 2^18-value stream: sorting the same n values over
	// and over lets the branch predictor learn them, which flatters the branchy sorts (pdqsort,
	// insertion sort) by up to 2× compared with Update.
	for _, d := range []string{"normal", "price", "dup20", "age", "lognormal", "wide"} {
		if !run("arrival") {
			break
		}
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
			}, func() {
				for it := range iters {
					load(it)
					if useAVX512 {
						quickSort(keys, tmp)
					}
				}
			})
			t.Logf("arrival %-9s n=%4d: pdq %s, radix %s, bucket %s, AVX-512 quick %s", d, n,
				us(ts[0], iters), us(ts[1], iters), us(ts[2], iters), us(ts[3], iters))
		}
	}
	// Level-like input (sorted runs, "t" = a one-key tail first): pdqsort vs the pairwise
	// branchy merge of the third round (sortKeysPairwise) vs sortKeys (mergeRuns). The shapes
	// t+650×2 … 81×16 are the level-sized cases; 1000×2, t+1000×2 and t+1100 are the shapes
	// that carry most merged keys in Update (BENCHMARKS.md, "Fourth round"). Every iteration
	// merges one of 64 different inputs, so that the branch predictor cannot learn them; the
	// time of copying the input in (copyIn) is subtracted, so the columns are ns per key of the
	// sort alone, run counting included.
	for _, d := range []string{"normal", "price", "dup20", "age"} {
		if !run("level") {
			break
		}
		for _, sh := range []struct {
			name      string
			tail      bool
			runs, len int
		}{
			{"t+650×2", true, 2, 650}, {"t+325×4", true, 4, 325}, {"t+162×8", true, 8, 162},
			{"81×16", false, 16, 81}, {"1000×2", false, 2, 1000}, {"t+1000×2", true, 2, 1000},
			{"t+1100", true, 1, 1100},
		} {
			inputs := make([][]uint64, 64)
			for q := range inputs {
				var vals []float64
				if sh.tail {
					vals = gen(d, 1, r)
				}
				for range sh.runs {
					run := gen(d, sh.len, r)
					slices.SortFunc(run, javaCompare)
					vals = append(vals, run...)
				}
				inputs[q] = make([]uint64, len(vals))
				for i, x := range vals {
					inputs[q][i] = javaKey(x)
				}
			}
			n := len(inputs[0])
			keys, tmp := make([]uint64, n), make([]uint64, n)
			iters := 4_000_000 / n
			each := func(sort func()) func() {
				return func() {
					for it := range iters {
						copy(keys, inputs[it%len(inputs)])
						sort()
					}
				}
			}
			ts := threadCPUMinAlt(7, each(func() {}), each(func() { slices.Sort(keys) }),
				each(func() { sortKeysPairwise(keys, tmp) }), each(func() { sortKeys(keys, tmp) }))
			perKey := func(d time.Duration) string {
				return fmt.Sprintf("%5.2f ns/key", float64((d-ts[0]).Nanoseconds())/float64(iters*n))
			}
			t.Logf("level %-6s %-9s n=%4d: pdq %s, pairwise %s, merge %s", d, sh.name, n,
				perKey(ts[1]), perKey(ts[2]), perKey(ts[3]))
		}
	}
	// End to end: Update over a 1e7-value stream.
	for _, d := range []string{"normal", "price", "dup20", "age", "lognormal", "wide"} {
		if !run("update") {
			break
		}
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

// sortKeysPairwise is sortKeys on level input as of the third round (BENCHMARKS.md), the
// baseline of the fourth: count the runs, find their bounds again, merge adjacent runs pairwise
// with the branchy mergeTwo, a one-key tail included. keys must hold ≤ maxMergeRuns runs.
func sortKeysPairwise(keys, tmp []uint64) []uint64 {
	n := len(keys)
	runs := 1
	for i := 1; i < n && runs <= maxMergeRuns; i++ {
		if keys[i] < keys[i-1] {
			runs++
		}
	}
	if runs == 1 {
		return keys
	}
	if runs > maxMergeRuns {
		panic("kll: sortKeysPairwise needs ≤ maxMergeRuns runs")
	}
	var bufA, bufB [maxMergeRuns + 1]int
	bounds := append(bufA[:0], 0)
	for i := 1; i < n; i++ {
		if keys[i] < keys[i-1] {
			bounds = append(bounds, i)
		}
	}
	bounds = append(bounds, n)
	src, dst := keys, tmp[:n]
	next := bufB[:0]
	for len(bounds) > 2 {
		next = next[:0]
		j := 0
		for ; j+2 < len(bounds); j += 2 {
			mergeTwo(dst[bounds[j]:bounds[j+2]], src[bounds[j]:bounds[j+1]], src[bounds[j+1]:bounds[j+2]])
			next = append(next, bounds[j])
		}
		if j+1 < len(bounds) {
			copy(dst[bounds[j]:bounds[j+1]], src[bounds[j]:bounds[j+1]])
			next = append(next, bounds[j])
		}
		next = append(next, n)
		bounds, next = next, bounds
		src, dst = dst, src
	}
	return src
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
