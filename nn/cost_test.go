package nn

import "testing"

// costTiny is the T benchmark config: V 64, C 32, 2 layers of 2 heads of
// 16, F 64, tied embeddings.
func costTiny() Config {
	return Config{VocabSize: 64, Dim: 32, NLayers: 2, NHeads: 2, NKVHeads: 2, FFNDim: 64,
		MaxSeqLen: 64, RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true}
}

// TestCostParamCount: ParamCount equals the length of the real slab, for
// tied and untied heads, grouped-query attention, q/k/v biases and a value
// head; and a hand count for the tiny config.
func TestCostParamCount(t *testing.T) {
	gqa := Config{VocabSize: 100, Dim: 48, NLayers: 3, NHeads: 6, NKVHeads: 2, FFNDim: 80, MaxSeqLen: 32,
		RopeTheta: 10000, NormEps: 1e-5}
	odd := gqa
	odd.QKVBias, odd.ValueHead = true, true
	tiedValue := costTiny()
	tiedValue.ValueHead = true
	qwen3 := gqa // per-head q/k norm and a head size ≠ C/NH
	qwen3.QKNorm, qwen3.HeadDim = true, 10
	for _, cfg := range []Config{costTiny(), ConfigS(), gqa, odd, tiedValue, qwen3} {
		if got, want := cfg.ParamCount(), int64(NewParams(cfg).Len()); got != want {
			t.Errorf("ParamCount(%+v) = %d, want the slab's %d", cfg, got, want)
		}
	}
	// Embedding 64·32 = 2048; per layer 2 norms of 32, q/k/v/o 4·32·32 =
	// 4096, gate/up/down 3·64·32 = 6144, so 10,304 × 2 layers; final norm 32.
	if got, want := costTiny().ParamCount(), int64(2048+2*10304+32); got != want {
		t.Errorf("tiny ParamCount = %d, want %d", got, want)
	}
}

// TestCostMemoryBytes checks the memory estimates of the tiny config
// against hand-worked values.
func TestCostMemoryBytes(t *testing.T) {
	cfg := costTiny()
	const params = 22688 // TestCostParamCount
	// Training 2 sequences of 64 tokens: N = 2·63 = 126 rows. Per layer and
	// row: res 32, ln1 32, rstd1 1, q 32, k 32, v 32, lse 2, atty 32, x2 32,
	// ln2 32, rstd2 1, gate|up 128, h 64 = 452; then the final residual 32,
	// xg 32, xf 32, rstdf 1. Backward scratch per row: dres, dxf, dln 3·32,
	// dgu, dh 3·64, datty, dq, qkv's q 3·32, dk, dv, qkv's k and v 4·32 =
	// 512. Logits: all 126 rows fit one chunk of 2^20/64 rows, × V 64.
	acts := 126 * (2*452 + 32 + 32 + 32 + 1)
	scratch := 126 * 512
	logits := 126 * 64
	if got, want := cfg.TrainMemoryBytes(2, 64), int64(4*(4*params+acts+scratch+logits)); got != want {
		t.Errorf("TrainMemoryBytes(2, 64) = %d, want %d", got, want)
	}
	if got := cfg.TrainMemoryBytes(2, 64); got != 1157816 {
		t.Errorf("TrainMemoryBytes(2, 64) = %d, want 1,157,816", got)
	}

	// Generation, batch 3, max length 12, 2 threads: weights + packed copy;
	// the KV cache of 2 layers × 3 slots × 12 positions × 32 (k and v);
	// prefillRows 256 rows of x 32, xn 32, qkv 96, ao 32, gu 128, hb 64 =
	// 384; xl 32 and logits 64 for each of 3 rows; 2 workers × 12 scores.
	kv := NewKVCache(cfg, 3, 12).Bytes()
	if kv != 4*2*2*3*12*32 {
		t.Fatalf("KV cache %d bytes, want %d", kv, 4*2*2*3*12*32)
	}
	gen := int64(4*(2*params+256*384+3*(32+64)+2*12)) + kv
	if got := cfg.GenerateMemoryBytes(3, 12, 2); got != gen || got != 594400 {
		t.Errorf("GenerateMemoryBytes(3, 12, 2) = %d, want %d = 594,400", got, gen)
	}
	// Past prefillRows the step's activations grow with the batch.
	if d := cfg.GenerateMemoryBytes(300, 12, 2) - cfg.GenerateMemoryBytes(299, 12, 2); d != 4*(2*2*12*32+384+96) {
		t.Errorf("one more row past prefillRows adds %d bytes, want %d", d, 4*(2*2*12*32+384+96))
	}
}

// TestCostAtLeastWeights: training holds at least the parameters, gradients
// and both moments; generation at least the weights and their packed copy.
func TestCostAtLeastWeights(t *testing.T) {
	for _, cfg := range []Config{costTiny(), ConfigS(), ConfigM()} {
		p := cfg.ParamCount()
		if tb := cfg.TrainMemoryBytes(1, 2); tb < 16*p {
			t.Errorf("TrainMemoryBytes = %d < 16 × %d params", tb, p)
		}
		if gb := cfg.GenerateMemoryBytes(1, 2, 1); gb < 8*p {
			t.Errorf("GenerateMemoryBytes = %d < 8 × %d params", gb, p)
		}
	}
}
