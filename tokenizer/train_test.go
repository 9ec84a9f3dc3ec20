package tokenizer

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// bruteForceMerges is the textbook trainer: recount every pair of every
// word after each merge. Same tie rule as Train: larger count, then the
// smaller (a, b).
func bruteForceMerges(texts []string, cfg TrainConfig) [][2]string {
	wc := map[string]int64{}
	for _, s := range texts {
		for _, piece := range splitSpecials(s, cfg.Specials) {
			for _, w := range cfg.PreTokenizer.Words(piece) {
				wc[w]++
			}
		}
	}
	ids := map[string]int32{}
	var toks []string
	for _, s := range cfg.Specials {
		ids[s] = int32(len(toks))
		toks = append(toks, s)
	}
	for b := 0; b < 256; b++ {
		if _, ok := ids[string([]byte{byte(b)})]; !ok {
			ids[string([]byte{byte(b)})] = int32(len(toks))
			toks = append(toks, string([]byte{byte(b)}))
		}
	}
	type word struct {
		syms  []string
		count int64
	}
	var words []word
	for w, c := range wc {
		var syms []string
		for i := 0; i < len(w); i++ {
			syms = append(syms, w[i:i+1])
		}
		words = append(words, word{syms, c})
	}
	var merges [][2]string
	done := map[[2]string]bool{}
	for len(toks) < cfg.VocabSize {
		counts := map[[2]string]int64{}
		for _, w := range words {
			for i := 0; i+1 < len(w.syms); i++ {
				counts[[2]string{w.syms[i], w.syms[i+1]}] += w.count
			}
		}
		var best [2]string
		bestC := int64(0)
		for p, c := range counts {
			if c > bestC || (c == bestC && (ids[p[0]] < ids[best[0]] || (ids[p[0]] == ids[best[0]] && ids[p[1]] < ids[best[1]]))) {
				best, bestC = p, c
			}
		}
		if bestC < int64(cfg.MinFrequency) {
			break
		}
		j := best[0] + best[1]
		if _, ok := ids[j]; !ok {
			ids[j] = int32(len(toks))
			toks = append(toks, j)
		}
		if !done[best] {
			done[best] = true
			merges = append(merges, best)
		}
		for k := range words {
			s := words[k].syms
			var out []string
			for i := 0; i < len(s); i++ {
				if i+1 < len(s) && s[i] == best[0] && s[i+1] == best[1] {
					out = append(out, j)
					i++
				} else {
					out = append(out, s[i])
				}
			}
			words[k].syms = out
		}
	}
	return merges
}

func trainedMerges(t *Tokenizer) [][2]string {
	var out [][2]string
	for _, m := range t.Merges() {
		out = append(out, [2]string{t.tokens[m.A], t.tokens[m.B]})
	}
	return out
}

func TestTrainMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 1))
	corpora := map[string][]string{
		"corpus":  readCorpus(t)[:200],
		"repeats": {"aaaaaaaa aaaa aaa", "abababab abab", "aaabaaab"},
		"random": func() []string {
			var s []string
			for i := 0; i < 50; i++ {
				s = append(s, randomText(r, 30))
			}
			return s
		}(),
	}
	for name, texts := range corpora {
		for _, p := range splits {
			cfg := DefaultTrainConfig()
			cfg.VocabSize = 400
			cfg.PreTokenizer = p
			tok, err := Train(texts, cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, want := trainedMerges(tok), bruteForceMerges(texts, cfg)
			if !reflect.DeepEqual(got, want) {
				n := 0
				for n < len(got) && n < len(want) && got[n] == want[n] {
					n++
				}
				t.Fatalf("%s/%s%d: %d merges vs brute force %d; first difference at %d", name, p.Pattern, p.MaxDigits, len(got), len(want), n)
			}
			if len(got) == 0 {
				t.Fatalf("%s: no merges learned", name)
			}
		}
	}
}

func TestTrainVocabAndSpecials(t *testing.T) {
	cfg := DefaultTrainConfig()
	cfg.VocabSize = 300
	texts := append(readCorpus(t), strings.Repeat("<think>12 + 34 = 46</think><answer>46</answer><|endoftext|>\n", 50))
	tok, err := Train(texts, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() != 300 {
		t.Fatalf("VocabSize = %d, want 300", tok.VocabSize())
	}
	for i, s := range DefaultSpecials() {
		if id, ok := tok.SpecialID(s); !ok || id != int32(i) {
			t.Errorf("SpecialID(%q) = %d, %v; want %d", s, id, ok, i)
		}
	}
	// Single digits: no token may hold two digits.
	for id := 0; id < tok.VocabSize(); id++ {
		s, _ := tok.Token(int32(id))
		digits := 0
		for _, c := range s {
			if c >= '0' && c <= '9' {
				digits++
			}
		}
		if digits > 1 {
			t.Errorf("token %d %q holds %d digits with MaxDigits 1", id, s, digits)
		}
	}
	ids := tok.Encode("<think>12 + 34 = 46</think><|endoftext|>")
	if last := ids[len(ids)-1]; last != 0 {
		t.Errorf("<|endoftext|> encoded as %d, want 0", last)
	}
	if got := tok.Decode(ids); got != "<think>12 + 34 = 46</think><|endoftext|>" {
		t.Errorf("Decode = %q", got)
	}
	// "<think>" is frequent: it must have merged into few tokens.
	if n := len(tok.Encode("<think>")); n > 2 {
		t.Errorf("<think> takes %d tokens after training on it 50 times", n)
	}
	// A small corpus stops early rather than inventing merges.
	cfg.VocabSize = 5000
	small, err := Train([]string{"ab ab"}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Words "ab" and " ab": (a,b) occurs twice and merges; ( ,ab) once, below MinFrequency 2.
	if small.VocabSize() != 4+256+1 {
		t.Errorf("tiny corpus: VocabSize %d, want %d", small.VocabSize(), 4+256+1)
	}
}

func TestTrainReaderMatchesTrain(t *testing.T) {
	lines := readCorpus(t)
	text := strings.Join(lines, "\n") + "\n"
	cfg := DefaultTrainConfig()
	cfg.VocabSize = 600
	a, err := Train([]string{text}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := TrainReader(bytes.NewReader([]byte(text)), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(trainedMerges(a), trainedMerges(b)) {
		t.Fatal("TrainReader learned other merges than Train on the same text")
	}
	// Cuts: every chunk boundary must fall after "\n" + non-space.
	buf := []byte("ab\n  cd\nef\n gh")
	if got := lastSafeCut(buf); got != len("ab\n  cd\n") {
		t.Errorf("lastSafeCut = %d, want %d", got, len("ab\n  cd\n"))
	}
}

func TestTrainConfigValidate(t *testing.T) {
	bad := []func(*TrainConfig){
		func(c *TrainConfig) { c.VocabSize = 100 },
		func(c *TrainConfig) { c.MinFrequency = 0 },
		func(c *TrainConfig) { c.Specials = []string{"<a>", "<a>"} },
		func(c *TrainConfig) { c.Specials = []string{""} },
		func(c *TrainConfig) { c.PreTokenizer.Pattern = "bert" },
		func(c *TrainConfig) { c.PreTokenizer.MaxDigits = -1 },
	}
	for i, f := range bad {
		c := DefaultTrainConfig()
		f(&c)
		if c.Validate() == nil {
			t.Errorf("case %d: Validate accepted %+v", i, c)
		}
		if _, err := Train([]string{"x"}, c); err == nil {
			t.Errorf("case %d: Train accepted %+v", i, c)
		}
	}
	if err := DefaultTrainConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestTrainDeterministic(t *testing.T) {
	texts := readCorpus(t)
	cfg := DefaultTrainConfig()
	cfg.VocabSize = 700
	a, _ := Train(texts, cfg)
	shuffled := append([]string(nil), texts...)
	sort.Strings(shuffled)
	b, _ := Train(shuffled, cfg)
	if !reflect.DeepEqual(trainedMerges(a), trainedMerges(b)) {
		t.Fatal("training depends on the order of the texts")
	}
}
