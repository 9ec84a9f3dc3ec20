package warmstart

import (
	"fmt"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/tokenizer"
)

// ChatFormat is a chat template over the policy's tokenizer on the rl side
// of the seam: it implements rl.PromptFormat, so rollouts and evaluation
// render prompts through the template without rl importing tokenizer.
type ChatFormat struct{ Chat *tokenizer.Chat }

// FormatPrompt implements rl.PromptFormat.
func (f ChatFormat) FormatPrompt(msgs []data.Message) (string, error) {
	return f.Chat.PromptText(toChat(msgs))
}

func toChat(msgs []data.Message) []tokenizer.Message {
	out := make([]tokenizer.Message, len(msgs))
	for i, m := range msgs {
		out[i] = tokenizer.Message{Role: m.Role, Content: m.Content}
	}
	return out
}

// NewChatFormat loads the --chat-template spec (none, chatml, llama3,
// model, or a Jinja file; "model" reads initDir's tokenizer_config.json)
// with the system prompt over tok.
func NewChatFormat(spec, system, initDir string, tok *tokenizer.Tokenizer) (ChatFormat, error) {
	tmpl, err := tokenizer.LoadTemplate(spec, initDir)
	if err != nil {
		return ChatFormat{}, err
	}
	chat, err := tokenizer.NewChat(tok, tmpl, system)
	if err != nil {
		return ChatFormat{}, err
	}
	return ChatFormat{Chat: chat}, nil
}

// SFTSeqs tokenizes the demonstrations through the template: one sequence
// per assistant turn — each assistant message of an example's conversation
// and its solution — scored on the reply's tokens alone (the assistant's
// text and the end-of-turn token; tokenizer.Chat.EncodeReply), so the loss
// never covers system, user or template tokens.
func (f ChatFormat) SFTSeqs(exs []data.Example) ([]nn.Seq, error) {
	var seqs []nn.Seq
	for _, ex := range exs {
		conv := toChat(ex.Conversation())
		var ends []int // conversation lengths that end with an assistant turn
		for i, m := range conv {
			if m.Role == tokenizer.RoleAssistant {
				ends = append(ends, i+1)
			}
		}
		if ex.Solution != "" {
			conv = append(conv, tokenizer.Message{Role: tokenizer.RoleAssistant, Content: ex.Solution})
			ends = append(ends, len(conv))
		}
		for _, n := range ends {
			p, r, err := f.Chat.EncodeReply(conv[:n])
			if err != nil {
				return nil, fmt.Errorf("example %q: %w", ex.ID, err)
			}
			seqs = append(seqs, nn.Seq{Tokens: append(p, r...), Start: len(p)})
		}
	}
	return seqs, nil
}

// chatSFTSeqs tokenizes the training and held-out demonstrations of a
// warm start: in cfg.ChatTemplate when one is set, as SFTSeqs otherwise.
func chatSFTSeqs(cfg Config, tok *tokenizer.Tokenizer, eos int32, demos, heldOut []data.Example) (train, eval []nn.Seq, err error) {
	if (cfg.ChatTemplate == "" || cfg.ChatTemplate == tokenizer.TemplateNone) && cfg.SystemPrompt == "" {
		return SFTSeqs(tok, eos, demos), SFTSeqs(tok, eos, heldOut), nil
	}
	f, err := NewChatFormat(cfg.ChatTemplate, cfg.SystemPrompt, "", tok)
	if err != nil {
		return nil, nil, err
	}
	if train, err = f.SFTSeqs(withSolution(demos)); err != nil {
		return nil, nil, err
	}
	eval, err = f.SFTSeqs(withSolution(heldOut))
	return train, eval, err
}

// withSolution keeps the examples with a solution, as SFTSeqs does.
func withSolution(exs []data.Example) []data.Example {
	var out []data.Example
	for _, ex := range exs {
		if ex.Solution != "" {
			out = append(out, ex)
		}
	}
	return out
}
