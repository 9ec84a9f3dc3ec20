//go:build !purego

package asm

// addAVX512 adds two rows; len(dst) == len(y) == len(x).
//
//	for i := range x {
//		dst[i] = x[i] + y[i]
//	}
//
//go:noescape
func addAVX512(dst, x, y []float32)

// addAVX2 is addAVX512 on ymm registers.
//
//go:noescape
func addAVX2(dst, x, y []float32)

// mulAVX512 multiplies two rows elementwise; len(dst) == len(y) == len(x).
//
//	for i := range x {
//		dst[i] = x[i] * y[i]
//	}
//
//go:noescape
func mulAVX512(dst, x, y []float32)

// mulAVX2 is mulAVX512 on ymm registers.
//
//go:noescape
func mulAVX2(dst, x, y []float32)

func add(dst, x, y []float32) {
	switch {
	case useAVX512:
		addAVX512(dst, x, y)
	case useAVX2:
		addAVX2(dst, x, y)
	default:
		addGeneric(dst, x, y)
	}
}

func mul(dst, x, y []float32) {
	switch {
	case useAVX512:
		mulAVX512(dst, x, y)
	case useAVX2:
		mulAVX2(dst, x, y)
	default:
		mulGeneric(dst, x, y)
	}
}
