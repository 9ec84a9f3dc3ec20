package asm

// Dot returns Σ x[i]·y[i] over i < len(x). len(y) must be ≥ len(x).
//
// The SIMD paths keep several vector partial sums and add them up at the
// end, so the result differs from a left-to-right sum by rounding only
// (bounded by about len(x)·ε₃₂·Σ|x[i]·y[i]|); for a given path and length it
// is deterministic.
func Dot(x, y []float32) float32 {
	if len(y) < len(x) {
		panic(errShortY)
	}
	return dot(x, y[:len(x)])
}

// dotGeneric is the reference: four partial sums, combined at the end, so
// that it rounds like the SIMD versions more often than a single chain does.
func dotGeneric(x, y []float32) float32 {
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(x); i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < len(x); i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}
