package sidecar

import (
	"runtime"
	rtmetrics "runtime/metrics"
	"time"
)

// processStart is when the package was initialised: the start time of the process to within the
// few milliseconds the runtime takes to reach package init.
var processStart = time.Now()

// runtimeNames are the runtime/metrics samples one scrape reads, in one runtime/metrics.Read call (no
// stop-the-world, unlike runtime.ReadMemStats). Indexes below are positions in this list.
var runtimeNames = []string{
	"/sched/goroutines:goroutines",        // 0
	"/sched/threads/total:threads",        // 1
	"/sched/gomaxprocs:threads",           // 2
	"/gc/gogc:percent",                    // 3
	"/gc/gomemlimit:bytes",                // 4
	"/memory/classes/heap/objects:bytes",  // 5
	"/memory/classes/heap/unused:bytes",   // 6
	"/memory/classes/heap/free:bytes",     // 7
	"/memory/classes/heap/released:bytes", // 8
	"/memory/classes/heap/stacks:bytes",   // 9
	"/memory/classes/os-stacks:bytes",     // 10
	"/memory/classes/total:bytes",         // 11
	"/gc/heap/allocs:bytes",               // 12
	"/gc/heap/allocs:objects",             // 13
	"/gc/heap/frees:objects",              // 14
	"/gc/heap/tiny/allocs:objects",        // 15
	"/gc/heap/objects:objects",            // 16
	"/gc/heap/goal:bytes",                 // 17
}

// runtimeValues is one scrape's reading of runtimeNames.
type runtimeValues struct{ s []rtmetrics.Sample }

func readRuntime() *runtimeValues {
	rv := &runtimeValues{s: make([]rtmetrics.Sample, len(runtimeNames))}
	for i, n := range runtimeNames {
		rv.s[i].Name = n
	}
	rtmetrics.Read(rv.s)
	return rv
}

// sum returns the sum of the samples at the indexes, false if the runtime does not provide one of
// them.
func (rv *runtimeValues) sum(idx ...int) (float64, bool) {
	var t float64
	for _, i := range idx {
		switch v := rv.s[i].Value; v.Kind() {
		case rtmetrics.KindUint64:
			t += float64(v.Uint64())
		case rtmetrics.KindFloat64:
			t += v.Float64()
		default:
			return 0, false
		}
	}
	return t, true
}

// runtimeFamily is a Go runtime or process metric computed at scrape time. Names and meanings
// follow the Prometheus Go client's collectors, so existing dashboards keep working; see
// docs/capture-sidecar.md for the ones not kept.
type runtimeFamily struct {
	name, help string
	typ        metricType
	labels     string
	value      func(*runtimeValues) (float64, bool)
}

func sumOf(idx ...int) func(*runtimeValues) (float64, bool) {
	return func(rv *runtimeValues) (float64, bool) { return rv.sum(idx...) }
}

var runtimeFamilies = []runtimeFamily{
	{"go_goroutines", "Goroutines that currently exist.", typeGauge, "", sumOf(0)},
	{"go_threads", "Operating system threads the Go runtime currently holds (/sched/threads/total:threads).", typeGauge, "", sumOf(1)},
	{"go_sched_gomaxprocs_threads", "GOMAXPROCS: threads that can run Go code at the same time.", typeGauge, "", sumOf(2)},
	{"go_gc_gogc_percent", "GOGC: heap growth target in percent (100 unless set).", typeGauge, "", sumOf(3)},
	{"go_gc_gomemlimit_bytes", "GOMEMLIMIT: the runtime's soft memory limit (math.MaxInt64 unless set).", typeGauge, "", sumOf(4)},
	{"go_info", "Version of Go the binary was built with.", typeGauge, `{version="` + escapeLabelValue(runtime.Version()) + `"}`,
		func(*runtimeValues) (float64, bool) { return 1, true }},
	{"go_memstats_alloc_bytes", "Bytes of heap objects in use (/memory/classes/heap/objects:bytes).", typeGauge, "", sumOf(5)},
	{"go_memstats_heap_alloc_bytes", "Bytes of heap objects in use, same as go_memstats_alloc_bytes.", typeGauge, "", sumOf(5)},
	{"go_memstats_heap_inuse_bytes", "Bytes in heap spans in use: objects plus their unused space.", typeGauge, "", sumOf(5, 6)},
	{"go_memstats_heap_idle_bytes", "Bytes of heap spans not in use: free plus released to the OS.", typeGauge, "", sumOf(7, 8)},
	{"go_memstats_heap_released_bytes", "Bytes of heap returned to the OS.", typeGauge, "", sumOf(8)},
	{"go_memstats_heap_sys_bytes", "Bytes of heap obtained from the OS (objects, unused, free, released).", typeGauge, "", sumOf(5, 6, 7, 8)},
	{"go_memstats_stack_inuse_bytes", "Bytes of goroutine stacks allocated from the heap.", typeGauge, "", sumOf(9)},
	{"go_memstats_stack_sys_bytes", "Bytes of stack memory obtained from the OS.", typeGauge, "", sumOf(9, 10)},
	{"go_memstats_sys_bytes", "Bytes of memory the Go runtime obtained from the OS (/memory/classes/total:bytes).", typeGauge, "", sumOf(11)},
	{"go_memstats_alloc_bytes_total", "Bytes allocated on the heap since the start, freed or not.", typeCounter, "", sumOf(12)},
	{"go_memstats_mallocs_total", "Heap objects allocated since the start (tiny allocations included).", typeCounter, "", sumOf(13, 15)},
	{"go_memstats_frees_total", "Heap objects freed since the start (tiny allocations included).", typeCounter, "", sumOf(14, 15)},
	{"go_memstats_heap_objects", "Heap objects allocated and not yet freed.", typeGauge, "", sumOf(16)},
	{"go_memstats_next_gc_bytes", "Heap size at which the next garbage collection starts.", typeGauge, "", sumOf(17)},
	{"process_start_time_seconds", "Start time of the process in seconds since the Unix epoch.", typeGauge, "",
		func(*runtimeValues) (float64, bool) { return float64(processStart.UnixNano()) / 1e9, true }},
	{"process_cpu_seconds_total", "User and system CPU time of the process in seconds (getrusage).", typeCounter, "",
		func(*runtimeValues) (float64, bool) { return processCPUSeconds() }},
	{"process_max_fds", "Limit on open file descriptors (RLIMIT_NOFILE, soft).", typeGauge, "",
		func(*runtimeValues) (float64, bool) { return processMaxFDs() }},
}
