package asm

import (
	"math"
	"testing"
)

// TestAdamW compares every path with a float64 AdamW step on the same
// float32 inputs, on every ragged length and alignment, with and without
// decay, and checks that nothing outside the four vectors is written.
func TestAdamW(t *testing.T) {
	r := newRNG(40)
	forEachPath(t, func(t *testing.T) {
		for _, sc := range []AdamWScalars{
			{B1: 0.9, B2: 0.95, Step: 3e-4 / 0.1, ISB: float32(1 / math.Sqrt(0.05)), Eps: 1e-8, Keep: 1 - 3e-4*0.1},
			{B1: 0.8, B2: 0.999, Step: 1e-2, ISB: 3, Eps: 1e-3, Keep: 1},
		} {
			for _, n := range rowLengths() {
				for _, off := range offsets {
					p := newGuarded(n, off, uniform(r, -1, 1))
					g := newGuarded(n, (off+1)%4, uniform(r, -2, 2))
					m := newGuarded(n, (off+2)%4, uniform(r, -0.5, 0.5))
					v := newGuarded(n, 3-off, uniform(r, 0, 1))
					gb := g.bits()
					p0, m0, v0 := append([]float32(nil), p.s()...), append([]float32(nil), m.s()...), append([]float32(nil), v.s()...)
					AdamW(p.s(), g.s(), m.s(), v.s(), sc)
					g.checkUnchanged(t, "g", gb)
					p.checkGuards(t, "p")
					m.checkGuards(t, "m")
					v.checkGuards(t, "v")
					b1, b2 := float64(sc.B1), float64(sc.B2)
					c1, c2 := float64(1-sc.B1), float64(1-sc.B2) // the kernel's float32 1−β
					for i, gi32 := range g.s() {
						gi := float64(gi32)
						wm := b1*float64(m0[i]) + c1*gi
						wv := b2*float64(v0[i]) + c2*gi*gi
						// p from the kernel's own m and v (checked above to
						// their rounding): m may carry cancellation error
						// that p inherits, which is not p's rounding.
						gm, gv := float64(m.s()[i]), float64(v.s()[i])
						q := float64(sc.Step) * gm / (math.Sqrt(gv)*float64(sc.ISB) + float64(sc.Eps))
						wp := float64(sc.Keep)*float64(p0[i]) - q
						tm := 4 * u32 * (math.Abs(b1*float64(m0[i])) + math.Abs(c1*gi))
						tv := 4 * u32 * (b2*float64(v0[i]) + c2*gi*gi)
						tp := 10 * u32 * (math.Abs(float64(sc.Keep)*float64(p0[i])) + math.Abs(q))
						if !within(m.s()[i], wm, tm) || !within(v.s()[i], wv, tv) || !within(p.s()[i], wp, tp) {
							t.Fatalf("%s: element %d: m %v v %v p %v, want %v %v %v", caseName(n, off), i,
								m.s()[i], v.s()[i], p.s()[i], wm, wv, wp)
						}
					}
				}
			}
		}
	})
}

// TestAdamWLengths: mismatched lengths are a programmer error.
func TestAdamWLengths(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("AdamW with a short v did not panic")
		}
	}()
	AdamW(make([]float32, 4), make([]float32, 4), make([]float32, 4), make([]float32, 3), AdamWScalars{})
}

func BenchmarkAdamW(b *testing.B) {
	benchRows(b, 28, 0, func(b *testing.B, n int) {
		p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
		s := AdamWScalars{B1: 0.9, B2: 0.95, Step: 1e-3, ISB: 2, Eps: 1e-8, Keep: 0.999}
		for i := 0; i < b.N; i++ {
			AdamW(p, g, m, v, s)
		}
	})
}
