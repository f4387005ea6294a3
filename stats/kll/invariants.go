package kll

import "fmt"

// check panics if s breaks a structural invariant; called only when invariants is true.
// The bookkeeping (item count, capacities) must match the levels, and offsets stay in {0, 1}.
func (s *Sketch) check(where string) {
	if len(s.levels) == 0 || len(s.caps) != len(s.levels) {
		panic(fmt.Sprintf("kll: %s: %d levels, %d capacities", where, len(s.levels), len(s.caps)))
	}
	total := 0
	for h, c := range s.caps {
		if want := capacity(s.k, s.c, h); c != want {
			panic(fmt.Sprintf("kll: %s: capacity of level %d is %d, want %d", where, h, c, want))
		}
		total += c
	}
	if total != s.totalCap {
		panic(fmt.Sprintf("kll: %s: total capacity %d, want %d", where, s.totalCap, total))
	}
	if n := s.itemCount(); n != s.actual {
		panic(fmt.Sprintf("kll: %s: item count %d, want %d", where, s.actual, n))
	}
	for h, l := range s.levels {
		if l.offset != 0 && l.offset != 1 {
			panic(fmt.Sprintf("kll: %s: level %d offset %d", where, h, l.offset))
		}
	}
}

// checkSortedRun panics unless run (one compaction's output) is in Java's Double.compare order.
func checkSortedRun(run []float64) {
	for i := 1; i < len(run); i++ {
		if javaKey(run[i-1]) > javaKey(run[i]) {
			panic(fmt.Sprintf("kll: compaction output not sorted at %d: %v > %v", i, run[i-1], run[i]))
		}
	}
}
