package asm

import (
	"fmt"
	"math"
	"testing"
)

// attnHeadSizes covers the SIMD head sizes (multiples of 8, including the
// 32 and 64 of the RL and M models and a 64+32 split), and sizes that take
// the generic route.
var attnHeadSizes = []int{8, 16, 24, 32, 40, 64, 96, 128, 160, 3, 12, 33}

// attnKeyCounts runs the 8-key blocks 0, 1 and several times with every
// tail length.
func attnKeyCounts() []int {
	var ns []int
	for n := 0; n <= 19; n++ {
		ns = append(ns, n)
	}
	return append(ns, 31, 64, 161)
}

func TestAttnScores(t *testing.T) {
	r := newRNG(41)
	forEachPath(t, func(t *testing.T) {
		for _, hs := range attnHeadSizes {
			for _, n := range attnKeyCounts() {
				for _, off := range offsets {
					name := fmt.Sprintf("hs=%d %s", hs, caseName(n, off))
					q := newGuarded(hs, off, uniform(r, -1, 1))
					k := newGuarded(n*hs+off, 3-off, uniform(r, -1, 1)) // longer k: only n rows count
					s := newGuarded(n, (off+1)%4, uniform(r, -1, 1))
					qb, kb := q.bits(), k.bits()
					const scale = 0.125
					AttnScores(s.s(), q.s(), k.s(), scale)
					q.checkUnchanged(t, name+" q", qb)
					k.checkUnchanged(t, name+" k", kb)
					s.checkGuards(t, name+" s")
					for j, got := range s.s() {
						want, abs := dotRef(q.s(), k.s()[j*hs:(j+1)*hs])
						tol := dotTol(hs, abs) * scale
						if !within(got, want*scale, tol) {
							t.Fatalf("%s: s[%d] = %v, float64 reference %v (tol %.3g)", name, j, got, want*scale, tol)
						}
					}
				}
			}
		}
	})
}

func TestAttnAccum(t *testing.T) {
	r := newRNG(42)
	forEachPath(t, func(t *testing.T) {
		for _, w := range attnHeadSizes {
			for _, pad := range []int{0, 5} { // ldv = w (a KV cache head) and wider
				ldv := w + pad
				for _, n := range attnKeyCounts() {
					for _, off := range offsets {
						name := fmt.Sprintf("w=%d ldv=%d %s", w, ldv, caseName(n, off))
						p := newGuarded(n, off, uniform(r, 0, 1))
						vlen := 0
						if n > 0 {
							vlen = (n-1)*ldv + w
						}
						v := newGuarded(vlen, 3-off, uniform(r, -1, 1))
						out := newGuarded(w, (off+2)%4, uniform(r, -1, 1))
						pb, vb := p.bits(), v.bits()
						AttnAccum(out.s(), p.s(), v.s(), ldv)
						p.checkUnchanged(t, name+" p", pb)
						v.checkUnchanged(t, name+" v", vb)
						out.checkGuards(t, name+" out")
						for c, got := range out.s() {
							var want, abs float64
							for j, pj := range p.s() {
								x := float64(pj) * float64(v.s()[j*ldv+c])
								want += x
								abs += math.Abs(x)
							}
							if tol := dotTol(n, abs); !within(got, want, tol) {
								t.Fatalf("%s: out[%d] = %v, float64 reference %v (tol %.3g)", name, c, got, want, tol)
							}
						}
					}
				}
			}
		}
	})
}

func TestAttnPanics(t *testing.T) {
	for name, f := range map[string]func(){
		"scores short k": func() { AttnScores(make([]float32, 3), make([]float32, 8), make([]float32, 23), 1) },
		"accum short v":  func() { AttnAccum(make([]float32, 8), make([]float32, 3), make([]float32, 23), 8) },
		"accum ldv < w":  func() { AttnAccum(make([]float32, 8), make([]float32, 1), make([]float32, 64), 7) },
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

// BenchmarkAttnRow is one decode query over 160 cached positions, the
// kernels against the Dot/Axpy-per-key loop they replace.
func BenchmarkAttnRow(b *testing.B) {
	const n = 160
	for _, hs := range []int{32, 64} {
		q, k, v := benchVec(hs, 1), benchVec(n*hs, 2), benchVec(n*hs, 3)
		s, out := make([]float32, n), make([]float32, hs)
		b.Run(fmt.Sprintf("hs=%d/kernels", hs), func(b *testing.B) {
			for b.Loop() {
				AttnScores(s, q, k, 0.125)
				AttnAccum(out, s, v, hs)
			}
		})
		b.Run(fmt.Sprintf("hs=%d/dot-axpy", hs), func(b *testing.B) {
			for b.Loop() {
				for j := range s {
					s[j] = Dot(q, k[j*hs:j*hs+hs]) * 0.125
				}
				clear(out)
				for j, p := range s {
					Axpy(p, v[j*hs:j*hs+hs], out)
				}
			}
		})
	}
}
