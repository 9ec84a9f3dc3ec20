//go:build !amd64 || purego

package asm

// Without assembly both fast paths are the generic kernel; useAVX2 and
// useAVX512 are always false here, so these are never selected.
var (
	gemmKernelAVX2   = GemmKernelGeneric()
	gemmKernelAVX512 = GemmKernelGeneric()
)

func copyBlocks16(dst, src []float32, n, dstStride, srcStride int) {
	copyBlocks16Generic(dst, src, n, dstStride, srcStride)
}

func copyBlocks6(dst, src []float32, n, dstStride, srcStride int) {
	copyBlocks6Generic(dst, src, n, dstStride, srcStride)
}

func transposeKernel(rows int) func(dst, src *float32, ld, kblocks int) { return nil }
