package nn

// generation_config.json: the file transformers reads the token ids that
// start and end generation from (GenerationConfig.from_pretrained), beside
// config.json. Chat models list several end ids there (Qwen2.5-Instruct:
// <|im_end|> and <|endoftext|>; Llama 3: three ids), and it takes
// precedence over config.json's eos_token_id, so a model loaded here stops
// where transformers would stop it, and a checkpoint written here carries
// the file on.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// GenerationConfigFile is the generation defaults of a checkpoint.
const GenerationConfigFile = "generation_config.json"

// GenerationConfig is the part of generation_config.json this package uses:
// the token ids. Other keys (sampling defaults) are not read.
type GenerationConfig struct {
	// BOSTokenID is bos_token_id (nil when absent or null).
	BOSTokenID *int
	// EOSTokenIDs is eos_token_id: one id or a list in the file; any of
	// them ends a completion.
	EOSTokenIDs []int
	// PadTokenID is pad_token_id (nil when absent or null).
	PadTokenID *int
}

// Origin is what a model loaded from a checkpoint folder remembers of it,
// so that checkpoints written from it carry the same generation settings
// and sidecar files.
type Origin struct {
	// Dir is the folder the model was loaded from ("" for a model built
	// here).
	Dir string
	// Generation holds the token ids of Dir/generation_config.json, or of
	// config.json when that file is absent.
	Generation GenerationConfig
}

// StopTokens returns the EOS ids as int32, for SampleConfig.StopTokens.
func (g GenerationConfig) StopTokens() []int32 {
	out := make([]int32, 0, len(g.EOSTokenIDs))
	for _, id := range g.EOSTokenIDs {
		out = append(out, int32(id))
	}
	return out
}

// ParseGenerationConfig reads generation_config.json (name is used in
// errors). Token ids must be non-negative integers; eos_token_id may be one
// id or a list.
func ParseGenerationConfig(name string, b []byte) (GenerationConfig, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return GenerationConfig{}, fmt.Errorf("%s: %w", name, err)
	}
	var g GenerationConfig
	var errs []error
	one := func(key string) *int {
		v, ok := raw[key]
		if !ok || string(v) == "null" {
			return nil
		}
		var id int
		if err := json.Unmarshal(v, &id); err != nil || id < 0 {
			errs = append(errs, fmt.Errorf("%s %s: want a token id (an integer ≥ 0)", key, v))
			return nil
		}
		return &id
	}
	g.BOSTokenID = one("bos_token_id")
	g.PadTokenID = one("pad_token_id")
	if v, ok := raw["eos_token_id"]; ok && string(v) != "null" {
		var id int
		if json.Unmarshal(v, &id) == nil {
			g.EOSTokenIDs = []int{id}
		} else if err := json.Unmarshal(v, &g.EOSTokenIDs); err != nil {
			errs = append(errs, fmt.Errorf("eos_token_id %s: want a token id or a list of ids", v))
		}
		for _, id := range g.EOSTokenIDs {
			if id < 0 {
				errs = append(errs, fmt.Errorf("eos_token_id %s: ids must be ≥ 0", v))
				break
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return GenerationConfig{}, fmt.Errorf("%s: %w", name, err)
	}
	return g, nil
}

// ReadGenerationConfig reads dir/generation_config.json; ok is false (and
// the error nil) when the file does not exist.
func ReadGenerationConfig(dir string) (g GenerationConfig, ok bool, err error) {
	path := filepath.Join(dir, GenerationConfigFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return GenerationConfig{}, false, nil
	}
	if err != nil {
		return GenerationConfig{}, false, err
	}
	g, err = ParseGenerationConfig(path, b)
	return g, err == nil, err
}

// checkVocab says which id of g is outside [0, vocab).
func (g GenerationConfig) checkVocab(where string, vocab int) error {
	ids := append([]int(nil), g.EOSTokenIDs...)
	for _, p := range []*int{g.BOSTokenID, g.PadTokenID} {
		if p != nil {
			ids = append(ids, *p)
		}
	}
	for _, id := range ids {
		if id >= vocab {
			return fmt.Errorf("%s: token id %d is outside the model's vocabulary of %d", where, id, vocab)
		}
	}
	return nil
}

// writeGenerationConfig writes dir/generation_config.json atomically with
// the ids of g (eos as a number for one id, a list for several).
func writeGenerationConfig(dir string, g GenerationConfig) error {
	out := struct {
		BOS *int `json:"bos_token_id,omitempty"`
		EOS any  `json:"eos_token_id,omitempty"`
		Pad *int `json:"pad_token_id,omitempty"`
	}{BOS: g.BOSTokenID, Pad: g.PadTokenID}
	switch len(g.EOSTokenIDs) {
	case 0:
	case 1:
		out.EOS = g.EOSTokenIDs[0]
	default:
		out.EOS = g.EOSTokenIDs
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	return WriteFileAtomic(filepath.Join(dir, GenerationConfigFile), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
