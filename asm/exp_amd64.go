//go:build !purego

package asm

// expAVX512 computes e^x elementwise; len(dst) == len(x).
//
//	for i, v := range x {
//		dst[i] = float32(math.Exp(float64(v))) // within 2 ulp, see Exp
//	}
//
//go:noescape
func expAVX512(dst, x []float32)

// expAVX2 is expAVX512 on ymm registers.
//
//go:noescape
func expAVX2(dst, x []float32)

func exp(dst, x []float32) {
	switch {
	case useAVX512:
		expAVX512(dst, x)
	case useAVX2:
		expAVX2(dst, x)
	default:
		expGeneric(dst, x)
	}
}
