//go:build !amd64 || purego

package asm

// Without assembly both fast paths are the generic kernel; useAVX2 and
// useAVX512 are always false here, so these are never selected.
var (
	gemmKernelAVX2   = GemmKernelGeneric()
	gemmKernelAVX512 = GemmKernelGeneric()
)
