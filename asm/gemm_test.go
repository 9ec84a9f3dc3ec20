package asm

import (
	"fmt"
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

// TestGemmKernelDirectA checks the in-place-A variants of every path that
// has them, row-major (rsa = lda, csa = 1) and column-major (rsa = 1,
// csa = lda): for every tile height, k = 0…40 and a few large k, several
// strides and both store modes, the tile must equal Run on the same A packed
// bitwise (same sums in the same order) and the float64 reference within
// c·k·ε₃₂·Σ|a·b|, with NaN guards around the tile and read-only inputs.
func TestGemmKernelDirectA(t *testing.T) {
	gemmPaths(t, func(t *testing.T, mk Microkernel) {
		if !mk.DirectA() {
			t.Skipf("path %s has no in-place-A kernels", mk.Path)
		}
		r := rand.New(rand.NewPCG(5, 6))
		ks := []int{}
		for k := 0; k <= 40; k++ {
			ks = append(ks, k)
		}
		ks = append(ks, 127, 128, 257, 1000)
		nan := float32(math.NaN())
		for _, colMajor := range []bool{false, true} {
			for mr := 1; mr <= mk.MR; mr++ {
				for _, k := range ks {
					for _, extra := range []int{0, 5, 1024} {
						// lda is the stride of the strided index: ≥ k for
						// rows of a row-major A, ≥ mr for a column-major one.
						rsa, csa := max(k+extra, 1), 1
						if colMajor {
							rsa, csa = 1, mr+extra
						}
						acc := (mr+k+extra)%2 == 0
						ldb, ldc := mk.NR+1, mk.NR+3
						a := randVec(r, (mr-1)*rsa+max(k-1, 0)*csa+1)
						b := randVec(r, max(k-1, 0)*ldb+mk.NR)
						// The same A packed: p-major, mr consecutive rows per k.
						pa := make([]float32, max(k*mr, 1))
						for p := 0; p < k; p++ {
							for i := 0; i < mr; i++ {
								pa[p*mr+i] = a[i*rsa+p*csa]
							}
						}
						const guard = 5
						c0 := randVec(r, guard+(mr-1)*ldc+mk.NR+guard)
						for x := range c0 {
							if x < guard || x >= guard+(mr-1)*ldc+mk.NR || (x-guard)%ldc >= mk.NR {
								c0[x] = nan
							}
						}
						got, want := slices.Clone(c0), slices.Clone(c0)
						a0, b0 := slices.Clone(a), slices.Clone(b)
						mk.RunA(mr, k, a, rsa, csa, b, got[guard:], ldb, ldc, acc)
						if !slices.Equal(a, a0) || !slices.Equal(b, b0) {
							t.Fatalf("mr=%d k=%d: inputs modified", mr, k)
						}
						mk.Run(mr, k, pa, b, want[guard:], ldb, ldc, acc)
						what := fmt.Sprintf("mr=%d k=%d rsa=%d csa=%d acc=%v", mr, k, rsa, csa, acc)
						for x := range got {
							if math.Float32bits(got[x]) != math.Float32bits(want[x]) && !(math.IsNaN(float64(got[x])) && math.IsNaN(float64(want[x]))) {
								t.Fatalf("%s: offset %d = %v, packed kernel gives %v", what, x-guard, got[x], want[x])
							}
							off := x - guard
							i, j := off/ldc, off%ldc
							if off < 0 || i >= mr || j >= mk.NR {
								if !math.IsNaN(float64(got[x])) {
									t.Fatalf("%s: wrote outside the tile at offset %d", what, off)
								}
								continue
							}
							var ref, mag float64
							for p := 0; p < k; p++ {
								prod := float64(a[i*rsa+p*csa]) * float64(b[p*ldb+j])
								ref += prod
								mag += math.Abs(prod)
							}
							if acc {
								ref += float64(c0[x])
								mag += math.Abs(float64(c0[x]))
							}
							if d := math.Abs(float64(got[x]) - ref); d > 2*float64(k+1)*0x1p-24*mag || math.IsNaN(float64(got[x])) {
								t.Fatalf("%s c[%d][%d] = %v, want %v", what, i, j, got[x], ref)
							}
						}
					}
				}
			}
		}
	})
}

// TestGemmKernelDirectAPanics checks the bounds of RunA.
func TestGemmKernelDirectAPanics(t *testing.T) {
	mk := GemmKernelGeneric()
	nr := mk.NR
	for name, f := range map[string]func(){
		"short a": func() {
			mk.RunA(2, 4, make([]float32, 4+3), 4, 1, make([]float32, 4*nr), make([]float32, 2*nr), nr, nr, false)
		},
		"short a col": func() {
			mk.RunA(2, 4, make([]float32, 3*5+1), 1, 5, make([]float32, 4*nr), make([]float32, 2*nr), nr, nr, false)
		},
		"rsa 0": func() {
			mk.RunA(2, 4, make([]float32, 100), 0, 1, make([]float32, 4*nr), make([]float32, 2*nr), nr, nr, false)
		},
		"both strided": func() {
			mk.RunA(2, 4, make([]float32, 100), 4, 4, make([]float32, 4*nr), make([]float32, 2*nr), nr, nr, false)
		},
		"mr > MR": func() {
			mk.RunA(mk.MR+1, 1, make([]float32, 100), 1, 1, make([]float32, nr), make([]float32, 100), nr, nr, false)
		},
		"no direct A": func() {
			Microkernel{MR: 1, NR: 1}.RunA(1, 1, []float32{1}, 1, 1, []float32{1}, []float32{1}, 1, 1, false)
		},
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

// TestCopyBlocks16 checks the strided block copy on every path against a
// scalar loop, with guards between and after the blocks.
func TestCopyBlocks16(t *testing.T) {
	ForEachPath(func(path string) {
		r := rand.New(rand.NewPCG(8, 9))
		for _, n := range []int{0, 1, 2, 3, 7, 33} {
			for _, st := range [][2]int{{16, 16}, {16 * 5, 16}, {16, 100}, {37, 41}} {
				ds, ss := st[0], st[1]
				src := randVec(r, max(n-1, 0)*ss+16+3)
				dst := make([]float32, max(n-1, 0)*ds+16+3)
				for i := range dst {
					dst[i] = float32(math.NaN())
				}
				want := slices.Clone(dst)
				for i := 0; i < n; i++ {
					for j := 0; j < 16; j++ {
						want[i*ds+j] = src[i*ss+j]
					}
				}
				CopyBlocks16(dst, src, n, ds, ss)
				for i := range dst {
					if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s n=%d strides=%v: dst[%d] = %v, want %v", path, n, st, i, dst[i], want[i])
					}
				}
			}
		}
		for name, f := range map[string]func(){
			"short dst": func() { CopyBlocks16(make([]float32, 31), make([]float32, 32), 2, 16, 16) },
			"short src": func() { CopyBlocks16(make([]float32, 32), make([]float32, 20), 2, 16, 5) },
			"negative":  func() { CopyBlocks16(nil, nil, -1, 16, 16) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s %s: no panic", path, name)
					}
				}()
				f()
			}()
		}
	})
}

// TestCopyBlocks6 checks the strided block copy on every path against a
// scalar loop, with guards between and after the blocks.
func TestCopyBlocks6(t *testing.T) {
	ForEachPath(func(path string) {
		r := rand.New(rand.NewPCG(8, 9))
		for _, n := range []int{0, 1, 2, 3, 7, 33} {
			for _, st := range [][2]int{{6, 6}, {6 * 256, 6}, {6, 100}, {37, 41}} {
				ds, ss := st[0], st[1]
				src := randVec(r, max(n-1, 0)*ss+6+3)
				dst := make([]float32, max(n-1, 0)*ds+6+3)
				for i := range dst {
					dst[i] = float32(math.NaN())
				}
				want := slices.Clone(dst)
				for i := 0; i < n; i++ {
					for j := 0; j < 6; j++ {
						want[i*ds+j] = src[i*ss+j]
					}
				}
				CopyBlocks6(dst, src, n, ds, ss)
				for i := range dst {
					if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%s n=%d strides=%v: dst[%d] = %v, want %v", path, n, st, i, dst[i], want[i])
					}
				}
			}
		}
		for name, f := range map[string]func(){
			"short dst": func() { CopyBlocks6(make([]float32, 11), make([]float32, 12), 2, 6, 6) },
			"short src": func() { CopyBlocks6(make([]float32, 12), make([]float32, 10), 2, 6, 5) },
			"negative":  func() { CopyBlocks6(nil, nil, -1, 6, 6) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s %s: no panic", path, name)
					}
				}()
				f()
			}()
		}
	})
}

// TestTransposePanel checks the panel transposes (TransposePanel16, the
// NT operand B; TransposePanel6, a row-major A) on every path against the
// definition, for k around the 8-step blocks and several row strides, with
// a NaN guard after the panel (the 6-row asm stores 8 floats per k step and
// must not write past 6·k).
func TestTransposePanel(t *testing.T) {
	for _, tc := range []struct {
		rows int
		fn   func(dst, src []float32, ld, k int)
	}{{16, TransposePanel16}, {6, TransposePanel6}} {
		rows, fn := tc.rows, tc.fn
		ForEachPath(func(path string) {
			r := rand.New(rand.NewPCG(10, uint64(rows)))
			for _, k := range []int{0, 1, 7, 8, 9, 15, 16, 17, 64, 131} {
				for _, extra := range []int{0, 3, 1000} {
					ld := k + extra
					src := randVec(r, (rows-1)*ld+k+1)
					dst := make([]float32, rows*k+4)
					for i := range dst {
						dst[i] = float32(math.NaN())
					}
					fn(dst, src, ld, k)
					for i, v := range dst {
						if i >= rows*k {
							if !math.IsNaN(float64(v)) {
								t.Fatalf("%s rows=%d k=%d ld=%d: wrote past the panel at %d", path, rows, k, ld, i)
							}
							continue
						}
						p, j := i/rows, i%rows
						if v != src[j*ld+p] {
							t.Fatalf("%s rows=%d k=%d ld=%d: dst[%d*%d+%d] = %v, want %v", path, rows, k, ld, p, rows, j, v, src[j*ld+p])
						}
					}
				}
			}
			for name, f := range map[string]func(){
				"short dst": func() { fn(make([]float32, rows*8-1), make([]float32, (rows-1)*8+8), 8, 8) },
				"short src": func() { fn(make([]float32, rows*8), make([]float32, (rows-1)*8+7), 8, 8) },
				"ld < k":    func() { fn(make([]float32, rows*8), make([]float32, 1000), 7, 8) },
			} {
				func() {
					defer func() {
						if recover() == nil {
							t.Errorf("%s rows=%d %s: no panic", path, rows, name)
						}
					}()
					f()
				}()
			}
		})
	}
}
