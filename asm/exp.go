package asm

import "math"

// Exp computes dst[i] = e^x[i] for i < len(x). dst may alias x (the same
// slice, not a shifted one).
//
// The SIMD paths reduce the range as e^x = 2^n·e^r with n = round(x·log₂e)
// and r = x − n·ln2 (|r| ≤ ln2/2, ln2 split in two parts so r is exact to
// a few bits below float32 precision), evaluate e^r with a degree-6
// polynomial fitted to the relative error, and scale by 2^n in two
// power-of-two factors so that subnormal results come out right. Against
// the correctly rounded result they are within 1 ulp (measured on every
// 5th float32 in [−104, 89]: 99.2% exact; the tests allow 2), and:
//
//	x > 88.7228 (ln MaxFloat32)      +Inf
//	x = +Inf                         +Inf
//	-103.97 < x < -87.3365           a subnormal, rounded once
//	x ≤ -103.98, x = -Inf            0
//	x = NaN                          NaN
//	x = 0                            exactly 1
func Exp(dst, x []float32) {
	if len(dst) < len(x) {
		panic(errShortDst)
	}
	exp(dst[:len(x)], x)
}

// expGeneric is the reference: float64 math.Exp rounded to float32, which is
// correctly rounded except in rare double-rounding cases.
func expGeneric(dst, x []float32) {
	for i, v := range x {
		dst[i] = float32(math.Exp(float64(v)))
	}
}
