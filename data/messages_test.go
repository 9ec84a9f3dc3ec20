package data

import (
	"reflect"
	"strings"
	"testing"
)

func TestReadJSONLConversations(t *testing.T) {
	const in = `{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}],"answer":"4"}
{"prompt":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"},{"role":"user","content":"3+3?"}],"answer":6,"id":"c2"}
{"prompt":"5+5?","answer":"10"}
`
	exs, _, err := ReadJSONL(strings.NewReader(in), "chat.jsonl", DefaultJSONLConfig())
	if err != nil {
		t.Fatal(err)
	}
	want := []Example{
		{ID: ContentID("Be brief.\n2+2?"), Prompt: "2+2?", Answer: "4", Solution: "4",
			Messages: []Message{{RoleSystem, "Be brief."}, {RoleUser, "2+2?"}}},
		{ID: "c2", Prompt: "3+3?", Answer: "6",
			Messages: []Message{{RoleUser, "hi"}, {RoleAssistant, "hello"}, {RoleUser, "3+3?"}}},
		{ID: ContentID("5+5?"), Prompt: "5+5?", Answer: "10"},
	}
	if !reflect.DeepEqual(exs, want) {
		t.Fatalf("got\n%+v\nwant\n%+v", exs, want)
	}
	if got := PlainPrompt(exs[1].Conversation()); got != "hi\nhello\n3+3?\n" {
		t.Errorf("PlainPrompt = %q", got)
	}
	if got := exs[2].Conversation(); !reflect.DeepEqual(got, []Message{{RoleUser, "5+5?"}}) {
		t.Errorf("Conversation of a plain prompt = %+v", got)
	}
}

// Each bad conversation is an error naming file:line, the field, and the fix.
func TestReadJSONLBadConversations(t *testing.T) {
	cases := []struct{ line, want string }{
		{`{"messages":"hi","answer":"1"}`, `bad.jsonl:1: field "messages": want an array of {"role": ..., "content": ...} objects, have a string`},
		{`{"messages":[{"role":"bot","content":"x"}],"answer":"1"}`, `bad.jsonl:1: field "messages": message 0: unknown role "bot": use "system", "user" or "assistant"`},
		{`{"messages":[{"role":"user","content":""}],"answer":"1"}`, `bad.jsonl:1: field "messages": message 0 (user): empty content; drop the message or give it text`},
		{`{"messages":[{"role":"system","content":"s"},{"role":"assistant","content":"a"}],"answer":"1"}`, `bad.jsonl:1: field "messages": no user message: a conversation needs at least one {"role": "user", ...} turn`},
		{`{"messages":[{"role":"user","content":"q"},{"role":"system","content":"s"}],"answer":"1"}`, `message 1: a system message may only come first`},
		{`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"},{"role":"assistant","content":"b"}],"answer":"1"}`, `2 assistant messages after the last user message`},
		{`{"messages":[{"role":"user","content":["x"]}],"answer":"1"}`, `message 0: "content": want a string, have an array (only text content is supported)`},
		{`{"messages":[{"role":"user"}],"answer":"1"}`, `message 0: missing "content"`},
		{`{"messages":[7],"answer":"1"}`, `message 0: want an object {"role": ..., "content": ...}, have a number`},
		{`{"prompt":"other","messages":[{"role":"user","content":"q"}],"answer":"1"}`, `field "prompt": differs from the last user message of "messages"`},
		{`{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"}],"solution":"b","answer":"1"}`, `field "solution": differs from the conversation's final assistant message`},
		{`{"answer":"1"}`, `field "prompt": missing, and no "messages" conversation either`},
	}
	for _, c := range cases {
		_, _, err := ReadJSONL(strings.NewReader(c.line), "bad.jsonl", DefaultJSONLConfig())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %s", c.line, err, c.want)
		}
	}
}

// A conversation written by WriteJSONL reads back the same.
func TestConversationRoundTrip(t *testing.T) {
	ex := Example{ID: "x", Prompt: "q2", Answer: "1", Solution: "a2",
		Messages: []Message{{RoleSystem, "s"}, {RoleUser, "q1"}, {RoleAssistant, "a1"}, {RoleUser, "q2"}}}
	var sb strings.Builder
	if err := WriteJSONL(&sb, []Example{ex}); err != nil {
		t.Fatal(err)
	}
	back, _, err := ReadJSONL(strings.NewReader(sb.String()), "rt", DefaultJSONLConfig())
	if err != nil || !reflect.DeepEqual(back, []Example{ex}) {
		t.Fatalf("%v\n%+v\n%s", err, back, sb.String())
	}
}
