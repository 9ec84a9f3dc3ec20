package tokenizer

import (
	"encoding/json"
	"fmt"
	"os"
)

// TokenizerConfigFile is the Hugging Face file beside tokenizer.json that
// holds a model's chat template and special-token names.
const TokenizerConfigFile = "tokenizer_config.json"

// TokenizerConfig is what rltrain reads of a tokenizer_config.json.
type TokenizerConfig struct {
	// ChatTemplate is the Jinja chat template; "" when the file has none.
	// A list of named templates keeps the one named "default".
	ChatTemplate string
	// BOSToken and EOSToken are the bos_token and eos_token ("" when null
	// or absent).
	BOSToken, EOSToken string
}

// LoadTokenizerConfig reads a tokenizer_config.json.
func LoadTokenizerConfig(path string) (*TokenizerConfig, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	c, err := ParseTokenizerConfig(b)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: %w", path, err)
	}
	return c, nil
}

// ParseTokenizerConfig parses the bytes of a tokenizer_config.json. A
// special token may be a string or an object with a "content" string (the
// AddedToken form of older files).
func ParseTokenizerConfig(b []byte) (*TokenizerConfig, error) {
	var raw struct {
		ChatTemplate json.RawMessage `json:"chat_template"`
		BOS          json.RawMessage `json:"bos_token"`
		EOS          json.RawMessage `json:"eos_token"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("not a tokenizer_config.json: %w", err)
	}
	c := &TokenizerConfig{}
	var err error
	if c.BOSToken, err = specialToken(raw.BOS); err != nil {
		return nil, fmt.Errorf("bos_token: %w", err)
	}
	if c.EOSToken, err = specialToken(raw.EOS); err != nil {
		return nil, fmt.Errorf("eos_token: %w", err)
	}
	if len(raw.ChatTemplate) == 0 || string(raw.ChatTemplate) == "null" {
		return c, nil
	}
	if json.Unmarshal(raw.ChatTemplate, &c.ChatTemplate) == nil {
		return c, nil
	}
	var named []struct {
		Name     string `json:"name"`
		Template string `json:"template"`
	}
	if err := json.Unmarshal(raw.ChatTemplate, &named); err != nil {
		return nil, fmt.Errorf("chat_template: want a string or a list of {name, template}: %w", err)
	}
	for _, n := range named {
		if n.Name == "default" {
			c.ChatTemplate = n.Template
			return c, nil
		}
	}
	return nil, fmt.Errorf("chat_template: a list of %d named templates without one named \"default\": write the one to use to a file and pass it as --chat-template FILE", len(named))
}

func specialToken(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, nil
	}
	var obj struct {
		Content *string `json:"content"`
	}
	if json.Unmarshal(raw, &obj) != nil || obj.Content == nil {
		return "", fmt.Errorf("want a string or an object with a \"content\" string, have %s", raw)
	}
	return *obj.Content, nil
}
