package asm

import "testing"

// BenchmarkGemmKernel runs one full tile on L1-resident panels (k=256):
// the micro-kernel's own ceiling, to compare with BenchmarkFMAPeak.
func BenchmarkGemmKernel(b *testing.B) {
	mk := GemmKernel()
	const k = 256
	a := make([]float32, k*mk.MR)
	bb := make([]float32, k*mk.NR)
	c := make([]float32, mk.MR*mk.NR)
	for b.Loop() {
		mk.Run(mk.MR, k, a, bb, c, mk.NR, mk.NR, true)
	}
	b.ReportMetric(2*float64(k*mk.MR*mk.NR)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
