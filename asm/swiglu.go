package asm

import "math"

// SwiGLU computes dst[i] = silu(gate[i])·up[i] with silu(g) = g·σ(g), the
// Llama MLP's gated activation. dst may alias gate or up (the same slice).
//
// The SIMD paths compute silu(g) = g / (1 + e^−g) with the exp of Exp and
// an IEEE division; for g < −88.7 they return ±0 where the exact value is a
// subnormal (|silu(g)| < 1e-36).
func SwiGLU(dst, gate, up []float32) {
	if len(up) < len(gate) {
		panic(errShortY)
	}
	if len(dst) < len(gate) {
		panic(errShortDst)
	}
	swiglu(dst[:len(gate)], gate, up[:len(gate)])
}

func sigmoid(g float32) float32 { return float32(1 / (1 + math.Exp(-float64(g)))) }

func swigluGeneric(dst, gate, up []float32) {
	for i, g := range gate {
		dst[i] = g * sigmoid(g) * up[i]
	}
}

// SwiGLUBackward accumulates the gradients of SwiGLU:
//
//	in the forward pass this was: out = g·σ(g)·u
//	dup[i]   += dout[i]·g·σ(g)
//	dgate[i] += dout[i]·u·σ(g)·(1 + g·(1−σ(g)))
//
// All slices have length len(gate).
func SwiGLUBackward(dgate, dup, dout, gate, up []float32) {
	n := len(gate)
	if len(dgate) != n || len(dup) != n || len(dout) != n || len(up) != n {
		panic(errLengths)
	}
	swigluBackward(dgate, dup, dout, gate, up)
}

func swigluBackwardGeneric(dgate, dup, dout, gate, up []float32) {
	for i, g := range gate {
		s := sigmoid(g)
		dup[i] += dout[i] * g * s
		dgate[i] += dout[i] * up[i] * s * (1 + g*(1-s))
	}
}
