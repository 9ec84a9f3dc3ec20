package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rltrain/rltrain/asm"
)

// layout names one of the three products.
type layout int

const (
	nn layout = iota
	nt
	tn
)

func (l layout) String() string { return [...]string{"NN", "NT", "TN"}[l] }

// operands returns the stored A and B of a product, with element accessors.
func (l layout) at(a, b []float32, m, n, k int) (ai func(i, p int) float32, bj func(p, j int) float32) {
	switch l {
	case nn:
		return func(i, p int) float32 { return a[i*k+p] }, func(p, j int) float32 { return b[p*n+j] }
	case nt:
		return func(i, p int) float32 { return a[i*k+p] }, func(p, j int) float32 { return b[j*k+p] }
	}
	return func(i, p int) float32 { return a[p*m+i] }, func(p, j int) float32 { return b[p*n+j] }
}

func (l layout) run(c, a, b []float32, m, n, k int, acc bool) {
	switch l {
	case nn:
		MatMulNN(c, a, b, m, n, k, acc)
	case nt:
		MatMulNT(c, a, b, m, n, k, acc)
	default:
		MatMulTN(c, a, b, m, n, k, acc)
	}
}

func (l layout) views(a, b []float32, m, n, k int) (aView, bView) {
	switch l {
	case nn:
		return aView{d: a, ld: k}, bView{d: b, ld: n}
	case nt:
		return aView{d: a, ld: k}, bView{d: b, ld: k, t: true}
	}
	return aView{d: a, ld: m, t: true}, bView{d: b, ld: n}
}

func randSlice(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64())
	}
	return v
}

// checkProduct compares c against the float64 product of the stored
// operands (plus c0 when acc), with the bound 2·(K+1)·ε₃₂·(Σ_p|a_ip·b_pj| + |c0|),
// and checks that the guard elements past m·n are untouched.
func checkProduct(t *testing.T, what string, l layout, c, c0, a, b []float32, m, n, k int, acc bool) {
	t.Helper()
	ai, bj := l.at(a, b, m, n, k)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var want, mag float64
			for p := 0; p < k; p++ {
				x := float64(ai(i, p)) * float64(bj(p, j))
				want += x
				mag += math.Abs(x)
			}
			if acc {
				want += float64(c0[i*n+j])
				mag += math.Abs(float64(c0[i*n+j]))
			}
			tol := 2 * float64(k+1) * 0x1p-24 * mag
			got := float64(c[i*n+j])
			if math.IsNaN(got) || math.Abs(got-want) > tol {
				t.Fatalf("%s %v m=%d n=%d k=%d acc=%v: c[%d][%d] = %v, want %v ± %.3g", what, l, m, n, k, acc, i, j, got, want, tol)
			}
		}
	}
	for x := m * n; x < len(c); x++ {
		if !math.IsNaN(float64(c[x])) {
			t.Fatalf("%s %v m=%d n=%d k=%d: wrote past C at %d", what, l, m, n, k, x)
		}
	}
}

// runCase runs one product through the public API and checks it.
func runCase(t *testing.T, r *rand.Rand, l layout, m, n, k int, acc bool) {
	t.Helper()
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	c0 := randSlice(r, m*n)
	c := append(slices.Clone(c0), float32(math.NaN()), float32(math.NaN()))
	a0, b0 := slices.Clone(a), slices.Clone(b)
	l.run(c, a, b, m, n, k, acc)
	if !slices.Equal(a, a0) || !slices.Equal(b, b0) {
		t.Fatalf("%v m=%d n=%d k=%d: inputs modified", l, m, n, k)
	}
	checkProduct(t, asm.GemmKernel().Path, l, c, c0, a, b, m, n, k, acc)
}

// TestMatMulSmallShapes covers every M, N, K in 0…9 plus primes and sizes
// around the micro-tiles, for every path, layout and mode.
func TestMatMulSmallShapes(t *testing.T) {
	dims := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 31, 32, 33, 37}
	asm.ForEachPath(func(path string) {
		t.Run(path, func(t *testing.T) {
			r := rand.New(rand.NewPCG(1, 1))
			for _, l := range []layout{nn, nt, tn} {
				for _, m := range dims {
					for _, n := range dims {
						for _, k := range []int{0, 1, 2, 3, 5, 8, 17} {
							runCase(t, r, l, m, n, k, (m+n+k)%2 == 0)
						}
					}
				}
			}
		})
	})
}

// TestMatMulStraddleBlocking uses tiny block sizes so that every loop of the
// nest (NC, KC, MC, NR, MR) runs several times with ragged tails, for every
// path, layout, mode and thread split (2 and 3 workers: minParallelFlops is
// lifted so that these small products go parallel), with A packed, read in
// place, and read in place only by workers with at most one column panel;
// every variant must equal the first bitwise.
func TestMatMulStraddleBlocking(t *testing.T) {
	defer func(v int) { minParallelFlops = v }(minParallelFlops)
	minParallelFlops = 0
	asm.ForEachPath(func(path string) {
		t.Run(path, func(t *testing.T) {
			mk := asm.GemmKernel()
			blk := blocking{mr: mk.MR, nr: mk.NR, kc: 8, mc: 2 * mk.MR, nc: 3 * mk.NR, ncSmall: 2 * mk.NR}
			r := rand.New(rand.NewPCG(2, 2))
			for _, l := range []layout{nn, nt, tn} {
				for range 12 {
					m := 1 + r.IntN(3*blk.mc+3)
					n := 1 + r.IntN(3*blk.nc+3)
					k := 1 + r.IntN(3*blk.kc+3)
					acc := r.IntN(2) == 0
					a, b := randSlice(r, m*k), randSlice(r, k*n)
					c0 := randSlice(r, m*n)
					var first []float32
					for _, direct := range []int{0, 1, 1000} {
						blk.directAPanels, blk.directATPanels = direct, direct
						for _, th := range []int{1, 2, 3} {
							c := append(slices.Clone(c0), float32(math.NaN()))
							av, bv := l.views(a, b, m, n, k)
							gemmWith(mk, blk, th, c, av, bv, nil, m, n, k, acc)
							what := fmt.Sprintf("%s threads=%d directAPanels=%d", path, th, direct)
							checkProduct(t, what, l, c, c0, a, b, m, n, k, acc)
							if first == nil {
								first = c
							} else if !slices.Equal(first[:m*n], c[:m*n]) {
								t.Fatalf("%v m=%d n=%d k=%d: %s differs bitwise from threads=1 with A packed", l, m, n, k, what)
							}
						}
					}
				}
			}
		})
	})
}

// TestMatMulRealBlocking runs shapes that straddle the real KC, MC and NR
// of the active path through the public API, and checks that 1 and 2
// threads agree bitwise.
func TestMatMulRealBlocking(t *testing.T) {
	mk := asm.GemmKernel()
	blk := blockings[mk.Path]
	r := rand.New(rand.NewPCG(3, 3))
	shapes := [][3]int{
		{blk.mc + 1, 2*blk.nr + 3, blk.kc + 1},
		{blk.mr + 1, 67, 2*blk.kc - 1},
		{1, 300, blk.kc + 7},
		{2*blk.mr - 1, 129, blk.kc},
		{97, 5, blk.kc + 3},
	}
	if !testing.Short() {
		shapes = append(shapes, [3]int{blk.mc + blk.mr + 1, blk.nc + blk.nr + 1, blk.kc + 5})
	}
	defer SetThreads(SetThreads(1))
	for _, l := range []layout{nn, nt, tn} {
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			for _, acc := range []bool{false, true} {
				a, b := randSlice(r, m*k), randSlice(r, k*n)
				c0 := randSlice(r, m*n)
				SetThreads(1)
				c1 := slices.Clone(c0)
				l.run(c1, a, b, m, n, k, acc)
				checkProduct(t, "threads=1", l, c1, c0, a, b, m, n, k, acc)
				SetThreads(2)
				c2 := slices.Clone(c0)
				l.run(c2, a, b, m, n, k, acc)
				if !slices.Equal(c1, c2) {
					t.Fatalf("%v m=%d n=%d k=%d acc=%v: 2 threads differ bitwise from 1", l, m, n, k, acc)
				}
			}
		}
	}
}

// TestMatMulZeroAllocs checks that steady-state products allocate nothing.
func TestMatMulZeroAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	for _, s := range [][3]int{{1, 512, 256}, {16, 512, 256}, {200, 300, 260}} {
		m, n, k := s[0], s[1], s[2]
		a, b, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
		for _, l := range []layout{nn, nt, tn} {
			l.run(c, a, b, m, n, k, false)
			if got := testing.AllocsPerRun(5, func() { l.run(c, a, b, m, n, k, true) }); got != 0 {
				t.Errorf("%v %v: %v allocations per call", l, s, got)
			}
		}
	}
}

func TestMatMulPanics(t *testing.T) {
	for _, f := range []func(){
		func() { MatMulNN(make([]float32, 4), make([]float32, 4), make([]float32, 3), 2, 2, 2, false) },
		func() { MatMulNT(make([]float32, 3), make([]float32, 4), make([]float32, 4), 2, 2, 2, false) },
		func() { MatMulTN(make([]float32, 4), make([]float32, 3), make([]float32, 4), 2, 2, 2, false) },
		func() { MatMulNN(nil, nil, nil, -1, 2, 2, false) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic on a bad shape")
				}
			}()
			f()
		}()
	}
}

// FuzzMatMul decodes a shape, a layout and a mode from the input and checks
// the product against the float64 reference on the current path.
func FuzzMatMul(f *testing.F) {
	f.Add(uint8(3), uint8(5), uint8(7), uint8(0), uint64(1))
	f.Add(uint8(1), uint8(33), uint8(17), uint8(5), uint64(2))
	f.Add(uint8(15), uint8(1), uint8(0), uint8(2), uint64(3))
	f.Fuzz(func(t *testing.T, m8, n8, k8, mode uint8, seed uint64) {
		m, n, k := int(m8%70), int(n8%70), int(k8%70)
		l := layout(mode % 3)
		acc := mode&4 != 0
		r := rand.New(rand.NewPCG(seed, 9))
		runCase(t, r, l, m, n, k, acc)
	})
}
