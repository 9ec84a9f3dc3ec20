//go:build !purego

package asm

// swigluAVX512 is the SwiGLU activation; len(dst) == len(up) == len(gate).
//
//	for i, g := range gate {
//		dst[i] = g / (1 + exp(-g)) * up[i] // exp as in expAVX512
//	}
//
//go:noescape
func swigluAVX512(dst, gate, up []float32)

// swigluAVX2 is swigluAVX512 on ymm registers.
//
//go:noescape
func swigluAVX2(dst, gate, up []float32)

// swigluBackwardAVX512 accumulates SwiGLU's gradients; all slices have
// length len(gate).
//
//	for i, g := range gate {
//		s := 1 / (1 + exp(-g))
//		dup[i] += dout[i] * g * s
//		dgate[i] += dout[i] * up[i] * s * (1 + g*(1-s))
//	}
//
//go:noescape
func swigluBackwardAVX512(dgate, dup, dout, gate, up []float32)

// swigluBackwardAVX2 is swigluBackwardAVX512 on ymm registers.
//
//go:noescape
func swigluBackwardAVX2(dgate, dup, dout, gate, up []float32)

func swiglu(dst, gate, up []float32) {
	switch {
	case useAVX512:
		swigluAVX512(dst, gate, up)
	case useAVX2:
		swigluAVX2(dst, gate, up)
	default:
		swigluGeneric(dst, gate, up)
	}
}

func swigluBackward(dgate, dup, dout, gate, up []float32) {
	switch {
	case useAVX512:
		swigluBackwardAVX512(dgate, dup, dout, gate, up)
	case useAVX2:
		swigluBackwardAVX2(dgate, dup, dout, gate, up)
	default:
		swigluBackwardGeneric(dgate, dup, dout, gate, up)
	}
}
