package asm

// Add computes dst[i] = x[i] + y[i] for i < len(x). dst may alias x or y
// (the same slice, not a shifted one).
func Add(dst, x, y []float32) {
	if len(y) < len(x) {
		panic(errShortY)
	}
	if len(dst) < len(x) {
		panic(errShortDst)
	}
	add(dst[:len(x)], x, y[:len(x)])
}

func addGeneric(dst, x, y []float32) {
	for i := range x {
		dst[i] = x[i] + y[i]
	}
}

// Mul computes dst[i] = x[i] · y[i] for i < len(x). dst may alias x or y
// (the same slice, not a shifted one).
func Mul(dst, x, y []float32) {
	if len(y) < len(x) {
		panic(errShortY)
	}
	if len(dst) < len(x) {
		panic(errShortDst)
	}
	mul(dst[:len(x)], x, y[:len(x)])
}

func mulGeneric(dst, x, y []float32) {
	for i := range x {
		dst[i] = x[i] * y[i]
	}
}
