package asm

import "math"

// RMSNorm normalises one row: dst[i] = x[i]·rstd·w[i] with
// rstd = 1/sqrt(mean(x²) + eps), and returns rstd for the backward pass.
// dst may alias x.
func RMSNorm(dst, x, w []float32, eps float32) (rstd float32) {
	if len(dst) < len(x) {
		panic(errShortDst)
	}
	if len(w) < len(x) {
		panic(errShortW)
	}
	return rmsNormGeneric(dst[:len(x)], x, w[:len(x)], eps)
}

func rmsNormGeneric(dst, x, w []float32, eps float32) float32 {
	if len(x) == 0 {
		return 0
	}
	var ss float32
	for _, v := range x {
		ss += v * v
	}
	rstd := float32(1 / math.Sqrt(float64(ss/float32(len(x))+eps)))
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
// All slices have the row length n = len(x).
func RMSNormBackward(dx, dw, dout, x, w []float32, rstd float32) {
	n := len(x)
	if len(dx) != n || len(dw) != n || len(dout) != n || len(w) != n {
		panic(errLengths)
	}
	rmsNormBackwardGeneric(dx, dw, dout, x, w, rstd)
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
	c := rstd * rstd * rstd * dot / float32(n)
	for i, v := range x {
		dw[i] += dout[i] * v * rstd
		dx[i] += rstd*w[i]*dout[i] - c*v
	}
}
