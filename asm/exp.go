package asm

import "math"

// Exp computes dst[i] = e^x[i] for i < len(x). dst may alias x.
// Accuracy target for the SIMD paths: a few ulp over [-87, 88]; inputs below
// -87.3 give 0 (or a denormal), above 88.7 give +Inf, NaN stays NaN.
func Exp(dst, x []float32) {
	if len(dst) < len(x) {
		panic(errShortDst)
	}
	expGeneric(dst[:len(x)], x)
}

func expGeneric(dst, x []float32) {
	for i, v := range x {
		dst[i] = float32(math.Exp(float64(v)))
	}
}
