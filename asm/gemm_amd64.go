//go:build !purego

package asm

// gemmAVX2 computes one tile of at most 6×16 with ymm FMAs (see Microkernel):
//
//	for i < mr, j < 16: s := Σ_p a[p*mr+i]·b[p*ldb+j]; c[i*ldc+j] = s (or += s when acc)
//
//go:noescape
func gemmAVX2(mr, k int, a, b, c *float32, ldb, ldc int, acc bool)

// gemmAVX512 computes one tile of at most 14×32 with zmm FMAs and embedded
// broadcasts of A; same contract as gemmAVX2 with 32 columns.
//
//go:noescape
func gemmAVX512(mr, k int, a, b, c *float32, ldb, ldc int, acc bool)

var (
	gemmKernelAVX2 = Microkernel{Path: FeatureAVX2, MR: 6, NR: 16, run: func(mr, k int, a, b, c []float32, ldb, ldc int, acc bool) {
		gemmAVX2(mr, k, &a[0], &b[0], &c[0], ldb, ldc, acc)
	}}
	gemmKernelAVX512 = Microkernel{Path: FeatureAVX512, MR: 14, NR: 32, run: func(mr, k int, a, b, c []float32, ldb, ldc int, acc bool) {
		gemmAVX512(mr, k, &a[0], &b[0], &c[0], ldb, ldc, acc)
	}}
)
