package rl

import (
	"fmt"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
)

// Codec turns text into token ids and back; *tokenizer.Tokenizer satisfies it.
type Codec interface {
	Encode(text string) []int32
	Decode(ids []int32) string
}

// Policy is the model being trained together with what it needs to read and
// write text: its tokenizer and end-of-sequence token. It owns one
// nn.Generator (one KV cache) that is reused across rollouts and evaluations.
type Policy struct {
	Model *nn.Model
	Codec Codec
	// EOS ends every completion: generation stops on it and SFT
	// demonstrations end with it.
	EOS int32
	// MoreStops are further ids that end a completion like EOS (the other
	// eos ids of a Hugging Face model's generation_config.json, e.g.
	// Qwen2.5-Instruct's <|im_end|> beside <|endoftext|>); nil for none.
	MoreStops []int32
	// Format renders prompts through a chat template (the tokenizer side
	// of the seam: cmd passes a warmstart.ChatFormat); nil shows them as
	// data.PlainPrompt, the prompt and a newline.
	Format PromptFormat

	gen              *nn.Generator
	genBatch, genLen int
}

// PromptText is how an example's prompt is shown to the model: the prompt and
// a newline, after which the completion follows and ends with EOS. SFT
// demonstrations, rollouts and evaluation all use it, so the warm start and
// the RL policy see one format.
func PromptText(prompt string) string { return prompt + "\n" }

// PromptFormat renders a prompt conversation (ending with a user turn) as
// the text the model is conditioned on, the opening of the assistant's
// reply included.
type PromptFormat interface {
	FormatPrompt(msgs []data.Message) (string, error)
}

// EncodeExample returns the prompt tokens of an example: its conversation
// (data.Example.Conversation) through Format, or PromptText(ex.Prompt)
// without one.
func (p *Policy) EncodeExample(ex data.Example) ([]int32, error) {
	if p.Format == nil {
		return p.Codec.Encode(data.PlainPrompt(ex.Conversation())), nil
	}
	text, err := p.Format.FormatPrompt(ex.Conversation())
	if err != nil {
		return nil, fmt.Errorf("rl: example %q: %w", ex.ID, err)
	}
	return p.Codec.Encode(text), nil
}

// EncodePrompt returns the token ids of a prompt built by the program (a
// verification or correction request): PromptText(prompt), or one user
// message through Format. A template that fails on it — NewChat renders a
// probe and the run renders every example first, so only one that raises
// on some texts can — falls back to PromptText.
func (p *Policy) EncodePrompt(prompt string) []int32 {
	if p.Format != nil {
		if text, err := p.Format.FormatPrompt([]data.Message{{Role: data.RoleUser, Content: prompt}}); err == nil {
			return p.Codec.Encode(text)
		}
	}
	return p.Codec.Encode(PromptText(prompt))
}

// DecodeCompletion returns the text of a completion without its stop token.
func (p *Policy) DecodeCompletion(c nn.Completion) string {
	toks := c.Tokens
	if c.Stopped && len(toks) > 0 {
		toks = toks[:len(toks)-1]
	}
	return p.Codec.Decode(toks)
}

// Generator returns the policy's generator, (re)allocating its KV cache only
// when a larger batch or length is asked for.
func (p *Policy) Generator(maxBatch, maxLen int) (*nn.Generator, error) {
	if maxLen > p.Model.Cfg.MaxSeqLen {
		return nil, fmt.Errorf("rl: prompt + completion length %d exceeds the model's max_position_embeddings %d: lower the completion cap or use a model with a longer context",
			maxLen, p.Model.Cfg.MaxSeqLen)
	}
	if p.gen == nil || maxBatch > p.genBatch || maxLen > p.genLen {
		p.genBatch, p.genLen = max(maxBatch, p.genBatch), max(maxLen, p.genLen)
		p.gen = nn.NewGenerator(p.Model, p.genBatch, p.genLen)
	}
	return p.gen, nil
}
