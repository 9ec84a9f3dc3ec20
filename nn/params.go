package nn

import "fmt"

// Params carves every parameter of a model out of one flat slab, so that the
// optimiser, zero-grad, gradient clipping, all-reduce and checkpointing are
// one loop over Data each. The same layout is used for gradients and AdamW
// moments (NewParams on the same Config gives identical offsets).
//
// Shapes follow PyTorch/Hugging Face: a Linear weight is (out, in).
type Params struct {
	Data []float32 // the whole slab

	Embed     []float32 // (V, C)   model.embed_tokens.weight
	Layers    []LayerParams
	FinalNorm []float32 // (C)      model.norm.weight
	LMHead    []float32 // (V, C)   lm_head.weight; the same memory as Embed when tied
	ValueW    []float32 // (C)      value_head.weight (nil without a value head)
	ValueB    []float32 // (1)      value_head.bias   (nil without a value head)

	named []Named
}

// LayerParams are the views of one transformer block (model.layers.N.…).
type LayerParams struct {
	AttnNorm []float32 // (C)          input_layernorm.weight
	Wq       []float32 // (NH·HS, C)   self_attn.q_proj.weight
	Wk       []float32 // (NKV·HS, C)  self_attn.k_proj.weight
	Wv       []float32 // (NKV·HS, C)  self_attn.v_proj.weight
	Bq       []float32 // (NH·HS)      self_attn.q_proj.bias (nil without QKVBias)
	Bk       []float32 // (NKV·HS)     self_attn.k_proj.bias
	Bv       []float32 // (NKV·HS)     self_attn.v_proj.bias
	Wo       []float32 // (C, NH·HS)   self_attn.o_proj.weight
	QNorm    []float32 // (HS)         self_attn.q_norm.weight (nil without QKNorm)
	KNorm    []float32 // (HS)         self_attn.k_norm.weight (nil without QKNorm)
	MLPNorm  []float32 // (C)          post_attention_layernorm.weight
	WGate    []float32 // (F, C)       mlp.gate_proj.weight
	WUp      []float32 // (F, C)       mlp.up_proj.weight
	WDown    []float32 // (C, F)       mlp.down_proj.weight
}

// Named is one parameter tensor with its Hugging Face name and shape; Data
// is a view into the slab.
type Named struct {
	Name  string
	Shape []int
	Data  []float32
}

// NewParams allocates a zeroed slab laid out for cfg. cfg must be valid.
func NewParams(cfg Config) *Params {
	p := &Params{}
	var named []Named
	n := 0
	// First pass counts, second pass carves; one function keeps them in step.
	carve := func(dst *[]float32, name string, shape ...int) {
		size := 1
		for _, s := range shape {
			size *= s
		}
		if p.Data != nil {
			*dst = p.Data[n : n+size : n+size]
			named = append(named, Named{Name: name, Shape: shape, Data: *dst})
		}
		n += size
	}
	layout := func() {
		n = 0
		named = named[:0]
		C, F, V := cfg.Dim, cfg.FFNDim, cfg.VocabSize
		q, kv := cfg.NHeads*cfg.HeadSize(), cfg.NKVHeads*cfg.HeadSize()
		carve(&p.Embed, "model.embed_tokens.weight", V, C)
		if p.Data != nil {
			p.Layers = make([]LayerParams, cfg.NLayers)
		}
		for l := 0; l < cfg.NLayers; l++ {
			var lp LayerParams
			pre := fmt.Sprintf("model.layers.%d.", l)
			carve(&lp.AttnNorm, pre+"input_layernorm.weight", C)
			carve(&lp.Wq, pre+"self_attn.q_proj.weight", q, C)
			carve(&lp.Wk, pre+"self_attn.k_proj.weight", kv, C)
			carve(&lp.Wv, pre+"self_attn.v_proj.weight", kv, C)
			if cfg.QKVBias {
				carve(&lp.Bq, pre+"self_attn.q_proj.bias", q)
				carve(&lp.Bk, pre+"self_attn.k_proj.bias", kv)
				carve(&lp.Bv, pre+"self_attn.v_proj.bias", kv)
			}
			carve(&lp.Wo, pre+"self_attn.o_proj.weight", C, q)
			if cfg.QKNorm {
				carve(&lp.QNorm, pre+"self_attn.q_norm.weight", cfg.HeadSize())
				carve(&lp.KNorm, pre+"self_attn.k_norm.weight", cfg.HeadSize())
			}
			carve(&lp.MLPNorm, pre+"post_attention_layernorm.weight", C)
			carve(&lp.WGate, pre+"mlp.gate_proj.weight", F, C)
			carve(&lp.WUp, pre+"mlp.up_proj.weight", F, C)
			carve(&lp.WDown, pre+"mlp.down_proj.weight", C, F)
			if p.Data != nil {
				p.Layers[l] = lp
			}
		}
		carve(&p.FinalNorm, "model.norm.weight", C)
		if cfg.TieEmbeddings {
			p.LMHead = p.Embed
		} else {
			carve(&p.LMHead, "lm_head.weight", V, C)
		}
		if cfg.ValueHead {
			carve(&p.ValueW, "value_head.weight", 1, C)
			carve(&p.ValueB, "value_head.bias", 1)
		}
	}
	layout()
	p.Data = make([]float32, n)
	layout()
	p.named = append([]Named(nil), named...)
	return p
}

// Named lists every tensor in slab order with its Hugging Face name. A tied
// LM head is not listed separately (as in HF checkpoints with
// tie_word_embeddings).
func (p *Params) Named() []Named { return p.named }

// Len is the number of float32 values in the slab.
func (p *Params) Len() int { return len(p.Data) }
