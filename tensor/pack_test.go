package tensor

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rltrain/rltrain/asm"
)

// TestPackB checks the B packing against its definition for every panel
// width a path uses (4 is an odd one out, 16 AVX2 and generic, 32 AVX-512),
// both stored layouts, ragged last panels, block offsets and padded panel
// strides, on every path (the copies go through asm): panel q at q·ps holds
// op(B)[p0+p][j0+q·nr+j] at p·nr+j, zero past the last column, and nothing
// is written between panels.
func TestPackB(t *testing.T) {
	asm.ForEachPath(func(path string) {
		r := rand.New(rand.NewPCG(12, 13))
		for _, nr := range []int{4, 16, 32} {
			for _, trans := range []bool{false, true} {
				for _, s := range [][4]int{{1, 1, 0, 0}, {9, 37, 3, 5}, {64, 2 * nr, 0, 0}, {33, 3*nr + 7, 8, 1}} {
					kc, nc, p0, j0 := s[0], s[1], s[2], s[3]
					K, N := p0+kc+2, j0+nc+3
					src := randSlice(r, K*N)
					bv := bView{d: src, ld: N}
					at := func(p, j int) float32 { return src[p*N+j] }
					if trans {
						bv = bView{d: src, ld: K, t: true}
						at = func(p, j int) float32 { return src[j*K+p] }
					}
					for _, pad := range []int{0, 16} {
						ps := kc*nr + pad
						panels := (nc + nr - 1) / nr
						dst := make([]float32, panels*ps)
						for i := range dst {
							dst[i] = float32(math.NaN())
						}
						packB(dst, bv, p0, kc, j0, nc, nr, ps)
						for i, v := range dst {
							q, o := i/ps, i%ps
							if o >= kc*nr {
								if !math.IsNaN(float64(v)) {
									t.Fatalf("%s nr=%d trans=%v %v pad=%d: wrote into the pad at %d", path, nr, trans, s, pad, i)
								}
								continue
							}
							p, j := o/nr, q*nr+o%nr
							want := float32(0)
							if j < nc {
								want = at(p0+p, j0+j)
							}
							if v != want {
								t.Fatalf("%s nr=%d trans=%v %v pad=%d: panel %d [%d][%d] = %v, want %v", path, nr, trans, s, pad, q, p, o%nr, v, want)
							}
						}
					}
				}
			}
		}
	})
}

// TestPackA checks the A packing against its definition for the tile heights
// in use, both stored layouts and ragged last panels.
func TestPackA(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 15))
	for _, mr := range []int{4, 6, 14} {
		for _, trans := range []bool{false, true} {
			for _, s := range [][4]int{{1, 1, 0, 0}, {2*mr + 3, 17, 2, 1}, {3 * mr, 64, 0, 5}} {
				mc, kc, i0, p0 := s[0], s[1], s[2], s[3]
				M, K := i0+mc+1, p0+kc+2
				src := randSlice(r, M*K)
				av := aView{d: src, ld: K}
				at := func(i, p int) float32 { return src[i*K+p] }
				if trans {
					av = aView{d: src, ld: M, t: true}
					at = func(i, p int) float32 { return src[p*M+i] }
				}
				dst := make([]float32, mc*kc)
				packA(dst, av, i0, mc, p0, kc, mr)
				for ir := 0; ir < mc; ir += mr {
					h := min(mr, mc-ir)
					for p := 0; p < kc; p++ {
						for i := 0; i < h; i++ {
							if got, want := dst[ir*kc+p*h+i], at(i0+ir+i, p0+p); got != want {
								t.Fatalf("mr=%d trans=%v %v: panel %d [%d][%d] = %v, want %v", mr, trans, s, ir/mr, p, i, got, want)
							}
						}
					}
				}
			}
		}
	}
}
