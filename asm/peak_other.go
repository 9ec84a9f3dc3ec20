//go:build !amd64 || purego

package asm

// Never called: useAVX2 and useAVX512 are false without assembly.
func fmaPeakAVX2(n int)   { peakSink = fmaPeakGeneric(n) }
func fmaPeakAVX512(n int) { peakSink = fmaPeakGeneric(n) }
