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
}
