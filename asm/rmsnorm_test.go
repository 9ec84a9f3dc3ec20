package asm

import (
	"math"
	"testing"
)

// rmsNormTol is the relative error bound of RMSNorm's outputs: Σx² of n
// positive terms carries ≤ (n+1)·u relative error, of which rstd = (…)^−½
// keeps half, and the products add a few u; doubled for slack.
func rmsNormTol(n int) float64 { return 2 * (float64(n+1)/2 + 6) * u32 }

func TestRMSNorm(t *testing.T) {
	r := newRNG(9)
	const eps = 1e-5
	forEachPath(t, func(t *testing.T) {
		for _, n := range rowLengths() {
			for _, off := range offsets {
				x := newGuarded(n, off, uniform(r, -3, 3))
				w := newGuarded(n, (off+2)%4, uniform(r, 0.5, 1.5))
				dst := newGuarded(n, 3-off, uniform(r, -1, 1))
				xb, wb := x.bits(), w.bits()
				rstd := RMSNorm(dst.s(), x.s(), w.s(), eps)
				x.checkUnchanged(t, "x", xb)
				w.checkUnchanged(t, "w", wb)
				dst.checkGuards(t, "dst")
				if n == 0 {
					if rstd != 0 {
						t.Fatalf("empty row: rstd = %v", rstd)
					}
					continue
				}
				var ss float64
				for _, v := range x.s() {
					ss += float64(v) * float64(v)
				}
				want := 1 / math.Sqrt(ss/float64(n)+eps)
				tol := rmsNormTol(n)
				if !within(rstd, want, tol*want) {
					t.Fatalf("%s: rstd = %v, float64 reference %v", caseName(n, off), rstd, want)
				}
				gen := make([]float32, n)
				genRstd := rmsNormGeneric(gen, x.s(), w.s(), eps)
				if !within(genRstd, want, tol*want) {
					t.Fatalf("%s: generic rstd = %v, float64 reference %v", caseName(n, off), genRstd, want)
				}
				for i, v := range x.s() {
					ref := float64(v) * want * float64(w.s()[i])
					if !within(dst.s()[i], ref, tol*math.Abs(ref)) || !within(gen[i], ref, tol*math.Abs(ref)) {
						t.Fatalf("%s: dst[%d] = %v, generic %v, float64 reference %v", caseName(n, off), i, dst.s()[i], gen[i], ref)
					}
				}
			}
		}
	})
}

func TestRMSNormAlias(t *testing.T) {
	r := newRNG(10)
	forEachPath(t, func(t *testing.T) {
		for _, n := range []int{1, 9, 64, 77, 1000} {
			x := newGuarded(n, 1, uniform(r, -3, 3))
			w := newGuarded(n, 0, uniform(r, 0.5, 1.5))
			want := make([]float32, n)
			wantRstd := rmsNormGeneric(want, x.s(), w.s(), 1e-6)
			rstd := RMSNorm(x.s(), x.s(), w.s(), 1e-6)
			x.checkGuards(t, "x")
			tol := float64(rmsNormTol(n))
			if !within(rstd, float64(wantRstd), 2*tol*float64(wantRstd)) {
				t.Fatalf("n=%d: in-place rstd %v, want %v", n, rstd, wantRstd)
			}
			for i := range want {
				if !within(x.s()[i], float64(want[i]), 2*tol*math.Abs(float64(want[i]))) {
					t.Fatalf("n=%d: in-place dst[%d] = %v, want %v", n, i, x.s()[i], want[i])
				}
			}
		}
	})
}

func TestRMSNormBackward(t *testing.T) {
	r := newRNG(11)
	forEachPath(t, func(t *testing.T) {
		for _, n := range rowLengths() {
			for _, off := range offsets {
				x := newGuarded(n, off, uniform(r, -3, 3))
				w := newGuarded(n, (off+1)%4, uniform(r, 0.5, 1.5))
				dout := newGuarded(n, (off+2)%4, uniform(r, -1, 1))
				dx := newGuarded(n, 3-off, uniform(r, -1, 1))
				dw := newGuarded(n, off, uniform(r, -1, 1))
				dx0 := append([]float32(nil), dx.s()...)
				dw0 := append([]float32(nil), dw.s()...)
				rstd := rmsNormGeneric(make([]float32, n), x.s(), w.s(), 1e-5)
				xb, wb, db := x.bits(), w.bits(), dout.bits()
				RMSNormBackward(dx.s(), dw.s(), dout.s(), x.s(), w.s(), rstd)
				x.checkUnchanged(t, "x", xb)
				w.checkUnchanged(t, "w", wb)
				dout.checkUnchanged(t, "dout", db)
				dx.checkGuards(t, "dx")
				dw.checkGuards(t, "dw")
				gdx := append([]float32(nil), dx0...)
				gdw := append([]float32(nil), dw0...)
				rmsNormBackwardGeneric(gdx, gdw, dout.s(), x.s(), w.s(), rstd)

				// float64 reference, and the error scale of the float32 sum
				// S = Σ dout·w·x: ≤ (n+2)·u·Σ|dout·w·x|.
				rs := float64(rstd)
				var dot, dotAbs float64
				for i, v := range x.s() {
					p := float64(dout.s()[i]) * float64(w.s()[i]) * float64(v)
					dot += p
					dotAbs += math.Abs(p)
				}
				nf := float64(n)
				c := rs * rs * rs * dot / nf
				cErr := rs*rs*rs/nf*float64(n+2)*u32*dotAbs + 6*u32*math.Abs(c)
				for i, v := range x.s() {
					d, xv, wv := float64(dout.s()[i]), float64(v), float64(w.s()[i])
					wantDw := float64(dw0[i]) + d*xv*rs
					tolDw := 4 * u32 * (math.Abs(float64(dw0[i])) + math.Abs(d*xv*rs))
					wantDx := float64(dx0[i]) + rs*wv*d - c*xv
					tolDx := 4*u32*(math.Abs(float64(dx0[i]))+math.Abs(rs*wv*d)+math.Abs(c*xv)) + 2*math.Abs(xv)*cErr
					for _, got := range []struct {
						name   string
						dx, dw float32
					}{{"kernel", dx.s()[i], dw.s()[i]}, {"generic", gdx[i], gdw[i]}} {
						if !within(got.dw, wantDw, tolDw) {
							t.Fatalf("%s %s: dw[%d] = %v, float64 reference %v (tol %.3g)", got.name, caseName(n, off), i, got.dw, wantDw, tolDw)
						}
						if !within(got.dx, wantDx, tolDx) {
							t.Fatalf("%s %s: dx[%d] = %v, float64 reference %v (tol %.3g)", got.name, caseName(n, off), i, got.dx, wantDx, tolDx)
						}
					}
				}
			}
		}
	})
}

func TestRMSNormBackwardPanics(t *testing.T) {
	defer func() {
		if r := recover(); r != errLengths {
			t.Fatalf("recover() = %v, want %q", r, errLengths)
		}
	}()
	s := make([]float32, 4)
	RMSNormBackward(s, s, s, s, s[:3], 1)
}

func FuzzRMSNorm(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	f.Fuzz(func(t *testing.T, b []byte) {
		v := fuzzFloats(b, 256)
		n := len(v) / 3
		x, w, dout := v[:n], v[n:2*n], v[2*n:3*n]
		if n == 0 {
			return
		}
		wantOut := make([]float32, n)
		wantRstd := rmsNormGeneric(wantOut, x, w, 1e-5)
		wdx, wdw := make([]float32, n), make([]float32, n)
		rmsNormBackwardGeneric(wdx, wdw, dout, x, w, wantRstd)
		var xw, dotAbs float64 // max|x·w| and Σ|dout·w·x|, the error scales
		for i := range x {
			xw = math.Max(xw, math.Abs(float64(x[i])*float64(w[i])))
			dotAbs += math.Abs(float64(dout[i]) * float64(w[i]) * float64(x[i]))
		}
		tol := 4 * rmsNormTol(n)
		ForEachPath(func(path string) {
			out := make([]float32, n)
			rstd := RMSNorm(out, x, w, 1e-5)
			rs := float64(wantRstd)
			if !within(rstd, rs, tol*rs) {
				t.Fatalf("%s: rstd %v, generic %v", path, rstd, wantRstd)
			}
			for i := range out {
				if !within(out[i], float64(wantOut[i]), tol*rs*xw) {
					t.Fatalf("%s: out[%d] = %v, generic %v", path, i, out[i], wantOut[i])
				}
			}
			dx, dw := make([]float32, n), make([]float32, n)
			RMSNormBackward(dx, dw, dout, x, w, wantRstd)
			for i := range dx {
				// Both sides are float32 evaluations of the same formula; the
				// coefficient c = rstd³·S/n is the only reduction.
				dxTol := tol * rs * (math.Abs(float64(dout[i])*float64(w[i])) + rs*rs*math.Abs(float64(x[i]))*dotAbs/float64(n))
				if !within(dx[i], float64(wdx[i]), dxTol+1e-30) || !within(dw[i], float64(wdw[i]), tol*rs*math.Abs(float64(dout[i])*float64(x[i]))+1e-30) {
					t.Fatalf("%s: dx[%d], dw[%d] = %v, %v; generic %v, %v", path, i, i, dx[i], dw[i], wdx[i], wdw[i])
				}
			}
		})
	})
}

func BenchmarkRMSNorm(b *testing.B) {
	benchRows(b, 12, 0, func(b *testing.B, n int) {
		x, w, dst := benchVec(n, 1), benchVec(n, 2), make([]float32, n)
		for b.Loop() {
			sinkF32 = RMSNorm(dst, x, w, 1e-5)
		}
	})
}

func BenchmarkRMSNormBackward(b *testing.B) {
	benchRows(b, 28, 0, func(b *testing.B, n int) {
		x, w, dout := benchVec(n, 1), benchVec(n, 2), benchVec(n, 3)
		dx, dw := make([]float32, n), make([]float32, n)
		for b.Loop() {
			RMSNormBackward(dx, dw, dout, x, w, 0.9)
		}
	})
}
