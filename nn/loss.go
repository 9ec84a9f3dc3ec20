package nn

import (
	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/tensor"
)

// The LM head and the per-token log-probabilities at a temperature τ, over
// the full vocabulary:
//
//	z = (xf·Wᵀ)/τ              logits of the scored rows, (M, V)
//	logZ = log Σ_k e^{z_k}      (max-subtracted inside asm.Softmax)
//	logp = z[target] − logZ
//	H = −Σ_k p_k log p_k = logZ − Σ_k p_k z_k
//
// The logits are never materialised for all M rows at once: rows are taken
// in chunks of at most `rows` (one (rows, V) buffer, reused), and Backward
// recomputes each chunk's logits rather than keeping them. That costs one
// extra (M, C, V) GEMM but keeps memory flat in M, which matters for large
// vocabularies (Qwen2: V = 151,936).

// lmHeadForward computes logp (M) and, when ent is not nil, the entropy (M):
//
//	xf: (M, C) final-normed hidden states; w: (V, C) lm_head.weight
//	targets: (M); invT = 1/τ; logits: the chunk buffer, grown to ≤ rows·V
func lmHeadForward(logp, ent, xf, w []float32, targets []int32, m, c, v int, invT float32, rows int,
	logits *[]float32, wb *workerBufs) {
	for r0 := 0; r0 < m; r0 += rows {
		nr := min(rows, m-r0)
		z := grow(logits, nr*v)
		tensor.MatMulNT(z, xf[r0*c:(r0+nr)*c], w, nr, v, c, false)
		bufs := wb.get(numWorkers(nr), v)
		parallelFor(nr, func(wk, lo, hi int) {
			p := bufs[wk]
			for r := lo; r < hi; r++ {
				zr := z[r*v : r*v+v]
				if invT != 1 {
					asm.Scale(invT, zr)
				}
				lz := asm.Softmax(p, zr)
				logp[r0+r] = zr[targets[r0+r]] - lz
				if ent != nil {
					ent[r0+r] = lz - asm.Dot(p, zr)
				}
			}
		})
	}
}

// lmHeadBackward accumulates into dxf (M, C) and dw (V, C) the gradient of
// L given dL/dlogp (M) and, when dent is not nil, dL/dH (M).
//
// kept says that *logits still holds the scaled logits z of all M rows from
// lmHeadForward (M ≤ rows, one chunk): the GEMM that recomputes them is then
// skipped (same values bitwise: the product is deterministic). The buffer is
// overwritten with dz either way, so kept holds for one call only.
//
//	in the forward pass this was: logp = z[target] − logZ;  H = logZ − Σ p·z;  z = xf·Wᵀ/τ
//	dz_k = g·(δ_{k,target} − p_k) − e·p_k·(log p_k + H)     (g = dL/dlogp, e = dL/dH)
//	dlogits = dz/τ;  dxf += dlogits·W;  dW += dlogitsᵀ·xf
func lmHeadBackward(dxf, dw, dlogp, dent, xf, w []float32, targets []int32, m, c, v int, invT float32,
	rows int, logits *[]float32, wb *workerBufs, kept bool) {
	if kept && (m > rows || len(*logits) < m*v) {
		panic(errNotKept)
	}
	for r0 := 0; r0 < m; r0 += rows {
		nr := min(rows, m-r0)
		z := grow(logits, nr*v)
		if !kept {
			tensor.MatMulNT(z, xf[r0*c:(r0+nr)*c], w, nr, v, c, false)
		}
		bufs := wb.get(numWorkers(nr), v)
		parallelFor(nr, func(wk, lo, hi int) {
			p := bufs[wk]
			for r := lo; r < hi; r++ {
				zr := z[r*v : r*v+v]
				if invT != 1 && !kept {
					asm.Scale(invT, zr)
				}
				lz := asm.Softmax(p, zr)
				g := dlogp[r0+r]
				var e float32
				if dent != nil {
					e = dent[r0+r]
				}
				if e == 0 {
					// dz = g·(onehot − p)
					for k, pk := range p {
						zr[k] = -g * pk
					}
				} else {
					h := lz - asm.Dot(p, zr)
					for k, pk := range p {
						zr[k] = -pk * (g + e*(zr[k]-lz+h))
					}
				}
				zr[targets[r0+r]] += g
				if invT != 1 {
					asm.Scale(invT, zr)
				}
			}
		})
		tensor.MatMulNN(dxf[r0*c:(r0+nr)*c], z, w, nr, c, v, true)
		tensor.MatMulTN(dw, z, xf[r0*c:(r0+nr)*c], v, c, nr, true)
	}
}

// errNotKept: lmHeadBackward was told the logits were kept when they cannot be.
const errNotKept = "nn: lmHeadBackward kept logits need one chunk holding all rows"
