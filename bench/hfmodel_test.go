package bench

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// RunHFModel on a tiny Qwen3-layout config.json: it writes, loads and
// steps the model and reports consistent counts; bad configurations are
// refused with the flag's name.
func TestRunHFModel(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	js := `{"model_type": "qwen3", "vocab_size": 300, "hidden_size": 32, "num_hidden_layers": 2,
		"num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 12, "intermediate_size": 48,
		"max_position_embeddings": 64, "tie_word_embeddings": true, "eos_token_id": [1, 2]}`
	if err := os.WriteFile(path, []byte(js), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultHFModelConfig()
	cfg.ModelConfig, cfg.Completion, cfg.PromptLen = path, 8, 5
	for _, trainer := range []bool{false, true} {
		cfg.Trainer = trainer
		var out strings.Builder
		r, err := RunHFModel(&out, cfg)
		if err != nil {
			t.Fatal(err)
		}
		// nn path: 4 × (5 + 8) tokens; trainer path: the countdown prompt's
		// bytes + 8 per completion.
		if r.Config.Architecture != "Qwen3ForCausalLM" || r.RolloutToken != 4*8 ||
			!trainer && r.TrainTokens != 4*13 || trainer && r.TrainTokens <= 4*(8+10) ||
			!(r.RolloutTokS > 0) || !(r.TrainTokS > 0) || !(r.LoadSecs > 0) || r.Params != r.Config.ParamCount() {
			t.Errorf("trainer=%v: result %+v", trainer, r)
		}
		if !strings.Contains(out.String(), "peak RSS") || trainer != strings.Contains(out.String(), "rl.Trainer") {
			t.Errorf("trainer=%v: report:\n%s", trainer, out.String())
		}
	}

	cfg.Trainer, cfg.Completion = false, 60 // 5 + 60 > 64 positions
	if _, err := RunHFModel(io.Discard, cfg); err == nil || !strings.Contains(err.Error(), "max_position_embeddings") {
		t.Errorf("too long: %v", err)
	}
	bad := DefaultHFModelConfig()
	bad.Group = 0
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "--model-config") || !strings.Contains(err.Error(), "--group 0") {
		t.Errorf("Validate: %v", err)
	}
}
