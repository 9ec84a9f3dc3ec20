package nn

// Batched generation with a KV cache.
//
// A Generator owns one KVCache with maxBatch slots and scratch for one
// forward step of up to max(maxBatch, prefillRows) token rows. Generate runs
// continuous batching over the slots: each step, every active sequence
// contributes its rows (one row per sequence while decoding, up to the rest
// of the prompt while prefilling) and all rows go through the same matrix
// products together, so each projection is one matmul with M = the number of
// rows in the step. A sequence that finishes (stop token, MaxNewTokens or
// maxLen) frees its slot at once and the next waiting prompt is prefilled
// into it, so more prompts than maxBatch are processed without waiting for
// the slowest row of a chunk. In the last layer, only the rows that predict
// a token (decode rows and each prompt's last token) go past the k/v
// projection. Repeated prompts (G samples per prompt) are prefilled once:
// the other copies take a copy of the cached keys and values (findSource).
//
// The weights are packed for the matmul micro-kernel once per Generate call
// (tensor.PackedB), since a decode step's products have few rows and
// re-packing the weights in each of them would cost as much as the product.
//
// Randomness: Generate draws two uint64 seeds per prompt from the caller's
// rng, in prompt order, before any work; prompt i then samples with its own
// PCG stream, one coin per sampled token. So the result for a prompt depends
// only on the seed, its position in the prompt list and the model — not on
// maxBatch, the other prompts or how the steps were scheduled — up to the
// floating-point rounding of the matrix products, which may change with the
// number of rows M in a step (log-probs then differ by ~1e-7, and a token
// only on an exact tie). Given the seed and thread count, results are
// reproducible bit for bit.

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/rltrain/rltrain/tensor"
)

// prefillRows bounds the rows of one forward step when prompts are being
// prefilled (at least maxBatch): big enough that the prefill matmuls run at
// matrix-matrix speed, small enough that the scratch activations of an M-size
// model (rows × (2F + ...)) stay a few MB.
const prefillRows = 256

// Panic messages for programmer errors in the generation code.
const (
	errGenShape     = "nn: NewGenerator needs maxBatch ≥ 1"
	errGenMaxLen    = "nn: NewGenerator maxLen exceeds Config.MaxSeqLen"
	errKVCacheShape = "nn: NewKVCache needs slots ≥ 1 and maxLen ≥ 1"
	errKVCacheIndex = "nn: KVCache layer, slot or head out of range"
)

// Completion is one generated continuation of a prompt.
type Completion struct {
	// Tokens are the generated tokens, including the stop token if one was
	// hit.
	Tokens []int32
	// LogProbs[j] is log p(Tokens[j] | prompt, Tokens[:j]) under
	// softmax(logits/T) over the FULL vocabulary (not the top-k/top-p
	// truncated distribution), T = SampleConfig.Temperature (1 for greedy
	// decoding with Temperature 0). It equals Model.Score's LogP for the same
	// tokens at the same temperature.
	LogProbs []float32
	// Stopped says the completion ended on a stop token (rather than on
	// MaxNewTokens or maxLen).
	Stopped bool
}

// Generator samples completions for batches of prompts from a model through
// one preallocated KV cache. It reads the model's current weights at every
// Generate call, so it can be created once and reused across training steps.
// A Generator is not safe for concurrent use; use one per goroutine.
type Generator struct {
	m        *Model
	maxBatch int
	maxLen   int
	maxRows  int // rows one forward step can hold

	cache *KVCache
	rope  *ropeTable   // this generator's own copy (Model grows its table)
	fv    []fusedViews // fused q/k/v and gate/up views of the current weights
	pk    genPacked    // the weight matrices packed for the GEMM micro-kernel

	// The rows of the current step: token rowTok[r] at position rowPos[r]
	// of the sequence in slot rowSlot[r].
	nrows                   int
	rowSlot, rowPos, rowTok []int32
	// Rows whose next-token distribution is needed (one per sequence that
	// samples this step), in row order, and their slots.
	nlogit    int
	logitRow  []int32
	logitSlot []int32

	// Activations of the current step, row-major.
	x      []float32 // (maxRows, C) residual stream
	xn     []float32 // (maxRows, C) normed input of a sub-block
	qkv    []float32 // (maxRows, (NH+2·NKV)·HS) q | k | v
	ao     []float32 // (maxRows, NH·HS) attention output
	gu     []float32 // (maxRows, 2F) gate | up
	hb     []float32 // (maxRows, F) SwiGLU output
	xl     []float32 // (maxBatch, C) final-normed hidden of the logit rows
	logits []float32 // (maxBatch, V)

	// Workers: per-worker scratch and the pre-made functions the tensor
	// pool runs (made once so that a step allocates nothing).
	att      [][]float32 // (workers, maxLen) attention scores
	samplers []*sampler
	par      parRunner
	layer    int // the layer fnAttention and fnQKVRows work on

	fnNorm1, fnNorm2, fnQKVRows, fnAttention, fnSwiGLU, fnSample func(w, lo, hi int)

	// Sequence state of the current Generate call.
	scfg    SampleConfig
	isStop  []bool // (V)
	slots   []genSlot
	pending int // next prompt index to admit
	prompts [][]int32
	out     []Completion
	seeds   []uint64  // 2 per prompt
	sampled []int32   // (maxBatch) token sampled for each logit row
	lp      []float32 // (maxBatch) its log-prob
	err     error     // set when the model produced non-finite logits
	noShare bool      // tests: prefill every prompt, even repeated ones
}

// genSlot is the state of one KV-cache slot.
type genSlot struct {
	seq    int   // prompt index, or -1 when the slot is free
	n      int   // positions of the sequence in the cache (once the step built runs)
	next   int32 // the last sampled token, fed at position n while decoding
	limit  int   // most tokens this completion may get
	active bool
	// src ≥ 0: the slot waits to copy its prompt's keys and values from
	// slot src, which holds the same prompt (see findSource).
	src int
	pcg *rand.PCG
	rng *rand.Rand
}

// prefilling reports whether the slot still has prompt tokens to feed.
func (s *genSlot) prefilling(prompt []int32) bool { return s.n < len(prompt) }

// NewGenerator makes a generator for m that advances up to maxBatch
// sequences together, each of at most maxLen tokens (prompt + completion;
// maxLen ≤ 0 means m.Cfg.MaxSeqLen). It allocates the KV cache,
// 2·NLayers·maxBatch·maxLen·NKV·HS float32s, and the scratch of one step
// once, and keeps a copy of the weight matrices packed for the matmul
// micro-kernel (about the size of the parameters), refreshed at every
// Generate call. It panics if maxBatch < 1 or maxLen > m.Cfg.MaxSeqLen.
func NewGenerator(m *Model, maxBatch, maxLen int) *Generator {
	return newGenerator(m, maxBatch, maxLen, max(maxBatch, prefillRows))
}

// newGenerator is NewGenerator with the rows of one step given (≥ maxBatch);
// tests use few rows so that prefills span steps.
func newGenerator(m *Model, maxBatch, maxLen, rows int) *Generator {
	cfg := m.Cfg
	if maxBatch < 1 {
		panic(errGenShape)
	}
	if maxLen <= 0 {
		maxLen = cfg.MaxSeqLen
	}
	if maxLen > cfg.MaxSeqLen {
		panic(errGenMaxLen)
	}
	C, V, F, HS := cfg.Dim, cfg.VocabSize, cfg.FFNDim, cfg.HeadSize()
	qkvDim := (cfg.NHeads + 2*cfg.NKVHeads) * HS
	rows = max(rows, maxBatch)
	g := &Generator{
		m: m, maxBatch: maxBatch, maxLen: maxLen, maxRows: rows,
		cache:     NewKVCache(cfg, maxBatch, maxLen),
		rowSlot:   make([]int32, rows),
		rowPos:    make([]int32, rows),
		rowTok:    make([]int32, rows),
		logitRow:  make([]int32, maxBatch),
		logitSlot: make([]int32, maxBatch),
		x:         make([]float32, rows*C),
		xn:        make([]float32, rows*C),
		qkv:       make([]float32, rows*qkvDim),
		ao:        make([]float32, rows*cfg.NHeads*HS),
		gu:        make([]float32, rows*2*F),
		hb:        make([]float32, rows*F),
		xl:        make([]float32, maxBatch*C),
		logits:    make([]float32, maxBatch*V),
		isStop:    make([]bool, V),
		slots:     make([]genSlot, maxBatch),
		sampled:   make([]int32, maxBatch),
		lp:        make([]float32, maxBatch),
	}
	g.rope = newRopeTable(HS, cfg.RopeTheta, maxLen)
	for i := range g.slots {
		g.slots[i].pcg = rand.NewPCG(0, 0)
		g.slots[i].rng = rand.New(g.slots[i].pcg)
	}
	g.fnNorm1 = g.norm1Rows
	g.fnNorm2 = g.norm2Rows
	g.fnQKVRows = g.qkvRows
	g.fnAttention = g.attention
	g.fnSwiGLU = g.swigluRows
	g.fnSample = g.sampleRows
	g.par.init()
	g.ensureWorkers()
	return g
}

// MaxBatch is the number of sequences that advance together (KV-cache slots).
func (g *Generator) MaxBatch() int { return g.maxBatch }

// MaxLen is the longest sequence (prompt + completion) the cache holds.
func (g *Generator) MaxLen() int { return g.maxLen }

// Cache is the generator's KV cache (read-only for callers).
func (g *Generator) Cache() *KVCache { return g.cache }

// ensureWorkers sizes the per-worker scratch for the pool's thread count;
// it allocates only when the thread count grew since the last call.
func (g *Generator) ensureWorkers() {
	for len(g.att) < tensor.Threads() {
		g.att = append(g.att, make([]float32, g.maxLen))
		g.samplers = append(g.samplers, newSampler(g.m.Cfg.VocabSize))
	}
}

// Generate samples one completion per prompt. When there are more prompts
// than MaxBatch(), MaxBatch() of them run at a time and a waiting prompt
// takes the slot of each finished one (continuous batching). A completion ends on a stop token, after
// cfg.MaxNewTokens tokens, or when prompt plus completion reach MaxLen().
//
// Errors (nothing is returned): non-finite logits (a diverged model), an
// invalid cfg, an empty prompt, a prompt
// with MaxLen() or more tokens (no room for a new token), a token or stop
// token outside [0, VocabSize).
func (g *Generator) Generate(prompts [][]int32, cfg SampleConfig, rng *rand.Rand) ([]Completion, error) {
	var seeds []uint64
	if !cfg.Greedy && rng != nil {
		seeds = make([]uint64, 0, 2*len(prompts))
		for range prompts {
			seeds = append(seeds, rng.Uint64(), rng.Uint64())
		}
	}
	if rng == nil && !cfg.Greedy && len(prompts) > 0 {
		return nil, errors.New("generate: sampling needs an rng (pass rand.New(rand.NewPCG(seed, stream)))")
	}
	return g.GenerateSeeded(prompts, cfg, seeds)
}

// GenerateSeeded is Generate with each prompt's PCG stream given: prompt i
// samples with the stream (seeds[2i], seeds[2i+1]). A caller that derives
// the seeds from a prompt's identity (run seed, step, global index) gets
// completions that do not depend on which other prompts share the call — a
// data-parallel run then samples what one process would. Greedy decoding
// reads no seeds (nil is fine).
func (g *Generator) GenerateSeeded(prompts [][]int32, cfg SampleConfig, seeds []uint64) ([]Completion, error) {
	if !cfg.Greedy && len(seeds) != 2*len(prompts) {
		return nil, fmt.Errorf("generate: %d seeds for %d prompts: sampling needs two per prompt", len(seeds), len(prompts))
	}
	if err := g.begin(prompts, cfg, seeds); err != nil {
		return nil, err
	}
	for g.err == nil {
		g.admit()
		if !g.buildRows() {
			break
		}
		g.step()
	}
	out, err := g.out, g.err
	g.out, g.prompts, g.err = nil, nil, nil
	if err != nil {
		return nil, err
	}
	return out, nil
}

// begin checks the inputs and resets the sequence state for a Generate
// call.
func (g *Generator) begin(prompts [][]int32, cfg SampleConfig, seeds []uint64) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	V := g.m.Cfg.VocabSize
	var errs []error
	for _, t := range cfg.StopTokens {
		if t < 0 || int(t) >= V {
			errs = append(errs, fmt.Errorf("generate: stop token %d outside the vocabulary [0, %d)", t, V))
		}
	}
	for i, p := range prompts {
		if len(p) == 0 {
			errs = append(errs, fmt.Errorf("generate: prompt %d is empty: every prompt needs at least one token (e.g. BOS)", i))
			continue
		}
		if len(p) >= g.maxLen {
			errs = append(errs, fmt.Errorf("generate: prompt %d has %d tokens but the generator's maxLen is %d, leaving no room for a new token: shorten the prompt or create the Generator with a larger maxLen", i, len(p), g.maxLen))
			continue
		}
		for j, t := range p {
			if t < 0 || int(t) >= V {
				errs = append(errs, fmt.Errorf("generate: prompt %d token %d is %d, outside the vocabulary [0, %d)", i, j, t, V))
				break
			}
		}
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	g.fv = fuseParams(g.fv, g.m.P)
	g.pk.pack(g.m.Cfg, g.m.P, g.fv)
	g.ensureWorkers()
	g.scfg = cfg
	clear(g.isStop)
	for _, t := range cfg.StopTokens {
		g.isStop[t] = true
	}
	g.prompts = prompts
	g.pending = 0
	for i := range g.slots {
		g.slots[i].active = false
		g.slots[i].seq = -1
	}
	// Each prompt's stream is fixed before any work, so it does not depend
	// on scheduling. Greedy decoding reads none.
	g.seeds = append(g.seeds[:0], seeds...)
	// One slab each for all tokens and log-probs, carved per completion.
	total := 0
	limits := make([]int, len(prompts))
	for i, p := range prompts {
		limits[i] = g.maxLen - len(p)
		if cfg.MaxNewTokens > 0 {
			limits[i] = min(limits[i], cfg.MaxNewTokens)
		}
		total += limits[i]
	}
	toks := make([]int32, total)
	lps := make([]float32, total)
	g.out = make([]Completion, len(prompts))
	off := 0
	for i, n := range limits {
		g.out[i].Tokens = toks[off : off : off+n]
		g.out[i].LogProbs = lps[off : off : off+n]
		off += n
	}
	return nil
}

// admit moves waiting prompts into free slots, in prompt and slot order.
func (g *Generator) admit() {
	for s := range g.slots {
		if g.pending >= len(g.prompts) {
			return
		}
		sl := &g.slots[s]
		if sl.active {
			continue
		}
		i := g.pending
		g.pending++
		sl.active, sl.seq, sl.n, sl.src = true, i, 0, -1
		sl.limit = cap(g.out[i].Tokens)
		if !g.scfg.Greedy {
			sl.pcg.Seed(g.seeds[2*i], g.seeds[2*i+1])
		}
		if !g.noShare {
			sl.src = g.findSource(s)
		}
	}
	g.copyShared()
}

// Prompt sharing. RL samples G completions of each prompt, so the same
// prompt usually occupies several slots. The first slot to take it prefills
// it; each later one copies the keys and values of positions [0, L−1) from
// that slot once they are cached, and then feeds only the last prompt token
// (whose logits it needs). Copying is a memmove; the prefill it replaces is
// a pass of L tokens through the whole model.

// findSource returns an active slot other than s that is prefilling or has
// prefilled the same prompt as s by itself, or −1.
func (g *Generator) findSource(s int) int {
	p := g.prompts[g.slots[s].seq]
	if len(p) < 2 {
		return -1
	}
	for s2 := range g.slots {
		o := &g.slots[s2]
		if s2 == s || !o.active || o.src >= 0 {
			continue
		}
		if q := g.prompts[o.seq]; len(q) == len(p) && slices.Equal(q, p) {
			return s2
		}
	}
	return -1
}

// copyShared gives every waiting slot whose source has cached positions
// [0, L−1) of the prompt a copy of them. It runs after admission and after
// each forward, before any slot can be freed: a source cannot finish before
// its prompt is cached, so it is never recycled while a slot waits on it.
func (g *Generator) copyShared() {
	for s := range g.slots {
		sl := &g.slots[s]
		if !sl.active || sl.src < 0 {
			continue
		}
		n := len(g.prompts[sl.seq]) - 1
		if g.slots[sl.src].n < n {
			continue
		}
		c := g.cache
		for l := 0; l < c.Layers; l++ {
			for h := 0; h < c.KVHeads; h++ {
				copy(c.Keys(l, s, h)[:n*c.HeadSize], c.Keys(l, sl.src, h)[:n*c.HeadSize])
				copy(c.Values(l, s, h)[:n*c.HeadSize], c.Values(l, sl.src, h)[:n*c.HeadSize])
			}
		}
		sl.n, sl.src = n, -1
	}
}

// buildRows lays out the rows of the next step: first one decode row per
// sequence that has its prompt in the cache, then prompt tokens of the
// sequences still prefilling, in slot order, up to maxRows. It reports
// false when no sequence is active.
func (g *Generator) buildRows() bool {
	r, nl := 0, 0
	active := false
	for s := range g.slots {
		sl := &g.slots[s]
		if !sl.active {
			continue
		}
		active = true
		if sl.src >= 0 || sl.prefilling(g.prompts[sl.seq]) {
			continue
		}
		g.rowSlot[r], g.rowPos[r], g.rowTok[r] = int32(s), int32(sl.n), sl.next
		g.logitRow[nl], g.logitSlot[nl] = int32(r), int32(s)
		sl.n++
		r++
		nl++
	}
	for s := range g.slots {
		sl := &g.slots[s]
		if !sl.active || sl.src >= 0 {
			continue
		}
		p := g.prompts[sl.seq]
		for ; sl.n < len(p) && r < g.maxRows; sl.n++ {
			t := sl.n
			g.rowSlot[r], g.rowPos[r], g.rowTok[r] = int32(s), int32(t), p[t]
			if t == len(p)-1 {
				g.logitRow[nl], g.logitSlot[nl] = int32(r), int32(s)
				nl++
			}
			r++
		}
	}
	g.nrows, g.nlogit = r, nl
	return active
}

// step runs the forward pass over the current rows, samples a token for
// each logit row and advances the sequences. It allocates nothing.
func (g *Generator) step() {
	g.forward()
	g.par.run(g.nlogit, g.fnSample)
	g.copyShared()
	// Record the samples in row order (= slot order for decode rows).
	for j := 0; j < g.nlogit; j++ {
		sl := &g.slots[g.logitSlot[j]]
		c := &g.out[sl.seq]
		tok := g.sampled[j]
		if lp := float64(g.lp[j]); math.IsNaN(lp) || math.IsInf(lp, 0) {
			g.err = fmt.Errorf("generate: prompt %d, new token %d: the log-prob is %g because the logits are not finite: the model's weights have diverged (lower the learning rate or clip gradients)", sl.seq, len(c.Tokens), lp)
			return
		}
		c.Tokens = append(c.Tokens, tok) // within the preallocated capacity
		c.LogProbs = append(c.LogProbs, g.lp[j])
		switch {
		case g.isStop[tok]:
			c.Stopped = true
			sl.active = false
		case len(c.Tokens) >= sl.limit:
			sl.active = false
		default:
			sl.next = tok
		}
	}
}

// sampleRows samples the logit rows [lo, hi) with worker w's scratch, each
// with the coin of its own sequence's stream.
func (g *Generator) sampleRows(w, lo, hi int) {
	V := g.m.Cfg.VocabSize
	s := g.samplers[w]
	for j := lo; j < hi; j++ {
		var coin float32
		if !g.scfg.Greedy {
			coin = g.slots[g.logitSlot[j]].rng.Float32()
		}
		g.sampled[j], g.lp[j] = s.sample(g.logits[j*V:(j+1)*V], &g.scfg, coin)
	}
}
