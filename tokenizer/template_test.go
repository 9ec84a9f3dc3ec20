package tokenizer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var convo = []Message{{RoleSystem, "S"}, {RoleUser, "Q1"}, {RoleAssistant, "A1"}, {RoleUser, "Q2"}}

// Each construct of the subset on a small template, against the output
// Python's Jinja gives (worked out by hand).
func TestJinjaSubset(t *testing.T) {
	cases := []struct{ src, want string }{
		{"{{ messages|length }} {{ messages[-1].content }} {{ messages[0]['role'] }}", "4 Q2 system"},
		{"{% for m in messages %}{{ loop.index0 }}{{ m.role[0] }}{% if loop.first %}F{% elif loop.last %}L{% else %}-{% endif %}{% endfor %}", "0sF1u-2a-3uL"},
		{"{% for m in messages[::-1] %}{{ m.content }}{% endfor %}|{% for m in messages[1:3] %}{{ m.content }}{% endfor %}", "Q2A1Q1S|Q1A1"},
		{"{% set ns = namespace(n=0, s='') %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% set x = 1 %}{% endfor %}{{ ns.n }}{{ x is defined }}", "4False"},
		{"{{ '  a b \n'|trim }}|{{ 'x</think>y'.split('</think>')[-1] }}|{{ '\n\nz\n'.lstrip('\n') }}|{{ 'ab'.startswith('a') and 'ab'.endswith(('x', 'b')) }}", "a b|y|z\n|True"},
		{"{{ 'a' ~ 1 ~ none }} {{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ 7 / 2 }} {{ 2 ** 3 }} {{ 1 + 2 * 3 }}", "a1None 3 -4 1 3.5 8 7"},
		{"{{ 'yes' if add_generation_prompt else 'no' }} {{ tools is none }} {{ foo is defined }} {{ not foo }} {{ 'b' in 'abc' }} {{ 'z' not in ['a'] }}", "no True False True True True"},
		{"{%- if true -%}\n  x  \n{%- endif -%}\n y", "xy"},
		// trim_blocks and lstrip_blocks, as apply_chat_template sets them;
		// one trailing newline of the template is dropped.
		{"{% if true %}\n    {% if true %}\nA\n    {% endif %}\n{% endif %}\nB\n", "A\nB"},
		{"{# comment #}x{#- trimmed -#}  y", "xy"},
		{`{{ {'a': [1, 'x', none, true, 1.5]}|tojson }} {{ [1, "it's", 'a\'b"c']|string }}`, `{"a": [1, "x", null, true, 1.5]} [1, "it's", 'a\'b"c']`},
		{"{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}{% for x in [] %}x{% else %}empty{% endfor %}", "a=1;b=2;empty"},
		{"{% for i in range(5) if i is odd %}{{ i }}{% if i == 3 %}{% break %}{% endif %}{% endfor %}", "13"},
		{"{% generation %}{{ 'g' }}{% endgeneration %}{{ messages|selectattr is defined }}", ""},
	}
	for _, c := range cases {
		tm, err := ParseTemplate("t", c.src)
		if err != nil {
			if c.want == "" {
				continue
			}
			t.Errorf("%q: %v", c.src, err)
			continue
		}
		got, err := tm.Render(convo, false)
		if c.want == "" {
			if err == nil {
				t.Errorf("%q: rendered %q, want an error", c.src, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q:\n got %q, %v\nwant %q", c.src, got, err, c.want)
		}
	}
}

// Constructs outside the subset and bad templates fail with the template's
// name, line:col and what is wrong; raise_exception carries its message.
func TestJinjaErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"ok\n  {% macro f() %}{% endmacro %}", "chat template t:2:6: unsupported construct {% macro %} (macros)"},
		{"{{ x | selectattr('a') }}", "chat template t:1:8: unsupported filter \"selectattr\""},
		{"{% if x %}a", "chat template t:1:4: {% if %} is not closed by {% endif %} (found the end of the template)"},
		{"{{ 'abc' }", "chat template t:1:1: {{ is never closed with }}"},
		{"{{ raise_exception('Only user and assistant roles') }}", "chat template t:1:19: raise_exception: Only user and assistant roles"},
		{"{{ strftime_now('%d') }}", "1:16: unknown function strftime_now()"},
		{"{{ x.y }}", "1:5: x is undefined, so it has no attribute \"y\""},
		{"{{ 'a'.zfill(3) }}", "1:7: unsupported method a string.zfill()"},
		{"{% set x %}a{% endset %}", "1:4: unsupported construct: block {% set %}"},
		{"{{ 1 is divisibleby(2) }}", "unsupported test \"divisibleby\""},
		{"{% endfor %}", "{% endfor %} without a block it belongs to"},
		{"{{ 1 +* 2 }}", "1:7: expected an expression, found \"*\""},
		{"{{ @ }}", "1:4: unexpected character '@'"},
		{"{{ 'a' * 100000000 }}", "string longer than"},
		{"{% set s = 'a' * 16000000 %}{% for i in range(1000) %}{% set t = s + 'b' %}{% endfor %}", "rendering takes more than"},
		{"{% for i in range(100000000) %}{% endfor %}", "range() longer than"},
		{"{% for i in range(1000) %}{% for j in range(1000) %}{% for k in range(1000) %}{% endfor %}{% endfor %}{% endfor %}", "rendering takes more than"},
		{"{{ " + strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300) + " }}", "nested more than 200 deep"},
	}
	for _, c := range cases {
		tm, err := ParseTemplate("t", c.src)
		if err == nil {
			_, err = tm.Render(convo, true)
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q:\n got %v\nwant …%s…", c.src, err, c.want)
		}
		var je *jinjaError
		if err != nil && !errors.As(err, &je) {
			t.Errorf("%q: error %T is not a template error", c.src, err)
		}
	}
	tm, _ := ParseTemplate("t", "{{ raise_exception('no') }}")
	if _, err := tm.Render(convo, false); !errors.Is(err, errRaised) {
		t.Errorf("raise_exception does not wrap errRaised: %v", err)
	}
}

func TestLoadTemplate(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write(TokenizerConfigFile, `{"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"}], "bos_token": {"content": "<s>"}, "eos_token": "</s>", "added_tokens_decoder": {}}`)
	tm, err := LoadTemplate(TemplateModel, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := tm.Render([]Message{{RoleUser, "hi"}}, true); got != "<s>hi</s>" || tm.Name != TemplateModel {
		t.Errorf("model template rendered %q (name %q)", got, tm.Name)
	}
	file := write("t.jinja", "{{ messages[0].content }}!\n")
	if tm, err = LoadTemplate(file, ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := tm.Render([]Message{{RoleUser, "hi"}}, true); got != "hi!" {
		t.Errorf("file template rendered %q", got)
	}
	for _, c := range []struct{ spec, dir, want string }{
		{TemplateModel, "", "give --init DIR"},
		{TemplateModel, t.TempDir(), "tokenizer_config.json: no such file"},
		{filepath.Join(dir, "missing.jinja"), "", "give none, chatml, llama3, model or a Jinja file"},
		{write("bad.jinja", "{% for %}"), "", "bad.jinja:1:8: expected a name"},
	} {
		if _, err := LoadTemplate(c.spec, c.dir); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("LoadTemplate(%q, %q) = %v, want …%s…", c.spec, c.dir, err, c.want)
		}
	}
	noTmpl := t.TempDir()
	if err := os.WriteFile(filepath.Join(noTmpl, TokenizerConfigFile), []byte(`{"eos_token": null}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTemplate(TemplateModel, noTmpl); err == nil || !strings.Contains(err.Error(), "has no chat_template") {
		t.Errorf("config without chat_template: %v", err)
	}
}

// chatTokenizer is a tiny trained tokenizer with the ChatML specials.
func chatTokenizer(t *testing.T) *Tokenizer {
	t.Helper()
	cfg := DefaultTrainConfig()
	cfg.VocabSize = 270
	tok, err := Train([]string{"What is 2+2? The answer is 4."}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// EncodeReply's reply tokens are exactly the assistant's text and the
// end-of-turn token, checked by position; the template's text around them
// is in the prompt or left out.
func TestEncodeReplyMask(t *testing.T) {
	tok := chatTokenizer(t)
	msgs := []Message{{RoleUser, "2+2?"}, {RoleAssistant, "4"}, {RoleUser, "3+3?"}, {RoleAssistant, "6"}}
	dec := func(ids []int32) []string {
		var out []string
		for _, id := range ids {
			s, _ := tok.Token(id)
			out = append(out, s)
		}
		return out
	}
	qwenLike, err := ParseTemplate("qwen-like", "{% for m in messages %}<|im_start|>{{ m.role }}\n{% if m.role == 'assistant' and loop.last %}<think>\n\n</think>\n\n{% endif %}{{ m.content }}<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
	if err != nil {
		t.Fatal(err)
	}
	chatml, _ := BuiltinTemplate(TemplateChatML)
	none, _ := BuiltinTemplate(TemplateNone)
	for _, c := range []struct {
		tmpl   *ChatTemplate
		system string
		prompt string
		reply  []string // the reply's tokens, position by position
	}{
		{chatml, "", "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\n3+3?<|im_end|>\n<|im_start|>assistant\n", []string{"6", IMEnd}},
		{chatml, "Be brief.", "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\n3+3?<|im_end|>\n<|im_start|>assistant\n", []string{"6", IMEnd}},
		{qwenLike, "", "<|im_start|>user\n2+2?<|im_end|>\n<|im_start|>assistant\n4<|im_end|>\n<|im_start|>user\n3+3?<|im_end|>\n<|im_start|>assistant\n", append(strings.Split("<think>\n\n</think>\n\n", ""), "6", IMEnd)},
		{none, "", "2+2?\n4\n3+3?\n", []string{"6", EndOfText}},
	} {
		chat, err := NewChat(tok, c.tmpl, c.system)
		if err != nil {
			t.Fatal(err)
		}
		prompt, reply, err := chat.EncodeReply(msgs)
		if err != nil {
			t.Fatal(err)
		}
		if got := tok.Decode(prompt); got != c.prompt {
			t.Errorf("%s: prompt %q, want %q", c.tmpl.Name, got, c.prompt)
		}
		if got := dec(reply); strings.Join(got, "|") != strings.Join(c.reply, "|") {
			t.Errorf("%s: reply tokens %q, want %q", c.tmpl.Name, got, c.reply)
		}
		if reply[len(reply)-1] != chat.Stop() {
			t.Errorf("%s: reply does not end with the stop token", c.tmpl.Name)
		}
	}
	// A reply that spells the end-of-turn token is scored whole.
	chat, _ := NewChat(tok, chatml, "")
	_, reply, err := chat.EncodeReply([]Message{{RoleUser, "q"}, {RoleAssistant, "say <|im_end|> twice"}})
	if err != nil || tok.Decode(reply) != "say <|im_end|> twice<|im_end|>" {
		t.Errorf("reply holding <|im_end|>: %q, %v", tok.Decode(reply), err)
	}
	if _, _, err := (&Chat{Tok: tok, Template: chatml}).EncodeReply(msgs[:3]); err == nil {
		t.Error("a conversation ending with a user turn was encoded as a reply")
	}
	llama3, _ := BuiltinTemplate(TemplateLlama3)
	if _, err := NewChat(tok, llama3, ""); err == nil || !strings.Contains(err.Error(), "needs the special token <|start_header_id|>") {
		t.Errorf("llama3 with a ChatML tokenizer: %v", err)
	}
}
