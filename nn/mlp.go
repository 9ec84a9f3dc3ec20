package nn

import (
	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/tensor"
)

// The Llama SwiGLU MLP (Shazeer 2020, "GLU Variants Improve Transformer"):
//
//	out += down( silu(gate(x)) ⊙ up(x) )
//
// gate_proj and up_proj are adjacent in the parameter slab, so they run as
// one fused GEMM with weight (2F, C) whose output rows are [gate | up].

// mlpForward adds the MLP's output to the residual stream:
//
//	x: (N, C); wgu: (2F, C) = [gate_proj; up_proj]; wdown: (C, F)
//	gu: (N, 2F) cache = [gate | up];  h: (N, F) cache = silu(gate)⊙up
//	out: (N, C) += h·wdownᵀ
func mlpForward(out, gu, h, x, wgu, wdown []float32, n, c, f int) {
	linearForward(gu, x, wgu, nil, n, c, 2*f)
	swigluForward(h, gu, n, f)
	tensor.MatMulNT(out, h, wdown, n, c, f, true)
}

// mlpBackward writes the input gradient of mlpForward into dx and
// accumulates its weight gradients into dwgu, dwdown; dgu (N, 2F) and dh
// (N, F) are scratch and are overwritten:
//
//	in the forward pass this was: out += swiglu(x·wguᵀ)·wdownᵀ
//	dx = ∂(Σ out·dout)/∂x  (overwritten, not accumulated)
func mlpBackward(dx, dwgu, dwdown, dgu, dh, dout, x, gu, h, wgu, wdown []float32, n, c, f int) {
	linearBackward(dh, dwdown, nil, dout, h, wdown, n, f, c, false)
	swigluBackward(dgu, dh, gu, n, f)
	linearBackward(dx, dwgu, nil, dgu, x, wgu, n, c, 2*f, false)
}

// swigluForward applies the gated activation row by row:
//
//	gu: (N, 2F) rows [gate | up]; h: (N, F)
//	h = silu(gate) ⊙ up,  silu(g) = g·σ(g)
func swigluForward(h, gu []float32, n, f int) {
	tensor.Parallel(n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row := gu[r*2*f : r*2*f+2*f]
			asm.SwiGLU(h[r*f:r*f+f], row[:f], row[f:])
		}
	})
}

// swigluBackward writes into dgu (N, 2F) rows [dgate | dup] (each row is
// cleared just before its kernel accumulates into it, while it is in cache):
//
//	in the forward pass this was: h = silu(gate) ⊙ up
//	dup   = dh·silu(gate)
//	dgate = dh·up·σ(g)·(1 + g·(1−σ(g)))
func swigluBackward(dgu, dh, gu []float32, n, f int) {
	tensor.Parallel(n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			row, drow := gu[r*2*f:r*2*f+2*f], dgu[r*2*f:r*2*f+2*f]
			clear(drow)
			asm.SwiGLUBackward(drow[:f], drow[f:], dh[r*f:r*f+f], row[:f], row[f:])
		}
	})
}
