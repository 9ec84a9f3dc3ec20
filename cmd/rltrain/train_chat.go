package main

// --chat-template and --system-prompt: the prompt format of training, SFT
// and evaluation.

import (
	"fmt"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/tokenizer"
	"github.com/rltrain/rltrain/warmstart"
)

// chatConfig is how prompts are shown to the model.
type chatConfig struct {
	// ChatTemplate renders prompts (and SFT demonstrations): none (the
	// prompt and a newline, the built-in tasks' format), chatml, llama3,
	// model (the chat_template of --init's tokenizer_config.json) or the
	// path of a Jinja template file. Default none ("" also means none).
	ChatTemplate string `json:"chat_template"`
	// SystemPrompt is put first as a system message in every conversation
	// that has none. Default "" (no system message).
	SystemPrompt string `json:"system_prompt"`
}

var chatFlagHelp = map[string]string{
	"chat-template": "prompt format: none (default), chatml, llama3, model (--init's tokenizer_config.json chat_template) or a Jinja file",
	"system-prompt": "system message put first in every conversation without one",
}

func (c chatConfig) plain() bool {
	return (c.ChatTemplate == "" || c.ChatTemplate == tokenizer.TemplateNone) && c.SystemPrompt == ""
}

// resolve checks the template (a file must parse, model needs --init) and
// hands it to the warm start, so that SFT demonstrations are shown in the
// format RL prompts are.
func (c chatConfig) resolve(cfg *runConfig) error {
	if c.plain() {
		return nil
	}
	if _, err := tokenizer.LoadTemplate(c.ChatTemplate, cfg.Warm.Init); err != nil {
		return fmt.Errorf("--chat-template: %w", err)
	}
	if cfg.Warm.Init == "" {
		if c.ChatTemplate == tokenizer.TemplateModel {
			return fmt.Errorf("--chat-template model reads the chat_template of an --init checkpoint; the built-in warm start has none: use chatml or a Jinja file")
		}
		cfg.Warm.Build.ChatTemplate, cfg.Warm.Build.SystemPrompt = c.ChatTemplate, c.SystemPrompt
	}
	return nil
}

// chatFormat returns the policy's prompt format and stop token: nil and eos
// for the plain format, otherwise the template over tok and the token that
// ends its assistant turns. Every example's prompt is rendered once, so a
// template that fails on one fails here, naming the example.
func chatFormat(c chatConfig, initDir string, tok *tokenizer.Tokenizer, eos int32, exs ...[]data.Example) (rl.PromptFormat, int32, error) {
	if c.plain() {
		return nil, eos, nil
	}
	f, err := warmstart.NewChatFormat(c.ChatTemplate, c.SystemPrompt, initDir, tok)
	if err != nil {
		return nil, 0, fmt.Errorf("--chat-template: %w", err)
	}
	for _, set := range exs {
		for _, ex := range set {
			if _, err := f.FormatPrompt(ex.Conversation()); err != nil {
				return nil, 0, fmt.Errorf("--chat-template: example %q: %w", ex.ID, err)
			}
		}
	}
	return f, f.Chat.Stop(), nil
}

// sftSeqs tokenizes demonstrations for `rltrain sft`: prompt, solution and
// <|endoftext|> in the plain format; through the template otherwise, the
// loss on the assistant's tokens alone (warmstart.ChatFormat.SFTSeqs).
func sftSeqs(c chatConfig, initDir string, tok *tokenizer.Tokenizer, train, eval []data.Example) (trainSeqs, evalSeqs []nn.Seq, err error) {
	if c.plain() {
		eos, ok := tok.SpecialID(tokenizer.EndOfText)
		if !ok {
			return nil, nil, fmt.Errorf("tokenizer has no %s token to end the solutions: give a --chat-template whose end-of-turn token it has", tokenizer.EndOfText)
		}
		return warmstart.SFTSeqs(tok, eos, train), warmstart.SFTSeqs(tok, eos, eval), nil
	}
	f, err := warmstart.NewChatFormat(c.ChatTemplate, c.SystemPrompt, initDir, tok)
	if err != nil {
		return nil, nil, fmt.Errorf("--chat-template: %w", err)
	}
	if trainSeqs, err = f.SFTSeqs(train); err != nil {
		return nil, nil, fmt.Errorf("--data: %w", err)
	}
	if evalSeqs, err = f.SFTSeqs(eval); err != nil {
		return nil, nil, fmt.Errorf("held-out demonstrations: %w", err)
	}
	return trainSeqs, evalSeqs, nil
}

// applyChat sets the prompt format and stop token of a checkpoint's policy
// (`rltrain eval`).
func applyChat(pol *rl.Policy, c chatConfig, initDir string, exs []data.Example) error {
	tok, ok := pol.Codec.(*tokenizer.Tokenizer)
	if !ok {
		if c.plain() {
			return nil
		}
		return fmt.Errorf("--chat-template: the policy has no tokenizer to render with")
	}
	var err error
	pol.Format, pol.EOS, err = chatFormat(c, initDir, tok, pol.EOS, exs)
	return err
}
