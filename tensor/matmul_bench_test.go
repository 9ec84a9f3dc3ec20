package tensor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkMatMul runs the shapes in the NN and NT layouts on the
// current thread count and reports GFLOP/s (and GB/s for decode shapes).
func BenchmarkMatMul(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range BenchShapes() {
		for _, l := range []layout{nn, nt, tn} {
			b.Run(fmt.Sprintf("%v/%dx%dx%d", l, s.M, s.N, s.K), func(b *testing.B) {
				a, bm, c := randSlice(r, s.M*s.K), randSlice(r, s.K*s.N), make([]float32, s.M*s.N)
				l.run(c, a, bm, s.M, s.N, s.K, false)
				b.ResetTimer()
				for b.Loop() {
					l.run(c, a, bm, s.M, s.N, s.K, false)
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(s.FLOPs()/sec/1e9, "GFLOP/s")
				if s.IsDecode() {
					b.ReportMetric(s.Bytes()/sec/1e9, "GB/s")
				}
			})
		}
	}
}
