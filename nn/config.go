package nn

import (
	"errors"
	"fmt"
)

// Config describes a decoder-only Llama/Qwen2-family transformer. Field
// comments give the Hugging Face config.json key each maps to.
type Config struct {
	// VocabSize V is the number of token ids (vocab_size).
	VocabSize int `json:"vocab_size"`
	// Dim C is the residual width (hidden_size).
	Dim int `json:"hidden_size"`
	// NLayers is the number of transformer blocks (num_hidden_layers).
	NLayers int `json:"num_hidden_layers"`
	// NHeads NH is the number of query heads (num_attention_heads); the head
	// size HS is HeadDim, or Dim/NHeads when HeadDim is 0.
	NHeads int `json:"num_attention_heads"`
	// NKVHeads is the number of key/value heads (num_key_value_heads); NHeads
	// must be a multiple of it. NKVHeads < NHeads is grouped-query attention.
	NKVHeads int `json:"num_key_value_heads"`
	// FFNDim F is the SwiGLU inner width (intermediate_size).
	FFNDim int `json:"intermediate_size"`
	// MaxSeqLen bounds positions (max_position_embeddings).
	MaxSeqLen int `json:"max_position_embeddings"`
	// RopeTheta is the RoPE base frequency (rope_theta).
	RopeTheta float64 `json:"rope_theta"`
	// NormEps is the RMSNorm epsilon (rms_norm_eps).
	NormEps float64 `json:"rms_norm_eps"`
	// TieEmbeddings shares the LM head with the token embedding
	// (tie_word_embeddings).
	TieEmbeddings bool `json:"tie_word_embeddings"`
	// QKVBias adds biases to the q/k/v projections, as Qwen2 does.
	QKVBias bool `json:"attention_bias"`
	// HeadDim is the head size HS when it is not Dim/NHeads (head_dim; 0 =
	// Dim/NHeads). Qwen3 sets it explicitly: Qwen3-0.6B has hidden_size
	// 1024, 16 heads and head_dim 128, so its q projection is 2048 wide.
	HeadDim int `json:"head_dim,omitempty"`
	// QKNorm applies an RMSNorm over each head of q and of k after the
	// projection and before RoPE, with a learned (HS) weight shared by the
	// heads of each (self_attn.q_norm.weight, self_attn.k_norm.weight), as
	// Qwen3 does. Not an HF config key: the architecture implies it.
	QKNorm bool `json:"qk_norm,omitempty"`
	// ValueHead adds a scalar value head (C→1, with bias) on the final hidden
	// state, for PPO. It is not part of the HF architecture; it is saved as
	// value_head.weight / value_head.bias.
	ValueHead bool `json:"value_head,omitempty"`
}

// ConfigS is the small benchmark configuration ("S" in the issues).
func ConfigS() Config {
	return Config{VocabSize: 512, Dim: 256, NLayers: 4, NHeads: 4, NKVHeads: 4, FFNDim: 688,
		MaxSeqLen: 256, RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true}
}

// ConfigM is the medium benchmark configuration ("M" in the issues).
func ConfigM() Config {
	return Config{VocabSize: 2048, Dim: 512, NLayers: 8, NHeads: 8, NKVHeads: 8, FFNDim: 1376,
		MaxSeqLen: 512, RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true}
}

// HeadSize is HS: HeadDim when set, else Dim / NHeads.
func (c Config) HeadSize() int {
	if c.HeadDim > 0 {
		return c.HeadDim
	}
	return c.Dim / c.NHeads
}

// Validate checks the configuration and says how to fix it.
// Limits on a Config: generous (Llama-3 70B has dim 8192, vocab 128256,
// 80 layers) but small enough that ParamCount cannot overflow an int64.
const (
	maxDim    = 1 << 20
	maxLayers = 1 << 12
	maxParams = 1 << 37 // 128 G parameters, 512 GiB of float32
)

func (c Config) Validate() error {
	var errs []error
	pos := func(name string, v int) {
		if v <= 0 {
			errs = append(errs, fmt.Errorf("%s = %d: must be > 0", name, v))
		}
	}
	pos("vocab_size", c.VocabSize)
	pos("hidden_size", c.Dim)
	pos("num_hidden_layers", c.NLayers)
	pos("num_attention_heads", c.NHeads)
	pos("num_key_value_heads", c.NKVHeads)
	pos("intermediate_size", c.FFNDim)
	pos("max_position_embeddings", c.MaxSeqLen)
	switch {
	case c.HeadDim < 0:
		errs = append(errs, fmt.Errorf("head_dim = %d: must be > 0, or 0 for hidden_size/num_attention_heads", c.HeadDim))
	case c.HeadDim > 0:
		if c.HeadDim%2 != 0 {
			errs = append(errs, fmt.Errorf("head_dim %d is odd: RoPE rotates pairs, so it must be even", c.HeadDim))
		}
		if c.HeadDim > maxDim {
			errs = append(errs, fmt.Errorf("head_dim = %d: larger than %d (a corrupt config.json?)", c.HeadDim, maxDim))
		}
	case c.NHeads > 0 && c.Dim%c.NHeads != 0:
		errs = append(errs, fmt.Errorf("hidden_size %d is not divisible by num_attention_heads %d: choose a head count that divides it, or set head_dim", c.Dim, c.NHeads))
	case c.NHeads > 0 && c.HeadSize()%2 != 0:
		errs = append(errs, fmt.Errorf("head size %d is odd: RoPE rotates pairs, so hidden_size/num_attention_heads must be even", c.HeadSize()))
	}
	if c.HeadDim > 0 && c.NHeads > 0 && int64(c.HeadDim)*int64(c.NHeads) > maxDim {
		errs = append(errs, fmt.Errorf("head_dim %d × num_attention_heads %d: larger than %d (a corrupt config.json?)", c.HeadDim, c.NHeads, maxDim))
	}
	if c.NKVHeads > 0 && c.NHeads%c.NKVHeads != 0 {
		errs = append(errs, fmt.Errorf("num_attention_heads %d is not a multiple of num_key_value_heads %d", c.NHeads, c.NKVHeads))
	}
	if c.RopeTheta <= 0 {
		errs = append(errs, fmt.Errorf("rope_theta = %g: must be > 0 (10000 is the Llama default)", c.RopeTheta))
	}
	if c.NormEps <= 0 {
		errs = append(errs, fmt.Errorf("rms_norm_eps = %g: must be > 0 (1e-5 or 1e-6 are usual)", c.NormEps))
	}
	// Bounds far beyond any model this trainer can hold, so that a corrupt
	// config.json fails here instead of in an allocation of its declared size,
	// and so that the size computations below cannot overflow.
	for _, d := range []struct {
		name string
		v    int
	}{{"vocab_size", c.VocabSize}, {"hidden_size", c.Dim}, {"intermediate_size", c.FFNDim},
		{"max_position_embeddings", c.MaxSeqLen}, {"num_attention_heads", c.NHeads}} {
		if d.v > maxDim {
			errs = append(errs, fmt.Errorf("%s = %d: larger than %d, far beyond a model this trainer can hold (a corrupt config.json?)", d.name, d.v, maxDim))
		}
	}
	if c.NLayers > maxLayers {
		errs = append(errs, fmt.Errorf("num_hidden_layers = %d: larger than %d (a corrupt config.json?)", c.NLayers, maxLayers))
	}
	if len(errs) == 0 && c.ParamCount() > maxParams {
		errs = append(errs, fmt.Errorf("the config declares %d parameters, more than the %d this trainer can hold in memory (a corrupt config.json?)", c.ParamCount(), int64(maxParams)))
	}
	return errors.Join(errs...)
}
