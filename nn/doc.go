// Package nn is rltrain's transformer: a decoder-only Llama/Qwen2/Qwen3-family
// model with Forward and Backward written side by side per layer (llm.c
// style, no autograd), parameters and gradients in flat slabs, AdamW, batched
// generation with a KV cache and safetensors checkpoints.
//
// Dimension letters used in shape comments:
//
//	B   batch (sequences)            T   time (positions in a sequence)
//	C   model width (hidden_size)    V   vocabulary size
//	NH  query heads                  NKV key/value heads
//	HS  head size (head_dim; C/NH    F   SwiGLU inner width (intermediate_size)
//	    unless set, as Qwen3 does)
//	G   query heads per KV head = NH/NKV
package nn
