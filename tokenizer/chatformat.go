package tokenizer

import (
	"errors"
	"fmt"
	"strings"
)

// Chat is a chat template over a tokenizer: it turns conversations into the
// prompt tokens of rollouts and evaluation, and into SFT demonstrations
// whose scored tokens are the assistant's alone.
type Chat struct {
	Tok      *Tokenizer
	Template *ChatTemplate
	// System is put first as a system message when a conversation has
	// none ("" for no system prompt).
	System string

	stop    int32  // the token that ends an assistant turn
	stopTok string // its text
}

// NewChat checks that tmpl renders with tok and finds the token that ends an
// assistant turn (Stop): <|endoftext|> for none, <|im_end|> for chatml,
// <|eot_id|> for llama3, and for a Jinja template the special token it
// writes right after an assistant message's content.
func NewChat(tok *Tokenizer, tmpl *ChatTemplate, system string) (*Chat, error) {
	c := &Chat{Tok: tok, Template: tmpl, System: system}
	var need []string
	switch tmpl.builtin {
	case TemplateNone:
		c.stopTok = EndOfText
	case TemplateChatML:
		c.stopTok, need = IMEnd, []string{IMStart, IMEnd}
	case TemplateLlama3:
		c.stopTok, need = EOTID, []string{StartHeader, EndHeader, EOTID}
	default:
		const probe = "rltrain-probe-reply"
		full, err := tmpl.Render(c.withSystem([]Message{{RoleUser, "probe"}, {RoleAssistant, probe}}), false)
		if err != nil {
			return nil, err
		}
		if _, err := tmpl.Render(c.withSystem([]Message{{RoleUser, "probe"}}), true); err != nil {
			return nil, err
		}
		i := strings.LastIndex(full, probe)
		if i < 0 {
			return nil, fmt.Errorf("tokenizer: chat template %s does not write an assistant message's content: it cannot be trained on", tmpl.Name)
		}
		if ids := tok.Encode(full[i+len(probe):]); len(ids) > 0 && tok.isAdded(ids[0]) {
			c.stopTok, _ = tok.Token(ids[0])
		} else if tmpl.EOS != "" {
			c.stopTok = tmpl.EOS
		} else {
			return nil, fmt.Errorf("tokenizer: chat template %s writes no special token after an assistant message and names no eos_token: the end of a reply is unknown", tmpl.Name)
		}
	}
	for _, s := range append(need, c.stopTok) {
		if _, ok := tok.SpecialID(s); !ok {
			return nil, fmt.Errorf("tokenizer: chat template %s needs the special token %s, which the tokenizer lacks: use a template of the model's own format (--chat-template model) or none", tmpl.Name, s)
		}
	}
	c.stop, _ = tok.SpecialID(c.stopTok)
	return c, nil
}

// Stop returns the id of the token that ends an assistant turn: generation
// stops on it and SFT replies end with it.
func (c *Chat) Stop() int32 { return c.stop }

// withSystem puts the system prompt first when msgs has no system message.
func (c *Chat) withSystem(msgs []Message) []Message {
	if c.System == "" || (len(msgs) > 0 && msgs[0].Role == RoleSystem) {
		return msgs
	}
	return append([]Message{{Role: RoleSystem, Content: c.System}}, msgs...)
}

// PromptText renders a conversation that ends with a user turn, followed by
// the opening of the assistant's reply.
func (c *Chat) PromptText(msgs []Message) (string, error) {
	return c.Template.Render(c.withSystem(msgs), true)
}

// EncodeReply encodes a conversation whose last message is the assistant's
// as the prompt before that reply and the reply's tokens: what the
// template writes for the reply (its content, and for templates such as
// Qwen3's a <think> block) up to and including the end-of-turn token. The
// text after that token (ChatML's newline) is the template's, not the
// assistant's, and is left out. When the template does not render the
// conversation as a continuation of the prompt, the reply is the content
// and the end-of-turn token.
func (c *Chat) EncodeReply(msgs []Message) (prompt, reply []int32, err error) {
	if len(msgs) < 2 || msgs[len(msgs)-1].Role != RoleAssistant {
		return nil, nil, errors.New("tokenizer: EncodeReply needs a conversation that ends with an assistant message")
	}
	content := msgs[len(msgs)-1].Content
	ptext, err := c.PromptText(msgs[:len(msgs)-1])
	if err != nil {
		return nil, nil, err
	}
	full, err := c.Template.Render(c.withSystem(msgs), false)
	if err != nil {
		return nil, nil, err
	}
	prompt = c.Tok.Encode(ptext)
	text := content
	if rest, ok := strings.CutPrefix(full, ptext); ok && c.Template.builtin != TemplateNone {
		// The end-of-turn token after the content: a content that itself
		// holds the token's text is not cut short.
		from := 0
		if j := strings.LastIndex(rest, strings.TrimSpace(content)); j >= 0 {
			from = j + len(strings.TrimSpace(content))
		}
		if i := strings.Index(rest[from:], c.stopTok); i >= 0 {
			text = rest[:from+i]
		}
	}
	reply = append(c.Tok.Encode(text), c.stop)
	return prompt, reply, nil
}
