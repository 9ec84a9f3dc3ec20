package nn

// Model FLOPs and weight traffic, the yardsticks that turn a benchmark's
// tokens/s into a fraction of the machine's peak (the "model FLOPs
// utilization" of Chowdhery et al. 2022, PaLM, Appendix B, with the causal
// mask's half of the attention products counted exactly instead of all of
// it). Only matrix products count: norms, RoPE, softmax, SwiGLU and the
// optimiser are O(params) or O(tokens·C) and are left out, so a step that
// spends time on them shows a lower utilization, as it should.

// MatmulParams is the number of weights that multiply activations once per
// token: the q, k, v, o, gate, up and down projections of every layer and the
// LM head (the tied embedding counts once, as the head). The embedding
// lookup, norms, biases and the value head are not products.
func (c Config) MatmulParams() int64 {
	C, F, hs := int64(c.Dim), int64(c.FFNDim), int64(c.HeadSize())
	q, kv := int64(c.NHeads)*hs, int64(c.NKVHeads)*hs
	layer := C*q + 2*C*kv + q*C + 3*C*F
	return int64(c.NLayers)*layer + int64(c.VocabSize)*C
}

// ForwardFLOPsPerToken is the forward pass's multiply-add count (×2) per
// token, averaged over a causal sequence of seq tokens: 2 per weight of
// MatmulParams, plus attention, where the token at position t scores and
// sums t+1 keys and values in each of NH heads (2·HS FLOPs each for q·k and
// for p·v), which averages to 2·NH·HS·(seq+1) per layer.
func (c Config) ForwardFLOPsPerToken(seq int) float64 {
	attn := 2 * float64(c.NHeads*c.HeadSize()) * float64(seq+1)
	return 2*float64(c.MatmulParams()) + float64(c.NLayers)*attn
}

// TrainFLOPsPerToken is the training step's count per token: the forward
// pass and a backward pass of twice its products (the input gradient and the
// weight gradient of every product).
func (c Config) TrainFLOPsPerToken(seq int) float64 { return 3 * c.ForwardFLOPsPerToken(seq) }

// DecodeWeightBytes is the float32 weight traffic of one decode step: every
// matmul weight is read once per step whatever the batch, which is what
// bounds batch-1 generation by memory bandwidth.
func (c Config) DecodeWeightBytes() float64 { return 4 * float64(c.MatmulParams()) }
