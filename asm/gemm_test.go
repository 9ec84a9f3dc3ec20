package asm

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// gemmPaths runs fn once per micro-kernel path this CPU and build have,
// generic included, with the better paths switched off.
func gemmPaths(t *testing.T, fn func(t *testing.T, mk Microkernel)) {
	ForEachPath(func(p string) {
		t.Run(p, func(t *testing.T) {
			mk := GemmKernel()
			if mk.Path != p {
				t.Fatalf("GemmKernel().Path = %q, want %q", mk.Path, p)
			}
			fn(t, mk)
		})
	})
}

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// TestGemmKernel checks every tile height, k = 0…40 and a few large k,
// packed and in-place B strides, both store modes, against a float64
// reference with the bound c·k·ε₃₂·Σ|a·b|, with NaN guards around the tile
// (including the columns between ldc rows) and read-only inputs.
func TestGemmKernel(t *testing.T) {
	gemmPaths(t, func(t *testing.T, mk Microkernel) {
		r := rand.New(rand.NewPCG(1, 2))
		ks := []int{}
		for k := 0; k <= 40; k++ {
			ks = append(ks, k)
		}
		ks = append(ks, 255, 256, 257, 1000)
		nan := float32(math.NaN())
		for mr := 1; mr <= mk.MR; mr++ {
			for _, k := range ks {
				for _, ldb := range []int{mk.NR, mk.NR + 3} {
					for _, acc := range []bool{false, true} {
						ldc := mk.NR + 5
						a := randVec(r, k*mr)
						bl := 0
						if k > 0 {
							bl = (k-1)*ldb + mk.NR
						}
						b := randVec(r, bl)
						const guard = 7
						cbuf := make([]float32, guard+(mr-1)*ldc+mk.NR+guard)
						for i := range cbuf {
							cbuf[i] = nan
						}
						c0 := randVec(r, mr*mk.NR)
						for i := 0; i < mr; i++ {
							copy(cbuf[guard+i*ldc:], c0[i*mk.NR:(i+1)*mk.NR])
						}
						a0, b0 := slices.Clone(a), slices.Clone(b)
						mk.Run(mr, k, a, b, cbuf[guard:], ldb, ldc, acc)
						if !slices.Equal(a, a0) || !slices.Equal(b, b0) {
							t.Fatalf("mr=%d k=%d: inputs modified", mr, k)
						}
						for x := range cbuf {
							off := x - guard
							i, j := off/ldc, off%ldc
							inTile := off >= 0 && i < mr && j < mk.NR
							if !inTile {
								if !math.IsNaN(float64(cbuf[x])) {
									t.Fatalf("mr=%d k=%d ldb=%d acc=%v: wrote outside the tile at offset %d", mr, k, ldb, acc, off)
								}
								continue
							}
							var want, mag float64
							for p := 0; p < k; p++ {
								prod := float64(a[p*mr+i]) * float64(b[p*ldb+j])
								want += prod
								mag += math.Abs(prod)
							}
							if acc {
								want += float64(c0[i*mk.NR+j])
								mag += math.Abs(float64(c0[i*mk.NR+j]))
							}
							tol := 2 * float64(k+1) * 0x1p-24 * mag
							if got := float64(cbuf[x]); math.Abs(got-want) > tol || math.IsNaN(got) {
								t.Fatalf("mr=%d k=%d ldb=%d acc=%v c[%d][%d] = %v, want %v ± %.3g", mr, k, ldb, acc, i, j, got, want, tol)
							}
						}
					}
				}
			}
		}
	})
}

// TestGemmKernelMatchesGeneric checks that each path agrees with the generic
// twin on the same tile within the rounding bound.
func TestGemmKernelMatchesGeneric(t *testing.T) {
	gemmPaths(t, func(t *testing.T, mk Microkernel) {
		g := GemmKernelGeneric()
		r := rand.New(rand.NewPCG(3, 4))
		for _, k := range []int{1, 7, 64, 333} {
			mr := mk.MR
			a := randVec(r, k*mr)
			b := randVec(r, k*mk.NR)
			got := make([]float32, mr*mk.NR)
			want := make([]float32, mr*mk.NR)
			mk.Run(mr, k, a, b, got, mk.NR, mk.NR, false)
			// The generic tile is narrower and shorter: cover ours with its tiles.
			for i0 := 0; i0 < mr; i0 += g.MR {
				h := min(g.MR, mr-i0)
				ap := make([]float32, k*h)
				for p := 0; p < k; p++ {
					copy(ap[p*h:p*h+h], a[p*mr+i0:p*mr+i0+h])
				}
				for j0 := 0; j0 < mk.NR; j0 += g.NR {
					g.Run(h, k, ap, b[j0:], want[i0*mk.NR+j0:], mk.NR, mk.NR, false)
				}
			}
			for x := range got {
				i, j := x/mk.NR, x%mk.NR
				var mag float64
				for p := 0; p < k; p++ {
					mag += math.Abs(float64(a[p*mr+i]) * float64(b[p*mk.NR+j]))
				}
				if d := math.Abs(float64(got[x]) - float64(want[x])); d > 4*float64(k)*0x1p-24*mag {
					t.Fatalf("k=%d c[%d][%d]: %v vs generic %v", k, i, j, got[x], want[x])
				}
			}
		}
	})
}

func TestFMAPeakLoop(t *testing.T) {
	if got := FMAPeakLoop(0); got != 0 {
		t.Fatalf("FMAPeakLoop(0) = %d", got)
	}
	if got := FMAPeakLoop(10); got <= 0 {
		t.Fatalf("FMAPeakLoop(10) = %d flops", got)
	}
}
