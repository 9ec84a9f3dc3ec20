//go:build !purego

package asm

// mulScaleAVX512 writes the scaled elementwise product of two rows;
// len(dst) == len(w) == len(x).
//
//	for i, v := range x {
//		dst[i] = v * s * w[i]
//	}
//
//go:noescape
func mulScaleAVX512(dst, x, w []float32, s float32)

// mulScaleAVX2 is mulScaleAVX512 on ymm registers.
//
//go:noescape
func mulScaleAVX2(dst, x, w []float32, s float32)

// dot3AVX512 returns Σ x[i]·y[i]·z[i]; len(z) == len(y) == len(x).
//
//	var s float32
//	for i, v := range x {
//		s += v * y[i] * z[i] // the second product fused with the add
//	}
//	return s
//
//go:noescape
func dot3AVX512(x, y, z []float32) float32

// dot3AVX2 is dot3AVX512 on ymm registers.
//
//go:noescape
func dot3AVX2(x, y, z []float32) float32

// rmsNormBackwardAVX512 is the elementwise half of RMSNorm's backward pass;
// all slices have length len(x).
//
//	for i, v := range x {
//		dw[i] += dout[i] * v * rstd
//		dx[i] += rstd*w[i]*dout[i] - c*v
//	}
//
//go:noescape
func rmsNormBackwardAVX512(dx, dw, dout, x, w []float32, rstd, c float32)

// rmsNormBackwardAVX2 is rmsNormBackwardAVX512 on ymm registers.
//
//go:noescape
func rmsNormBackwardAVX2(dx, dw, dout, x, w []float32, rstd, c float32)

func rmsNorm(dst, x, w []float32, eps float32) float32 {
	if !useAVX2 || len(x) == 0 {
		return rmsNormGeneric(dst, x, w, eps)
	}
	rstd := rmsRstd(dot(x, x), len(x), eps)
	if useAVX512 {
		mulScaleAVX512(dst, x, w, rstd)
	} else {
		mulScaleAVX2(dst, x, w, rstd)
	}
	return rstd
}

func rmsNormBackward(dx, dw, dout, x, w []float32, rstd float32) {
	if !useAVX2 || len(x) == 0 {
		rmsNormBackwardGeneric(dx, dw, dout, x, w, rstd)
		return
	}
	if useAVX512 {
		c := rmsBackwardCoef(rstd, dot3AVX512(dout, w, x), len(x))
		rmsNormBackwardAVX512(dx, dw, dout, x, w, rstd, c)
	} else {
		c := rmsBackwardCoef(rstd, dot3AVX2(dout, w, x), len(x))
		rmsNormBackwardAVX2(dx, dw, dout, x, w, rstd, c)
	}
}
