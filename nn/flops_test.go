package nn

import "testing"

// TestFLOPs checks the FLOP and weight-traffic counts against hand-worked
// values: the S benchmark config, and a GQA config where k and v are
// narrower than q.
func TestFLOPs(t *testing.T) {
	s := ConfigS()
	// Per layer 4·256² (q,k,v,o) + 3·256·688 (gate,up,down) = 790,528;
	// ×4 layers + the 512×256 head.
	if got, want := s.MatmulParams(), int64(4*790528+512*256); got != want {
		t.Errorf("S MatmulParams = %d, want %d", got, want)
	}
	// 2·3,293,184 + 4 layers · 2·256·257.
	if got, want := s.ForwardFLOPsPerToken(256), float64(2*3293184+4*2*256*257); got != want {
		t.Errorf("S ForwardFLOPsPerToken(256) = %v, want %v", got, want)
	}
	if got, want := s.TrainFLOPsPerToken(256), 3*float64(2*3293184+4*2*256*257); got != want {
		t.Errorf("S TrainFLOPsPerToken(256) = %v, want %v", got, want)
	}
	if got, want := s.DecodeWeightBytes(), float64(4*3293184); got != want {
		t.Errorf("S DecodeWeightBytes = %v, want %v", got, want)
	}
	// GQA: C=64, 8 heads of 8, 2 KV heads → q 64, kv 16 wide; F=96, V=100, 3 layers.
	g := Config{VocabSize: 100, Dim: 64, NLayers: 3, NHeads: 8, NKVHeads: 2, FFNDim: 96}
	layer := int64(64*64 + 2*64*16 + 64*64 + 3*64*96)
	if got, want := g.MatmulParams(), 3*layer+100*64; got != want {
		t.Errorf("GQA MatmulParams = %d, want %d", got, want)
	}
	// Attention at seq 1: one key per token, 2·64·2 per layer.
	if got, want := g.ForwardFLOPsPerToken(1), float64(2*(3*layer+6400)+3*2*64*2); got != want {
		t.Errorf("GQA ForwardFLOPsPerToken(1) = %v, want %v", got, want)
	}
	// Qwen3-0.6B: head_dim 128 with 16 heads, so q is 2048 wide on C = 1024
	// (and k, v 8·128 = 1024): per layer 1024·2048 (q) + 2·1024·1024 (k, v)
	// + 2048·1024 (o) + 3·1024·3072 = 15,728,640; ×28 + the 151,936×1024
	// head = 595,984,384 (Qwen's "0.44B non-embedding" is the 440.4 M of
	// the layers). Attention: 2·16·128·(seq+1) per layer.
	q3 := Config{VocabSize: 151936, Dim: 1024, NLayers: 28, NHeads: 16, NKVHeads: 8, FFNDim: 3072, HeadDim: 128}
	if got, want := q3.MatmulParams(), int64(28*15728640+151936*1024); got != want || got != 595984384 {
		t.Errorf("Qwen3-0.6B MatmulParams = %d, want %d", got, want)
	}
	if got, want := q3.ForwardFLOPsPerToken(1), float64(2*595984384+28*2*2048*2); got != want {
		t.Errorf("Qwen3-0.6B ForwardFLOPsPerToken(1) = %v, want %v", got, want)
	}
}
