//go:build !purego

package asm

// fmaPeakAVX2 runs n iterations of 12 independent ymm FMAs (no memory access).
//
//go:noescape
func fmaPeakAVX2(n int)

// fmaPeakAVX512 runs n iterations of 24 independent zmm FMAs (no memory access).
//
//go:noescape
func fmaPeakAVX512(n int)
