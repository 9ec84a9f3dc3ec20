package rl

import (
	"math"
	"math/rand/v2"
	"testing"
)

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 7)) }

// ragged returns rows of the given lengths filled by f.
func ragged(lens []int, f func(n, t int) float32) [][]float32 {
	out := make([][]float32, len(lens))
	for n, l := range lens {
		out[n] = make([]float32, l)
		for t := range out[n] {
			out[n][t] = f(n, t)
		}
	}
	return out
}

func ones(lens []int) [][]float32 { return ragged(lens, func(int, int) float32 { return 1 }) }

func near(got, want, tol float64) bool {
	if math.IsNaN(got) || math.IsNaN(want) {
		return math.IsNaN(got) && math.IsNaN(want)
	}
	return math.Abs(got-want) <= tol*math.Max(1, math.Abs(want))
}

func checkVec(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", name, len(got), len(want))
	}
	for i := range want {
		if !near(float64(got[i]), want[i], tol) {
			t.Fatalf("%s[%d] = %.7g, want %.7g (all: %v)", name, i, got[i], want[i], got)
		}
	}
}

func clone(x [][]float32) [][]float32 {
	if x == nil {
		return nil
	}
	out := make([][]float32, len(x))
	for i := range x {
		out[i] = append([]float32(nil), x[i]...)
	}
	return out
}

// fdCheck compares analytic derivatives grad[n][t] of f with central
// differences in the float32 input x[n][t]. The actual step is measured
// after rounding to float32, so the check is limited only by float64 noise
// in f. Positions where skip returns true (kinks) are not checked.
func fdCheck(t *testing.T, name string, x [][]float32, grad [][]float32, f func() float64, skip func(n, i int) bool) {
	t.Helper()
	const h = 1e-3
	checked := 0
	for n := range x {
		for i := range x[n] {
			if skip != nil && skip(n, i) {
				continue
			}
			x0 := x[n][i]
			xp, xm := x0+h, x0-h
			x[n][i] = xp
			fp := f()
			x[n][i] = xm
			fm := f()
			x[n][i] = x0
			num := (fp - fm) / (float64(xp) - float64(xm))
			g := float64(grad[n][i])
			if math.Abs(num-g) > 2e-4*math.Max(1e-2, math.Abs(num)) {
				t.Fatalf("%s: d/dx[%d][%d]: analytic %.8g, numeric %.8g", name, n, i, g, num)
			}
			checked++
		}
	}
	if checked == 0 {
		t.Fatalf("%s: nothing checked", name)
	}
}
