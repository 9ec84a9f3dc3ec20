package warmstart

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/tokenizer"
)

// chatJSONL is a chat-format dataset as TRL and verl hold it: a system
// turn, the question, and the assistant's answer in "messages".
func chatJSONL(n int) string {
	var sb strings.Builder
	for i := range n {
		a, b := i%7+1, i/7%7+1
		fmt.Fprintf(&sb, `{"messages":[{"role":"system","content":"Answer with the sum."},{"role":"user","content":"%d+%d?"},{"role":"assistant","content":"<answer>%d</answer>"}],"answer":"%d"}`+"\n", a, b, a+b, a+b)
	}
	return sb.String()
}

func chatFixture(t *testing.T, n int) ([]data.Example, *tokenizer.Tokenizer, ChatFormat) {
	t.Helper()
	exs, _, err := data.ReadJSONL(strings.NewReader(chatJSONL(n)), "chat.jsonl", data.DefaultJSONLConfig())
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, ex := range exs {
		texts = append(texts, data.PlainPrompt(ex.Conversation())+ex.Solution)
	}
	tcfg := tokenizer.DefaultTrainConfig()
	tcfg.VocabSize = 300
	tok, err := tokenizer.Train(texts, tcfg)
	if err != nil {
		t.Fatal(err)
	}
	f, err := NewChatFormat(tokenizer.TemplateChatML, "", "", tok)
	if err != nil {
		t.Fatal(err)
	}
	return exs, tok, f
}

// The scored tokens of a chat demonstration are the assistant's alone,
// checked position by position on one example.
func TestChatSFTSeqsMask(t *testing.T) {
	exs, tok, f := chatFixture(t, 3)
	seqs, err := f.SFTSeqs(exs[:1])
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 1 {
		t.Fatalf("%d sequences for one demonstration", len(seqs))
	}
	s := seqs[0]
	const prompt = "<|im_start|>system\nAnswer with the sum.<|im_end|>\n<|im_start|>user\n1+1?<|im_end|>\n<|im_start|>assistant\n"
	if got := tok.Decode(s.Tokens[:s.Start]); got != prompt {
		t.Fatalf("unscored part %q, want %q", got, prompt)
	}
	// The scored positions, by hand: the answer's tokens, then <|im_end|>.
	end, _ := tok.SpecialID(tokenizer.IMEnd)
	want := append(tok.Encode("<answer>2</answer>"), end)
	got := s.Tokens[s.Start:]
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("scored tokens %v (%q), want %v", got, tok.Decode(got), want)
	}
	// No system, user or template token is scored: <|im_start|> and the
	// role names all lie before Start.
	start, _ := tok.SpecialID(tokenizer.IMStart)
	for i, id := range s.Tokens {
		if id == start && i >= s.Start {
			t.Fatalf("<|im_start|> at scored position %d", i)
		}
	}
	if f.Chat.Stop() != end {
		t.Fatalf("stop token %d, want <|im_end|> %d", f.Chat.Stop(), end)
	}
	// A conversation with an earlier assistant turn trains both turns,
	// each scored on its own reply.
	multi := data.Example{ID: "m", Prompt: "3+3?", Solution: "<answer>6</answer>", Messages: []data.Message{
		{Role: data.RoleUser, Content: "1+1?"}, {Role: data.RoleAssistant, Content: "<answer>2</answer>"}, {Role: data.RoleUser, Content: "3+3?"}}}
	seqs, err = f.SFTSeqs([]data.Example{multi})
	if err != nil || len(seqs) != 2 {
		t.Fatalf("%d sequences, %v", len(seqs), err)
	}
	for i, want := range []string{"<answer>2</answer><|im_end|>", "<answer>6</answer><|im_end|>"} {
		if got := tok.Decode(seqs[i].Tokens[seqs[i].Start:]); got != want {
			t.Errorf("turn %d scored %q, want %q", i, got, want)
		}
	}
}

// A chat-format JSONL trains end to end: SFT through the ChatML template on
// a tiny seeded model lowers the held-out loss on the assistant's tokens,
// and the trained model answers a chat prompt in the demonstrated format.
func TestChatSFTLearns(t *testing.T) {
	exs, tok, f := chatFixture(t, 49)
	train, heldOut := exs[:40], exs[40:]
	trainSeqs, err := f.SFTSeqs(train)
	if err != nil {
		t.Fatal(err)
	}
	evalSeqs, err := f.SFTSeqs(heldOut)
	if err != nil {
		t.Fatal(err)
	}
	mc := nn.Config{Dim: 48, NLayers: 2, NHeads: 2, NKVHeads: 2, FFNDim: 128, MaxSeqLen: 64,
		RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true, VocabSize: tok.VocabSize()}
	m, err := nn.NewModel(mc)
	if err != nil {
		t.Fatal(err)
	}
	m.InitRandom(rand.New(rand.NewPCG(1, 2)))
	before := nn.EvalLoss(m, evalSeqs, 16)
	sc := nn.DefaultSFTConfig()
	sc.Steps, sc.BatchSeqs, sc.EvalEvery, sc.Warmup, sc.LR = 150, 16, 0, 10, 3e-3
	if err := nn.SFT(m, trainSeqs, evalSeqs, sc, nil); err != nil {
		t.Fatal(err)
	}
	after := nn.EvalLoss(m, evalSeqs, 16)
	t.Logf("held-out loss on assistant tokens: %.3f before, %.3f after %d steps", before, after, sc.Steps)
	if !(after < 0.5*before) {
		t.Fatalf("held-out loss %.3f → %.3f: SFT through the chat template did not learn", before, after)
	}
	// Greedy decoding from a rendered chat prompt writes the answer format
	// and stops on <|im_end|>.
	text, err := f.FormatPrompt(heldOut[0].Conversation())
	if err != nil {
		t.Fatal(err)
	}
	g := nn.NewGenerator(m, 1, 64)
	comps, err := g.GenerateSeeded([][]int32{tok.Encode(text)}, nn.SampleConfig{Greedy: true, MaxNewTokens: 16, StopTokens: []int32{f.Chat.Stop()}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := tok.Decode(comps[0].Tokens)
	if !comps[0].Stopped || !strings.HasPrefix(out, "<answer>") || !strings.HasSuffix(out, "</answer><|im_end|>") {
		t.Fatalf("completion %q (stopped %v): not the demonstrated format", out, comps[0].Stopped)
	}
}
