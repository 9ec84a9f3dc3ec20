package tokenizer

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Names of the chat templates --chat-template accepts besides a file.
const (
	TemplateNone   = "none"   // the prompt and a newline: the built-in tasks' format
	TemplateChatML = "chatml" // <|im_start|>role\n…<|im_end|>\n (Qwen, SmolLM2, OpenAI)
	TemplateLlama3 = "llama3" // <|start_header_id|>role<|end_header_id|>\n\n…<|eot_id|>
	TemplateModel  = "model"  // the chat_template of the checkpoint's tokenizer_config.json
)

// Llama 3's special tokens.
const (
	BeginOfText = "<|begin_of_text|>"
	StartHeader = "<|start_header_id|>"
	EndHeader   = "<|end_header_id|>"
	EOTID       = "<|eot_id|>"
)

// ChatTemplate renders a conversation as the text a model is conditioned
// on. The built-ins (none, chatml, llama3) are Go code; any other template
// is Jinja source (a model's chat_template or a file) run by this package's
// Jinja subset (see the package doc). A ChatTemplate is safe for
// concurrent use.
type ChatTemplate struct {
	// Name is what --chat-template said: a built-in name, "model", or the
	// file path.
	Name string
	// BOS and EOS are the bos_token and eos_token a Jinja template sees
	// (tokenizer_config.json's; undefined when empty).
	BOS, EOS string
	// Vars are further variables for a Jinja template, e.g.
	// enable_thinking=false for Qwen3.
	Vars map[string]any

	builtin string  // none, chatml, llama3; "" for Jinja
	prog    []jnode // the parsed Jinja template
}

// BuiltinTemplate returns the built-in template name (none, chatml, llama3).
func BuiltinTemplate(name string) (*ChatTemplate, error) {
	switch name {
	case TemplateNone, TemplateChatML:
		return &ChatTemplate{Name: name, builtin: name}, nil
	case TemplateLlama3:
		return &ChatTemplate{Name: name, builtin: name, BOS: BeginOfText, EOS: EOTID}, nil
	}
	return nil, fmt.Errorf("tokenizer: no built-in chat template %q: use %s, %s, %s, %s or a Jinja file", name, TemplateNone, TemplateChatML, TemplateLlama3, TemplateModel)
}

// ParseTemplate parses Jinja source; name is used in errors (the file, or
// "model" for a tokenizer_config.json's). Constructs outside the subset
// are an error naming the template, line:col and construct.
func ParseTemplate(name, src string) (*ChatTemplate, error) {
	toks, err := jinjaLex(name, src)
	if err != nil {
		return nil, err
	}
	prog, err := jinjaParse(name, toks)
	if err != nil {
		return nil, err
	}
	return &ChatTemplate{Name: name, prog: prog}, nil
}

// LoadTemplate resolves a --chat-template value: a built-in name; "model",
// the chat_template of dir/tokenizer_config.json (dir is the --init
// checkpoint folder); or the path of a Jinja file. For "model" and files,
// BOS and EOS come from dir's tokenizer_config.json when it has one.
func LoadTemplate(spec, dir string) (*ChatTemplate, error) {
	switch spec {
	case "", TemplateNone, TemplateChatML, TemplateLlama3:
		if spec == "" {
			spec = TemplateNone
		}
		return BuiltinTemplate(spec)
	}
	var cfg *TokenizerConfig
	if dir != "" {
		c, err := LoadTokenizerConfig(filepath.Join(dir, TokenizerConfigFile))
		switch {
		case err == nil:
			cfg = c
		case !errors.Is(err, os.ErrNotExist) || spec == TemplateModel:
			return nil, err
		}
	}
	var t *ChatTemplate
	if spec == TemplateModel {
		if dir == "" {
			return nil, errors.New("tokenizer: chat template \"model\" reads the checkpoint's tokenizer_config.json: give --init DIR, or name a built-in template or a Jinja file")
		}
		if cfg.ChatTemplate == "" {
			return nil, fmt.Errorf("tokenizer: %s has no chat_template: name a built-in template (%s, %s) or a Jinja file", filepath.Join(dir, TokenizerConfigFile), TemplateChatML, TemplateLlama3)
		}
		var err error
		if t, err = ParseTemplate(filepath.Join(dir, TokenizerConfigFile), cfg.ChatTemplate); err != nil {
			return nil, err
		}
		t.Name = TemplateModel
	} else {
		b, err := os.ReadFile(spec)
		if err != nil {
			return nil, fmt.Errorf("tokenizer: chat template: %w (give none, chatml, llama3, model or a Jinja file)", err)
		}
		if t, err = ParseTemplate(spec, string(b)); err != nil {
			return nil, err
		}
	}
	if cfg != nil {
		t.BOS, t.EOS = cfg.BOSToken, cfg.EOSToken
	}
	return t, nil
}

// Builtin reports whether t is a built-in template.
func (t *ChatTemplate) Builtin() bool { return t.builtin != "" }

// Render returns the text of msgs under the template; with
// addGenerationPrompt, the opening of an assistant turn follows for the
// model to complete.
func (t *ChatTemplate) Render(msgs []Message, addGenerationPrompt bool) (string, error) {
	switch t.builtin {
	case TemplateNone:
		var sb strings.Builder
		for _, m := range msgs {
			sb.WriteString(m.Content + "\n")
		}
		return sb.String(), nil
	case TemplateChatML:
		return RenderChat(msgs, addGenerationPrompt), nil
	case TemplateLlama3:
		var sb strings.Builder
		for i, m := range msgs {
			if i == 0 {
				sb.WriteString(t.BOS)
			}
			sb.WriteString(StartHeader + m.Role + EndHeader + "\n\n" + pyStrip(m.Content, "strip", "", false) + EOTID)
		}
		if addGenerationPrompt {
			sb.WriteString(StartHeader + RoleAssistant + EndHeader + "\n\n")
		}
		return sb.String(), nil
	}
	ev := &jeval{name: t.Name}
	vars := jinjaGlobals()
	list := make([]any, len(msgs))
	for i, m := range msgs {
		d := newJDict()
		d.set("role", m.Role)
		d.set("content", m.Content)
		list[i] = d
	}
	vars["messages"] = list
	vars["add_generation_prompt"] = addGenerationPrompt
	vars["tools"] = nil
	if t.BOS != "" {
		vars["bos_token"] = t.BOS
	}
	if t.EOS != "" {
		vars["eos_token"] = t.EOS
	}
	for k, v := range t.Vars {
		if jv, ok := toJinja(v); ok {
			vars[k] = jv
		}
	}
	ev.scopes = []map[string]any{vars}
	if _, err := ev.exec(t.prog); err != nil {
		return "", err
	}
	return ev.out.String(), nil
}

// toJinja converts the Go values Vars may hold.
func toJinja(v any) (any, bool) {
	switch x := v.(type) {
	case nil, bool, int64, float64, string:
		return x, true
	case int:
		return int64(x), true
	}
	return nil, false
}
