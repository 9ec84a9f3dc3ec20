package rl

import "math"

// MetricTrend returns the mean of the metric key over the first and over
// the last frac of the steps of history that logged it finitely (at least
// one step each; the two windows may overlap in a short run), e.g. the
// drift of completions/mean_length over a self-rewarded run, where a judge
// that prefers long answers shows as growth. ok is false when no step
// logged key.
func MetricTrend(history []map[string]float64, key string, frac float64) (first, last float64, ok bool) {
	var vs []float64
	for _, m := range history {
		if v, has := m[key]; has && !math.IsNaN(v) && !math.IsInf(v, 0) {
			vs = append(vs, v)
		}
	}
	if len(vs) == 0 {
		return math.NaN(), math.NaN(), false
	}
	n := max(1, int(math.Round(frac*float64(len(vs)))))
	n = min(n, len(vs))
	mean := func(xs []float64) float64 {
		s := 0.0
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	return mean(vs[:n]), mean(vs[len(vs)-n:]), true
}
