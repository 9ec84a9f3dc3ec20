package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/tokenizer"
)

// writeChatJSONL writes arithmetic problems as a chat-format JSONL: a
// "messages" conversation (user question, assistant solution) per line.
func writeChatJSONL(t *testing.T, path string, n int) {
	t.Helper()
	gc := data.DefaultGenConfig()
	gc.Arithmetic.MinOps, gc.Arithmetic.MaxOps, gc.Arithmetic.MaxDigits, gc.Arithmetic.Ops = 1, 1, 1, "+"
	exs, err := data.Generate("arithmetic", n, 1, gc)
	if err != nil {
		t.Fatal(err)
	}
	var sb strings.Builder
	for _, ex := range exs {
		b, err := json.Marshal(map[string]any{"id": ex.ID, "task": ex.Task, "answer": ex.Answer,
			"messages": []data.Message{{Role: data.RoleUser, Content: ex.Prompt}, {Role: data.RoleAssistant, Content: ex.Solution}}})
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(append(b, '\n'))
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A chat-format JSONL trains end to end: the built-in warm start does SFT
// through ChatML with a system prompt, RL rolls out and evaluates through
// it, and config.json records the choice.
func TestTrainChatJSONL(t *testing.T) {
	if testing.Short() {
		t.Skip("a short training run")
	}
	dir := t.TempDir()
	dataPath := filepath.Join(dir, "chat.jsonl")
	writeChatJSONL(t, dataPath, 100)
	out := filepath.Join(dir, "run")
	err := runTrain([]string{"--algo", "grpo", "--data", dataPath, "--chat-template", "chatml", "--system-prompt", "Add.",
		"--sft-steps", "40", "--steps", "2", "--prompts-per-step", "4", "--group-size", "4", "--eval-n", "8", "--eval-k", "2",
		"--threads", "2", "--no-cache", "--warm-vocab-size", "300",
		"--model-hidden-size", "64", "--model-num-hidden-layers", "2", "--model-intermediate-size", "128",
		"--model-num-attention-heads", "2", "--model-num-key-value-heads", "2", "--model-head-dim", "32",
		"--out", out})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfg runConfig
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Chat.ChatTemplate != "chatml" || cfg.Chat.SystemPrompt != "Add." || cfg.Warm.Build.ChatTemplate != "chatml" || cfg.Warm.Build.SystemPrompt != "Add." {
		t.Fatalf("config.json does not record the template: %+v, warm %q %q", cfg.Chat, cfg.Warm.Build.ChatTemplate, cfg.Warm.Build.SystemPrompt)
	}
	if _, err := os.Stat(filepath.Join(out, "summary.json")); err != nil {
		t.Fatal(err)
	}
	// The format train() gives the policy: prompts in ChatML with the
	// system prompt, completions ending with <|im_end|>.
	tok, err := tokenizer.Load(filepath.Join(out, "final", "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	eos, _ := tok.SpecialID(tokenizer.EndOfText)
	format, stop, err := chatFormat(cfg.Chat, "", tok, eos)
	if err != nil {
		t.Fatal(err)
	}
	pol := &rl.Policy{Codec: tok, EOS: stop, Format: format}
	ids, err := pol.EncodeExample(data.Example{ID: "x", Prompt: "1+2?"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tok.Decode(ids), "<|im_start|>system\nAdd.<|im_end|>\n<|im_start|>user\n1+2?<|im_end|>\n<|im_start|>assistant\n"; got != want {
		t.Errorf("prompt %q, want %q", got, want)
	}
	if end, _ := tok.SpecialID(tokenizer.IMEnd); stop != end {
		t.Errorf("stop token %d, want <|im_end|> %d", stop, end)
	}
}

// Bad --chat-template values are bad input naming the flag and the fix.
func TestChatTemplateBadInput(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.jinja")
	if err := os.WriteFile(bad, []byte("{% for m in messages %}{{ m.content }}"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--chat-template", "model"}, "--chat-template: tokenizer: chat template \"model\" reads the checkpoint's tokenizer_config.json: give --init DIR"},
		{[]string{"--chat-template", "nope.jinja"}, "--chat-template: tokenizer: chat template: open nope.jinja"},
		{[]string{"--chat-template", bad}, "bad.jinja:1:4: {% for %} is not closed by {% endfor %}"},
	} {
		err := runTrain(c.args)
		var ee exitError
		if err == nil || !strings.Contains(err.Error(), c.want) || !errors.As(err, &ee) || ee.code != 2 {
			t.Errorf("%v: %v (want exit 2 and …%s…)", c.args, err, c.want)
		}
	}
}
