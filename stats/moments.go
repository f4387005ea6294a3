package stats

import "math"

// Moments is Spark's CentralMomentAgg state for second moments (n, avg, m2), the state behind
// Deequ's StandardDeviation (stddev_pop). It reproduces Spark's floating-point operation order so
// that single-partition results are bit-identical to the real container (contract §5.3).
type Moments struct {
	N, Avg, M2 float64
}

// Add folds one value in (CentralMomentAgg.updateExpressions):
//
//	n' = n + 1;  δ = x − avg;  δn = δ / n';  avg' = avg + δn;  m2' = m2 + δ·(δ − δn)
func (m *Moments) Add(x float64) {
	n := m.N + 1
	delta := x - m.Avg
	deltaN := delta / n
	m.Avg += deltaN
	m.M2 += delta * (delta - deltaN)
	m.N = n
}

// Merge folds o into m (CentralMomentAgg.mergeExpressions):
//
//	n = n₁ + n₂;  δ = avg₂ − avg₁;  δn = δ / n (0 when n = 0);  avg = avg₁ + δn·n₂;
//	m2 = m2₁ + m2₂ + δ·δn·n₁·n₂
func (m *Moments) Merge(o Moments) {
	n := m.N + o.N
	delta := o.Avg - m.Avg
	deltaN := 0.0
	if n != 0 {
		deltaN = delta / n
	}
	m.Avg += deltaN * o.N
	m.M2 = m.M2 + o.M2 + delta*deltaN*m.N*o.N
	m.N = n
}

// PopStdDev is the population standard deviation sqrt(m2 / n) (Spark stddev_pop); NaN when n = 0.
func (m *Moments) PopStdDev() float64 {
	if m.N == 0 {
		return math.NaN()
	}
	return math.Sqrt(m.M2 / m.N)
}
