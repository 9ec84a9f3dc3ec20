package tokenizer

import (
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// Hugging Face's own implementation, the Rust tokenizers library through
// its Node binding (npm "tokenizers"), is the reference for tokenizer.json:
// it must load what Save writes and encode exactly as we do, and its
// pre-tokenizer must split exactly as our scanners do.

var hfRustDir = filepath.Join(npmDir, "node_modules/tokenizers")

// rustSamples hold the characters on which the JavaScript references differ
// from Rust (and us): U+0085 and U+FEFF (JavaScript's \s), ſ after an
// apostrophe ((?i) folding).
var rustSamples = []string{
	"a\u0085b", "a\u0085\u0085b c\u0085", "a \ufeffb", "\ufeff\ufeff x", "it'ſ it'ſx 'ſſ IT'S",
	"\u1680\u1680x", "a  \u2028\u2028b", "x\u00a0\u00a0\u00a0y", "ǅx ʰ Ⅻ ½",
}

func saveTemp(t *testing.T, tok *Tokenizer) string {
	t.Helper()
	path, err := filepath.Abs(filepath.Join(t.TempDir(), "tokenizer.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := tok.Save(path); err != nil {
		t.Fatal(err)
	}
	return path
}

func checkVsRust(t *testing.T, name, path string, tok *Tokenizer, texts []string) {
	t.Helper()
	want := runNode(t, "rust:"+path, texts)
	got := make([][]int32, len(texts))
	for i, s := range texts {
		got[i] = tok.Encode(s)
	}
	bad := compare(t, name, texts, got, want)
	t.Logf("%s vs Hugging Face tokenizers (Rust): %d texts, %d mismatches", name, len(texts), bad)
}

func TestConformanceHFRust(t *testing.T) {
	needPeer(t, "tokenizers (Hugging Face, Rust)", hfRustDir, qwen3JSON, gpt2EncoderJSON)
	texts := append(append(conformanceSamples(readCorpus(t)), specialSamples...), rustSamples...)

	qwen, err := Load(qwen3JSON)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(qwen3JSON)
	checkVsRust(t, "qwen3 tokenizer.json", abs, qwen, texts)

	// GPT-2 as loaded from encoder.json/vocab.bpe, written by Save: checks
	// Save and the GPT-2 split (ByteLevel with use_regex) in Rust.
	gpt2, err := Load(gpt2EncoderJSON)
	if err != nil {
		t.Fatal(err)
	}
	checkVsRust(t, "gpt2 saved as tokenizer.json", saveTemp(t, gpt2), gpt2, texts)

	for _, p := range []PreTokenizer{DefaultPreTokenizer(), {Pattern: PatternGPT2}, {Pattern: PatternLlama3, MaxDigits: 3}} {
		tok := trained(t, p, 1000)
		checkVsRust(t, "trained "+string(p.Pattern)+" saved", saveTemp(t, tok), tok, texts)
	}

	// ignore_merges (Llama 3): a word that is itself a token is not merged.
	// In a vocabulary learned by BPE every token is what BPE makes of it, so
	// drop every third merge of a trained tokenizer (their tokens stay in
	// the vocabulary) to get words where the flag matters.
	base := trained(t, DefaultPreTokenizer(), 1000)
	data, err := base.MarshalHF()
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	model := doc["model"].(map[string]any)
	var kept []any
	for i, m := range model["merges"].([]any) {
		if i%3 != 1 {
			kept = append(kept, m)
		}
	}
	model["merges"], model["ignore_merges"] = kept, true
	if data, err = json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
	ignPath, _ := filepath.Abs(filepath.Join(t.TempDir(), "tokenizer.json"))
	if err := os.WriteFile(ignPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ign, err := Load(ignPath)
	if err != nil {
		t.Fatal(err)
	}
	plain := *ign
	plain.ignoreMerges = false
	plain.cache.init()
	differ := 0
	for _, s := range texts {
		if !equalIDs(ign.Encode(s), plain.Encode(s)) {
			differ++
		}
	}
	if differ == 0 {
		t.Fatal("ignore_merges changed no encoding: the test does not exercise it")
	}
	t.Logf("ignore_merges changes %d of %d encodings", differ, len(texts))
	checkVsRust(t, "ignore_merges", ignPath, ign, texts)
}

// TestPreTokenizerVsHFRust compares Words with Rust's pre_tokenizer on
// random texts, for every split variant.
func TestPreTokenizerVsHFRust(t *testing.T) {
	needPeer(t, "tokenizers (Hugging Face, Rust)", hfRustDir)
	r := rand.New(rand.NewPCG(11, 5))
	alphabet := []string{"\ufeff", "ſ", "'ſ", "\u0085"}
	for _, a := range splitAlphabet {
		if utf8.ValidString(a) {
			alphabet = append(alphabet, a)
		}
	}
	var texts []string
	for i := 0; i < 1500; i++ {
		var sb strings.Builder
		for n := 1 + r.IntN(20); n > 0; n-- {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		texts = append(texts, sb.String())
	}
	texts = append(texts, readCorpus(t)...)
	for _, p := range splits {
		path := saveTemp(t, trained(t, p, 300))
		var in strings.Builder
		for _, s := range texts {
			b, _ := json.Marshal(s)
			in.Write(b)
			in.WriteByte('\n')
		}
		cmd := exec.Command("node", "encode.js", "rust:"+path, "--jsonl", "--pre")
		cmd.Dir = npmDir
		cmd.Stdin = strings.NewReader(in.String())
		cmd.Stderr = os.Stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("node encode.js --pre: %v", err)
		}
		lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
		if len(lines) != len(texts) {
			t.Fatalf("%d lines for %d texts", len(lines), len(texts))
		}
		bad := 0
		for i, s := range texts {
			var want []string
			if err := json.Unmarshal([]byte(lines[i]), &want); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range p.Words(s) {
				got = append(got, byteLevelForm(w))
			}
			if !reflect.DeepEqual(got, want) && !(len(got) == 0 && len(want) == 0) {
				bad++
				if bad <= 5 {
					t.Errorf("%s/%d %q:\n ours %q\n rust %q", p.Pattern, p.MaxDigits, s, got, want)
				}
			}
		}
		t.Logf("split %s/%d vs Rust pre_tokenizer: %d texts, %d mismatches", p.Pattern, p.MaxDigits, len(texts), bad)
	}
}
