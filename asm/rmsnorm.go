package asm

import "math"

// RMSNorm normalises one row: dst[i] = x[i]·rstd·w[i] with
// rstd = 1/sqrt(mean(x²) + eps), and returns rstd for the backward pass.
// dst may alias x (the same slice). An empty row returns 0.
//
// Σx² is accumulated in float32 (by Dot on the SIMD paths); rstd itself is
// computed in float64 and rounded once.
func RMSNorm(dst, x, w []float32, eps float32) (rstd float32) {
	if len(dst) < len(x) {
		panic(errShortDst)
	}
	if len(w) < len(x) {
		panic(errShortW)
	}
	return rmsNorm(dst[:len(x)], x, w[:len(x)], eps)
}

// rmsRstd is 1/sqrt(ss/n + eps) for a row of n elements whose squares sum to ss.
func rmsRstd(ss float32, n int, eps float32) float32 {
	return float32(1 / math.Sqrt(float64(ss/float32(n)+eps)))
}

func rmsNormGeneric(dst, x, w []float32, eps float32) float32 {
	if len(x) == 0 {
		return 0
	}
	var ss float32
	for _, v := range x {
		ss += v * v
	}
	rstd := rmsRstd(ss, len(x), eps)
	for i, v := range x {
		dst[i] = v * rstd * w[i]
	}
	return rstd
}

// RMSNormBackward accumulates the gradients of one RMSNorm row:
//
//	in the forward pass this was: out[i] = x[i]·rstd·w[i]
//	dw[i] += dout[i]·x[i]·rstd
//	dx[i] += rstd·(w[i]·dout[i] − x[i]·rstd²·(Σ_j dout[j]·w[j]·x[j])/n)
//
// All slices have the row length n = len(x). The SIMD paths compute the sum
// with one pass (partial sums in vectors), then update dw and dx in a second.
func RMSNormBackward(dx, dw, dout, x, w []float32, rstd float32) {
	n := len(x)
	if len(dx) != n || len(dw) != n || len(dout) != n || len(w) != n {
		panic(errLengths)
	}
	rmsNormBackward(dx, dw, dout, x, w, rstd)
}

// rmsBackwardCoef is c = rstd³·Σ(dout·w·x)/n, the coefficient of x[i] in dx[i].
func rmsBackwardCoef(rstd, dot float32, n int) float32 {
	return rstd * rstd * rstd * dot / float32(n)
}

func rmsNormBackwardGeneric(dx, dw, dout, x, w []float32, rstd float32) {
	n := len(x)
	if n == 0 {
		return
	}
	var dot float32
	for i, v := range x {
		dot += dout[i] * w[i] * v
	}
	c := rmsBackwardCoef(rstd, dot, n)
	for i, v := range x {
		dw[i] += dout[i] * v * rstd
		dx[i] += rstd*w[i]*dout[i] - c*v
	}
}
