//go:build !amd64 || purego

package asm

func rmsNorm(dst, x, w []float32, eps float32) float32 { return rmsNormGeneric(dst, x, w, eps) }

func rmsNormBackward(dx, dw, dout, x, w []float32, rstd float32) {
	rmsNormBackwardGeneric(dx, dw, dout, x, w, rstd)
}
