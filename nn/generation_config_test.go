package nn

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGenerationConfig: generation_config.json's eos list (one id or
// several) wins over config.json's, travels through Save/Load and Clone, and
// every one of its ids ends a completion in the Generator.
func TestGenerationConfig(t *testing.T) {
	cfg := genTestConfig()
	m := genTestModel(t, cfg, 8)
	prompts := genTestPrompts(6, 12, cfg.VocabSize, 6)
	g := NewGenerator(m, 3, 30)
	free, err := g.Generate(prompts, SampleConfig{Greedy: true, MaxNewTokens: 12}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Two ids from different prompts' greedy completions, so that each of
	// them is the one that stops some completion.
	a, b := free[0].Tokens[3], free[1].Tokens[2]
	if a == b {
		b = free[1].Tokens[5]
	}
	dir := t.TempDir()
	bos := 1
	gen := GenerationConfig{BOSTokenID: &bos, EOSTokenIDs: []int{int(a), int(b)}}
	if err := SaveModelWith(dir, m, SaveOptions{EOSTokenIDs: []int{int(a)}, Generation: &gen}); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := loaded.Clone().Origin; got.Dir != dir || !slices.Equal(got.Generation.EOSTokenIDs, gen.EOSTokenIDs) || *got.Generation.BOSTokenID != 1 {
		t.Fatalf("Origin after load and Clone: %+v", got)
	}
	stops := loaded.Origin.Generation.StopTokens()
	got, err := NewGenerator(loaded, 3, 30).Generate(prompts, SampleConfig{Greedy: true, MaxNewTokens: 12, StopTokens: stops}, nil)
	if err != nil {
		t.Fatal(err)
	}
	stoppedBy := map[int32]bool{}
	for i, c := range got {
		cut := slices.IndexFunc(free[i].Tokens, func(x int32) bool { return slices.Contains(stops, x) })
		want := free[i].Tokens
		if cut >= 0 {
			want = want[:cut+1]
			stoppedBy[want[cut]] = true
		}
		if !slices.Equal(c.Tokens, want) || c.Stopped != (cut >= 0) {
			t.Fatalf("prompt %d: %v (stopped %v), want %v", i, c.Tokens, c.Stopped, want)
		}
	}
	if !stoppedBy[a] || !stoppedBy[b] {
		t.Errorf("stops seen %v: want both eos ids %d and %d to end a completion", stoppedBy, a, b)
	}

	// Without generation_config.json, config.json's ids are the origin's.
	os.Remove(filepath.Join(dir, GenerationConfigFile))
	if loaded, err = LoadModel(dir); err != nil || !slices.Equal(loaded.Origin.Generation.EOSTokenIDs, []int{int(a)}) {
		t.Fatalf("fallback to config.json eos: %v (%v)", loaded.Origin.Generation, err)
	}

	// One id or a list; bad ids are errors naming the file.
	for js, want := range map[string][]int{`{"eos_token_id": 7}`: {7}, `{"eos_token_id": [7, 9], "bos_token_id": null}`: {7, 9}, `{}`: nil} {
		g, err := ParseGenerationConfig("g.json", []byte(js))
		if err != nil || !slices.Equal(g.EOSTokenIDs, want) {
			t.Errorf("%s: %v (%v)", js, g.EOSTokenIDs, err)
		}
	}
	for _, js := range []string{`{"eos_token_id": "x"}`, `{"eos_token_id": [-1]}`, `{"bos_token_id": 1.5}`, `[`} {
		if _, err := ParseGenerationConfig("g.json", []byte(js)); err == nil || !strings.Contains(err.Error(), "g.json") {
			t.Errorf("%s: want an error naming g.json, got %v", js, err)
		}
	}
	os.WriteFile(filepath.Join(dir, GenerationConfigFile), []byte(`{"eos_token_id": [3, 999]}`), 0o644)
	if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), "999") || !strings.Contains(err.Error(), GenerationConfigFile) {
		t.Errorf("eos id outside the vocabulary: %v", err)
	}
}
