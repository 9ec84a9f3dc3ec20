//go:build !purego

package asm

import "math"

// maxAVX512 returns the largest element of x, or -Inf for an empty x.
//
//	m := float32(math.Inf(-1))
//	for _, v := range x {
//		m = max(m, v) // VMAXPS: which NaN wins is unspecified
//	}
//	return m
//
//go:noescape
func maxAVX512(x []float32) float32

// maxAVX2 is maxAVX512 on ymm registers.
//
//go:noescape
func maxAVX2(x []float32) float32

// expSubSumAVX512 writes dst[i] = e^(x[i]−m) and returns their sum;
// len(dst) == len(x).
//
//	var s float32
//	for i, v := range x {
//		dst[i] = exp(v - m) // as in expAVX512
//		s += dst[i]
//	}
//	return s
//
//go:noescape
func expSubSumAVX512(dst, x []float32, m float32) float32

// expSubSumAVX2 is expSubSumAVX512 on ymm registers.
//
//go:noescape
func expSubSumAVX2(dst, x []float32, m float32) float32

func softmax(dst, x []float32) float32 {
	if !useAVX2 || len(x) == 0 {
		return softmaxGeneric(dst, x)
	}
	var m, sum float32
	if useAVX512 {
		m = maxAVX512(x)
		sum = expSubSumAVX512(dst, x, m)
	} else {
		m = maxAVX2(x)
		sum = expSubSumAVX2(dst, x, m)
	}
	scale(1/sum, dst)
	return m + float32(math.Log(float64(sum)))
}
