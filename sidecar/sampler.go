package sidecar

import (
	"math"
	"math/rand/v2"
)

// Sampler decides which inference requests are captured: each one independently with
// probability percentage/100 (SageMaker's InitialSamplingPercentage is per request too). It is
// safe for concurrent use and does not allocate.
type Sampler struct {
	threshold uint64        // capture when a uniform uint64 is below it
	all       bool          // 100 %: capture without drawing
	draw      func() uint64 // uniform uint64s; rand.Uint64 (per-thread ChaCha8 state, lock-free)
}

// NewSampler returns a sampler for percentage in [0, 100]. draw supplies uniform uint64s; nil
// means math/rand/v2's global generator.
func NewSampler(percentage int, draw func() uint64) *Sampler {
	if draw == nil {
		draw = rand.Uint64
	}
	s := &Sampler{draw: draw, all: percentage >= 100}
	if percentage > 0 && percentage < 100 {
		// threshold = percentage/100 × 2^64, exact to within one part in 2^53.
		s.threshold = uint64(float64(percentage) / 100 * math.Exp2(64))
	}
	return s
}

// Sample reports whether to capture the next request.
func (s *Sampler) Sample() bool {
	if s.all {
		return true
	}
	return s.threshold != 0 && s.draw() < s.threshold
}
