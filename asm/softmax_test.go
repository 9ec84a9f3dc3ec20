package asm

import (
	"math"
	"testing"
)

// softmaxRef is the row's softmax and logZ in float64.
func softmaxRef(x []float32) (p []float64, logZ float64) {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	var sum float64
	p = make([]float64, len(x))
	for i, v := range x {
		p[i] = math.Exp(float64(v) - m)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p, m + math.Log(sum)
}

// checkSoftmax compares one output row with the float64 reference. Each
// float32 term e^(x−m) is off by x−m's rounding (u·|x−m| absolute in the
// exponent) plus exp's 2 ulp; the sum of n positive terms adds ≤ n·u
// relative, and the final scale one more u. logZ inherits the sum's
// relative error as an absolute one, plus its own rounding. Results that
// underflow get an absolute floor of a few subnormal ulps.
func checkSoftmax(t *testing.T, name string, x, got []float32, gotZ float32) {
	t.Helper()
	p, logZ := softmaxRef(x)
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, float64(v))
	}
	n := float64(len(x))
	for i, v := range x {
		rel := (n+8)*u32 + u32*math.Abs(float64(v)-m)
		if !within(got[i], p[i], 2*rel*p[i]+1e-44) {
			t.Fatalf("%s: softmax[%d] = %v, float64 reference %v (x=%v, max=%v)", name, i, got[i], p[i], v, m)
		}
	}
	tolZ := 2 * ((n+8)*u32 + u32*math.Abs(logZ))
	if !within(gotZ, logZ, tolZ) {
		t.Fatalf("%s: logZ = %v, float64 reference %v (tol %.3g)", name, gotZ, logZ, tolZ)
	}
}

func TestSoftmax(t *testing.T) {
	r := newRNG(8)
	forEachPath(t, func(t *testing.T) {
		for _, n := range rowLengths() {
			for _, off := range offsets {
				shift := 1000 * (r.Float64() - 0.5) // logits far from 0 as well
				x := newGuarded(n, off, uniform(r, shift-30, shift+30))
				dst := newGuarded(n, 3-off, uniform(r, -1, 1))
				xb := x.bits()
				logZ := Softmax(dst.s(), x.s())
				x.checkUnchanged(t, "x", xb)
				dst.checkGuards(t, "dst")
				if n == 0 {
					if !math.IsInf(float64(logZ), -1) {
						t.Fatalf("empty row: logZ = %v, want -Inf", logZ)
					}
					continue
				}
				checkSoftmax(t, caseName(n, off), x.s(), dst.s(), logZ)
				gen := make([]float32, n)
				genZ := softmaxGeneric(gen, x.s())
				checkSoftmax(t, caseName(n, off)+" (generic)", x.s(), gen, genZ)
			}
		}
	})
}

func TestSoftmaxRows(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	forEachPath(t, func(t *testing.T) {
		for _, n := range []int{1, 3, 8, 17, 100} {
			row := func(f func(i int) float32) []float32 {
				x := make([]float32, n)
				for i := range x {
					x[i] = f(i)
				}
				return x
			}
			// Equal logits: uniform distribution, logZ = x + log n.
			x := row(func(int) float32 { return 7 })
			dst := make([]float32, n)
			checkSoftmax(t, "equal", x, dst, Softmax(dst, x))
			// One dominant logit, the rest underflowing to 0.
			x = row(func(i int) float32 { return float32(-200 * i) })
			checkSoftmax(t, "dominant", x, dst, Softmax(dst, x))
			// In place, with a maximum in the tail.
			x = row(func(i int) float32 { return float32(i%5) * 0.5 })
			want := append([]float32(nil), x...)
			logZ := Softmax(x, x)
			checkSoftmax(t, "in place", want, x, logZ)
			// NaN or +Inf anywhere: NaN everywhere, as the generic twin does.
			for _, bad := range []float32{nan, inf} {
				x = row(func(i int) float32 { return float32(i) })
				x[n/2] = bad
				logZ := Softmax(dst, x)
				if logZ == logZ {
					t.Fatalf("n=%d with %v: logZ = %v, want NaN", n, bad, logZ)
				}
				for i, v := range dst {
					if v == v {
						t.Fatalf("n=%d with %v: dst[%d] = %v, want NaN", n, bad, i, v)
					}
				}
			}
		}
	})
}

func FuzzSoftmax(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	f.Fuzz(func(t *testing.T, b []byte) {
		x := fuzzFloats(b, 64) // logits in [−512, 512)
		if len(x) == 0 {
			return
		}
		ForEachPath(func(path string) {
			dst := make([]float32, len(x))
			logZ := Softmax(dst, x)
			checkSoftmax(t, path, x, dst, logZ)
		})
	})
}

func BenchmarkSoftmax(b *testing.B) {
	benchRows(b, 8, 0, func(b *testing.B, n int) {
		x, dst := benchVec(n, 1), make([]float32, n)
		for b.Loop() {
			sinkF32 = Softmax(dst, x)
		}
	})
}
