package run

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/tokenizer"
)

// TokenizerConfigFile is the Hugging Face tokenizer settings file (chat
// template, special tokens). A checkpoint copies it from the folder its
// model was loaded from, so an --init model's chat template travels on.
const TokenizerConfigFile = "tokenizer_config.json"

// SaveCheckpoint writes a policy checkpoint folder: model.safetensors and
// config.json (Hugging Face names; nn.SaveModel refuses non-finite weights),
// generation_config.json, the tokenizer as tokenizer.json and, when the
// model was loaded from a folder that has one, that folder's
// tokenizer_config.json, so that `--init dir` and transformers can both load
// it and stop generation on the same ids.
//
// The end-of-sequence ids are those the model was loaded with (its
// Origin: generation_config.json, else config.json), or else the
// tokenizer's <|endoftext|>.
func SaveCheckpoint(dir string, m *nn.Model, tok *tokenizer.Tokenizer) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	gen := m.Origin.Generation
	if len(gen.EOSTokenIDs) == 0 {
		if id, ok := tok.SpecialID(tokenizer.EndOfText); ok {
			gen.EOSTokenIDs = []int{int(id)}
		}
	}
	opt := nn.SaveOptions{BOSTokenID: gen.BOSTokenID, EOSTokenIDs: gen.EOSTokenIDs, Generation: &gen}
	if err := nn.SaveModelWith(dir, m, opt); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if err := tok.Save(filepath.Join(dir, "tokenizer.json")); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	if err := copySidecar(m.Origin.Dir, dir, TokenizerConfigFile); err != nil {
		return fmt.Errorf("checkpoint %s: %w", dir, err)
	}
	return nil
}

// copySidecar copies from/name to to/name atomically when from is set, is
// not to, and holds the file.
func copySidecar(from, to, name string) error {
	if from == "" {
		return nil
	}
	if a, err := filepath.Abs(from); err == nil {
		if b, err := filepath.Abs(to); err == nil && a == b {
			return nil
		}
	}
	src, err := os.Open(filepath.Join(from, name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer src.Close()
	return nn.WriteFileAtomic(filepath.Join(to, name), func(w io.Writer) error {
		_, err := io.Copy(w, src)
		return err
	})
}
