package nn

import (
	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/tensor"
)

// rmsnormForward normalises each row (Llama RMSNorm, no mean subtraction,
// no bias):
//
//	x: (N, C); w: (C); out: (N, C); rstd: (N) cache for the backward pass
//	out[r] = x[r] · rstd[r] · w,  rstd[r] = 1/sqrt(mean(x[r]²) + eps)
func rmsnormForward(out, rstd, x, w []float32, n, c int, eps float32) {
	tensor.Parallel(n, func(lo, hi int) {
		for r := lo; r < hi; r++ {
			rstd[r] = asm.RMSNorm(out[r*c:r*c+c], x[r*c:r*c+c], w[:c], eps)
		}
	})
}

// rmsnormBackward accumulates the gradients of rmsnormForward:
//
//	in the forward pass this was: out[r] = x[r] · rstd[r] · w
//	dx[r] += rstd·(w⊙dout[r]) − x[r]·rstd³·(Σ dout[r]⊙w⊙x[r])/C
//	dw    += Σ_r dout[r] ⊙ x[r] · rstd[r]
//
// dw is a reduction over rows, so rows are walked serially in order (the
// cost is O(N·C), negligible beside the GEMMs) and the result is the same
// for every thread count.
func rmsnormBackward(dx, dw, dout, x, w, rstd []float32, n, c int) {
	for r := 0; r < n; r++ {
		asm.RMSNormBackward(dx[r*c:r*c+c], dw[:c], dout[r*c:r*c+c], x[r*c:r*c+c], w[:c], rstd[r])
	}
}
