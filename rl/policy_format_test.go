package rl_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rl"
)

// bracketFormat renders "[role]content" per message and "[assistant]"; it
// fails on a message holding "FAIL".
type bracketFormat struct{}

func (bracketFormat) FormatPrompt(msgs []data.Message) (string, error) {
	var sb strings.Builder
	for _, m := range msgs {
		if strings.Contains(m.Content, "FAIL") {
			return "", errors.New("template raised")
		}
		sb.WriteString("[" + m.Role + "]" + m.Content)
	}
	return sb.String() + "[assistant]", nil
}

// Prompts reach the model through Policy.Format when set, and as the prompt
// and a newline otherwise; a conversation is rendered whole.
func TestPolicyPromptFormat(t *testing.T) {
	conv := data.Example{ID: "c", Prompt: "q2", Messages: []data.Message{
		{Role: data.RoleSystem, Content: "s"}, {Role: data.RoleUser, Content: "q1"},
		{Role: data.RoleAssistant, Content: "a1"}, {Role: data.RoleUser, Content: "q2"}}}
	plain := data.Example{ID: "p", Prompt: "2+2?"}
	codec := rl.ByteCodec{}
	for _, c := range []struct {
		format           rl.PromptFormat
		conv, plain, req string
	}{
		{nil, "s\nq1\na1\nq2\n", "2+2?\n", "check\n"},
		{bracketFormat{}, "[system]s[user]q1[assistant]a1[user]q2[assistant]", "[user]2+2?[assistant]", "[user]check[assistant]"},
	} {
		p := &rl.Policy{Codec: codec, Format: c.format}
		for _, e := range []struct {
			ex   data.Example
			want string
		}{{conv, c.conv}, {plain, c.plain}} {
			ids, err := p.EncodeExample(e.ex)
			if err != nil || codec.Decode(ids) != e.want {
				t.Errorf("format %T, example %s: %q, %v; want %q", c.format, e.ex.ID, codec.Decode(ids), err, e.want)
			}
		}
		if got := codec.Decode(p.EncodePrompt("check")); got != c.req {
			t.Errorf("format %T: EncodePrompt = %q, want %q", c.format, got, c.req)
		}
	}
	p := &rl.Policy{Codec: codec, Format: bracketFormat{}}
	if _, err := p.EncodeExample(data.Example{ID: "bad", Prompt: "FAIL"}); err == nil || !strings.Contains(err.Error(), `example "bad": template raised`) {
		t.Errorf("a failing format: %v", err)
	}
	if got := codec.Decode(p.EncodePrompt("FAIL")); got != "FAIL\n" {
		t.Errorf("EncodePrompt fallback = %q", got)
	}
}
