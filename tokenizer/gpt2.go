package tokenizer

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// LoadGPT2 reads GPT-2's vocabulary and merges: vocab.json + merges.txt (Hugging
// Face's names) or encoder.json + vocab.bpe (OpenAI's), which have the same
// formats. The split is GPT-2's regex, with no normalizer, and
// "<|endoftext|>", when in the vocabulary, becomes a special token.
func LoadGPT2(vocabPath, mergesPath string) (*Tokenizer, error) {
	data, err := os.ReadFile(vocabPath)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	var forms map[string]int32
	if err := json.Unmarshal(data, &forms); err != nil {
		return nil, fmt.Errorf("load %s: want a JSON object of token → id: %w", vocabPath, err)
	}
	vocab := make(map[string]int32, len(forms))
	for form, id := range forms {
		raw, ok := rawBytes(form)
		if !ok {
			return nil, fmt.Errorf("load %s: token %q (id %d) is not in GPT-2's byte-level alphabet", vocabPath, form, id)
		}
		vocab[raw] = id
	}
	t, err := newTokenizer(vocab, PreTokenizer{Pattern: PatternGPT2})
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", vocabPath, err)
	}
	f, err := os.Open(mergesPath)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for line := 1; sc.Scan(); line++ {
		l := strings.TrimRight(sc.Text(), "\r")
		if (line == 1 && strings.HasPrefix(l, "#version")) || strings.TrimSpace(l) == "" {
			continue
		}
		fields := strings.Fields(l)
		if len(fields) != 2 {
			return nil, fmt.Errorf("load %s:%d: %q: want two tokens separated by a space", mergesPath, line, l)
		}
		a, okA := rawBytes(fields[0])
		b, okB := rawBytes(fields[1])
		if !okA || !okB {
			return nil, fmt.Errorf("load %s:%d: %q is not in GPT-2's byte-level alphabet", mergesPath, line, l)
		}
		if err := t.addMerge(a, b); err != nil {
			return nil, fmt.Errorf("load %s:%d: %w", mergesPath, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("load %s: %w", mergesPath, err)
	}
	if id, ok := vocab[EndOfText]; ok {
		if err := t.addAdded(AddedToken{ID: id, Content: EndOfText, Special: true}); err != nil {
			return nil, fmt.Errorf("load %s: %w", vocabPath, err)
		}
	}
	t.finish()
	return t, nil
}

// Load reads a tokenizer, telling the format from the path and content:
//   - a directory holding tokenizer.json, vocab.json + merges.txt, or
//     encoder.json + vocab.bpe;
//   - a tokenizer.json (a JSON object with a "model");
//   - a GPT-2 vocab.json / encoder.json (its merges file is found beside it),
//     or a merges.txt / vocab.bpe (its vocabulary found beside it).
func Load(path string) (*Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if st.IsDir() {
		if exists(filepath.Join(path, "tokenizer.json")) {
			return LoadHF(filepath.Join(path, "tokenizer.json"))
		}
		for _, p := range gpt2Pairs {
			if exists(filepath.Join(path, p[0])) && exists(filepath.Join(path, p[1])) {
				return LoadGPT2(filepath.Join(path, p[0]), filepath.Join(path, p[1]))
			}
		}
		return nil, fmt.Errorf("tokenizer: %s holds neither tokenizer.json nor vocab.json + merges.txt nor encoder.json + vocab.bpe", path)
	}
	dir, base := filepath.Dir(path), filepath.Base(path)
	for _, p := range gpt2Pairs {
		if base == p[1] {
			return LoadGPT2(filepath.Join(dir, p[0]), path)
		}
	}
	head := make([]byte, 4096)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	n, _ := f.Read(head)
	f.Close()
	head = bytes.TrimLeft(head[:n], " \t\r\n\ufeff")
	if len(head) == 0 || head[0] != '{' {
		return nil, fmt.Errorf("tokenizer: %s is not JSON: want tokenizer.json, vocab.json/encoder.json or merges.txt/vocab.bpe", path)
	}
	if bytes.Contains(head, []byte(`"model"`)) || bytes.Contains(head, []byte(`"added_tokens"`)) || bytes.Contains(head, []byte(`"version"`)) {
		return LoadHF(path)
	}
	for _, p := range gpt2Pairs {
		if m := filepath.Join(dir, p[1]); exists(m) {
			return LoadGPT2(path, m)
		}
	}
	// A JSON object that may still be a tokenizer.json with "model" late in it.
	t, err := LoadHF(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %s: not a tokenizer.json (%v), and no merges.txt or vocab.bpe beside it", path, err)
	}
	return t, nil
}

// gpt2Pairs are the vocabulary and merges file names of the GPT-2 format.
var gpt2Pairs = [][2]string{{"vocab.json", "merges.txt"}, {"encoder.json", "vocab.bpe"}}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// SaveGPT2 writes the BPE vocabulary and merges in GPT-2's format
// (vocab.json + merges.txt). The format has no place for the split, the
// normalizer or added tokens that are not in the vocabulary; Save keeps all.
func (t *Tokenizer) SaveGPT2(vocabPath, mergesPath string) error {
	ids := make([]int32, 0, len(t.vocab))
	for _, id := range t.vocab {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var b bytes.Buffer
	b.WriteString("{")
	for i, id := range ids {
		if i > 0 {
			b.WriteString(",")
		}
		form := byteLevelForm(t.tokens[id])
		if t.isAdded(id) {
			form = t.tokens[id]
		}
		k, err := json.Marshal(form)
		if err != nil {
			return fmt.Errorf("save %s: %w", vocabPath, err)
		}
		fmt.Fprintf(&b, "%s: %d", k, id)
	}
	b.WriteString("}\n")
	if err := os.WriteFile(vocabPath, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	b.Reset()
	b.WriteString("#version: 0.2\n")
	for _, m := range t.merges {
		b.WriteString(byteLevelForm(t.tokens[m.A]) + " " + byteLevelForm(t.tokens[m.B]) + "\n")
	}
	if err := os.WriteFile(mergesPath, b.Bytes(), 0o644); err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	return nil
}
