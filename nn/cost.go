package nn

// The memory side of the cost model beside flops.go: how many parameters a
// configuration has and how many bytes training and generation hold, from
// the Config alone (nothing is allocated), so that a benchmark can set a
// measured peak RSS against what the model needs, and a caller can see
// whether a configuration fits before building it. Every term names the
// buffer of this package it stands for (Params, blockActs, modelBufs,
// KVCache, Generator). TestCostParamCount pins ParamCount to NewParams'
// slab; TestCostMemoryBytes works the byte counts out by hand.

// ParamCount is the number of float32 values in NewParams(c)'s slab, i.e.
// the length of Model.P.Data: the matrix weights of MatmulParams (with the
// tied embedding counted once, as the LM head), plus the embedding when it
// is not tied, the two RMSNorm weights of every block and the final one, the
// q/k/v biases with QKVBias, the per-head q/k norm weights with QKNorm,
// and the value head's weight and bias with
// ValueHead. c must be valid.
func (c Config) ParamCount() int64 {
	C, L, d := int64(c.Dim), int64(c.NLayers), dimsOf(c)
	n := c.MatmulParams() + L*2*C + C // + input/post-attention norms, final norm
	if c.QKVBias {
		n += L * int64(d.qkvDim())
	}
	if c.QKNorm {
		n += L * 2 * int64(d.hs) // q_norm, k_norm
	}
	if !c.TieEmbeddings {
		n += int64(c.VocabSize) * C // model.embed_tokens beside lm_head
	}
	if c.ValueHead {
		n += C + 1
	}
	return n
}

// TrainMemoryBytes estimates the bytes a training step (Score with Grad,
// Backward, AdamW) holds for batch sequences of seq tokens each:
//
//   - parameters, gradients and the two AdamW moments: 4 × ParamCount;
//   - the activations kept for the backward pass over the N = batch·(seq−1)
//     packed rows: per block its input residual and blockActs (both norms'
//     outputs and inverse RMS, q, k, v, the attention log-sum-exp and
//     output, the residual after attention, gate|up and the SwiGLU output,
//     and with QKNorm the raw q|k heads and their inverse RMS), and the
//     final residual, its gathered and normed rows and their
//     inverse RMS;
//   - the backward scratch all blocks share (modelBufs' dres, dxf, dln, dgu,
//     dh, datty, dq, dk, dv and qkv);
//   - one chunk of LM-head logits (at most logitChunkElems values).
//
// Everything is float32. Worker scratch, the RoPE table, the token and
// position indexes and the Go runtime are left out. c must be valid and
// batch ≥ 1, seq ≥ 2.
func (c Config) TrainMemoryBytes(batch, seq int) int64 {
	C, F, V, L := int64(c.Dim), int64(c.FFNDim), int64(c.VocabSize), int64(c.NLayers)
	d := dimsOf(c)
	q, kv, nh := int64(d.qDim()), int64(d.kvDim()), int64(d.nh)
	n := int64(batch * (seq - 1))
	perLayer := C /*res*/ + C /*ln1*/ + 1 /*rstd1*/ + q + 2*kv + nh /*lse*/ + q /*atty*/ +
		C /*x2*/ + C /*ln2*/ + 1 /*rstd2*/ + 3*F /*gu, h*/
	if c.QKNorm {
		perLayer += q + kv + nh + int64(d.nkv) // qkRaw, qkRs
	}
	acts := n * (L*perLayer + C /*final res*/ + 2*C + 1 /*xg, xf, rstdf*/)
	scratch := n * (3*C + 3*F + 3*q + 4*kv) // dres, dxf, dln, dgu, dh, datty, dq, dk, dv, qkv
	logits := min(n, max(1, logitChunkElems/V)) * V
	return 4 * (4*c.ParamCount() + acts + scratch + logits)
}

// GenerateMemoryBytes estimates the bytes batched generation holds with a
// Generator of maxBatch = batch sequences of up to maxLen tokens, run on
// threads workers:
//
//   - the weights and the Generator's packed copy of the weight matrices:
//     2 × ParamCount;
//   - the KVCache: 2·NLayers·batch·maxLen·NKV·HS values (KVCache.Bytes);
//   - one forward step's activations over max(batch, prefillRows) rows
//     (residual, normed input, q|k|v, attention output, gate|up, SwiGLU
//     output), the final-normed hidden and logits of batch rows, and each
//     worker's maxLen attention scores.
//
// Everything is float32. The model's gradient slab (NewModel's G) is left
// out: generation never writes it, so its pages are not resident. c must
// be valid and batch, maxLen, threads ≥ 1.
func (c Config) GenerateMemoryBytes(batch, maxLen, threads int) int64 {
	C, F, V, L := int64(c.Dim), int64(c.FFNDim), int64(c.VocabSize), int64(c.NLayers)
	d := dimsOf(c)
	q, kv := int64(d.qDim()), int64(d.kvDim())
	rows := int64(max(batch, prefillRows))
	kvCache := 2 * L * int64(batch) * int64(maxLen) * kv
	acts := rows*(2*C+q+2*kv+q+3*F) + int64(batch)*(C+V) + int64(threads)*int64(maxLen)
	return 4 * (2*c.ParamCount() + kvCache + acts)
}
