package asm

// Axpy computes y[i] += alpha·x[i] for i < len(x). len(y) must be ≥ len(x).
func Axpy(alpha float32, x, y []float32) {
	if len(y) < len(x) {
		panic(errShortY)
	}
	axpyGeneric(alpha, x, y[:len(x)])
}

func axpyGeneric(alpha float32, x, y []float32) {
	for i, v := range x {
		y[i] += alpha * v
	}
}

// Scale computes x[i] *= alpha.
func Scale(alpha float32, x []float32) {
	scaleGeneric(alpha, x)
}

func scaleGeneric(alpha float32, x []float32) {
	for i := range x {
		x[i] *= alpha
	}
}
