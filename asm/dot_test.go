package asm

import (
	"math"
	"testing"
)

// dotRef is Σ x·y in float64 and Σ|x·y|, the scale of its rounding error.
func dotRef(x, y []float32) (sum, abs float64) {
	for i, v := range x {
		p := float64(v) * float64(y[i])
		sum += p
		abs += math.Abs(p)
	}
	return sum, abs
}

// dotTol bounds the float32 error of any summation order with or without
// FMA: each partial sum is rounded at most n+1 times, so
// |err| ≤ γ_{n+1}·Σ|xᵢyᵢ| ≈ (n+1)·u·Σ|xᵢyᵢ|; we allow twice that.
func dotTol(n int, abs float64) float64 { return 2 * float64(n+1) * u32 * abs }

func TestDot(t *testing.T) {
	r := newRNG(1)
	forEachPath(t, func(t *testing.T) {
		for _, n := range rowLengths() {
			for _, off := range offsets {
				x := newGuarded(n, off, uniform(r, -1, 1))
				y := newGuarded(n+off, 3-off, uniform(r, -1, 1)) // longer y: only len(x) counts
				xb, yb := x.bits(), y.bits()
				got := Dot(x.s(), y.s())
				x.checkUnchanged(t, "x", xb)
				y.checkUnchanged(t, "y", yb)
				want, abs := dotRef(x.s(), y.s()[:n])
				tol := dotTol(n, abs)
				if !within(got, want, tol) {
					t.Fatalf("%s: Dot = %v, float64 reference %v (tol %.3g)", caseName(n, off), got, want, tol)
				}
				if gen := dotGeneric(x.s(), y.s()[:n]); !within(got, float64(gen), 2*tol) {
					t.Fatalf("%s: Dot = %v, dotGeneric %v (tol %.3g)", caseName(n, off), got, gen, 2*tol)
				}
			}
		}
	})
}

// TestDotCancellation sums terms that cancel to a small result: the error
// bound scales with Σ|xy|, not with the result.
func TestDotCancellation(t *testing.T) {
	forEachPath(t, func(t *testing.T) {
		for _, n := range []int{2, 17, 64, 255, 1000} {
			x := make([]float32, n)
			y := make([]float32, n)
			for i := range x {
				x[i] = float32(i%7) + 0.25
				y[i] = 1
				if i%2 == 1 {
					y[i] = -1
				}
			}
			want, abs := dotRef(x, y)
			if got := Dot(x, y); !within(got, want, dotTol(n, abs)) {
				t.Fatalf("n=%d: Dot = %v, want %v", n, got, want)
			}
		}
	})
}

func TestDotSpecials(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	forEachPath(t, func(t *testing.T) {
		for _, n := range []int{1, 9, 40, 100} {
			for _, c := range []struct {
				v    float32
				want float64
			}{{inf, math.Inf(1)}, {-inf, math.Inf(-1)}, {nan, math.NaN()}} {
				x := make([]float32, n)
				y := make([]float32, n)
				for i := range y {
					x[i], y[i] = 1, 1
				}
				x[n-1] = c.v
				if got := Dot(x, y); !within(got, c.want, 0) {
					t.Fatalf("n=%d last=%v: Dot = %v, want %v", n, c.v, got, c.want)
				}
			}
		}
	})
}

func TestDotPanicsOnShortY(t *testing.T) {
	defer func() {
		if r := recover(); r != errShortY {
			t.Fatalf("recover() = %v, want %q", r, errShortY)
		}
	}()
	Dot(make([]float32, 3), make([]float32, 2))
}

func FuzzDot(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Add(make([]byte, 2*2*67))
	f.Fuzz(func(t *testing.T, b []byte) {
		v := fuzzFloats(b, 256)
		x, y := v[:len(v)/2], v[len(v)/2:]
		want, abs := dotRef(x, y[:len(x)])
		tol := dotTol(len(x), abs)
		ForEachPath(func(path string) {
			if got := Dot(x, y); !within(got, want, tol) {
				t.Fatalf("%s: n=%d Dot = %v, float64 reference %v (tol %.3g)", path, len(x), got, want, tol)
			}
		})
	})
}

func BenchmarkDot(b *testing.B) {
	benchRows(b, 8, 2, func(b *testing.B, n int) {
		x, y := benchVec(n, 1), benchVec(n, 2)
		for b.Loop() {
			sinkF32 = Dot(x, y)
		}
	})
}
