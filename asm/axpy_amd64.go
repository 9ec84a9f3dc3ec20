//go:build !purego

package asm

// axpyAVX512 adds alpha·x to y; len(y) == len(x).
//
//	for i, v := range x {
//		y[i] += alpha * v // one FMA
//	}
//
//go:noescape
func axpyAVX512(alpha float32, x, y []float32)

// axpyAVX2 is axpyAVX512 on ymm registers.
//
//go:noescape
func axpyAVX2(alpha float32, x, y []float32)

// scaleAVX512 multiplies x by alpha in place.
//
//	for i := range x {
//		x[i] *= alpha
//	}
//
//go:noescape
func scaleAVX512(alpha float32, x []float32)

// scaleAVX2 is scaleAVX512 on ymm registers.
//
//go:noescape
func scaleAVX2(alpha float32, x []float32)

func axpy(alpha float32, x, y []float32) {
	switch {
	case useAVX512:
		axpyAVX512(alpha, x, y)
	case useAVX2:
		axpyAVX2(alpha, x, y)
	default:
		axpyGeneric(alpha, x, y)
	}
}

func scale(alpha float32, x []float32) {
	switch {
	case useAVX512:
		scaleAVX512(alpha, x)
	case useAVX2:
		scaleAVX2(alpha, x)
	default:
		scaleGeneric(alpha, x)
	}
}
