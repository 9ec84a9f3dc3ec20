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

// BenchmarkGemmKernelDirectA runs one full tile with A read in place (k=256),
// row-major (lda = 384, a transformer activation) and column-major (lda =
// 384, the dY of a weight gradient), to compare with BenchmarkGemmKernel.
func BenchmarkGemmKernelDirectA(b *testing.B) {
	mk := GemmKernel()
	if !mk.DirectA() {
		b.Skipf("path %s has no in-place-A kernels", mk.Path)
	}
	const k, lda = 256, 384
	for _, col := range []bool{false, true} {
		name, rsa, csa := "rowA", lda, 1
		if col {
			name, rsa, csa = "colA", 1, lda
		}
		b.Run(name, func(b *testing.B) {
			a := make([]float32, (mk.MR-1)*rsa+(k-1)*csa+1)
			bb := make([]float32, k*mk.NR)
			c := make([]float32, mk.MR*mk.NR)
			for b.Loop() {
				mk.RunA(mk.MR, k, a, rsa, csa, bb, c, mk.NR, mk.NR, true)
			}
			b.ReportMetric(2*float64(k*mk.MR*mk.NR)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkTransposePanel6 packs one 6×256 A micro-panel from rows 1024
// floats apart (a 1024³ product's A block), with the current path and the
// pure-Go twin, in GB/s of packed data.
func BenchmarkTransposePanel6(b *testing.B) {
	const k, ld = 256, 1024
	src := make([]float32, 5*ld+k)
	dst := make([]float32, 6*k)
	for _, gen := range []bool{false, true} {
		name := Path()
		if gen {
			name = "generic"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if gen {
					transposePanelGeneric(6, dst, src, ld, 0, k)
				} else {
					TransposePanel6(dst, src, ld, k)
				}
			}
			b.ReportMetric(float64(4*6*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}
