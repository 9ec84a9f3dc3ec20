//go:build !purego

package asm

// ropeAVX512 is RoPE's rotation (see RoPE); all slices have len(c).
//
//	d1[i] = x1[i]·c[i] − x2[i]·s[i];  d2[i] = x2[i]·c[i] + x1[i]·s[i]
//
//go:noescape
func ropeAVX512(d1, d2, x1, x2, c, s []float32)

// ropeAVX2 is ropeAVX512 on ymm registers.
//
//go:noescape
func ropeAVX2(d1, d2, x1, x2, c, s []float32)

func rope(d1, d2, x1, x2, c, s []float32) {
	switch {
	case useAVX512:
		ropeAVX512(d1, d2, x1, x2, c, s)
	case useAVX2:
		ropeAVX2(d1, d2, x1, x2, c, s)
	default:
		ropeGeneric(d1, d2, x1, x2, c, s)
	}
}
