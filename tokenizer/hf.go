package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"unicode/utf8"
)

// Hugging Face tokenizer.json: the parts a byte-level BPE uses. See
// huggingface/tokenizers, tokenizers/src/tokenizer/serialization.rs.
type hfFile struct {
	AddedTokens   []hfAdded       `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         *hfModel        `json:"model"`
}

type hfAdded struct {
	ID         *int32 `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

type hfModel struct {
	Type                    string           `json:"type"`
	Dropout                 *float64         `json:"dropout"`
	ContinuingSubwordPrefix *string          `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string          `json:"end_of_word_suffix"`
	ByteFallback            bool             `json:"byte_fallback"`
	IgnoreMerges            bool             `json:"ignore_merges"`
	Vocab                   map[string]int32 `json:"vocab"`
	Merges                  json.RawMessage  `json:"merges"`
}

// hfComponent is any normalizer, pre-tokenizer or decoder object.
type hfComponent struct {
	Type           string        `json:"type"`
	AddPrefixSpace bool          `json:"add_prefix_space"`
	UseRegex       *bool         `json:"use_regex"`
	Pattern        *hfPattern    `json:"pattern"`
	Behavior       string        `json:"behavior"`
	Invert         bool          `json:"invert"`
	PreTokenizers  []hfComponent `json:"pretokenizers"`
	Normalizers    []hfComponent `json:"normalizers"`
	Decoders       []hfComponent `json:"decoders"`
}

type hfPattern struct {
	Regex  *string `json:"Regex"`
	String *string `json:"String"`
}

func isNull(m json.RawMessage) bool {
	m = bytes.TrimSpace(m)
	return len(m) == 0 || string(m) == "null"
}

// LoadHF reads a Hugging Face tokenizer.json.
func LoadHF(path string) (*Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	t, err := ParseHF(data)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return t, nil
}

// ParseHF builds a tokenizer from the bytes of a tokenizer.json with a BPE
// model, a ByteLevel pre-tokenizer (alone, or after a Split with the GPT-2
// or Llama-3/Qwen2 regex), no normalizer or NFC, and a ByteLevel decoder.
// The post-processor is ignored: Encode adds no BOS/EOS.
func ParseHF(data []byte) (*Tokenizer, error) {
	var f hfFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	m := f.Model
	if m == nil {
		return nil, errors.New("tokenizer.json: no \"model\"")
	}
	if m.Type != "BPE" && m.Type != "" {
		return nil, fmt.Errorf("tokenizer.json: model type %q: only BPE is supported", m.Type)
	}
	if m.Dropout != nil && *m.Dropout != 0 {
		return nil, fmt.Errorf("tokenizer.json: model dropout %g: only deterministic BPE (dropout null or 0) is supported", *m.Dropout)
	}
	if m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "" {
		return nil, fmt.Errorf("tokenizer.json: continuing_subword_prefix %q is not byte-level BPE", *m.ContinuingSubwordPrefix)
	}
	if m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "" {
		return nil, fmt.Errorf("tokenizer.json: end_of_word_suffix %q is not byte-level BPE", *m.EndOfWordSuffix)
	}
	if m.ByteFallback {
		return nil, errors.New("tokenizer.json: byte_fallback BPE (SentencePiece style, e.g. Llama 2) is not byte-level BPE")
	}
	nfc, err := parseHFNormalizer(f.Normalizer)
	if err != nil {
		return nil, err
	}
	pre, err := parseHFPreTokenizer(f.PreTokenizer)
	if err != nil {
		return nil, err
	}
	if err := checkHFDecoder(f.Decoder); err != nil {
		return nil, err
	}

	added := map[int32]string{}
	for i, a := range f.AddedTokens {
		if a.ID == nil {
			return nil, fmt.Errorf("tokenizer.json: added_tokens[%d] %q has no id", i, a.Content)
		}
		added[*a.ID] = a.Content
	}
	vocab := make(map[string]int32, len(m.Vocab))
	for form, id := range m.Vocab {
		raw, ok := rawBytes(form)
		if content, isAdded := added[id]; isAdded && content == form {
			raw, ok = form, true // an added token kept in the vocabulary too
		}
		if !ok {
			return nil, fmt.Errorf("tokenizer.json: vocab token %q (id %d) is not in GPT-2's byte-level alphabet", form, id)
		}
		vocab[raw] = id
	}
	if len(vocab) != len(m.Vocab) {
		return nil, errors.New("tokenizer.json: two vocab tokens have the same bytes")
	}
	t, err := newTokenizer(vocab, pre)
	if err != nil {
		return nil, fmt.Errorf("tokenizer.json: model vocab: %w", err)
	}
	t.nfc, t.ignoreMerges = nfc, m.IgnoreMerges

	merges, err := parseHFMerges(m.Merges)
	if err != nil {
		return nil, err
	}
	for i, mg := range merges {
		a, okA := rawBytes(mg[0])
		b, okB := rawBytes(mg[1])
		if !okA || !okB {
			return nil, fmt.Errorf("tokenizer.json: merges[%d] %q %q: not in GPT-2's byte-level alphabet", i, mg[0], mg[1])
		}
		if err := t.addMerge(a, b); err != nil {
			return nil, fmt.Errorf("tokenizer.json: merges[%d]: %w", i, err)
		}
	}
	for i, a := range f.AddedTokens {
		err := t.addAdded(AddedToken{ID: *a.ID, Content: a.Content, Special: a.Special,
			LStrip: a.LStrip, RStrip: a.RStrip, SingleWord: a.SingleWord, Normalized: a.Normalized})
		if err != nil {
			return nil, fmt.Errorf("tokenizer.json: added_tokens[%d]: %w", i, err)
		}
	}
	t.finish()
	return t, nil
}

// parseHFMerges accepts both forms: ["a b", …] and [["a","b"], …].
func parseHFMerges(raw json.RawMessage) ([][2]string, error) {
	if isNull(raw) {
		return nil, nil
	}
	trim := bytes.TrimSpace(raw)
	if len(trim) > 0 && trim[0] == '[' && len(bytes.TrimSpace(trim[1:])) > 0 && bytes.TrimSpace(trim[1:])[0] == '[' {
		var pairs [][]string
		if err := json.Unmarshal(raw, &pairs); err != nil {
			return nil, fmt.Errorf("tokenizer.json: model merges: %w", err)
		}
		out := make([][2]string, len(pairs))
		for i, p := range pairs {
			if len(p) != 2 {
				return nil, fmt.Errorf("tokenizer.json: merges[%d] has %d parts, want 2", i, len(p))
			}
			out[i] = [2]string{p[0], p[1]}
		}
		return out, nil
	}
	var lines []string
	if err := json.Unmarshal(raw, &lines); err != nil {
		return nil, fmt.Errorf("tokenizer.json: model merges: %w", err)
	}
	out := make([][2]string, len(lines))
	for i, l := range lines {
		a, b, ok := splitMergeLine(l)
		if !ok {
			return nil, fmt.Errorf("tokenizer.json: merges[%d] %q: want two tokens separated by one space", i, l)
		}
		out[i] = [2]string{a, b}
	}
	return out, nil
}

// splitMergeLine splits "a b" at its only space.
func splitMergeLine(l string) (a, b string, ok bool) {
	i := bytes.IndexByte([]byte(l), ' ')
	if i <= 0 || i == len(l)-1 || bytes.IndexByte([]byte(l[i+1:]), ' ') >= 0 {
		return "", "", false
	}
	return l[:i], l[i+1:], true
}

func parseHFNormalizer(raw json.RawMessage) (nfc bool, err error) {
	if isNull(raw) {
		return false, nil
	}
	var c hfComponent
	if err := json.Unmarshal(raw, &c); err != nil {
		return false, fmt.Errorf("tokenizer.json: normalizer: %w", err)
	}
	var walk func(c hfComponent) error
	walk = func(c hfComponent) error {
		switch c.Type {
		case "NFC":
			nfc = true
		case "Sequence":
			for _, n := range c.Normalizers {
				if err := walk(n); err != nil {
					return err
				}
			}
		default:
			return fmt.Errorf("tokenizer.json: normalizer %q is not supported (only NFC)", c.Type)
		}
		return nil
	}
	return nfc, walk(c)
}

func parseHFPreTokenizer(raw json.RawMessage) (PreTokenizer, error) {
	if isNull(raw) {
		return PreTokenizer{}, errors.New("tokenizer.json: no pre_tokenizer: byte-level BPE needs a ByteLevel pre-tokenizer")
	}
	var c hfComponent
	if err := json.Unmarshal(raw, &c); err != nil {
		return PreTokenizer{}, fmt.Errorf("tokenizer.json: pre_tokenizer: %w", err)
	}
	steps := []hfComponent{c}
	if c.Type == "Sequence" {
		steps = c.PreTokenizers
	}
	var split *PreTokenizer
	for i, s := range steps {
		switch s.Type {
		case "Split":
			if split != nil || i != 0 {
				return PreTokenizer{}, errors.New("tokenizer.json: pre_tokenizer: only one Split, first in the Sequence, is supported")
			}
			if s.Pattern == nil || s.Pattern.Regex == nil {
				return PreTokenizer{}, errors.New("tokenizer.json: pre_tokenizer Split: only a Regex pattern is supported")
			}
			if s.Behavior != "Isolated" || s.Invert {
				return PreTokenizer{}, fmt.Errorf("tokenizer.json: pre_tokenizer Split: behavior %q invert %v: only Isolated, not inverted, is supported", s.Behavior, s.Invert)
			}
			p, ok := preTokenizerForRegex(*s.Pattern.Regex)
			if !ok {
				return PreTokenizer{}, fmt.Errorf("tokenizer.json: pre_tokenizer Split regex %q is not one of the supported GPT-2 or Llama-3/Qwen2 patterns", *s.Pattern.Regex)
			}
			split = &p
		case "ByteLevel":
			if i != len(steps)-1 {
				return PreTokenizer{}, errors.New("tokenizer.json: pre_tokenizer: ByteLevel must come last")
			}
			useRegex := s.UseRegex == nil || *s.UseRegex
			switch {
			case useRegex && split == nil:
				return PreTokenizer{Pattern: PatternGPT2, AddPrefixSpace: s.AddPrefixSpace}, nil
			case !useRegex && split != nil && !s.AddPrefixSpace:
				return *split, nil
			default:
				return PreTokenizer{}, fmt.Errorf("tokenizer.json: pre_tokenizer ByteLevel with use_regex %v, add_prefix_space %v after a Split is not supported", useRegex, s.AddPrefixSpace)
			}
		default:
			return PreTokenizer{}, fmt.Errorf("tokenizer.json: pre_tokenizer %q is not supported (ByteLevel, optionally after a Split)", s.Type)
		}
	}
	return PreTokenizer{}, errors.New("tokenizer.json: pre_tokenizer has no ByteLevel step: not byte-level BPE")
}

func checkHFDecoder(raw json.RawMessage) error {
	if isNull(raw) {
		return nil
	}
	var c hfComponent
	if err := json.Unmarshal(raw, &c); err != nil {
		return fmt.Errorf("tokenizer.json: decoder: %w", err)
	}
	if c.Type == "ByteLevel" || (c.Type == "Sequence" && len(c.Decoders) == 1 && c.Decoders[0].Type == "ByteLevel") {
		return nil
	}
	return fmt.Errorf("tokenizer.json: decoder %q is not supported (only ByteLevel)", c.Type)
}

// Save writes the tokenizer as a Hugging Face tokenizer.json, loadable by
// Hugging Face tokenizers, transformers.js and Load.
func (t *Tokenizer) Save(path string) error {
	data, err := t.MarshalHF()
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	return nil
}

// MarshalHF returns the tokenizer.json bytes of the tokenizer.
func (t *Tokenizer) MarshalHF() ([]byte, error) {
	var pre any
	byteLevel := map[string]any{"type": "ByteLevel", "add_prefix_space": t.pre.AddPrefixSpace, "trim_offsets": true, "use_regex": true}
	if t.pre.Pattern == PatternGPT2 && t.pre.MaxDigits == 0 {
		pre = byteLevel
	} else {
		if t.pre.AddPrefixSpace {
			return nil, errors.New("tokenizer.json cannot express add_prefix_space with a Split pre-tokenizer")
		}
		pre = map[string]any{"type": "Sequence", "pretokenizers": []any{
			map[string]any{"type": "Split", "pattern": map[string]any{"Regex": t.pre.Regex()}, "behavior": "Isolated", "invert": false},
			map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false},
		}}
	}
	var normalizer any
	if t.nfc {
		normalizer = map[string]any{"type": "NFC"}
	}
	for _, a := range t.added {
		if !utf8.ValidString(a.Content) {
			return nil, fmt.Errorf("added token %q is not valid UTF-8, which JSON cannot hold", a.Content)
		}
	}

	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	put := func(v any) { // json.Encoder appends a newline; harmless in JSON
		if err := enc.Encode(v); err != nil {
			panic("tokenizer: marshal: " + err.Error()) // only plain maps, strings and numbers here
		}
	}
	b.WriteString("{\n\"version\": \"1.0\",\n\"truncation\": null,\n\"padding\": null,\n\"added_tokens\": [")
	for i, a := range t.added {
		if i > 0 {
			b.WriteString(",")
		}
		put(hfAdded{ID: &a.ID, Content: a.Content, SingleWord: a.SingleWord, LStrip: a.LStrip, RStrip: a.RStrip, Normalized: a.Normalized, Special: a.Special})
	}
	b.WriteString("],\n\"normalizer\": ")
	put(normalizer)
	b.WriteString(",\"pre_tokenizer\": ")
	put(pre)
	b.WriteString(",\"post_processor\": ")
	put(map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false})
	b.WriteString(",\"decoder\": ")
	put(map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false})
	b.WriteString(",\"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": null, \"continuing_subword_prefix\": null, \"end_of_word_suffix\": null, \"fuse_unk\": false, \"byte_fallback\": false, ")
	fmt.Fprintf(&b, "\"ignore_merges\": %v,\n\"vocab\": {", t.ignoreMerges)
	ids := make([]int32, 0, len(t.vocab))
	for _, id := range t.vocab {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for i, id := range ids {
		if i > 0 {
			b.WriteString(",")
		}
		form := byteLevelForm(t.tokens[id])
		if t.isAdded(id) {
			form = t.tokens[id] // a special token kept in the vocabulary, as HF's trainer does
		}
		put(form)
		b.Truncate(b.Len() - 1)
		fmt.Fprintf(&b, ": %d", id)
	}
	b.WriteString("},\n\"merges\": [")
	for i, m := range t.merges {
		if i > 0 {
			b.WriteString(",")
		}
		put(byteLevelForm(t.tokens[m.A]) + " " + byteLevelForm(t.tokens[m.B]))
	}
	b.WriteString("]\n}\n}\n")
	return b.Bytes(), nil
}

// isAdded reports whether id is an added token.
func (t *Tokenizer) isAdded(id int32) bool {
	if int(id) >= len(t.tokens) {
		return false
	}
	got, ok := t.addedID[t.tokens[id]]
	return ok && got == id
}
