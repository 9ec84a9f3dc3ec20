package nn

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unsafe"
)

// logitChunkElems bounds the logits buffer of the LM head: at most this many
// (row, vocab) values exist at once (4 MiB). With V = 2048 that is 512 rows
// per chunk, enough for a large GEMM; with V = 151,936 it is 6 rows.
const logitChunkElems = 1 << 20

// Model is a decoder-only transformer with its parameters P, gradients G
// (same slab layout) and the reusable activation buffers of the last Score
// call. A Model is not safe for concurrent use: Score and Backward use all
// threads of the tensor worker pool themselves.
type Model struct {
	Cfg Config
	P   *Params // parameters
	G   *Params // gradients, accumulated by Backward, cleared by ZeroGrad
	// Origin is the checkpoint folder the model was loaded from and its
	// generation token ids (zero for a model built here); Clone and
	// WithValueHead keep it, so checkpoints carry it on.
	Origin Origin

	rope      *ropeTable // cos/sin per position, grown on demand
	logitRows int        // rows of logits per LM-head chunk

	pf, gf []fusedViews // fused per-layer views of P and G, refreshed per call
	batch  batchLayout  // the packed batch of the last Score call
	bufs   modelBufs
	wb     workerBufs

	gradReady  bool    // the last Score kept activations for Backward
	logitsKept bool    // bufs.logits holds the last Score's scaled logits of all M rows (one chunk)
	invT       float32 // 1/temperature of the last Score call
}

// fusedViews are adjacent parameter tensors of one layer seen as one matrix,
// so that each runs as a single GEMM: q/k/v projections (and their biases),
// and the MLP's gate and up projections.
type fusedViews struct {
	wqkv []float32 // (NH·HS + 2·NKV·HS, C) = [Wq; Wk; Wv]
	bqkv []float32 // (NH·HS + 2·NKV·HS) or nil
	wgu  []float32 // (2F, C) = [WGate; WUp]
}

// batchLayout is how the sequences of one Score call are packed into rows.
type batchLayout struct {
	seqs    []seqSpan // rows of each sequence (its tokens except the last)
	scored  []int     // scored positions per sequence: len(Tokens) − Start
	tokens  []int32   // (N) input token of each row
	pos     []int32   // (N) position of each row within its sequence
	rows    []int32   // (M) row whose hidden state predicts each scored token
	targets []int32   // (M) the scored tokens
	n, m    int       // packed rows N, scored rows M
	maxT    int       // longest sequence in rows
}

// modelBufs holds every activation and scratch buffer, grown as needed.
type modelBufs struct {
	res    [][]float32 // residual stream: res[l] is block l's input (N, C); L+1 with Grad, else 2 alternating
	blocks []blockActs // per block with Grad, else one shared
	xg     []float32   // (M, C) gathered final residual rows
	xf     []float32   // (M, C) after the final norm
	rstdf  []float32   // (M)
	logits []float32   // (rows, V) one chunk

	// backward scratch, shared by all blocks
	dres, dxf, dln, dgu, dh, datty, dq, dk, dv, qkv []float32
	dhead                                           []float32 // (HS) q/k norm backward scratch
	dlogp, dent, dvals                              []float32 // (M) flattened inputs of Backward
}

// NewModel validates cfg and returns a model with zeroed parameters and
// gradients. Use InitRandom or a checkpoint loader to fill P.
func NewModel(cfg Config) (*Model, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("nn: invalid model config: %w", err)
	}
	m := &Model{Cfg: cfg, P: NewParams(cfg), G: NewParams(cfg)}
	m.rope = newRopeTable(cfg.HeadSize(), cfg.RopeTheta, cfg.MaxSeqLen)
	m.logitRows = max(1, logitChunkElems/cfg.VocabSize)
	return m, nil
}

// InitRandom fills P as GPT-2/Llama training from scratch does: every matrix
// (2-D tensor, including the embedding and the value head) ~ N(0, 0.02²),
// RMSNorm weights = 1, biases = 0. Tensors are drawn in slab order.
func (m *Model) InitRandom(rng *rand.Rand) {
	for _, t := range m.P.Named() {
		switch {
		case len(t.Shape) == 2:
			for i := range t.Data {
				t.Data[i] = float32(0.02 * rng.NormFloat64())
			}
		case strings.HasSuffix(t.Name, "norm.weight"):
			for i := range t.Data {
				t.Data[i] = 1
			}
		default:
			clear(t.Data)
		}
	}
}

// ZeroGrad clears the gradient slab.
func (m *Model) ZeroGrad() { clear(m.G.Data) }

// Seq is one token sequence to score: positions t in [Start, len(Tokens))
// are scored, i.e. LogP[j] = log p(Tokens[Start+j] | Tokens[:Start+j]).
// 1 <= Start <= len(Tokens).
type Seq struct {
	Tokens []int32
	Start  int
}

// ScoreOptions selects what Score computes.
type ScoreOptions struct {
	Temperature float32 // logits are divided by it before the log-softmax; 0 means 1
	Entropy     bool    // also return the entropy of the full next-token distribution
	Values      bool    // also return the value head's output (needs Cfg.ValueHead)
	Grad        bool    // keep activations so that Backward can run
}

// Scores are per-token outputs of Score, indexed [seq][j] with j over the
// scored positions of each sequence. Entropy and Values are nil unless
// requested. Values[i][j] is the value head on the hidden state that
// predicts token Start+j. The slices are freshly allocated: callers may keep
// them.
type Scores struct {
	LogP, Entropy, Values [][]float32
}

// Score runs the model on a batch of sequences of any lengths (packed into
// one set of rows: every linear layer is one GEMM over all tokens, while
// attention stays within each sequence) and returns the log-probability of
// each scored token under softmax(logits/Temperature) over the full
// vocabulary. With opt.Grad the activations are kept for Backward until the
// next Score call.
//
// Score panics on programmer errors: Start out of range, a token id outside
// [0, VocabSize), a negative temperature, or Values without a value head.
func (m *Model) Score(seqs []Seq, opt ScoreOptions) *Scores {
	cfg := m.Cfg
	if opt.Temperature < 0 {
		panic(errBadTemp)
	}
	if opt.Values && !cfg.ValueHead {
		panic(errNoValueHead)
	}
	temp := opt.Temperature
	if temp == 0 {
		temp = 1
	}
	m.gradReady, m.logitsKept = false, false
	m.layout(seqs)
	m.fuse()
	m.rope.grow(m.batch.maxT)
	b, s := &m.batch, &m.bufs
	n, M, C, L := b.n, b.m, cfg.Dim, cfg.NLayers

	nres, nblk := 2, 1
	if opt.Grad {
		nres, nblk = L+1, L
	}
	for len(s.res) < nres {
		s.res = append(s.res, nil)
	}
	for len(s.blocks) < nblk {
		s.blocks = append(s.blocks, blockActs{})
	}
	res := func(l int) []float32 {
		if !opt.Grad {
			l %= 2
		}
		return grow(&s.res[l], n*C)
	}

	embeddingForward(res(0), b.tokens, m.P.Embed, C)
	for l := 0; l < L; l++ {
		a := &s.blocks[0]
		if opt.Grad {
			a = &s.blocks[l]
		}
		a.size(cfg, n)
		m.blockForward(l, res(l), res(l+1), a)
	}

	xg, xf, rstdf := grow(&s.xg, M*C), grow(&s.xf, M*C), grow(&s.rstdf, M)
	headGather(xg, res(L), b.rows, C)
	rmsnormForward(xf, rstdf, xg, m.P.FinalNorm, M, C, float32(cfg.NormEps))

	out := &Scores{}
	logp := make([]float32, M)
	out.LogP = b.split(logp)
	var ent []float32
	if opt.Entropy {
		ent = make([]float32, M)
		out.Entropy = b.split(ent)
	}
	m.invT = 1 / temp
	lmHeadForward(logp, ent, xf, m.P.LMHead, b.targets, M, C, cfg.VocabSize, m.invT, m.logitRows,
		&s.logits, &m.wb)
	if opt.Values {
		vals := make([]float32, M)
		valueForward(vals, xf, m.P.ValueW, m.P.ValueB, C)
		out.Values = b.split(vals)
	}
	m.gradReady = opt.Grad
	// With a single chunk the logits are still in the buffer: Backward's
	// first call reuses them instead of recomputing the (M, C, V) product.
	m.logitsKept = opt.Grad && M <= m.logitRows
	return out
}

// Backward accumulates into m.G the gradient of a loss L given
// dLogP[i][j] = ∂L/∂LogP[i][j] and optionally ∂L/∂Entropy and ∂L/∂Values
// (nil = zero), for the last Score call made with Grad. The shapes must
// match that call's Scores. Activations are left intact, so Backward may be
// called again (gradients add up).
func (m *Model) Backward(dLogP, dEntropy, dValues [][]float32) {
	if !m.gradReady {
		panic(errNoGradState)
	}
	if dValues != nil && !m.Cfg.ValueHead {
		panic(errNoValueHead)
	}
	cfg, b, s := m.Cfg, &m.batch, &m.bufs
	n, M, C, L := b.n, b.m, cfg.Dim, cfg.NLayers
	m.fuse()

	dlogp := b.flatten(&s.dlogp, dLogP)
	var dent []float32
	if dEntropy != nil {
		dent = b.flatten(&s.dent, dEntropy)
	}

	dxf := grow(&s.dxf, M*C)
	clear(dxf)
	lmHeadBackward(dxf, m.G.LMHead, dlogp, dent, s.xf, m.P.LMHead, b.targets, M, C, cfg.VocabSize,
		m.invT, m.logitRows, &s.logits, &m.wb, m.logitsKept)
	m.logitsKept = false // overwritten with dz: a repeated Backward recomputes them
	if dValues != nil {
		valueBackward(dxf, m.G.ValueW, m.G.ValueB, b.flatten(&s.dvals, dValues), s.xf, m.P.ValueW, C)
	}
	dres := grow(&s.dres, n*C)
	clear(dres)
	headNormBackward(dres, m.G.FinalNorm, dxf, s.xg, m.P.FinalNorm, s.rstdf, b.rows, C)
	for l := L - 1; l >= 0; l-- {
		m.blockBackward(l, s.res[l][:n*C], dres, &s.blocks[l])
	}
	embeddingBackward(m.G.Embed, dres, b.tokens, C)
}

// layout packs seqs into rows and checks them.
func (m *Model) layout(seqs []Seq) {
	b := &m.batch
	b.seqs, b.scored = b.seqs[:0], b.scored[:0]
	b.tokens, b.pos, b.rows, b.targets = b.tokens[:0], b.pos[:0], b.rows[:0], b.targets[:0]
	b.maxT = 0
	V := int32(m.Cfg.VocabSize)
	for _, sq := range seqs {
		L := len(sq.Tokens)
		if sq.Start < 1 || sq.Start > L {
			panic(errBadStart)
		}
		for _, t := range sq.Tokens {
			if t < 0 || t >= V {
				panic(errBadToken)
			}
		}
		off := len(b.tokens)
		b.seqs = append(b.seqs, seqSpan{off: off, t: L - 1})
		b.scored = append(b.scored, L-sq.Start)
		b.maxT = max(b.maxT, L-1)
		for t := 0; t < L-1; t++ {
			b.tokens = append(b.tokens, sq.Tokens[t])
			b.pos = append(b.pos, int32(t))
		}
		for t := sq.Start - 1; t < L-1; t++ {
			b.rows = append(b.rows, int32(off+t))
			b.targets = append(b.targets, sq.Tokens[t+1])
		}
	}
	b.n, b.m = len(b.tokens), len(b.rows)
}

// split cuts a flat (M) slice into per-sequence views.
func (b *batchLayout) split(flat []float32) [][]float32 {
	out := make([][]float32, len(b.scored))
	o := 0
	for i, k := range b.scored {
		out[i] = flat[o : o+k : o+k]
		o += k
	}
	return out
}

// flatten copies per-sequence values into a flat (M) buffer, checking the
// shape against the scored positions. nil means all zeros.
func (b *batchLayout) flatten(buf *[]float32, x [][]float32) []float32 {
	flat := grow(buf, b.m)
	if x == nil {
		clear(flat)
		return flat
	}
	if len(x) != len(b.scored) {
		panic(errGradShape)
	}
	o := 0
	for i, k := range b.scored {
		if len(x[i]) != k {
			panic(errGradShape)
		}
		copy(flat[o:o+k], x[i])
		o += k
	}
	return flat
}

// fuse refreshes the fused per-layer views of P and G (cheap; done per call
// so that a caller replacing m.P or m.G is safe).
func (m *Model) fuse() {
	m.pf = fuseParams(m.pf, m.P)
	m.gf = fuseParams(m.gf, m.G)
}

func fuseParams(dst []fusedViews, p *Params) []fusedViews {
	dst = dst[:0]
	for i := range p.Layers {
		lp := &p.Layers[i]
		f := fusedViews{
			wqkv: span(p.Data, lp.Wq, lp.Wk, lp.Wv),
			wgu:  span(p.Data, lp.WGate, lp.WUp),
		}
		if lp.Bq != nil {
			f.bqkv = span(p.Data, lp.Bq, lp.Bk, lp.Bv)
		}
		dst = append(dst, f)
	}
	return dst
}

// span returns the part of data covered by views that lie back to back in
// it, in order; it panics if they do not.
func span(data []float32, views ...[]float32) []float32 {
	start := offsetIn(data, views[0])
	o := start
	for _, v := range views {
		if offsetIn(data, v) != o {
			panic(errNotContiguous)
		}
		o += len(v)
	}
	return data[start:o:o]
}

// offsetIn is the index of view[0] within data.
func offsetIn(data, view []float32) int {
	d := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	v := uintptr(unsafe.Pointer(unsafe.SliceData(view)))
	off := int((v - d) / unsafe.Sizeof(float32(0)))
	if v < d || off+len(view) > len(data) {
		panic(errNotContiguous)
	}
	return off
}
