package run

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/tokenizer"
)

// SaveCheckpoint writes a policy checkpoint folder: model.safetensors and
// config.json (Hugging Face names; nn.SaveModel refuses non-finite weights)
// and the tokenizer as tokenizer.json, so that `--init dir` and
// transformers can both load it.
func SaveCheckpoint(dir string, m *nn.Model, tok *tokenizer.Tokenizer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if err := nn.SaveModel(dir, m); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if err := tok.Save(filepath.Join(dir, "tokenizer.json")); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	return nil
}
