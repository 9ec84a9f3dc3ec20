package main

import (
	"runtime"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
)

// TestMemoryWarning checks the step estimate against the cost model by hand
// and that the warning names a micro-batch that fits, or none.
func TestMemoryWarning(t *testing.T) {
	mc := nn.Config{VocabSize: 257, Dim: 16, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 32, MaxSeqLen: 160,
		RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true}
	m, err := nn.NewModel(mc)
	if err != nil {
		t.Fatal(err)
	}
	pol := &rl.Policy{Model: m, Codec: rl.ByteCodec{}, EOS: 256}
	cfg, err := defaultRunConfig("grpo")
	if err != nil {
		t.Fatal(err)
	}
	exs := []data.Example{{Prompt: "12345678"}, {Prompt: "1234"}}
	// rl.PromptText adds the newline: 9 prompt tokens + the 96-token cap.
	need, micro, seq := stepMemory(cfg, pol, true, exs)
	rows := cfg.Train.PromptsPerStep * cfg.Algo.Policy().GroupSize
	if seq != 9+96 || micro != min(cfg.Train.MicroBatch, rows) {
		t.Fatalf("micro %d seq %d", micro, seq)
	}
	want := mc.TrainMemoryBytes(micro, seq) + mc.GenerateMemoryBytes(min(cfg.Train.MaxBatch, rows), seq, runtime.GOMAXPROCS(0)) // weights counted twice = the reference model
	if need != want {
		t.Errorf("estimate %d, want %d", need, want)
	}
	if msg := memoryWarning(cfg, pol, true, exs, need); msg != "" {
		t.Errorf("fits exactly, warned: %s", msg)
	}
	smaller, _, _ := func() (int64, int, int) { c := cfg; c.Train.MicroBatch = 1; return stepMemory(c, pol, true, exs) }()
	msg := memoryWarning(cfg, pol, true, exs, smaller)
	if !strings.Contains(msg, "--micro-batch 1 fits") {
		t.Errorf("warning %q does not name micro-batch 1", msg)
	}
	if msg := memoryWarning(cfg, pol, true, exs, 1); !strings.Contains(msg, "no micro-batch fits") {
		t.Errorf("warning %q", msg)
	}
}
