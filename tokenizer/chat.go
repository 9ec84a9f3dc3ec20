package tokenizer

import (
	"fmt"
	"strings"
)

// Chat roles.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one turn of a conversation. It mirrors data.Message:
// tokenizer and data are sibling layers (layers_test.go), so neither may
// import the other; warmstart converts between the two.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// ChatEncoding is a conversation as tokens.
type ChatEncoding struct {
	IDs []int32
	// AssistantMask[i] is true when IDs[i] belongs to what the assistant
	// wrote: the content of each assistant turn and the <|im_end|> that
	// closes it (the model must learn to stop). The template's own tokens
	// (<|im_start|>role\n, the newline after <|im_end|>) and the other
	// roles' turns are false. It is the loss mask for SFT and RL on
	// conversations.
	AssistantMask []bool
}

// RenderChat returns the conversation in ChatML, the template of Qwen and
// of OpenAI's chat format:
//
//	<|im_start|>system
//	You are helpful.<|im_end|>
//	<|im_start|>user
//	2+2?<|im_end|>
//	<|im_start|>assistant
//	4<|im_end|>
//
// with a newline after each <|im_end|>. With addGenerationPrompt, an open
// "<|im_start|>assistant\n" follows, for the model to complete.
func RenderChat(msgs []Message, addGenerationPrompt bool) string {
	var sb strings.Builder
	for _, m := range msgs {
		sb.WriteString(IMStart + m.Role + "\n" + m.Content + IMEnd + "\n")
	}
	if addGenerationPrompt {
		sb.WriteString(IMStart + RoleAssistant + "\n")
	}
	return sb.String()
}

// EncodeChat encodes RenderChat(msgs, addGenerationPrompt) and marks the
// assistant's tokens. Each content is encoded on its own, so that no token
// straddles the template and the content and the mask is exact; the ids
// equal Encode(RenderChat(...)) whenever no content starts with whitespace.
// The tokenizer needs the <|im_start|> and <|im_end|> special tokens.
func (t *Tokenizer) EncodeChat(msgs []Message, addGenerationPrompt bool) (ChatEncoding, error) {
	start, ok1 := t.SpecialID(IMStart)
	end, ok2 := t.SpecialID(IMEnd)
	if !ok1 || !ok2 {
		return ChatEncoding{}, fmt.Errorf("tokenizer: chat template needs the special tokens %s and %s; train with them (DefaultSpecials) or load a tokenizer that has them", IMStart, IMEnd)
	}
	var enc ChatEncoding
	add := func(ids []int32, assistant bool) {
		enc.IDs = append(enc.IDs, ids...)
		for range ids {
			enc.AssistantMask = append(enc.AssistantMask, assistant)
		}
	}
	newline := t.Encode("\n")
	for i, m := range msgs {
		if m.Role == "" || strings.ContainsAny(m.Role, "\r\n") || strings.Contains(m.Role, "<|") {
			return ChatEncoding{}, fmt.Errorf("tokenizer: chat message %d: role %q must be a non-empty word such as %q, %q or %q", i, m.Role, RoleSystem, RoleUser, RoleAssistant)
		}
		isAsst := m.Role == RoleAssistant
		add([]int32{start}, false)
		add(t.Encode(m.Role+"\n"), false)
		add(t.Encode(m.Content), isAsst)
		add([]int32{end}, isAsst)
		add(newline, false)
	}
	if addGenerationPrompt {
		add([]int32{start}, false)
		add(t.Encode(RoleAssistant+"\n"), false)
	}
	return enc, nil
}
