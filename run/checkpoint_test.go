package run

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/tokenizer"
)

// A policy checkpoint carries generation_config.json: the tokenizer's
// <|endoftext|> for a model built here; the eos ids (several) a loaded
// model came with, together with its folder's tokenizer_config.json, for a
// model loaded from an HF folder; and so on down a chain of checkpoints.
func TestSaveCheckpointGenerationConfig(t *testing.T) {
	cfg := nn.Config{VocabSize: 264, Dim: 8, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 16, MaxSeqLen: 16, RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true}
	m, err := nn.NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Train([]string{"abc abc"}, tokenizer.DefaultTrainConfig())
	if err != nil {
		t.Fatal(err)
	}
	eot, _ := tok.SpecialID(tokenizer.EndOfText)
	root := t.TempDir()
	a := filepath.Join(root, "a")
	if err := SaveCheckpoint(a, m, tok); err != nil {
		t.Fatal(err)
	}
	g, ok, err := nn.ReadGenerationConfig(a)
	if err != nil || !ok || !slices.Equal(g.EOSTokenIDs, []int{int(eot)}) {
		t.Fatalf("built model: generation_config %+v, %v, %v; want eos [%d]", g, ok, err, eot)
	}
	if _, err := os.Stat(filepath.Join(a, TokenizerConfigFile)); err == nil {
		t.Error("tokenizer_config.json written for a model that came from no folder")
	}

	// An "HF" folder: two eos ids and a tokenizer_config.json.
	hf := filepath.Join(root, "hf")
	bos := 3
	if err := nn.SaveModelWith(hf, m, nn.SaveOptions{Generation: &nn.GenerationConfig{BOSTokenID: &bos, EOSTokenIDs: []int{5, 7}}}); err != nil {
		t.Fatal(err)
	}
	tc := []byte(`{"chat_template": "{{ messages }}", "eos_token": "<|im_end|>"}`)
	os.WriteFile(filepath.Join(hf, TokenizerConfigFile), tc, 0o644)
	loaded, err := nn.LoadModel(hf)
	if err != nil {
		t.Fatal(err)
	}
	dir := hf
	for _, next := range []string{"b", "c"} { // b from hf, c from b
		out := filepath.Join(root, next)
		if err := SaveCheckpoint(out, loaded.Clone(), tok); err != nil {
			t.Fatal(err)
		}
		g, ok, err := nn.ReadGenerationConfig(out)
		if err != nil || !ok || !slices.Equal(g.EOSTokenIDs, []int{5, 7}) || g.BOSTokenID == nil || *g.BOSTokenID != 3 {
			t.Errorf("%s: generation_config %+v (%v, %v), want bos 3, eos [5 7] from %s", next, g, ok, err, dir)
		}
		if got, err := os.ReadFile(filepath.Join(out, TokenizerConfigFile)); err != nil || string(got) != string(tc) {
			t.Errorf("%s: tokenizer_config.json not copied from %s: %q %v", next, dir, got, err)
		}
		if loaded, err = nn.LoadModel(out); err != nil {
			t.Fatal(err)
		}
		dir = out
	}
	// Saving over the folder it came from leaves the file in place.
	if err := SaveCheckpoint(dir, loaded, tok); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, TokenizerConfigFile)); string(got) != string(tc) {
		t.Errorf("re-saving in place lost tokenizer_config.json: %q", got)
	}
}

// A resumed run's checkpoints keep tokenizer_config.json when --keep
// rotates away the checkpoint the model was loaded from.
func TestTrainCheckpointsKeepTokenizerConfig(t *testing.T) {
	cfg := nn.Config{VocabSize: 264, Dim: 8, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 16, MaxSeqLen: 16, RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true}
	m0, err := nn.NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Train([]string{"abc abc"}, tokenizer.DefaultTrainConfig())
	if err != nil {
		t.Fatal(err)
	}
	init := filepath.Join(t.TempDir(), "init")
	if err := SaveCheckpoint(init, m0, tok); err != nil {
		t.Fatal(err)
	}
	tc := []byte(`{"chat_template": "x"}`)
	os.WriteFile(filepath.Join(init, TokenizerConfigFile), tc, 0o644)
	m, err := nn.LoadModel(init)
	if err != nil {
		t.Fatal(err)
	}
	runDir := t.TempDir()
	for step := 1; step <= 4; step++ {
		st := &nn.TrainState{Step: step, M: make([]float32, m.P.Len()), V: make([]float32, m.P.Len()), Meta: map[string]string{}}
		if _, err := SaveTrainCheckpoint(runDir, step, 1, TrainCheckpoint{Model: m, Tok: tok, State: st}); err != nil {
			t.Fatal(err)
		}
		if step == 1 {
			os.RemoveAll(init) // the --init folder may go away too
		}
	}
	if got, err := os.ReadFile(filepath.Join(runDir, "checkpoint-4", TokenizerConfigFile)); err != nil || string(got) != string(tc) {
		t.Errorf("checkpoint-4 lost tokenizer_config.json: %q %v", got, err)
	}
}
