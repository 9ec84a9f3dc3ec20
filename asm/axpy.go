package asm

// Axpy computes y[i] += alpha·x[i] for i < len(x). len(y) must be ≥ len(x).
// The SIMD paths use a fused multiply-add (one rounding instead of two).
func Axpy(alpha float32, x, y []float32) {
	if len(y) < len(x) {
		panic(errShortY)
	}
	axpy(alpha, x, y[:len(x)])
}

func axpyGeneric(alpha float32, x, y []float32) {
	for i, v := range x {
		y[i] += alpha * v
	}
}

// Scale computes x[i] *= alpha.
func Scale(alpha float32, x []float32) {
	scale(alpha, x)
}

func scaleGeneric(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}
