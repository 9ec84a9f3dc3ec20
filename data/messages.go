package data

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Chat roles a conversation may use.
const (
	RoleSystem    = "system"
	RoleUser      = "user"
	RoleAssistant = "assistant"
)

// Message is one turn of a conversation, as in the "messages" lists of TRL
// and verl datasets and of chat templates. tokenizer.Message mirrors it
// (a sibling layer, so neither package imports the other).
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Conversation returns the prompt of ex as messages: ex.Messages when the
// source gave a conversation, otherwise one user message holding ex.Prompt.
func (ex Example) Conversation() []Message {
	if len(ex.Messages) > 0 {
		return ex.Messages
	}
	return []Message{{Role: RoleUser, Content: ex.Prompt}}
}

// PlainPrompt is a conversation without a chat template: each message's
// content followed by a newline. For one user message it is the prompt and
// a newline, the format of the built-in tasks (rl.PromptText).
func PlainPrompt(msgs []Message) string {
	var sb strings.Builder
	for _, m := range msgs {
		sb.WriteString(m.Content)
		sb.WriteByte('\n')
	}
	return sb.String()
}

// conversationText is what the content ID of a conversation hashes: the
// contents joined by newlines, so that a one-message conversation has the
// ID of its prompt.
func conversationText(msgs []Message) string {
	parts := make([]string, len(msgs))
	for i, m := range msgs {
		parts[i] = m.Content
	}
	return strings.Join(parts, "\n")
}

// parseMessages reads a conversation (a JSON array of {"role", "content"})
// and splits it as RL and SFT use it: the messages up to and including the
// last user turn are the prompt; one assistant message after it, if any, is
// the solution (an SFT demonstration). The error says what is wrong and how
// to fix it.
func parseMessages(raw json.RawMessage) (prompt []Message, solution string, err error) {
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil || items == nil {
		return nil, "", fmt.Errorf(`want an array of {"role": ..., "content": ...} objects, have %s`, jsonKind(raw))
	}
	if len(items) == 0 {
		return nil, "", errors.New(`empty conversation: give at least one {"role": "user", "content": ...} message`)
	}
	msgs := make([]Message, len(items))
	lastUser := -1
	for i, it := range items {
		var obj map[string]json.RawMessage
		if json.Unmarshal(it, &obj) != nil || obj == nil {
			return nil, "", fmt.Errorf(`message %d: want an object {"role": ..., "content": ...}, have %s`, i, jsonKind(it))
		}
		for _, k := range []string{"role", "content"} {
			r, ok := obj[k]
			if !ok || isNull(r) {
				return nil, "", fmt.Errorf("message %d: missing %q", i, k)
			}
			s, err := rawString(r)
			if err != nil {
				return nil, "", fmt.Errorf("message %d: %q: %v (only text content is supported)", i, k, err)
			}
			if k == "role" {
				msgs[i].Role = s
			} else {
				msgs[i].Content = s
			}
		}
		switch msgs[i].Role {
		case RoleUser:
			lastUser = i
		case RoleAssistant:
		case RoleSystem:
			if i != 0 {
				return nil, "", fmt.Errorf("message %d: a system message may only come first; merge it into the first message", i)
			}
		default:
			return nil, "", fmt.Errorf("message %d: unknown role %q: use %q, %q or %q", i, msgs[i].Role, RoleSystem, RoleUser, RoleAssistant)
		}
		if strings.TrimSpace(msgs[i].Content) == "" {
			return nil, "", fmt.Errorf("message %d (%s): empty content; drop the message or give it text", i, msgs[i].Role)
		}
	}
	if lastUser < 0 {
		return nil, "", errors.New(`no user message: a conversation needs at least one {"role": "user", ...} turn to prompt with`)
	}
	switch tail := len(msgs) - lastUser - 1; tail {
	case 0:
	case 1:
		solution = msgs[lastUser+1].Content
	default:
		return nil, "", fmt.Errorf("%d assistant messages after the last user message: at most one (the solution) may follow it", tail)
	}
	return msgs[:lastUser+1], solution, nil
}

// parsePrompt sets ex.Prompt (and ex.Messages for a conversation) from the
// prompt field — a string or a conversation — or, when it is absent, from
// the messages field; solution receives a conversation's final assistant
// message.
func parsePrompt(obj map[string]json.RawMessage, cfg JSONLConfig, ex *Example, solution *string) *LineError {
	key := cfg.PromptKey
	raw, ok := obj[key]
	if !ok && cfg.MessagesKey != "" {
		key = cfg.MessagesKey
		raw, ok = obj[key]
	}
	if !ok {
		hint := "missing (set the prompt key to the field that holds the prompt)"
		if cfg.MessagesKey != "" {
			hint = fmt.Sprintf("missing, and no %q conversation either (set the prompt key to the field that holds the prompt)", cfg.MessagesKey)
		}
		return &LineError{Field: cfg.PromptKey, Err: errors.New(hint)}
	}
	if mraw, both := obj[cfg.MessagesKey]; both && key == cfg.PromptKey && cfg.MessagesKey != "" && cfg.MessagesKey != cfg.PromptKey {
		// Both: WriteJSONL writes a conversation's last user message as
		// the prompt beside it; anything else is ambiguous.
		var p string
		if json.Unmarshal(raw, &p) != nil {
			return &LineError{Field: cfg.MessagesKey, Err: fmt.Errorf("the line has both %q and %q: give the prompt once", cfg.PromptKey, cfg.MessagesKey)}
		}
		if err := parsePrompt(map[string]json.RawMessage{cfg.MessagesKey: mraw}, cfg, ex, solution); err != nil {
			return err
		}
		if p != ex.Prompt {
			return &LineError{Field: cfg.PromptKey, Err: fmt.Errorf("differs from the last user message of %q: give the prompt once", cfg.MessagesKey)}
		}
		return nil
	}
	if key == cfg.MessagesKey || strings.HasPrefix(strings.TrimSpace(string(raw)), "[") {
		msgs, sol, err := parseMessages(raw)
		if err != nil {
			return &LineError{Field: key, Err: err}
		}
		ex.Messages, ex.Prompt, *solution = msgs, msgs[len(msgs)-1].Content, sol
		return nil
	}
	var err error
	if ex.Prompt, err = rawString(raw); err != nil {
		return &LineError{Field: key, Err: fmt.Errorf("%v, or a conversation (an array of {\"role\", \"content\"})", err)}
	}
	if strings.TrimSpace(ex.Prompt) == "" {
		return &LineError{Field: key, Err: errors.New("empty prompt")}
	}
	return nil
}
