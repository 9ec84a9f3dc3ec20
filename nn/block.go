package nn

import "github.com/rltrain/rltrain/tensor"

// One transformer block (pre-norm, Llama/Qwen2):
//
//	x2  = x  + o_proj(attn(rope(qknorm(qkv_proj(rmsnorm1(x))))))   (qknorm: Qwen3 only)
//	out = x2 + mlp(rmsnorm2(x2))

// blockActs is the cache one block keeps for its backward pass, over all N
// packed rows of the batch. Buffers grow as needed and are reused across
// calls.
type blockActs struct {
	ln1   []float32 // (N, C)        rmsnorm1(x)
	rstd1 []float32 // (N)
	qkRaw []float32 // (N, NH·HS + NKV·HS)  q and k before the q/k norm (QKNorm only)
	qkRs  []float32 // (N, NH + NKV)         their inverse RMS per head (QKNorm only)
	q     []float32 // (NH, N, HS)   after RoPE
	k     []float32 // (NKV, N, HS)  after RoPE
	v     []float32 // (NKV, N, HS)
	lse   []float32 // (NH, N)       attention log-sum-exp per query row
	atty  []float32 // (N, NH·HS)    attention output, input of o_proj
	x2    []float32 // (N, C)        residual after attention
	ln2   []float32 // (N, C)        rmsnorm2(x2)
	rstd2 []float32 // (N)
	gu    []float32 // (N, 2F)       [gate | up]
	h     []float32 // (N, F)        silu(gate)⊙up
}

func (a *blockActs) size(cfg Config, n int) {
	C, F, d := cfg.Dim, cfg.FFNDim, dimsOf(cfg)
	grow(&a.ln1, n*C)
	grow(&a.rstd1, n)
	if cfg.QKNorm {
		grow(&a.qkRaw, n*(d.qDim()+d.kvDim()))
		grow(&a.qkRs, n*(d.nh+d.nkv))
	}
	grow(&a.q, n*d.qDim())
	grow(&a.k, n*d.kvDim())
	grow(&a.v, n*d.kvDim())
	grow(&a.lse, n*d.nh)
	grow(&a.atty, n*d.qDim())
	grow(&a.x2, n*C)
	grow(&a.ln2, n*C)
	grow(&a.rstd2, n)
	grow(&a.gu, n*2*F)
	grow(&a.h, n*F)
}

func dimsOf(cfg Config) attnDims {
	return attnDims{nh: cfg.NHeads, nkv: cfg.NKVHeads, hs: cfg.HeadSize()}
}

// blockForward runs block l on the batch:
//
//	x: (N, C) input residual; out: (N, C) output residual (must not alias x)
func (m *Model) blockForward(l int, x, out []float32, a *blockActs) {
	cfg, b := m.Cfg, &m.batch
	n, C, F, d := b.n, cfg.Dim, cfg.FFNDim, dimsOf(cfg)
	lp, fv := &m.P.Layers[l], &m.pf[l]
	eps := float32(cfg.NormEps)
	qkv := grow(&m.bufs.qkv, n*d.qkvDim())

	// attention sub-layer
	rmsnormForward(a.ln1, a.rstd1, x, lp.AttnNorm, n, C, eps)
	linearForward(qkv, a.ln1, fv.wqkv, fv.bqkv, n, C, d.qkvDim())
	if cfg.QKNorm {
		qkNormForward(qkv, a.qkRaw, a.qkRs, lp.QNorm, lp.KNorm, n, d, eps)
	}
	qkvSplit(a.q, a.k, a.v, qkv, b.pos, d, m.rope)
	attentionForward(a.atty, a.lse, a.q, a.k, a.v, b.seqs, d, &m.wb)
	copy(a.x2, x)
	tensor.MatMulNT(a.x2, a.atty, lp.Wo, n, C, d.qDim(), true)

	// MLP sub-layer
	rmsnormForward(a.ln2, a.rstd2, a.x2, lp.MLPNorm, n, C, eps)
	copy(out, a.x2)
	mlpForward(out, a.gu, a.h, a.ln2, fv.wgu, lp.WDown, n, C, F)
}

// blockBackward turns dx, the gradient of block l's output, into the
// gradient of its input (in place) and accumulates the block's parameter
// gradients into m.G:
//
//	in the forward pass this was: x2 = x + attn(rmsnorm1(x)); out = x2 + mlp(rmsnorm2(x2))
func (m *Model) blockBackward(l int, x, dx []float32, a *blockActs) {
	cfg, b, s := m.Cfg, &m.batch, &m.bufs
	n, C, F, d := b.n, cfg.Dim, cfg.FFNDim, dimsOf(cfg)
	lp, gp := &m.P.Layers[l], &m.G.Layers[l]
	fv, gv := &m.pf[l], &m.gf[l]

	// MLP: dx2 = dout + rmsnorm2ᵀ(mlpᵀ(dout))
	dln := grow(&s.dln, n*C)
	mlpBackward(dln, gv.wgu, gp.WDown, grow(&s.dgu, n*2*F), grow(&s.dh, n*F), dx, a.ln2, a.gu, a.h,
		fv.wgu, lp.WDown, n, C, F)
	rmsnormBackward(dx, gp.MLPNorm, dln, a.x2, lp.MLPNorm, a.rstd2, n, C)

	// attention: dx = dx2 + rmsnorm1ᵀ(attnᵀ(dx2))
	datty := grow(&s.datty, n*d.qDim())
	linearBackward(datty, gp.Wo, nil, dx, a.atty, lp.Wo, n, d.qDim(), C, false)
	dq := grow(&s.dq, n*d.qDim())
	dk := grow(&s.dk, n*d.kvDim())
	dv := grow(&s.dv, n*d.kvDim())
	attentionBackward(dq, dk, dv, datty, a.q, a.k, a.v, a.atty, a.lse, b.seqs, d, &m.wb)
	dqkv := grow(&s.qkv, n*d.qkvDim())
	qkvSplitBackward(dqkv, dq, dk, dv, b.pos, d, m.rope)
	if cfg.QKNorm {
		qkNormBackward(dqkv, gp.QNorm, gp.KNorm, a.qkRaw, a.qkRs, lp.QNorm, lp.KNorm, grow(&s.dhead, d.hs), n, d)
	}
	linearBackward(dln, gv.wqkv, gv.bqkv, dqkv, a.ln1, fv.wqkv, n, C, d.qkvDim(), false)
	rmsnormBackward(dx, gp.AttnNorm, dln, x, lp.AttnNorm, a.rstd1, n, C)
}
