package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rltrain/rltrain/asm"
)

// TestMatMulPacked checks the pre-packed operand against the float64
// reference and, for M > 1, bitwise against the unpacked product, on every
// path, for both source layouts, with small blocking that straddles KC/NC
// and with 1 and 2 threads.
func TestMatMulPacked(t *testing.T) {
	asm.ForEachPath(func(path string) {
		t.Run(path, func(t *testing.T) {
			r := rand.New(rand.NewPCG(5, 5))
			mk := asm.GemmKernel()
			small := blocking{mr: mk.MR, nr: mk.NR, kc: 8, mc: 2 * mk.MR, nc: 3 * mk.NR, ncSmall: 2 * mk.NR}
			for _, trans := range []bool{false, true} {
				l := nn
				if trans {
					l = nt
				}
				for _, s := range [][3]int{{1, 5, 3}, {1, 37, 40}, {2, 37, 19}, {13, 70, 29}, {32, 33, 17}, {7, 16, 1}, {40, 100, 300}} {
					m, n, k := s[0], s[1], s[2]
					a, b := randSlice(r, m*k), randSlice(r, k*n)
					pb := NewPackedB(b, n, k, trans)
					for _, acc := range []bool{false, true} {
						c0 := randSlice(r, m*n)
						got := append(slices.Clone(c0), float32(math.NaN()))
						MatMulPacked(got, a, pb, m, acc)
						checkProduct(t, path+" packed", l, got, c0, a, b, m, n, k, acc)
						if m > 1 {
							want := slices.Clone(c0)
							l.run(want, a, b, m, n, k, acc)
							if !slices.Equal(want, got[:m*n]) {
								t.Fatalf("%v %v acc=%v: packed differs bitwise from unpacked", l, s, acc)
							}
						}
						for _, direct := range []int{0, 1000} {
							small.directAPanels = direct
							var first []float32
							for _, th := range []int{1, 2} {
								c := append(slices.Clone(c0), float32(math.NaN()))
								gemmWith(mk, small, th, c, aView{d: a, ld: k}, bView{}, pb, m, n, k, acc)
								checkProduct(t, path+" packed small blocking", l, c, c0, a, b, m, n, k, acc)
								if first == nil {
									first = c
								} else if !slices.Equal(first[:m*n], c[:m*n]) {
									t.Fatalf("%v %v acc=%v directAPanels=%d: 2 threads differ bitwise from 1", l, s, acc, direct)
								}
								if m > packedSmallRows {
									continue
								}
								// The few-row driver with the same blocking
								// must equal the general one bitwise.
								cs := append(slices.Clone(c0), float32(math.NaN()))
								packedSmall(mk, small, th, cs, a, pb, m, acc)
								checkProduct(t, path+" packedSmall small blocking", l, cs, c0, a, b, m, n, k, acc)
								if !slices.Equal(cs[:m*n], c[:m*n]) {
									t.Fatalf("%v %v acc=%v threads=%d: packedSmall differs bitwise from gemmWith", l, s, acc, th)
								}
							}
						}
					}
				}
			}
		})
	})
}

// TestMatMulPackedOtherPath builds a PackedB on one path and uses it on
// another: the product must still be right (it falls back to the source).
func TestMatMulPackedOtherPath(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	m, n, k := 7, 45, 33
	a, b := randSlice(r, m*k), randSlice(r, k*n)
	pb := NewPackedB(b, n, k, true)
	defer asm.Disable("all")()
	c := make([]float32, m*n+1)
	c[m*n] = float32(math.NaN())
	MatMulPacked(c, a, pb, m, false)
	checkProduct(t, "generic after packing on "+pb.path, nt, c, nil, a, b, m, n, k, false)
}

func TestMatMulPackedZeroAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	m, n, k := 16, 512, 256
	a, b, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
	pb := NewPackedB(b, n, k, true)
	MatMulPacked(c, a, pb, m, false)
	if got := testing.AllocsPerRun(5, func() { MatMulPacked(c, a, pb, m, true) }); got != 0 {
		t.Errorf("%v allocations per call", got)
	}
}

// BenchmarkMatMulPackedDecode is a decode-step product x·Wᵀ with K = 512
// for 1…32 rows: N = 2752 (the M config's gate/up, 5.6 MB, cache-resident)
// and N = 32768 (64 MB, streamed from memory like a whole M model's
// weights), GFLOP/s and the weight stream in GB/s.
func BenchmarkMatMulPackedDecode(b *testing.B) {
	r := rand.New(rand.NewPCG(8, 8))
	const k = 512
	for _, n := range []int{2752, 32768} {
		w := randSlice(r, n*k)
		pb := NewPackedB(w, n, k, true)
		for _, m := range []int{1, 4, 16, 32} {
			a, c := randSlice(r, m*k), make([]float32, m*n)
			b.Run(fmt.Sprintf("n=%d/m=%d", n, m), func(b *testing.B) {
				for b.Loop() {
					MatMulPacked(c, a, pb, m, false)
				}
				s := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(2*float64(m*n*k)/s/1e9, "GFLOP/s")
				b.ReportMetric(float64(4*n*k)/s/1e9, "GB/s")
			})
		}
	}
}
