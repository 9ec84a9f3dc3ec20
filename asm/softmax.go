package asm

import "math"

// Softmax writes dst[i] = e^(x[i]-max) / Σ_j e^(x[j]-max) and returns the
// log of the normaliser, logZ = max + log Σ_j e^(x[j]-max), so that
// log softmax(x)[i] = x[i] - logZ. Subtracting the maximum first keeps every
// exponent ≤ 0, so nothing overflows and the sum is ≥ 1. dst may alias x
// (the same slice). An empty x returns -Inf and writes nothing.
//
// A row holding NaN or +Inf, or only -Inf, gives NaN everywhere (and a NaN
// logZ): like the reference, the kernels do not special-case them.
//
// The SIMD paths run three passes: the maximum, dst = e^(x−max) with its
// sum (the exp of Exp), and a scale by 1/sum.
func Softmax(dst, x []float32) (logZ float32) {
	if len(dst) < len(x) {
		panic(errShortDst)
	}
	return softmax(dst[:len(x)], x)
}

func softmaxGeneric(dst, x []float32) float32 {
	if len(x) == 0 {
		return float32(math.Inf(-1))
	}
	m := x[0]
	for _, v := range x[1:] {
		if v > m {
			m = v
		}
	}
	var sum float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		dst[i] = e
		sum += e
	}
	inv := 1 / sum
	for i := range dst {
		dst[i] *= inv
	}
	return m + float32(math.Log(float64(sum)))
}
