package nn

// The generator's forward pass: the same Llama/Qwen2 block as the training
// forward (model.go), evaluated for a list of token rows that each belong to
// one sequence (a KV-cache slot) at one position. Keys and values of every
// row are written to the cache before attention, so rows of one sequence in
// one step (prefill) see each other causally, and a row attends to all the
// cached positions 0..pos of its own sequence.

import (
	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/tensor"
)

// Helpers shared with the training forward, so that both paths compute the
// same numbers (sampled log-probs = scored log-probs): ropeTable (rope.go),
// attnScale (attention.go), fuseParams (model.go: q/k/v and
// gate/up are adjacent in the slab, so each runs as one matmul),
// embeddingForward (embedding.go), and the asm row kernels RMSNorm, Add,
// SwiGLU and Softmax that rmsnorm.go, linear.go, mlp.go and loss.go call.
// Only the parallel drivers are the generator's own (parRunner below): they
// hand pre-made functions to the pool, so a decode step allocates nothing.

// forward runs the current rows through the model and leaves the logits of
// the logit rows in g.logits (nlogit, V).
//
//	x: (M, C) → per layer: x += Attn(RMSNorm(x)); x += MLP(RMSNorm(x))
//	logits: (nlogit, V) = RMSNorm(x[logit rows])·LMHeadᵀ
func (g *Generator) forward() {
	cfg := g.m.Cfg
	C, F, V := cfg.Dim, cfg.FFNDim, cfg.VocabSize
	HS := cfg.HeadSize()
	qd := cfg.NHeads * HS
	qkvDim := qd + 2*cfg.NKVHeads*HS
	M := g.nrows
	x, xn, qkv, ao, gu, hb := g.x[:M*C], g.xn[:M*C], g.qkv[:M*qkvDim], g.ao[:M*qd], g.gu[:M*2*F], g.hb[:M*F]

	p := g.m.P
	embeddingForward(x, g.rowTok[:M], p.Embed, C)
	for l := range g.fv {
		pk := &g.pk.layers[l]
		g.layer = l
		// Attention block.
		g.par.run(M, g.fnNorm1)
		tensor.MatMulPacked(qkv, xn, pk.qkv, M, false)
		g.par.run(M, g.fnQKVRows) // bias, RoPE, write k and v to the cache
		if l == cfg.NLayers-1 && g.nlogit < M {
			// Past the last layer's k/v, only the rows that predict a
			// token matter: drop the other prefill rows.
			M = g.compactLogitRows()
			x, ao, gu, hb = x[:M*C], ao[:M*qd], gu[:M*2*F], hb[:M*F]
			xn = xn[:M*C]
		}
		g.par.run(M*cfg.NHeads, g.fnAttention)
		tensor.MatMulPacked(x, ao, pk.wo, M, true) // x += ao·Woᵀ
		// MLP block.
		g.par.run(M, g.fnNorm2)
		tensor.MatMulPacked(gu, xn, pk.gu, M, false)
		g.par.run(M*swigluChunks(F), g.fnSwiGLU)
		tensor.MatMulPacked(x, hb, pk.down, M, true) // x += hb·Wdownᵀ
	}
	nl := g.nlogit
	eps := float32(cfg.NormEps)
	for j := 0; j < nl; j++ {
		r := int(g.logitRow[j])
		asm.RMSNorm(g.xl[j*C:(j+1)*C], x[r*C:(r+1)*C], p.FinalNorm, eps)
	}
	tensor.MatMulPacked(g.logits[:nl*V], g.xl[:nl*C], g.pk.head, nl, false)
}

// genPacked holds every weight matrix of the forward packed once per
// Generate call (tensor.PackedB): decode steps have few rows, and re-packing
// the weights inside each product would cost as much as the product itself.
type genPacked struct {
	layers []genPackedLayer
	head   *tensor.PackedB // (V, C) lm_head
}

type genPackedLayer struct {
	qkv  *tensor.PackedB // ((NH+2·NKV)·HS, C)
	wo   *tensor.PackedB // (C, NH·HS)
	gu   *tensor.PackedB // (2F, C)
	down *tensor.PackedB // (C, F)
}

// pack (re)packs p's weight matrices, reusing the buffers of earlier calls.
func (k *genPacked) pack(cfg Config, p *Params, fv []fusedViews) {
	C, F, V := cfg.Dim, cfg.FFNDim, cfg.VocabSize
	qd := cfg.NHeads * cfg.HeadSize()
	qkvDim := qd + 2*cfg.NKVHeads*cfg.HeadSize()
	repack := func(pb **tensor.PackedB, w []float32, n, kk int) {
		if *pb == nil {
			*pb = tensor.NewPackedB(w, n, kk, true)
		} else {
			(*pb).Repack(w)
		}
	}
	if len(k.layers) != len(p.Layers) {
		k.layers = make([]genPackedLayer, len(p.Layers))
	}
	for l := range p.Layers {
		kl := &k.layers[l]
		repack(&kl.qkv, fv[l].wqkv, qkvDim, C)
		repack(&kl.wo, p.Layers[l].Wo, C, qd)
		repack(&kl.gu, fv[l].wgu, 2*F, C)
		repack(&kl.down, p.Layers[l].WDown, C, F)
	}
	repack(&k.head, p.LMHead, V, C)
}

// compactLogitRows moves the logit rows' residual, q/k/v, position and slot
// to the front (row j = logit row j) and returns their number. Logit rows
// are in increasing row order, so moving them down in order never
// overwrites a row still to be moved.
func (g *Generator) compactLogitRows() int {
	cfg := g.m.Cfg
	C := cfg.Dim
	qkvDim := (cfg.NHeads + 2*cfg.NKVHeads) * cfg.HeadSize()
	for j := 0; j < g.nlogit; j++ {
		r := int(g.logitRow[j])
		if r != j {
			copy(g.x[j*C:(j+1)*C], g.x[r*C:(r+1)*C])
			copy(g.qkv[j*qkvDim:(j+1)*qkvDim], g.qkv[r*qkvDim:(r+1)*qkvDim])
			g.rowPos[j], g.rowSlot[j] = g.rowPos[r], g.rowSlot[r]
		}
		g.logitRow[j] = int32(j)
	}
	g.nrows = g.nlogit
	return g.nlogit
}

// norm1Rows: xn[r] = RMSNorm(x[r]; input_layernorm) for r in [lo, hi).
func (g *Generator) norm1Rows(_, lo, hi int) {
	g.normRows(lo, hi, g.m.P.Layers[g.layer].AttnNorm)
}

// norm2Rows: xn[r] = RMSNorm(x[r]; post_attention_layernorm).
func (g *Generator) norm2Rows(_, lo, hi int) {
	g.normRows(lo, hi, g.m.P.Layers[g.layer].MLPNorm)
}

func (g *Generator) normRows(lo, hi int, w []float32) {
	C := g.m.Cfg.Dim
	eps := float32(g.m.Cfg.NormEps)
	for r := lo; r < hi; r++ {
		asm.RMSNorm(g.xn[r*C:(r+1)*C], g.x[r*C:(r+1)*C], w, eps)
	}
}

// qkvRows adds the q/k/v biases, normalises each q and k head with QKNorm,
// rotates q and k by RoPE at each row's
// position and stores k and v in the cache at (layer, slot, head, pos).
//
//	qkv: (M, NH·HS + 2·NKV·HS) rows [q | k | v], rotated in place
func (g *Generator) qkvRows(_, lo, hi int) {
	cfg := g.m.Cfg
	HS := cfg.HeadSize()
	qd, kvd := cfg.NHeads*HS, cfg.NKVHeads*HS
	qkvDim := qd + 2*kvd
	bias := g.fv[g.layer].bqkv
	lp := &g.m.P.Layers[g.layer]
	eps := float32(cfg.NormEps)
	for r := lo; r < hi; r++ {
		row := g.qkv[r*qkvDim : (r+1)*qkvDim]
		if bias != nil {
			asm.Add(row, row, bias)
		}
		pos, slot := int(g.rowPos[r]), int(g.rowSlot[r])
		for h := 0; h < cfg.NHeads+cfg.NKVHeads; h++ { // q heads, then k heads
			x := row[h*HS : (h+1)*HS]
			if cfg.QKNorm { // qknorm.go: per-head RMSNorm before RoPE
				w := lp.QNorm
				if h >= cfg.NHeads {
					w = lp.KNorm
				}
				asm.RMSNorm(x, x, w, eps)
			}
			g.rope.rotate(x, x, pos)
		}
		for h := 0; h < cfg.NKVHeads; h++ {
			k := row[qd+h*HS : qd+(h+1)*HS]
			v := row[qd+kvd+h*HS : qd+kvd+(h+1)*HS]
			copy(g.cache.Keys(g.layer, slot, h)[pos*HS:(pos+1)*HS], k)
			copy(g.cache.Values(g.layer, slot, h)[pos*HS:(pos+1)*HS], v)
		}
	}
}

// attention computes causal grouped-query attention for the (row, head)
// units [lo, hi), unit u = r·NH + h, with worker w's score buffer: query
// head h of row r attends to positions 0..pos of KV head h/G of its own
// sequence in the cache (attendCached: attendRow with one kernel call for
// the scores and one for the value sum).
func (g *Generator) attention(w, lo, hi int) {
	cfg := g.m.Cfg
	HS := cfg.HeadSize()
	NH := cfg.NHeads
	group := NH / cfg.NKVHeads
	qd := NH * HS
	qkvDim := qd + 2*cfg.NKVHeads*HS
	scale := attnScale(HS)
	scores := g.att[w]
	for u := lo; u < hi; u++ {
		r, h := u/NH, u%NH
		n := int(g.rowPos[r]) + 1
		slot := int(g.rowSlot[r])
		q := g.qkv[r*qkvDim+h*HS : r*qkvDim+(h+1)*HS]
		keys := g.cache.Keys(g.layer, slot, h/group)
		vals := g.cache.Values(g.layer, slot, h/group)
		attendCached(g.ao[r*qd+h*HS:r*qd+(h+1)*HS], q, keys, vals, scores, n, scale)
	}
}

// swigluChunk is the column width of one SwiGLU work unit, so that a
// single row (batch-1 decoding) still spreads over the workers.
const swigluChunk = 256

func swigluChunks(f int) int { return (f + swigluChunk - 1) / swigluChunk }

// swigluRows: hb[r] = silu(gate[r])·up[r] for the (row, column chunk)
// units [lo, hi).
func (g *Generator) swigluRows(_, lo, hi int) {
	F := g.m.Cfg.FFNDim
	nc := swigluChunks(F)
	for u := lo; u < hi; u++ {
		r, c := u/nc, u%nc
		a, b := c*swigluChunk, min((c+1)*swigluChunk, F)
		gate := g.gu[r*2*F : r*2*F+F]
		up := g.gu[r*2*F+F : (r+1)*2*F]
		asm.SwiGLU(g.hb[r*F+a:r*F+b], gate[a:b], up[a:b])
	}
}

// parRunner splits n work units over the tensor pool's workers and calls
// fn(w, lo, hi) once per worker w with its contiguous share, without
// allocating: the closure handed to tensor.Parallel is made once.
type parRunner struct {
	fn      func(w, lo, hi int)
	units   int
	workers int
	body    func(lo, hi int)
}

func (p *parRunner) init() {
	p.body = func(lo, hi int) {
		for w := lo; w < hi; w++ {
			p.fn(w, w*p.units/p.workers, (w+1)*p.units/p.workers)
		}
	}
}

// run calls fn over n units; worker indices are < tensor.Threads().
func (p *parRunner) run(n int, fn func(w, lo, hi int)) {
	if n <= 0 {
		return
	}
	t := min(tensor.Threads(), n)
	if t <= 1 {
		fn(0, 0, n)
		return
	}
	p.fn, p.units, p.workers = fn, n, t
	tensor.Parallel(t, p.body)
	p.fn = nil
}
