package asm

import (
	"math"
	"testing"
)

// TestRoPE checks every path against float64 on every ragged length and
// alignment, bitwise against the generic code, in place, and the guards.
func TestRoPE(t *testing.T) {
	r := newRNG(41)
	forEachPath(t, func(t *testing.T) {
		for _, n := range rowLengths() {
			for _, off := range offsets {
				x1 := newGuarded(n, off, uniform(r, -3, 3))
				x2 := newGuarded(n, (off+1)%4, uniform(r, -3, 3))
				c := newGuarded(n, (off+2)%4, uniform(r, -1, 1))
				s := newGuarded(n, 3-off, uniform(r, -1, 1))
				d1 := newGuarded(n, (off+3)%4, uniform(r, 5, 6))
				d2 := newGuarded(n, off, uniform(r, 5, 6))
				b1, b2, bc, bs := x1.bits(), x2.bits(), c.bits(), s.bits()
				RoPE(d1.s(), d2.s(), x1.s(), x2.s(), c.s(), s.s())
				x1.checkUnchanged(t, "x1", b1)
				x2.checkUnchanged(t, "x2", b2)
				c.checkUnchanged(t, "c", bc)
				s.checkUnchanged(t, "s", bs)
				d1.checkGuards(t, "d1")
				d2.checkGuards(t, "d2")
				g1, g2 := make([]float32, n), make([]float32, n)
				ropeGeneric(g1, g2, x1.s(), x2.s(), c.s(), s.s())
				for i := 0; i < n; i++ {
					a, b := float64(x1.s()[i]), float64(x2.s()[i])
					ci, si := float64(c.s()[i]), float64(s.s()[i])
					w1, w2 := a*ci-b*si, b*ci+a*si
					t1 := 2 * u32 * (math.Abs(a*ci) + math.Abs(b*si))
					t2 := 2 * u32 * (math.Abs(b*ci) + math.Abs(a*si))
					if !within(d1.s()[i], w1, t1) || !within(d2.s()[i], w2, t2) {
						t.Fatalf("%s: element %d: %v %v, want %v %v", caseName(n, off), i, d1.s()[i], d2.s()[i], w1, w2)
					}
					if d1.s()[i] != g1[i] || d2.s()[i] != g2[i] {
						t.Fatalf("%s: element %d: %v %v, generic %v %v (must agree bitwise)", caseName(n, off), i,
							d1.s()[i], d2.s()[i], g1[i], g2[i])
					}
				}
				// in place: the destination is the source
				RoPE(x1.s(), x2.s(), x1.s(), x2.s(), c.s(), s.s())
				for i := 0; i < n; i++ {
					if x1.s()[i] != g1[i] || x2.s()[i] != g2[i] {
						t.Fatalf("%s: in place, element %d: %v %v, want %v %v", caseName(n, off), i,
							x1.s()[i], x2.s()[i], g1[i], g2[i])
					}
				}
				x1.checkGuards(t, "x1 in place")
				x2.checkGuards(t, "x2 in place")
			}
		}
	})
}

func TestRoPELengths(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("RoPE with a short s did not panic")
		}
	}()
	x := make([]float32, 4)
	RoPE(x, x, x, x, x, x[:3])
}
