package stats

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkAddPending times the per-value statistics of eight columns' numbers (count, sum,
// moments, extremes; not the sketch): one column after the other, two and four columns at a time,
// and in statsOcto's registers eight, or four (padded) at a time.
//
//	go test -run '^$' -bench AddPending ./stats/
func BenchmarkAddPending(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	ns := make([]*numeric, 8)
	for c := range ns {
		xs := make([]float64, 64<<10)
		for i := range xs {
			xs[i] = r.NormFloat64()*100 + 600
		}
		n := newNumeric()
		n.hold(xs, nil)
		ns[c] = &n
	}
	run := func(b *testing.B, add func()) {
		b.SetBytes(int64(len(ns) * len(ns[0].pending) * 8))
		for b.Loop() {
			add()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(ns)*len(ns[0].pending)), "ns/value")
	}
	b.Run("one", func(b *testing.B) {
		run(b, func() {
			for _, n := range ns {
				n.addPending()
			}
		})
	})
	b.Run("pairs", func(b *testing.B) {
		run(b, func() {
			for i := 0; i < len(ns); i += 2 {
				addPendingPair(ns[i], ns[i+1])
			}
		})
	})
	b.Run("quads", func(b *testing.B) {
		run(b, func() {
			for i := 0; i < len(ns); i += 4 {
				addPendingQuad(ns[i], ns[i+1], ns[i+2], ns[i+3])
			}
		})
	})
	b.Run("kernel", func(b *testing.B) {
		if !useBlockKernels {
			b.Skip("statsOcto needs AVX-512")
		}
		run(b, func() { addPendingKernel(ns) })
	})
	b.Run("kernel-4", func(b *testing.B) {
		if !useBlockKernels {
			b.Skip("statsOcto needs AVX-512")
		}
		run(b, func() { addPendingKernel(ns[:4]); addPendingKernel(ns[4:]) })
	})
}
