package asm

import (
	"math"
	"testing"
)

// sigmoid64 is σ(g) in float64.
func sigmoid64(g float64) float64 { return 1 / (1 + math.Exp(-g)) }

// swigluFloor is the absolute error allowed where σ(g) underflows: for
// g < −88.7 the kernels return σ = 0, and |g·σ(g)| < 3e-37 there.
const swigluFloor = 1e-36

// SwiGLU's forward error: e^−g within 2 ulp, then 1+e, the division and the
// product with up round once each, so ≈ 6 u relative to the result.
func swigluTol(u, out float64) float64 {
	return 8*u32*math.Abs(out) + swigluFloor*math.Abs(u)
}

func TestSwiGLU(t *testing.T) {
	r := newRNG(12)
	forEachPath(t, func(t *testing.T) {
		for _, n := range rowLengths() {
			for _, off := range offsets {
				g := newGuarded(n, off, uniform(r, -15, 15))
				u := newGuarded(n, (off+1)%4, uniform(r, -3, 3))
				dst := newGuarded(n, 3-off, uniform(r, -1, 1))
				gb, ub := g.bits(), u.bits()
				SwiGLU(dst.s(), g.s(), u.s())
				g.checkUnchanged(t, "gate", gb)
				u.checkUnchanged(t, "up", ub)
				dst.checkGuards(t, "dst")
				gen := make([]float32, n)
				swigluGeneric(gen, g.s(), u.s())
				for i, gv := range g.s() {
					gg, uu := float64(gv), float64(u.s()[i])
					want := gg * sigmoid64(gg) * uu
					tol := swigluTol(uu, want)
					if !within(dst.s()[i], want, tol) || !within(gen[i], want, tol) {
						t.Fatalf("%s: swiglu(%v, %v) = %v, generic %v, float64 reference %v", caseName(n, off), gv, u.s()[i], dst.s()[i], gen[i], want)
					}
				}
			}
		}
	})
}

func TestSwiGLUSpecials(t *testing.T) {
	inf := math.Inf(1)
	gates := []float32{0, 1, -1, 20, -20, 88, -88, 89, -89, 100, -100, 1e30, -1e30, float32(inf), float32(-inf), float32(math.NaN())}
	forEachPath(t, func(t *testing.T) {
		for _, n := range []int{3, 16, 19} {
			for _, gv := range gates {
				g := make([]float32, n)
				u := make([]float32, n)
				for i := range g {
					g[i], u[i] = gv, 1.5
				}
				dst := make([]float32, n)
				SwiGLU(dst, g, u)
				want := make([]float32, n)
				swigluGeneric(want, g, u)
				for i := range dst {
					w := float64(want[i])
					if !within(dst[i], w, swigluTol(1.5, w)) {
						t.Fatalf("n=%d: swiglu(%v) = %v, generic %v", n, gv, dst[i], want[i])
					}
				}
			}
		}
	})
}

func TestSwiGLUAlias(t *testing.T) {
	r := newRNG(13)
	forEachPath(t, func(t *testing.T) {
		for _, n := range []int{1, 8, 17, 64, 259} {
			g := newGuarded(n, 1, uniform(r, -8, 8))
			u := newGuarded(n, 2, uniform(r, -2, 2))
			want := make([]float32, n)
			swigluGeneric(want, g.s(), u.s())
			g2 := append([]float32(nil), g.s()...)
			SwiGLU(g.s(), g.s(), u.s()) // dst = gate
			SwiGLU(u.s(), g2, u.s())    // dst = up
			g.checkGuards(t, "gate")
			u.checkGuards(t, "up")
			for i := range want {
				w := float64(want[i])
				tol := 2 * swigluTol(2, w)
				if !within(g.s()[i], w, tol) || !within(u.s()[i], w, tol) {
					t.Fatalf("n=%d: aliased swiglu %v, %v at %d, want %v", n, g.s()[i], u.s()[i], i, want[i])
				}
			}
		}
	})
}

// swigluBackwardRef returns the accumulated gradients in float64 and their
// error bounds: the forward's few u on each product, plus the cancellation
// in 1−σ (σ carries ≈ 4u relative error, which g·(1−σ) scales by |g|).
func swigluBackwardRef(dg0, du0, d, g, u float64) (dg, du, tolG, tolU float64) {
	s := sigmoid64(g)
	du = du0 + d*g*s
	dg = dg0 + d*u*s*(1+g*(1-s))
	tolU = 8*u32*(math.Abs(du0)+math.Abs(d*g*s)) + swigluFloor*math.Abs(d)
	tolG = 16*u32*(math.Abs(dg0)+math.Abs(d*u*s)*(1+2*math.Abs(g))) + swigluFloor*math.Abs(d*u)
	return
}

func TestSwiGLUBackward(t *testing.T) {
	r := newRNG(14)
	forEachPath(t, func(t *testing.T) {
		for _, n := range rowLengths() {
			for _, off := range offsets {
				g := newGuarded(n, off, uniform(r, -15, 15))
				u := newGuarded(n, (off+1)%4, uniform(r, -3, 3))
				dout := newGuarded(n, (off+2)%4, uniform(r, -1, 1))
				dg := newGuarded(n, 3-off, uniform(r, -1, 1))
				du := newGuarded(n, off, uniform(r, -1, 1))
				dg0 := append([]float32(nil), dg.s()...)
				du0 := append([]float32(nil), du.s()...)
				gb, ub, db := g.bits(), u.bits(), dout.bits()
				SwiGLUBackward(dg.s(), du.s(), dout.s(), g.s(), u.s())
				g.checkUnchanged(t, "gate", gb)
				u.checkUnchanged(t, "up", ub)
				dout.checkUnchanged(t, "dout", db)
				dg.checkGuards(t, "dgate")
				du.checkGuards(t, "dup")
				gdg := append([]float32(nil), dg0...)
				gdu := append([]float32(nil), du0...)
				swigluBackwardGeneric(gdg, gdu, dout.s(), g.s(), u.s())
				for i, gv := range g.s() {
					wantG, wantU, tolG, tolU := swigluBackwardRef(float64(dg0[i]), float64(du0[i]), float64(dout.s()[i]), float64(gv), float64(u.s()[i]))
					if !within(dg.s()[i], wantG, tolG) || !within(gdg[i], wantG, tolG) {
						t.Fatalf("%s: dgate[%d] = %v, generic %v, float64 reference %v (g=%v)", caseName(n, off), i, dg.s()[i], gdg[i], wantG, gv)
					}
					if !within(du.s()[i], wantU, tolU) || !within(gdu[i], wantU, tolU) {
						t.Fatalf("%s: dup[%d] = %v, generic %v, float64 reference %v (g=%v)", caseName(n, off), i, du.s()[i], gdu[i], wantU, gv)
					}
				}
			}
		}
	})
}

func TestSwiGLUBackwardPanics(t *testing.T) {
	defer func() {
		if r := recover(); r != errLengths {
			t.Fatalf("recover() = %v, want %q", r, errLengths)
		}
	}()
	s := make([]float32, 4)
	SwiGLUBackward(s, s, s[:2], s, s)
}

func FuzzSwiGLU(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Fuzz(func(t *testing.T, b []byte) {
		v := fuzzFloats(b, 128) // values in [−256, 256)
		n := len(v) / 3
		g, u, d := v[:n], v[n:2*n], v[2*n:3*n]
		ForEachPath(func(path string) {
			out := make([]float32, n)
			SwiGLU(out, g, u)
			dg, du := make([]float32, n), make([]float32, n)
			SwiGLUBackward(dg, du, d, g, u)
			for i := range g {
				gg, uu := float64(g[i]), float64(u[i])
				want := gg * sigmoid64(gg) * uu
				if !within(out[i], want, swigluTol(uu, want)) {
					t.Fatalf("%s: swiglu(%v, %v) = %v, want %v", path, g[i], u[i], out[i], want)
				}
				wantG, wantU, tolG, tolU := swigluBackwardRef(0, 0, float64(d[i]), gg, uu)
				if !within(dg[i], wantG, tolG) || !within(du[i], wantU, tolU) {
					t.Fatalf("%s: g=%v u=%v dout=%v: dgate, dup = %v, %v; want %v, %v", path, g[i], u[i], d[i], dg[i], du[i], wantG, wantU)
				}
			}
		})
	})
}

func BenchmarkSwiGLU(b *testing.B) {
	benchRows(b, 12, 0, func(b *testing.B, n int) {
		g, u, dst := benchVec(n, 1), benchVec(n, 2), make([]float32, n)
		for b.Loop() {
			SwiGLU(dst, g, u)
		}
	})
}

func BenchmarkSwiGLUBackward(b *testing.B) {
	benchRows(b, 28, 0, func(b *testing.B, n int) {
		g, u, d := benchVec(n, 1), benchVec(n, 2), benchVec(n, 3)
		dg, du := make([]float32, n), make([]float32, n)
		for b.Loop() {
			SwiGLUBackward(dg, du, d, g, u)
		}
	})
}
