package asm

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

func TestGemvPanels(t *testing.T) {
	r := newRNG(44)
	forEachPath(t, func(t *testing.T) {
		for _, k := range []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 33, 256, 257, 1376} {
			for _, panels := range []int{0, 1, 2, 5} {
				for _, acc := range []bool{false, true} {
					for _, off := range offsets {
						kc := []int{1, 3, 8, 256}[off]
						name := fmt.Sprintf("k=%d kc=%d panels=%d acc=%v off=%d", k, kc, panels, acc, off)
						n := 16 * panels
						a := newGuarded(k+off, 3-off, uniform(r, -1, 1)) // longer a: only k count
						b := newGuarded(n*k, off, uniform(r, -1, 1))
						c := newGuarded(n, (off+1)%4, uniform(r, -1, 1))
						c0 := append([]float32(nil), c.s()...)
						ab, bb := a.bits(), b.bits()
						GemvPanels(c.s(), a.s(), b.s(), k, kc, acc)
						a.checkUnchanged(t, name+" a", ab)
						b.checkUnchanged(t, name+" b", bb)
						c.checkGuards(t, name+" c")
						// The micro-kernel's one-row tiles with the same
						// KC blocks give the same bits.
						if mk := GemmKernel(); mk.NR == 16 {
							tile := make([]float32, mk.NR)
							for q := 0; q < panels; q++ {
								want := slices.Clone(c0[q*16 : q*16+16])
								for p0 := 0; p0 < max(k, 1); p0 += kc {
									h := min(kc, k-p0)
									copy(tile, want)
									mk.Run(1, h, a.s()[p0:], b.s()[q*16*k+p0*16:], tile, 16, 16, acc || p0 > 0)
									copy(want, tile)
								}
								if got := c.s()[q*16 : q*16+16]; !slices.Equal(got, want) {
									t.Fatalf("%s: panel %d = %v, micro-kernel %v", name, q, got, want)
								}
							}
						}
						for q := 0; q < panels; q++ {
							for j := 0; j < 16; j++ {
								var want, abs float64
								for p := 0; p < k; p++ {
									x := float64(a.s()[p]) * float64(b.s()[q*16*k+p*16+j])
									want += x
									abs += math.Abs(x)
								}
								if acc {
									want += float64(c0[q*16+j])
									abs += math.Abs(float64(c0[q*16+j]))
								}
								got := c.s()[q*16+j]
								if tol := dotTol(k+1, abs); !within(got, want, tol) {
									t.Fatalf("%s: c[%d] = %v, float64 reference %v (tol %.3g)", name, q*16+j, got, want, tol)
								}
							}
						}
					}
				}
			}
		}
	})
}

func TestGemvPanelsPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"ragged c": func() { GemvPanels(make([]float32, 15), make([]float32, 4), make([]float32, 64), 4, 4, false) },
		"short a":  func() { GemvPanels(make([]float32, 16), make([]float32, 3), make([]float32, 64), 4, 4, false) },
		"kc 0":     func() { GemvPanels(make([]float32, 16), make([]float32, 4), make([]float32, 64), 4, 0, false) },
		"short b":  func() { GemvPanels(make([]float32, 16), make([]float32, 4), make([]float32, 63), 4, 4, false) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
