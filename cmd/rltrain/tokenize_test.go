package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/tokenizer"
)

func TestTokenizeStreamRoundTrip(t *testing.T) {
	corpus := "12 + 34 = 46\n<think>7*6=42</think><answer>42</answer>\n\nIt's   fine.\t\n"
	cfg := tokenizer.DefaultTrainConfig()
	cfg.VocabSize = 300
	tok, err := tokenizer.Train([]string{strings.Repeat(corpus, 20)}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	input := corpus + "last line without newline <|im_end|>"
	var ids bytes.Buffer
	w := bufio.NewWriter(&ids)
	if err := tokenizeStream(tok, false, strings.NewReader(input), w); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	lines := strings.Split(strings.TrimSuffix(ids.String(), "\n"), "\n")
	if want := strings.Count(input, "\n") + 1; len(lines) != want {
		t.Fatalf("%d output lines, want %d", len(lines), want)
	}
	if lines[2] != "" {
		t.Errorf("empty input line gave %q", lines[2])
	}
	if !strings.HasSuffix(lines[len(lines)-1], " 2") { // <|im_end|> is id 2
		t.Errorf("last line %q does not end with <|im_end|>'s id 2", lines[len(lines)-1])
	}
	var text bytes.Buffer
	w = bufio.NewWriter(&text)
	if err := tokenizeStream(tok, true, &ids, w); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	if text.String() != input+"\n" {
		t.Fatalf("decode(encode) = %q, want %q", text.String(), input+"\n")
	}
	err = tokenizeStream(tok, true, strings.NewReader("1 2\n3 x\n"), bufio.NewWriter(&text))
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad id: err = %v, want it to name line 2", err)
	}
	err = tokenizeStream(tok, true, strings.NewReader("999999\n"), bufio.NewWriter(&text))
	if err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Errorf("unknown id: err = %v, want it to name line 1", err)
	}
}

func TestTokenizerTrainCommand(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "tok.json")
	in := filepath.Join(dir, "corpus.txt")
	if err := os.WriteFile(in, []byte(strings.Repeat("12 + 34 = 46 and 5 * 6 = 30\n", 100)), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	stdin := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = stdin }()
	if err := runTokenizerTrain([]string{"--vocab-size", "280", "--specials", "<|endoftext|>,<|pad|>", "--out", out}); err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	if id, ok := tok.SpecialID("<|pad|>"); !ok || id != 1 {
		t.Errorf("<|pad|> = %d, %v; want 1", id, ok)
	}
	if tok.VocabSize() > 280 {
		t.Errorf("VocabSize %d > 280", tok.VocabSize())
	}
	if err := runTokenizerTrain([]string{"--vocab-size", "10", "--out", out}); err == nil {
		t.Error("vocab size 10 accepted")
	}
	if err := runTokenizerTrain([]string{"--vocab-size", "300"}); err == nil || !strings.Contains(err.Error(), "--out") {
		t.Errorf("missing --out: err = %v", err)
	}
	if err := runTokenize([]string{}); err == nil || !strings.Contains(err.Error(), "--tokenizer") {
		t.Errorf("missing --tokenizer: err = %v", err)
	}
}
