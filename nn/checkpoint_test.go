package nn

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func ckptConfig() Config {
	return Config{VocabSize: 11, Dim: 8, NLayers: 2, NHeads: 2, NKVHeads: 1, FFNDim: 12,
		MaxSeqLen: 16, RopeTheta: 10000, NormEps: 1e-5}
}

// ckptRandomModel is a model of cfg with every parameter drawn at random.
func ckptRandomModel(t *testing.T, cfg Config, seed uint64) *Model {
	t.Helper()
	m, err := NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	for i := range m.P.Data {
		m.P.Data[i] = float32(rng.NormFloat64())
	}
	return m
}

func ckptSameBits(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

func TestCheckpointRoundTrip(t *testing.T) {
	tied := ckptConfig()
	tied.TieEmbeddings = true
	untied := ckptConfig()
	untied.RopeTheta, untied.NormEps = 500000, 1e-6
	qwen := ckptConfig()
	qwen.QKVBias, qwen.TieEmbeddings = true, true
	value := ckptConfig()
	value.ValueHead = true
	qwen3 := ckptConfig()
	qwen3.QKNorm, qwen3.HeadDim, qwen3.TieEmbeddings = true, 6, true
	headDim := ckptConfig()
	headDim.HeadDim = 2
	for name, cfg := range map[string]Config{"tied": tied, "untied": untied, "qwen2": qwen, "value": value,
		"qwen3": qwen3, "llama-head_dim": headDim} {
		t.Run(name, func(t *testing.T) {
			m := ckptRandomModel(t, cfg, 1)
			dir := filepath.Join(t.TempDir(), "ckpt", "step-1") // created on demand
			bos := 3
			if err := SaveModelWith(dir, m, SaveOptions{BOSTokenID: &bos, EOSTokenIDs: []int{4, 5}, Metadata: map[string]string{"step": "1"}}); err != nil {
				t.Fatal(err)
			}
			// Saving again over it works (atomic replace) and leaves no temp files.
			if err := SaveModel(dir, m); err != nil {
				t.Fatal(err)
			}
			entries, _ := os.ReadDir(dir)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			if !slices.Equal(names, []string{ConfigFile, ModelFile}) {
				t.Errorf("checkpoint dir holds %v", names)
			}
			got, hc, err := LoadModelHF(dir)
			if err != nil {
				t.Fatal(err)
			}
			if got.Cfg != cfg {
				t.Errorf("config %+v, want %+v", got.Cfg, cfg)
			}
			if !ckptSameBits(got.P.Data, m.P.Data) {
				t.Error("parameters changed in the round trip")
			}
			if slices.ContainsFunc(got.G.Data, func(v float32) bool { return v != 0 }) {
				t.Error("loaded model has non-zero gradients")
			}
			if hc.BOSTokenID != nil || hc.EOSTokenIDs != nil {
				t.Errorf("second save without token ids kept bos/eos: %v %v", hc.BOSTokenID, hc.EOSTokenIDs)
			}
			wantArch := map[bool]string{false: "LlamaForCausalLM", true: "Qwen2ForCausalLM"}[cfg.QKVBias]
			if cfg.QKNorm {
				wantArch = "Qwen3ForCausalLM"
			}
			if hc.Architecture != wantArch {
				t.Errorf("architecture %q, want %q", hc.Architecture, wantArch)
			}
			// The file has exactly the HF tensor names: no lm_head when tied.
			f, err := ReadSafetensors(filepath.Join(dir, ModelFile))
			if err != nil {
				t.Fatal(err)
			}
			_, hasHead := f.Lookup("lm_head.weight")
			if hasHead == cfg.TieEmbeddings {
				t.Errorf("lm_head.weight present = %v with tie_word_embeddings = %v", hasHead, cfg.TieEmbeddings)
			}
			if f.Metadata["format"] != "pt" {
				t.Errorf("metadata %v lacks format=pt (transformers requires it)", f.Metadata)
			}
			if _, ok := f.Lookup("model.layers.1.mlp.down_proj.weight"); !ok {
				t.Error("model.layers.1.mlp.down_proj.weight missing")
			}
			if ti, ok := f.Lookup("model.layers.1.self_attn.q_norm.weight"); ok != cfg.QKNorm || ok && !slices.Equal(ti.Shape, []int{cfg.HeadSize()}) {
				t.Errorf("q_norm present = %v (shape %v) with QKNorm = %v, head size %d", ok, ti.Shape, cfg.QKNorm, cfg.HeadSize())
			}
		})
	}
}

func TestConfigJSONKeys(t *testing.T) {
	cfg := ckptConfig()
	bos := 1
	b, err := MarshalHFConfig(cfg, SaveOptions{BOSTokenID: &bos, EOSTokenIDs: []int{2}})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"architectures": []any{"LlamaForCausalLM"}, "model_type": "llama", "vocab_size": 11.0,
		"hidden_size": 8.0, "intermediate_size": 12.0, "num_hidden_layers": 2.0,
		"num_attention_heads": 2.0, "num_key_value_heads": 1.0, "max_position_embeddings": 16.0,
		"rope_theta": 10000.0, "rms_norm_eps": 1e-5, "tie_word_embeddings": false,
		"attention_bias": false, "hidden_act": "silu", "attention_dropout": 0.0,
		"torch_dtype": "float32", "bos_token_id": 1.0, "eos_token_id": 2.0,
	}
	for k, v := range want {
		gb, _ := json.Marshal(got[k])
		wb, _ := json.Marshal(v)
		if string(gb) != string(wb) {
			t.Errorf("%s = %s, want %s", k, gb, wb)
		}
	}
	if len(got) != len(want) {
		t.Errorf("config.json has %d keys, want %d: %s", len(got), len(want), b)
	}
}

// Real config.json files of Hub models (trimmed of nothing).
const (
	qwen25Config = `{
  "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
  "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
  "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 24,
  "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24,
  "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0,
  "sliding_window": 32768, "tie_word_embeddings": true, "torch_dtype": "bfloat16",
  "transformers_version": "4.40.1", "use_cache": true, "use_sliding_window": false,
  "vocab_size": 151936}`
	tinyLlamaConfig = `{
  "architectures": ["LlamaForCausalLM"], "attention_bias": false, "bos_token_id": 1,
  "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 2048, "initializer_range": 0.02,
  "intermediate_size": 5632, "max_position_embeddings": 2048, "model_type": "llama",
  "num_attention_heads": 32, "num_hidden_layers": 22, "num_key_value_heads": 4,
  "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 10000.0,
  "tie_word_embeddings": false, "torch_dtype": "bfloat16", "transformers_version": "4.35.0",
  "use_cache": true, "vocab_size": 32000}`
	qwen3Config = `{
  "architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "bos_token_id": 151643,
  "eos_token_id": 151645, "head_dim": 128, "hidden_act": "silu", "hidden_size": 1024,
  "intermediate_size": 3072, "max_position_embeddings": 40960, "model_type": "qwen3",
  "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 8,
  "rms_norm_eps": 1e-06, "rope_scaling": null, "rope_theta": 1000000, "sliding_window": null,
  "tie_word_embeddings": true, "use_sliding_window": false, "vocab_size": 151936}`
	llama32Config = `{
  "architectures": ["LlamaForCausalLM"], "bos_token_id": 128000,
  "eos_token_id": [128001, 128008, 128009], "head_dim": 64, "hidden_act": "silu",
  "hidden_size": 2048, "intermediate_size": 8192, "max_position_embeddings": 131072,
  "model_type": "llama", "num_attention_heads": 32, "num_hidden_layers": 16,
  "num_key_value_heads": 8, "rms_norm_eps": 1e-05,
  "rope_scaling": {"factor": 32.0, "high_freq_factor": 4.0, "low_freq_factor": 1.0,
    "original_max_position_embeddings": 8192, "rope_type": "llama3"},
  "rope_theta": 500000.0, "tie_word_embeddings": true, "torch_dtype": "bfloat16", "vocab_size": 128256}`
)

func TestParseHFConfig(t *testing.T) {
	hc, err := ParseHFConfig("qwen.json", []byte(qwen25Config))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{VocabSize: 151936, Dim: 896, NLayers: 24, NHeads: 14, NKVHeads: 2, FFNDim: 4864,
		MaxSeqLen: 32768, RopeTheta: 1e6, NormEps: 1e-6, TieEmbeddings: true, QKVBias: true}
	if hc.Config != want || hc.Architecture != "Qwen2ForCausalLM" || *hc.BOSTokenID != 151643 || !slices.Equal(hc.EOSTokenIDs, []int{151643}) {
		t.Errorf("Qwen2.5-0.5B: %+v", hc)
	}
	hc, err = ParseHFConfig("tinyllama.json", []byte(tinyLlamaConfig))
	if err != nil {
		t.Fatal(err)
	}
	want = Config{VocabSize: 32000, Dim: 2048, NLayers: 22, NHeads: 32, NKVHeads: 4, FFNDim: 5632,
		MaxSeqLen: 2048, RopeTheta: 10000, NormEps: 1e-5}
	if hc.Config != want || hc.ModelType != "llama" {
		t.Errorf("TinyLlama: %+v", hc)
	}
	// Llama 3.2 uses llama3 rope scaling: refused, by name.
	if _, err := ParseHFConfig("llama32.json", []byte(llama32Config)); err == nil || !strings.Contains(err.Error(), "rope_scaling") || !strings.Contains(err.Error(), "llama32.json") {
		t.Errorf("Llama 3.2: %v", err)
	}
	// Defaults of transformers when keys are missing.
	hc, err = ParseHFConfig("min.json", []byte(`{"model_type":"llama","vocab_size":10,"hidden_size":8,"num_hidden_layers":1,"num_attention_heads":2,"intermediate_size":4}`))
	if err != nil {
		t.Fatal(err)
	}
	if hc.NKVHeads != 2 || hc.RopeTheta != 10000 || hc.NormEps != 1e-6 || hc.MaxSeqLen != 2048 || hc.TieEmbeddings || hc.Architecture != "LlamaForCausalLM" {
		t.Errorf("defaults: %+v", hc)
	}

	edit := func(base, key, val string) string {
		var m map[string]json.RawMessage
		json.Unmarshal([]byte(base), &m)
		if val == "" {
			delete(m, key)
		} else {
			m[key] = json.RawMessage(val)
		}
		b, _ := json.Marshal(m)
		return string(b)
	}
	// The published configs of the models the real-size tests use.
	for _, c := range []struct {
		file string
		want Config
		arch string
		eos  []int
	}{
		{"smollm2-135m.json", Config{VocabSize: 49152, Dim: 576, NLayers: 30, NHeads: 9, NKVHeads: 3, FFNDim: 1536,
			MaxSeqLen: 8192, RopeTheta: 1e5, NormEps: 1e-5, TieEmbeddings: true}, "LlamaForCausalLM", []int{2}},
		{"qwen2.5-0.5b.json", Config{VocabSize: 151936, Dim: 896, NLayers: 24, NHeads: 14, NKVHeads: 2, FFNDim: 4864,
			MaxSeqLen: 32768, RopeTheta: 1e6, NormEps: 1e-6, TieEmbeddings: true, QKVBias: true}, "Qwen2ForCausalLM", []int{151643}},
		// head_dim 128 ≠ 1024/16: q_proj is (2048, 1024).
		{"qwen3-0.6b.json", Config{VocabSize: 151936, Dim: 1024, NLayers: 28, NHeads: 16, NKVHeads: 8, FFNDim: 3072,
			MaxSeqLen: 40960, RopeTheta: 1e6, NormEps: 1e-6, TieEmbeddings: true, HeadDim: 128, QKNorm: true}, "Qwen3ForCausalLM", []int{151645}},
	} {
		b, err := os.ReadFile(filepath.Join("testdata", "hf", c.file))
		if err != nil {
			t.Fatal(err)
		}
		hc, err := ParseHFConfig(c.file, b)
		if err != nil {
			t.Fatal(err)
		}
		if hc.Config != c.want || hc.Architecture != c.arch || !slices.Equal(hc.EOSTokenIDs, c.eos) {
			t.Errorf("%s: %+v", c.file, hc)
		}
	}
	if hc, err := ParseHFConfig("q3.json", []byte(edit(qwen3Config, "head_dim", ""))); err != nil || hc.HeadSize() != 128 {
		t.Errorf("qwen3 without head_dim: want transformers' default 128, got %v (%v)", hc.HeadSize(), err)
	}
	if hc, err := ParseHFConfig("rp.json", []byte(edit(edit(tinyLlamaConfig, "rope_theta", ""), "rope_parameters", `{"rope_type":"default","rope_theta":5e5}`))); err != nil || hc.RopeTheta != 5e5 {
		t.Errorf("rope_parameters.rope_theta: got %v (%v)", hc.RopeTheta, err)
	}
	bad := []struct{ js, want string }{
		{edit(tinyLlamaConfig, "model_type", `"qwen3"`), "qwen3"},
		{edit(tinyLlamaConfig, "hidden_act", `"gelu"`), "hidden_act"},
		{edit(tinyLlamaConfig, "attention_bias", `true`), "o_proj"},
		{edit(tinyLlamaConfig, "mlp_bias", `true`), "mlp_bias"},
		{edit(tinyLlamaConfig, "head_dim", `-4`), "head_dim"},
		{edit(tinyLlamaConfig, "head_dim", `63`), "head_dim 63 is odd"},
		{edit(tinyLlamaConfig, "rope_interleaved", `true`), "rope_interleaved"},
		{edit(tinyLlamaConfig, "layer_types", `["full_attention","sliding_attention"]`), "layer_types[1]"},
		{edit(tinyLlamaConfig, "rope_parameters", `{"rope_type":"yarn","factor":4}`), "yarn"},
		{edit(qwen3Config, "attention_bias", `true`), "o_proj"},
		{edit(qwen3Config, "architectures", `["Qwen2ForCausalLM"]`), "does not match"},
		{edit(tinyLlamaConfig, "quantization_config", `{"bits":4}`), "quantiz"},
		{edit(tinyLlamaConfig, "hidden_size", ""), "hidden_size is missing"},
		{edit(tinyLlamaConfig, "num_key_value_heads", `5`), "num_key_value_heads"},
		{edit(tinyLlamaConfig, "vocab_size", `"many"`), "vocab_size"},
		{edit(tinyLlamaConfig, "architectures", `["MistralForCausalLM"]`), "MistralForCausalLM"},
		{edit(qwen25Config, "use_sliding_window", `true`), "use_sliding_window"},
		{edit(edit(tinyLlamaConfig, "model_type", ""), "architectures", ""), "model_type"},
		{`{"model_type": "llama",`, "unexpected end"},
	}
	for _, c := range bad {
		_, err := ParseHFConfig("bad.json", []byte(c.js))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "bad.json") {
			t.Errorf("want an error naming bad.json and %q, got %v", c.want, err)
		}
	}
}

// writeHFDir writes a checkpoint directory by hand, as another tool would.
func writeHFDir(t *testing.T, dir, config string, files map[string][]byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, ConfigFile), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestLoadHFHalfPrecision loads a Qwen2-style checkpoint stored in BF16 (one
// tensor in F16), with the extras HF files may carry: a rotary inv_freq
// buffer and a duplicated tied lm_head.
func TestLoadHFHalfPrecision(t *testing.T) {
	cfg := ckptConfig()
	cfg.QKVBias, cfg.TieEmbeddings = true, true
	js, err := MarshalHFConfig(cfg, SaveOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ref := NewParams(cfg) // the values the file should load as
	rng := rand.New(rand.NewPCG(3, 4))
	var entries []stEntry
	for i, n := range ref.Named() {
		var raw []byte
		dt := BF16
		if i == 3 {
			dt = F16
		}
		for j := range n.Data {
			x := float32(rng.NormFloat64())
			if dt == BF16 {
				h := uint16(math.Float32bits(x) >> 16) // truncate to bf16
				raw = append(raw, stLE16(h)...)
				n.Data[j] = math.Float32frombits(uint32(h) << 16)
			} else {
				h := uint16(0x3C00 + j) // 1 + j/1024, exact in f16
				raw = append(raw, stLE16(h)...)
				n.Data[j] = 1 + float32(j)/1024
			}
		}
		entries = append(entries, stEntry{n.Name, dt, n.Shape, raw})
	}
	entries = append(entries,
		stEntry{"lm_head.weight", BF16, []int{cfg.VocabSize, cfg.Dim}, entries[0].data},
		stEntry{"model.layers.0.self_attn.rotary_emb.inv_freq", F32, []int{2}, stLE32(1, 0.01)})
	dir := t.TempDir()
	writeHFDir(t, dir, string(js), map[string][]byte{ModelFile: buildST(map[string]string{"format": "pt"}, entries...)})
	m, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ckptSameBits(m.P.Data, ref.Data) {
		t.Error("BF16/F16 checkpoint loaded with different values")
	}

	// A tied lm_head that differs from the embedding is an error.
	head := slices.Clone(entries[0].data)
	head[0] ^= 1
	entries[len(entries)-2].data = head
	writeHFDir(t, dir, string(js), map[string][]byte{ModelFile: buildST(nil, entries...)})
	if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), "lm_head.weight differs") {
		t.Errorf("tied lm_head differing from embed_tokens: %v", err)
	}
}

func TestLoadCheckpointErrors(t *testing.T) {
	cfg := ckptConfig()
	m := ckptRandomModel(t, cfg, 2)
	named := m.P.Named()
	save := func(t *testing.T, tensors []Named) string {
		dir := t.TempDir()
		if err := SaveModel(dir, m); err != nil {
			t.Fatal(err)
		}
		if tensors != nil {
			if err := WriteSafetensors(filepath.Join(dir, ModelFile), tensors, nil); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	t.Run("missing tensor", func(t *testing.T) {
		dir := save(t, slices.Delete(slices.Clone(named), 5, 6))
		_, err := LoadModel(dir)
		if err == nil || !strings.Contains(err.Error(), named[5].Name) || !strings.Contains(err.Error(), "missing") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("extra tensor", func(t *testing.T) {
		extra := append(slices.Clone(named), Named{Name: "model.layers.0.self_attn.o_proj.bias", Shape: []int{8}, Data: make([]float32, 8)})
		dir := save(t, extra)
		_, err := LoadModel(dir)
		if err == nil || !strings.Contains(err.Error(), "o_proj.bias") || !strings.Contains(err.Error(), ModelFile) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("wrong shape", func(t *testing.T) {
		wrong := slices.Clone(named)
		wrong[2].Shape = []int{len(wrong[2].Data)} // q_proj flattened: same element count
		dir := save(t, wrong)
		_, err := LoadModel(dir)
		if err == nil || !strings.Contains(err.Error(), named[2].Name) || !strings.Contains(err.Error(), "shape") {
			t.Errorf("got %v", err)
		}
	})
	t.Run("truncated weights", func(t *testing.T) {
		dir := save(t, nil)
		p := filepath.Join(dir, ModelFile)
		b, _ := os.ReadFile(p)
		os.WriteFile(p, b[:len(b)-5], 0o644)
		_, err := LoadModel(dir)
		if err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("no config", func(t *testing.T) {
		dir := save(t, nil)
		os.Remove(filepath.Join(dir, ConfigFile))
		if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), ConfigFile) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("no weights", func(t *testing.T) {
		dir := save(t, nil)
		os.Remove(filepath.Join(dir, ModelFile))
		if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), ModelFile) {
			t.Errorf("got %v", err)
		}
	})
	t.Run("non-finite weights", func(t *testing.T) {
		bad := slices.Clone(named)
		bad[2].Data = slices.Clone(bad[2].Data)
		bad[2].Data[1] = float32(math.Inf(-1))
		dir := save(t, bad)
		if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), named[2].Name) {
			t.Errorf("got %v", err)
		}
	})
}

// TestSaveRefusesNaN: a NaN parameter is an error naming the tensor, and the
// checkpoint already on disk is left as it was.
func TestSaveRefusesNaN(t *testing.T) {
	m := ckptRandomModel(t, ckptConfig(), 3)
	dir := t.TempDir()
	if err := SaveModel(dir, m); err != nil {
		t.Fatal(err)
	}
	old := slices.Clone(m.P.Data)
	m.P.Layers[1].WUp[3] = float32(math.NaN())
	err := SaveModel(dir, m)
	if err == nil || !strings.Contains(err.Error(), "model.layers.1.mlp.up_proj.weight") {
		t.Fatalf("got %v", err)
	}
	got, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ckptSameBits(got.P.Data, old) {
		t.Error("refused save changed the checkpoint on disk")
	}
}

// TestLoadSharded: a checkpoint split over shards with an index, as
// transformers writes large models.
func TestLoadSharded(t *testing.T) {
	cfg := ckptConfig()
	m := ckptRandomModel(t, cfg, 4)
	dir := t.TempDir()
	js, _ := MarshalHFConfig(cfg, SaveOptions{})
	writeHFDir(t, dir, string(js), nil)
	named := m.P.Named()
	shards := map[string][]Named{
		"model-00001-of-00002.safetensors": named[:7],
		"model-00002-of-00002.safetensors": named[7:],
	}
	wm := map[string]string{}
	for file, ts := range shards {
		if err := WriteSafetensors(filepath.Join(dir, file), ts, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
		for _, n := range ts {
			wm[n.Name] = file
		}
	}
	idx, _ := json.Marshal(map[string]any{"metadata": map[string]any{"total_size": 4 * m.P.Len()}, "weight_map": wm})
	os.WriteFile(filepath.Join(dir, ModelIndexFile), idx, 0o644)
	got, err := LoadModel(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !ckptSameBits(got.P.Data, m.P.Data) {
		t.Error("sharded checkpoint loaded with different values")
	}
	// A shard name that leaves the directory is refused.
	wm[named[0].Name] = "../elsewhere.safetensors"
	idx, _ = json.Marshal(map[string]any{"weight_map": wm})
	os.WriteFile(filepath.Join(dir, ModelIndexFile), idx, 0o644)
	if _, err := LoadModel(dir); err == nil || !strings.Contains(err.Error(), "elsewhere") {
		t.Errorf("got %v", err)
	}
}
