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

// gemmAVX2RowA is gemmAVX2 reading A in place from a row-major matrix:
// element (i,p) of the tile's A is a[i*lda+p] (see Microkernel.RunRowA).
//
//go:noescape
func gemmAVX2RowA(mr, k int, a, b, c *float32, lda, ldb, ldc int, acc bool)

// gemmAVX2ColA is gemmAVX2 reading A in place from a column-major matrix:
// element (i,p) of the tile's A is a[p*lda+i] (see Microkernel.RunA).
//
//go:noescape
func gemmAVX2ColA(mr, k int, a, b, c *float32, lda, ldb, ldc int, acc bool)

var (
	gemmKernelAVX2 = Microkernel{Path: FeatureAVX2, MR: 6, NR: 16, run: func(mr, k int, a, b, c []float32, ldb, ldc int, acc bool) {
		gemmAVX2(mr, k, &a[0], &b[0], &c[0], ldb, ldc, acc)
	}, runRowA: func(mr, k int, a []float32, lda int, b, c []float32, ldb, ldc int, acc bool) {
		gemmAVX2RowA(mr, k, &a[0], &b[0], &c[0], lda, ldb, ldc, acc)
	}, runColA: func(mr, k int, a []float32, lda int, b, c []float32, ldb, ldc int, acc bool) {
		gemmAVX2ColA(mr, k, &a[0], &b[0], &c[0], lda, ldb, ldc, acc)
	}}
	gemmKernelAVX512 = Microkernel{Path: FeatureAVX512, MR: 14, NR: 32, run: func(mr, k int, a, b, c []float32, ldb, ldc int, acc bool) {
		gemmAVX512(mr, k, &a[0], &b[0], &c[0], ldb, ldc, acc)
	}}
)

// copyBlocks16AVX copies n blocks of 16 floats (see CopyBlocks16); strides
// in floats, n ≥ 0.
//
//go:noescape
func copyBlocks16AVX(dst, src *float32, n, dstStride, srcStride int)

func copyBlocks16(dst, src []float32, n, dstStride, srcStride int) {
	if useAVX2 || useAVX512 {
		copyBlocks16AVX(&dst[0], &src[0], n, dstStride, srcStride)
		return
	}
	copyBlocks16Generic(dst, src, n, dstStride, srcStride)
}

// transposePanel16AVX packs 8·kblocks k steps of a 16-row transposed B
// panel (see TransposePanel16); kblocks ≥ 1.
//
//go:noescape
func transposePanel16AVX(dst, src *float32, ld, kblocks int)

// transposePanel6AVX packs 8·kblocks k steps of a 6-row A micro-panel
// (see TransposePanel6); kblocks ≥ 1.
//
//go:noescape
func transposePanel6AVX(dst, src *float32, ld, kblocks int)

// transposeKernel returns the assembly panel transpose for a rows-row
// panel (16: transposePanel16AVX, 6: transposePanel6AVX), or nil when the
// generic twin must run.
func transposeKernel(rows int) func(dst, src *float32, ld, kblocks int) {
	if !useAVX2 && !useAVX512 {
		return nil
	}
	switch rows {
	case 16:
		return transposePanel16AVX
	case 6:
		return transposePanel6AVX
	}
	return nil
}

// copyBlocks6AVX copies n blocks of 6 floats (see CopyBlocks6); strides in
// floats, n ≥ 0.
//
//go:noescape
func copyBlocks6AVX(dst, src *float32, n, dstStride, srcStride int)

func copyBlocks6(dst, src []float32, n, dstStride, srcStride int) {
	if useAVX2 || useAVX512 {
		copyBlocks6AVX(&dst[0], &src[0], n, dstStride, srcStride)
		return
	}
	copyBlocks6Generic(dst, src, n, dstStride, srcStride)
}
