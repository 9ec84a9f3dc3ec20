package nn

import (
	"math"

	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/tensor"
)

// Grouped-query causal self-attention (Ainslie et al. 2023, "GQA"): NH query
// heads share NKV key/value heads, G = NH/NKV query heads per KV head
// (query head h reads KV head h/G). Sequences of different lengths are packed
// one after another into the N rows of the batch; each attends only within
// itself, with positions restarting at 0.
//
// Layout of the attention activations ("head-major", so that the keys of one
// head of one sequence are a contiguous (T, HS) block, as in a KV cache):
//
//	q: (NH, N, HS)   k, v: (NKV, N, HS)   after RoPE
//	out ("atty"): (N, NH·HS)  token-major, the input of o_proj
//	lse: (NH, N)     log-sum-exp of each query row's scaled scores
//
// Only lse is kept per row, not the (T, T) probabilities: Backward recomputes
// the scores (FlashAttention's trick), which keeps the activation memory at
// O(N·NH) instead of O(NH·T²) for one extra dot product per (query, key).

// attnScale is the score scale 1/√HS.
func attnScale(hs int) float32 { return float32(1 / math.Sqrt(float64(hs))) }

// attendRow computes causal attention for one query row over n keys/values
// (the query's own position and every earlier one) and returns the
// log-sum-exp of the scaled scores. The generator calls it with its KV cache.
//
//	q: (HS); k, v: (n, HS) contiguous rows; out: (HS); scores: scratch ≥ n
//	s[j] = scale·q·k[j];  p = softmax(s);  out = Σ_j p[j]·v[j]
func attendRow(out, q, k, v, scores []float32, n int, scale float32) (lse float32) {
	hs := len(q)
	s := scores[:n]
	for j := range s {
		s[j] = asm.Dot(q, k[j*hs:j*hs+hs]) * scale
	}
	lse = asm.Softmax(s, s)
	clear(out[:hs])
	for j, p := range s {
		asm.Axpy(p, v[j*hs:j*hs+hs], out[:hs])
	}
	return lse
}

// seqSpan is one packed sequence: rows [off, off+t) of the batch.
type seqSpan struct{ off, t int }

// attnDims are the head counts of an attention layer.
type attnDims struct{ nh, nkv, hs int }

func (d attnDims) qDim() int   { return d.nh * d.hs }
func (d attnDims) kvDim() int  { return d.nkv * d.hs }
func (d attnDims) qkvDim() int { return d.qDim() + 2*d.kvDim() }

// qkvSplit moves the fused projection output into the head-major layout and
// applies RoPE to q and k:
//
//	qkv: (N, NH·HS + 2·NKV·HS) rows [q | k | v]; pos: (N) position of each row
//	q: (NH, N, HS); k, v: (NKV, N, HS)
func qkvSplit(q, k, v, qkv []float32, pos []int32, d attnDims, rope *ropeTable) {
	n, hs, qd, kd, w := len(pos), d.hs, d.qDim(), d.kvDim(), d.qkvDim()
	parallelFor(n, func(_, lo, hi int) {
		for r := lo; r < hi; r++ {
			row, p := qkv[r*w:r*w+w], int(pos[r])
			for h := 0; h < d.nh; h++ {
				rope.rotate(q[(h*n+r)*hs:(h*n+r)*hs+hs], row[h*hs:h*hs+hs], p)
			}
			for h := 0; h < d.nkv; h++ {
				rope.rotate(k[(h*n+r)*hs:(h*n+r)*hs+hs], row[qd+h*hs:qd+h*hs+hs], p)
				copy(v[(h*n+r)*hs:(h*n+r)*hs+hs], row[qd+kd+h*hs:qd+kd+h*hs+hs])
			}
		}
	})
}

// qkvSplitBackward is the backward of qkvSplit; it overwrites dqkv:
//
//	in the forward pass this was: q = rope(qkv[:, q part]), k = rope(…), v = qkv[:, v part]
//	dqkv = [ropeᵀ(dq) | ropeᵀ(dk) | dv] in token-major layout
func qkvSplitBackward(dqkv, dq, dk, dv []float32, pos []int32, d attnDims, rope *ropeTable) {
	n, hs, qd, kd, w := len(pos), d.hs, d.qDim(), d.kvDim(), d.qkvDim()
	parallelFor(n, func(_, lo, hi int) {
		for r := lo; r < hi; r++ {
			row, p := dqkv[r*w:r*w+w], int(pos[r])
			for h := 0; h < d.nh; h++ {
				rope.rotateBack(row[h*hs:h*hs+hs], dq[(h*n+r)*hs:(h*n+r)*hs+hs], p)
			}
			for h := 0; h < d.nkv; h++ {
				rope.rotateBack(row[qd+h*hs:qd+h*hs+hs], dk[(h*n+r)*hs:(h*n+r)*hs+hs], p)
				copy(row[qd+kd+h*hs:qd+kd+h*hs+hs], dv[(h*n+r)*hs:(h*n+r)*hs+hs])
			}
		}
	})
}

// attnBlock is the number of query rows attention processes at once. Each
// block of rows [i0, i1) only sees keys [0, i1), so the work wasted on the
// masked upper triangle is at most half a block per row, while the products
// stay big enough for the GEMM kernels ((64, i1, HS) shapes).
const attnBlock = 64

// attentionForward runs causal GQA over every packed sequence:
//
//	q: (NH, N, HS); k, v: (NKV, N, HS); out: (N, NH·HS); lse: (NH, N)
//	out[r, h] = Σ_{j ≤ r in r's sequence} softmax_j(scale·q[h,r]·k[h/G,j]) v[h/G,j]
//
// For each block of query rows: S = Q·Kᵀ (one GEMM), masked softmax per row
// (saving the row's log-sum-exp), O = P·V (one GEMM). This computes the same
// thing as attendRow row by row (the generator's kernel), faster.
//
// Work is split over (sequence, KV head) units, claimed one at a time by the
// workers (parallelClaim: the faster core takes more); each unit walks its G
// query heads, so the backward (which sums into the shared k/v gradients)
// can use the same split without races.
func attentionForward(out, lse, q, k, v []float32, seqs []seqSpan, d attnDims, wb *workerBufs) {
	n, hs, qd, g := len(lse)/d.nh, d.hs, d.qDim(), d.nh/d.nkv
	scale := attnScale(hs)
	maxT := 0
	for _, s := range seqs {
		maxT = max(maxT, s.t)
	}
	units := len(seqs) * d.nkv
	bufs := wb.get(numWorkers(units), attnBlock*(maxT+hs))
	parallelClaim(units, func(w, u int) {
		s, kh := seqs[u/d.nkv], u%d.nkv
		ks := k[(kh*n+s.off)*hs : (kh*n+s.off+s.t)*hs]
		vs := v[(kh*n+s.off)*hs : (kh*n+s.off+s.t)*hs]
		for h := kh * g; h < (kh+1)*g; h++ {
			qs := q[(h*n+s.off)*hs : (h*n+s.off+s.t)*hs]
			for i0 := 0; i0 < s.t; i0 += attnBlock {
				i1 := min(i0+attnBlock, s.t)
				bi := i1 - i0
				p := bufs[w][:bi*i1]
				o := bufs[w][attnBlock*maxT:][:bi*hs]
				// S = Q[i0:i1]·K[0:i1]ᵀ  (bi, i1)
				tensor.MatMulNT(p, qs[i0*hs:i1*hs], ks, bi, i1, hs, false)
				for i := 0; i < bi; i++ {
					row := p[i*i1 : (i+1)*i1]
					nv := i0 + i + 1 // keys visible to query i0+i
					asm.Scale(scale, row[:nv])
					lse[h*n+s.off+i0+i] = asm.Softmax(row[:nv], row[:nv])
					clear(row[nv:])
				}
				// O = P·V[0:i1]  (bi, HS)
				tensor.MatMulNN(o, p, vs, bi, hs, i1, false)
				for i := 0; i < bi; i++ {
					r := s.off + i0 + i
					copy(out[r*qd+h*hs:r*qd+h*hs+hs], o[i*hs:i*hs+hs])
				}
			}
		}
	})
}

// attentionBackward writes the gradients of attentionForward into dq, dk,
// dv (same head-major layouts as q, k, v; each unit clears its own slices
// first, in parallel and while they are about to be used):
//
//	in the forward pass this was: P = softmax(scale·Q·Kᵀ, causal); O = P·V
//	dV += Pᵀ·dO
//	dP  = dO·Vᵀ
//	dS  = P ⊙ (dP − rowsum(dO ⊙ O)) · scale
//	dQ += dS·K;  dK += dSᵀ·Q
//
// P is recomputed per block of query rows from Q and K with the forward's
// own kernels (scale, softmax), three vector passes per row rather than a
// scalar pass with the saved lse plus an exp pass (lse only gives the row
// count here). Each
// (sequence, KV head) unit is handled by one worker in a fixed order, so the
// sums into dk and dv are deterministic.
func attentionBackward(dq, dk, dv, dout, q, k, v, out, lse []float32, seqs []seqSpan, d attnDims, wb *workerBufs) {
	n, hs, qd, g := len(lse)/d.nh, d.hs, d.qDim(), d.nh/d.nkv
	scale := attnScale(hs)
	maxT := 0
	for _, s := range seqs {
		maxT = max(maxT, s.t)
	}
	units := len(seqs) * d.nkv
	bufs := wb.get(numWorkers(units), attnBlock*(2*maxT+hs))
	parallelClaim(units, func(w, u int) {
		s, kh := seqs[u/d.nkv], u%d.nkv
		a, b := (kh*n+s.off)*hs, (kh*n+s.off+s.t)*hs
		ks, vs, dks, dvs := k[a:b], v[a:b], dk[a:b], dv[a:b]
		clear(dks)
		clear(dvs)
		for h := kh * g; h < (kh+1)*g; h++ {
			qa, qb := (h*n+s.off)*hs, (h*n+s.off+s.t)*hs
			qs, dqs := q[qa:qb], dq[qa:qb]
			clear(dqs)
			for i0 := 0; i0 < s.t; i0 += attnBlock {
				i1 := min(i0+attnBlock, s.t)
				bi := i1 - i0
				p := bufs[w][:bi*i1]
				dp := bufs[w][attnBlock*maxT:][:bi*i1]
				do := bufs[w][2*attnBlock*maxT:][:bi*hs]
				// P = softmax(scale·Q·Kᵀ), causal: the forward's kernels
				// on the forward's scores, so P is bitwise the forward's
				tensor.MatMulNT(p, qs[i0*hs:i1*hs], ks, bi, i1, hs, false)
				for i := 0; i < bi; i++ {
					row := p[i*i1 : (i+1)*i1]
					nv := i0 + i + 1
					asm.Scale(scale, row[:nv])
					asm.Softmax(row[:nv], row[:nv])
					clear(row[nv:])
					r := s.off + i0 + i
					copy(do[i*hs:i*hs+hs], dout[r*qd+h*hs:r*qd+h*hs+hs])
				}
				// dV[0:i1] += Pᵀ·dO
				tensor.MatMulTN(dvs, p, do, i1, hs, bi, true)
				// With dO' = scale·dO: dP' = dO'·V[0:i1]ᵀ = scale·dP and
				// D' = rowsum(dO'⊙O) = scale·D, so dS = P⊙(dP' − D'),
				// two vector passes per row, in place in dp.
				asm.Scale(scale, do[:bi*hs])
				tensor.MatMulNT(dp, do, vs, bi, i1, hs, false)
				for i := 0; i < bi; i++ {
					r := s.off + i0 + i
					nv := i0 + i + 1
					dd := asm.Dot(do[i*hs:i*hs+hs], out[r*qd+h*hs:r*qd+h*hs+hs])
					pr, dr := p[i*i1:i*i1+nv], dp[i*i1:(i+1)*i1]
					asm.Mul(dr[:nv], pr, dr[:nv])
					asm.Axpy(-dd, pr, dr[:nv])
					clear(dr[nv:])
				}
				// dQ[i0:i1] += dS·K[0:i1];  dK[0:i1] += dSᵀ·Q[i0:i1]
				tensor.MatMulNN(dqs[i0*hs:i1*hs], dp, ks, bi, hs, i1, true)
				tensor.MatMulTN(dks, dp, qs[i0*hs:i1*hs], i1, hs, bi, true)
			}
		}
	})
}
