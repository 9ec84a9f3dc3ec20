package asm

import (
	"math"
	"testing"
)

// expMaxULP is the documented accuracy of the SIMD Exp: within 2 ulp of the
// correctly rounded result (distance counted in representable float32
// values, so it also covers subnormal results and Inf next to MaxFloat32).
const expMaxULP = 2

// expRef is e^x rounded to float32 (math.Exp is accurate to < 1 ulp of
// float64, far below a float32 ulp).
func expRef(x float32) float32 { return float32(math.Exp(float64(x))) }

func TestExp(t *testing.T) {
	r := newRNG(6)
	forEachPath(t, func(t *testing.T) {
		for _, n := range rowLengths() {
			for _, off := range offsets {
				x := newGuarded(n, off, uniform(r, -110, 95))
				dst := newGuarded(n, 3-off, uniform(r, -1, 1))
				xb := x.bits()
				Exp(dst.s(), x.s())
				x.checkUnchanged(t, "x", xb)
				dst.checkGuards(t, "dst")
				for i, v := range x.s() {
					if d := ulpDist(dst.s()[i], expRef(v)); d > expMaxULP {
						t.Fatalf("%s: Exp(%v) = %v, want %v (%d ulp)", caseName(n, off), v, dst.s()[i], expRef(v), d)
					}
				}
			}
		}
	})
}

func TestExpSpecials(t *testing.T) {
	inf := float32(math.Inf(1))
	cases := []struct{ x, want float32 }{
		{0, 1},
		{float32(math.Copysign(0, -1)), 1},
		{1e-30, 1},
		{-1e-30, 1},
		{1, float32(math.E)},
		{inf, inf},
		{-inf, 0},
		{89, inf},
		{88.73, inf},
		{1e30, inf},
		{math.MaxFloat32, inf},
		{-104, 0},
		{-1e30, 0},
		{-math.MaxFloat32, 0},
		{88.72, expRef(88.72)},             // just below overflow
		{-87.3, expRef(-87.3)},             // smallest normal results
		{-95, expRef(-95)},                 // subnormal
		{-103.2, expRef(-103.2)},           // a few subnormal ulps
		{-103.97, expRef(-103.97)},         // rounds to 0 or the smallest subnormal
		{-0.34657359, expRef(-0.34657359)}, // |r| = ln2/2
		{0.34657359, expRef(0.34657359)},
	}
	forEachPath(t, func(t *testing.T) {
		for _, n := range []int{1, 5, 16, 21} { // masked tail and full vectors
			for _, c := range cases {
				x := make([]float32, n)
				for i := range x {
					x[i] = c.x
				}
				dst := make([]float32, n)
				Exp(dst, x)
				for i, v := range dst {
					if d := ulpDist(v, c.want); d > expMaxULP {
						t.Fatalf("n=%d: Exp(%v)[%d] = %v, want %v", n, c.x, i, v, c.want)
					}
				}
			}
			x := make([]float32, n)
			for i := range x {
				x[i] = float32(math.NaN())
			}
			Exp(x, x)
			for _, v := range x {
				if v == v {
					t.Fatalf("n=%d: Exp(NaN) = %v", n, v)
				}
			}
		}
	})
}

// TestExpSweep checks every k-th float32 in [−105, 90] (both signs, all
// binades) against the correctly rounded result and reports the worst error.
func TestExpSweep(t *testing.T) {
	step := uint32(1009)
	if testing.Short() {
		step = 9973
	}
	forEachPath(t, func(t *testing.T) {
		var x []float32
		for _, sign := range []uint32{0, 1 << 31} {
			limit := math.Float32bits(90)
			if sign != 0 {
				limit = math.Float32bits(105)
			}
			for b := uint32(0); b <= limit; b += step {
				x = append(x, math.Float32frombits(sign|b))
			}
		}
		dst := make([]float32, len(x))
		Exp(dst, x)
		var worst int64
		var worstX float32
		for i, v := range x {
			if d := ulpDist(dst[i], expRef(v)); d > worst {
				worst, worstX = d, v
			}
		}
		t.Logf("%d inputs, worst %d ulp at x=%v", len(x), worst, worstX)
		if worst > expMaxULP {
			t.Fatalf("Exp(%v) is %d ulp off (limit %d)", worstX, worst, expMaxULP)
		}
	})
}

// TestExpAlias runs Exp in place.
func TestExpAlias(t *testing.T) {
	r := newRNG(7)
	forEachPath(t, func(t *testing.T) {
		for _, n := range []int{1, 15, 16, 33, 259, 1000} {
			x := newGuarded(n, 2, uniform(r, -20, 20))
			x0 := append([]float32(nil), x.s()...)
			Exp(x.s(), x.s())
			x.checkGuards(t, "x")
			for i, v := range x0 {
				if d := ulpDist(x.s()[i], expRef(v)); d > expMaxULP {
					t.Fatalf("n=%d: in-place Exp(%v) = %v", n, v, x.s()[i])
				}
			}
		}
	})
}

func FuzzExp(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x7f, 0, 0, 0xc0, 0x7f, 0x3b, 0xaa, 0xb8, 0x3f})
	f.Fuzz(func(t *testing.T, b []byte) {
		// Raw bit patterns: every float32 including NaN, ±Inf and subnormals.
		x := make([]float32, len(b)/4)
		for i := range x {
			x[i] = math.Float32frombits(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24)
		}
		ForEachPath(func(path string) {
			dst := make([]float32, len(x))
			Exp(dst, x)
			for i, v := range x {
				if d := ulpDist(dst[i], expRef(v)); d > expMaxULP {
					t.Fatalf("%s: Exp(%v) = %v, want %v", path, v, dst[i], expRef(v))
				}
			}
		})
	})
}

func BenchmarkExp(b *testing.B) {
	benchRows(b, 8, 0, func(b *testing.B, n int) {
		x, dst := benchVec(n, 1), make([]float32, n)
		for b.Loop() {
			Exp(dst, x)
		}
	})
}
