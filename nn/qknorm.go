package nn

import "github.com/rltrain/rltrain/asm"

// Per-head q/k RMSNorm (Qwen3, "QK-norm": Dehghani et al. 2023, "Scaling
// Vision Transformers to 22 Billion Parameters", in the RMSNorm form Qwen3
// uses): after the q/k/v projection (and its biases) and before RoPE, every
// head vector of q is normalised with one shared (HS) weight q_norm, and
// every head vector of k with k_norm. v is left alone:
//
//	q[r, h] = rmsnorm(qraw[r, h]; q_norm),  k[r, h] = rmsnorm(kraw[r, h]; k_norm)
//
// It bounds the attention logits whatever the projections' scale. The
// generator applies the same asm.RMSNorm row kernel to the same vectors
// (qkvRows in generate_forward.go), so sampled and scored log-probs agree.

// qkNormForward normalises the q and k heads of the fused projection output
// in place, keeping the raw heads and their inverse RMS for the backward:
//
//	qkv: (N, NH·HS + 2·NKV·HS) rows [q | k | v], q and k parts normalised in place
//	raw: (N, NH·HS + NKV·HS) the q and k parts before the norm
//	rstd: (N, NH + NKV) one inverse RMS per (row, head), q heads first
//	qw, kw: (HS)
func qkNormForward(qkv, raw, rstd, qw, kw []float32, n int, d attnDims, eps float32) {
	hs, w, nqk := d.hs, d.qkvDim(), d.nh+d.nkv
	rw := nqk * hs
	parallelFor(n, func(_, lo, hi int) {
		for r := lo; r < hi; r++ {
			row, rr := qkv[r*w:r*w+rw], raw[r*rw:r*rw+rw]
			copy(rr, row)
			for h := 0; h < nqk; h++ {
				wt := qw
				if h >= d.nh {
					wt = kw
				}
				rstd[r*nqk+h] = asm.RMSNorm(row[h*hs:h*hs+hs], rr[h*hs:h*hs+hs], wt[:hs], eps)
			}
		}
	})
}

// qkNormBackward turns the gradient of the normalised q and k parts of dqkv
// into the gradient of the raw parts (in place) and accumulates the norm
// weights' gradients into dqw and dkw:
//
//	in the forward pass this was: q[r, h] = qraw[r, h]·rstd[r, h]·q_norm (and k alike)
//	dqraw = rstd·(q_norm⊙dq) − qraw·rstd³·(Σ dq⊙q_norm⊙qraw)/HS
//	dq_norm += Σ_{r,h} dq[r, h] ⊙ qraw[r, h]·rstd[r, h]
//
// dqw and dkw are sums over every row and head, so the walk is serial in a
// fixed order (O(N·(NH+NKV)·HS), small beside the projections) and the
// result does not depend on the thread count. tmp is scratch of ≥ HS.
func qkNormBackward(dqkv, dqw, dkw, raw, rstd, qw, kw, tmp []float32, n int, d attnDims) {
	hs, w, nqk := d.hs, d.qkvDim(), d.nh+d.nkv
	rw := nqk * hs
	t := tmp[:hs]
	for r := 0; r < n; r++ {
		row, rr := dqkv[r*w:r*w+rw], raw[r*rw:r*rw+rw]
		for h := 0; h < nqk; h++ {
			wt, dw := qw, dqw
			if h >= d.nh {
				wt, dw = kw, dkw
			}
			dx := row[h*hs : h*hs+hs]
			copy(t, dx)
			clear(dx)
			asm.RMSNormBackward(dx, dw[:hs], t, rr[h*hs:h*hs+hs], wt[:hs], rstd[r*nqk+h])
		}
	}
}
