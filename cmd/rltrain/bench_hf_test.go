package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `bench model` refuses bad input with the flag or file and exits 2.
func TestBenchHFBadInput(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.json")
	os.WriteFile(cfgPath, []byte(`{"model_type": "gpt2", "vocab_size": 10}`), 0o644)
	short := filepath.Join(dir, "short.json")
	os.WriteFile(short, []byte(`{"model_type": "llama", "vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1,
		"num_attention_heads": 2, "intermediate_size": 8, "max_position_embeddings": 16}`), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--model-config"},
		{[]string{"-model-config", filepath.Join(dir, "none.json")}, "none.json"},
		{[]string{"-model-config", cfgPath}, "gpt2"},
		{[]string{"-model-config", short}, "max_position_embeddings 16"},
		{[]string{"-model-config", short, "-group", "0"}, "--group 0"},
	} {
		err := runBenchHF(tc.args)
		var ee exitError
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &ee) || ee.code != 2 {
			t.Errorf("bench model %v: error %v, want exit 2 naming %q", tc.args, err, tc.want)
		}
	}
}
