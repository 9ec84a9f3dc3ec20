package asm

// FMAPeakLoop runs iters iterations of a register-only FMA-throughput loop on
// the current path and returns the floating-point operations it performed
// (2 per lane per FMA). Timing it gives the core's measured FMA peak, the
// yardstick for SGEMM efficiency. On the generic path it runs a scalar Go
// loop with the same chain structure, which measures what the fallback can
// reach, not the hardware.
func FMAPeakLoop(iters int) (flops int) {
	if iters <= 0 {
		return 0
	}
	switch {
	case useAVX512:
		fmaPeakAVX512(iters)
		return iters * fmaPeakChainsAVX512 * 16 * 2
	case useAVX2:
		fmaPeakAVX2(iters)
		return iters * fmaPeakChainsAVX2 * 8 * 2
	}
	peakSink = fmaPeakGeneric(iters)
	return iters * 8 * 2
}

// Chain counts of the generated loops (asm/_gen/peak.go).
const (
	fmaPeakChainsAVX2   = 12
	fmaPeakChainsAVX512 = 24
)

var peakSink float32

// fmaPeakGeneric runs eight independent multiply-add chains.
func fmaPeakGeneric(iters int) float32 {
	var a0, a1, a2, a3, a4, a5, a6, a7 float32
	x, y := float32(0.999), float32(1e-3)
	for i := 0; i < iters; i++ {
		a0 = a0*x + y
		a1 = a1*x + y
		a2 = a2*x + y
		a3 = a3*x + y
		a4 = a4*x + y
		a5 = a5*x + y
		a6 = a6*x + y
		a7 = a7*x + y
	}
	return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7
}
