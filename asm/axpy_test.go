package asm

import (
	"math"
	"testing"
)

func TestAxpy(t *testing.T) {
	r := newRNG(2)
	forEachPath(t, func(t *testing.T) {
		for _, n := range rowLengths() {
			for _, off := range offsets {
				alpha := float32(2*r.Float64() - 1)
				x := newGuarded(n, off, uniform(r, -4, 4))
				y := newGuarded(n, 3-off, uniform(r, -4, 4))
				y0 := append([]float32(nil), y.s()...)
				xb := x.bits()
				Axpy(alpha, x.s(), y.s())
				x.checkUnchanged(t, "x", xb)
				y.checkGuards(t, "y")
				gen := append([]float32(nil), y0...)
				axpyGeneric(alpha, x.s(), gen)
				for i, v := range x.s() {
					// FMA rounds once, the generic twin twice: |err| ≤ u·(|αx| + |y + αx|).
					ax := float64(alpha) * float64(v)
					want := float64(y0[i]) + ax
					tol := 2 * u32 * (math.Abs(ax) + math.Abs(want))
					if !within(y.s()[i], want, tol) || !within(y.s()[i], float64(gen[i]), 2*tol) {
						t.Fatalf("%s: y[%d] = %v, float64 %v, generic %v", caseName(n, off), i, y.s()[i], want, gen[i])
					}
				}
			}
		}
	})
}

func TestScale(t *testing.T) {
	r := newRNG(3)
	forEachPath(t, func(t *testing.T) {
		for _, n := range rowLengths() {
			for _, off := range offsets {
				alpha := float32(4*r.Float64() - 2)
				x := newGuarded(n, off, uniform(r, -4, 4))
				x0 := append([]float32(nil), x.s()...)
				Scale(alpha, x.s())
				x.checkGuards(t, "x")
				gen := append([]float32(nil), x0...)
				scaleGeneric(alpha, gen)
				for i, v := range x0 {
					// One correctly rounded product: exactly float32(α·x).
					want := float32(float64(alpha) * float64(v))
					if x.s()[i] != want || gen[i] != want {
						t.Fatalf("%s: x[%d] = %v, generic %v, want %v", caseName(n, off), i, x.s()[i], gen[i], want)
					}
				}
			}
		}
	})
}

func TestAxpyPanicsOnShortY(t *testing.T) {
	defer func() {
		if r := recover(); r != errShortY {
			t.Fatalf("recover() = %v, want %q", r, errShortY)
		}
	}()
	Axpy(1, make([]float32, 3), make([]float32, 2))
}

func FuzzAxpy(f *testing.F) {
	f.Add(float32(0.5), []byte{1, 2, 3, 4, 5, 6, 7, 8})
	f.Fuzz(func(t *testing.T, alpha float32, b []byte) {
		if math.IsNaN(float64(alpha)) || math.IsInf(float64(alpha), 0) || math.Abs(float64(alpha)) > 1e6 {
			return
		}
		v := fuzzFloats(b, 64)
		x, y0 := v[:len(v)/2], v[len(v)/2:][:len(v)/2]
		ForEachPath(func(path string) {
			y := append([]float32(nil), y0...)
			Axpy(alpha, x, y)
			for i := range x {
				ax := float64(alpha) * float64(x[i])
				want := float64(y0[i]) + ax
				if !within(y[i], want, 2*u32*(math.Abs(ax)+math.Abs(want))) {
					t.Fatalf("%s: y[%d] = %v, want %v", path, i, y[i], want)
				}
			}
		})
	})
}

func BenchmarkAxpy(b *testing.B) {
	benchRows(b, 12, 2, func(b *testing.B, n int) {
		x, y := benchVec(n, 1), benchVec(n, 2)
		for b.Loop() {
			Axpy(1e-3, x, y)
		}
	})
}

func BenchmarkScale(b *testing.B) {
	benchRows(b, 8, 1, func(b *testing.B, n int) {
		x := benchVec(n, 1)
		for b.Loop() {
			Scale(1, x)
		}
	})
}
