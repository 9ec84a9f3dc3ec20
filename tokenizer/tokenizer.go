package tokenizer

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Names of the special tokens a tokenizer trained here has by default, and
// that the chat template uses.
const (
	EndOfText = "<|endoftext|>" // end of a document; GPT-2's only special token
	IMStart   = "<|im_start|>"  // opens a chat turn: <|im_start|>role\n
	IMEnd     = "<|im_end|>"    // closes a chat turn
	Pad       = "<|pad|>"       // padding, never trained on
)

// DefaultSpecials is the special-token list of TrainConfig.
func DefaultSpecials() []string { return []string{EndOfText, IMStart, IMEnd, Pad} }

// AddedToken is a token matched in the raw text before pre-tokenization and
// never split: special tokens (bos/eos/pad, chat-role markers) and any other
// "added tokens" of a tokenizer.json.
type AddedToken struct {
	ID      int32  `json:"id"`
	Content string `json:"content"`
	// Special marks control tokens (as opposed to added plain words).
	Special bool `json:"special"`
	// LStrip and RStrip make the token absorb the whitespace on its left
	// or right side.
	LStrip bool `json:"lstrip"`
	RStrip bool `json:"rstrip"`
	// SingleWord matches the token only when no letter, digit or '_'
	// touches it on either side.
	SingleWord bool `json:"single_word"`
	// Normalized is carried through tokenizer.json; matching is always
	// done on the raw text (exact for the tokens of GPT-2, Llama 3, Qwen).
	Normalized bool `json:"normalized"`
}

// Merge is one BPE merge rule: the tokens with ids A and B join into ID.
type Merge struct{ A, B, ID int32 }

// Tokenizer is a byte-level BPE tokenizer. Build one with Train, Load,
// LoadGPT2 or ParseHF. It is safe for concurrent use.
type Tokenizer struct {
	pre          PreTokenizer
	nfc          bool // normalize text to NFC before splitting
	ignoreMerges bool // a word that is itself a token is not merged (Llama 3)

	tokens []string         // id → raw bytes of the token ("" for an unused id)
	used   []bool           // id → the id names a token
	vocab  map[string]int32 // raw bytes → id, the BPE model's tokens
	byteID [256]int32       // the single-byte tokens
	merges []Merge          // by rank
	pairs  pairTable

	added   []AddedToken     // sorted by id
	addedID map[string]int32 // content → id
	byFirst [256][]int32     // first byte → indices into added, longest first

	cache wordCache
}

// maxIDGap bounds how many ids may go unused: every id must be below the
// number of tokens plus maxIDGap. The id table is as long as the largest id,
// so one huge id in a corrupt file would otherwise allocate gigabytes (or, at
// MaxInt32, overflow); real vocabularies number their tokens from 0 and leave
// few ids unused.
const maxIDGap = 1 << 16

// checkIDRange rejects an id that would leave more than maxIDGap ids unused
// among n tokens.
func checkIDRange(what string, id int32, n int) error {
	if int64(id) >= int64(n)+maxIDGap {
		return fmt.Errorf("%s has id %d, far beyond the %d tokens: ids must be below %d (number of tokens + %d)", what, id, n, int64(n)+maxIDGap, maxIDGap)
	}
	return nil
}

// newTokenizer starts a tokenizer over a BPE vocabulary (raw bytes → id).
// Every one of the 256 bytes must be a token, so that any text encodes.
func newTokenizer(vocab map[string]int32, pre PreTokenizer) (*Tokenizer, error) {
	if err := pre.Validate(); err != nil {
		return nil, err
	}
	t := &Tokenizer{pre: pre, vocab: vocab, addedID: map[string]int32{}}
	maxID := int32(-1)
	for tok, id := range vocab {
		if id < 0 {
			return nil, fmt.Errorf("token %q has negative id %d", tok, id)
		}
		if err := checkIDRange(fmt.Sprintf("token %q", tok), id, len(vocab)); err != nil {
			return nil, err
		}
		if tok == "" {
			return nil, fmt.Errorf("empty token with id %d", id)
		}
		maxID = max(maxID, id)
	}
	t.grow(maxID + 1)
	for tok, id := range vocab {
		if t.used[id] {
			return nil, fmt.Errorf("id %d names two tokens, %q and %q", id, t.tokens[id], tok)
		}
		t.tokens[id], t.used[id] = tok, true
	}
	for b := 0; b < 256; b++ {
		id, ok := vocab[string([]byte{byte(b)})]
		if !ok {
			return nil, fmt.Errorf("vocabulary lacks the byte-level token %q for byte 0x%02x: byte-level BPE needs all 256", string(byteToRune[b]), b)
		}
		t.byteID[b] = id
	}
	return t, nil
}

func (t *Tokenizer) grow(n int32) {
	for int32(len(t.tokens)) < n {
		t.tokens = append(t.tokens, "")
		t.used = append(t.used, false)
	}
}

// addMerge appends the merge of tokens a and b (raw bytes) at the next rank.
func (t *Tokenizer) addMerge(a, b string) error {
	ia, ok := t.vocab[a]
	if !ok {
		return fmt.Errorf("merge %q %q: %q is not in the vocabulary", byteLevelForm(a), byteLevelForm(b), byteLevelForm(a))
	}
	ib, ok := t.vocab[b]
	if !ok {
		return fmt.Errorf("merge %q %q: %q is not in the vocabulary", byteLevelForm(a), byteLevelForm(b), byteLevelForm(b))
	}
	id, ok := t.vocab[a+b]
	if !ok {
		return fmt.Errorf("merge %q %q: the joined token %q is not in the vocabulary", byteLevelForm(a), byteLevelForm(b), byteLevelForm(a+b))
	}
	t.merges = append(t.merges, Merge{A: ia, B: ib, ID: id})
	return nil
}

// addAdded registers an added token. Its id may name a BPE token with the
// same bytes (Hugging Face's trainer puts special tokens in both places) or
// a fresh id.
func (t *Tokenizer) addAdded(a AddedToken) error {
	if a.Content == "" {
		return fmt.Errorf("added token with id %d has empty content", a.ID)
	}
	if a.ID < 0 {
		return fmt.Errorf("added token %q has negative id %d", a.Content, a.ID)
	}
	if _, dup := t.addedID[a.Content]; dup {
		return fmt.Errorf("added token %q listed twice", a.Content)
	}
	if err := checkIDRange(fmt.Sprintf("added token %q", a.Content), a.ID, len(t.vocab)+len(t.added)+1); err != nil {
		return err
	}
	t.grow(a.ID + 1)
	if t.used[a.ID] && t.tokens[a.ID] != a.Content {
		return fmt.Errorf("added token %q has id %d, which names the token %q", a.Content, a.ID, t.tokens[a.ID])
	}
	t.tokens[a.ID], t.used[a.ID] = a.Content, true
	t.addedID[a.Content] = a.ID
	t.added = append(t.added, a)
	return nil
}

// finish builds the lookup tables once the vocabulary, merges and added
// tokens are in.
func (t *Tokenizer) finish() {
	t.cache.init()
	t.pairs = newPairTable(len(t.merges))
	for r, m := range t.merges {
		t.pairs.put(m.A, m.B, uint32(r), m.ID)
	}
	sort.Slice(t.added, func(i, j int) bool { return t.added[i].ID < t.added[j].ID })
	t.byFirst = [256][]int32{}
	for i, a := range t.added {
		c := a.Content[0]
		t.byFirst[c] = append(t.byFirst[c], int32(i))
	}
	for c := range t.byFirst {
		l := t.byFirst[c]
		sort.SliceStable(l, func(i, j int) bool { return len(t.added[l[i]].Content) > len(t.added[l[j]].Content) })
	}
}

// VocabSize is one more than the largest token id: the size of an embedding
// table for this tokenizer.
func (t *Tokenizer) VocabSize() int { return len(t.tokens) }

// SpecialID returns the id of the added token whose text is name, such as
// "<|endoftext|>", "<|im_start|>", "<|im_end|>" or "<|pad|>".
func (t *Tokenizer) SpecialID(name string) (int32, bool) {
	id, ok := t.addedID[name]
	return id, ok
}

// AddedTokens returns the added (special) tokens, by id.
func (t *Tokenizer) AddedTokens() []AddedToken { return append([]AddedToken(nil), t.added...) }

// Merges returns the merge rules by rank.
func (t *Tokenizer) Merges() []Merge { return append([]Merge(nil), t.merges...) }

// PreTokenizer returns the split the tokenizer applies before BPE.
func (t *Tokenizer) PreTokenizer() PreTokenizer { return t.pre }

// Token returns the bytes of token id (the text of an added token).
func (t *Tokenizer) Token(id int32) (string, bool) {
	if id < 0 || int(id) >= len(t.tokens) || !t.used[id] {
		return "", false
	}
	return t.tokens[id], true
}

// TokenID returns the id of the token whose bytes are tok.
func (t *Tokenizer) TokenID(tok string) (int32, bool) {
	if id, ok := t.addedID[tok]; ok {
		return id, true
	}
	id, ok := t.vocab[tok]
	return id, ok
}

// Encode returns the token ids of text. Added tokens in text (such as
// "<|im_end|>") become their ids; no BOS or EOS is added.
func (t *Tokenizer) Encode(text string) []int32 {
	return t.AppendEncode(make([]int32, 0, len(text)/3+1), text)
}

// AppendEncode appends the token ids of text to dst and returns it.
func (t *Tokenizer) AppendEncode(dst []int32, text string) []int32 {
	if len(t.added) == 0 {
		return t.encodePiece(dst, text)
	}
	start := 0 // start of the text not yet encoded
	for i := 0; i < len(text); {
		cands := t.byFirst[text[i]]
		if len(cands) == 0 {
			i++
			continue
		}
		a, ok := t.matchAdded(text, i, cands)
		if !ok {
			i++
			continue
		}
		end := i + len(a.Content)
		before := text[start:i]
		if a.LStrip {
			before = strings.TrimRightFunc(before, unicode.IsSpace)
		}
		if a.RStrip {
			end += len(text[end:]) - len(strings.TrimLeftFunc(text[end:], unicode.IsSpace))
		}
		dst = t.encodePiece(dst, before)
		dst = append(dst, a.ID)
		start, i = end, end
	}
	return t.encodePiece(dst, text[start:])
}

// matchAdded returns the longest added token among cands at text[i:].
func (t *Tokenizer) matchAdded(text string, i int, cands []int32) (AddedToken, bool) {
	for _, k := range cands {
		a := t.added[k]
		if !strings.HasPrefix(text[i:], a.Content) {
			continue
		}
		if a.SingleWord && (wordCharBefore(text, i) || wordCharAfter(text, i+len(a.Content))) {
			continue
		}
		return a, true
	}
	return AddedToken{}, false
}

func isWordRune(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

func wordCharBefore(s string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isWordRune(r)
}

func wordCharAfter(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isWordRune(r)
}

// encodePiece encodes text that holds no added token.
func (t *Tokenizer) encodePiece(dst []int32, piece string) []int32 {
	if piece == "" {
		return dst
	}
	if t.nfc {
		piece = norm.NFC.String(piece)
	}
	if t.pre.AddPrefixSpace && piece[0] != ' ' {
		piece = " " + piece
	}
	for i := 0; i < len(piece); {
		j := t.pre.next(piece, i)
		dst = t.encodeWord(dst, piece[i:j])
		i = j
	}
	return dst
}

// encodeWord appends the tokens of one pre-token.
func (t *Tokenizer) encodeWord(dst []int32, w string) []int32 {
	if len(w) == 1 {
		return append(dst, t.byteID[w[0]])
	}
	if t.ignoreMerges {
		if id, ok := t.vocab[w]; ok {
			return append(dst, id)
		}
	}
	if ids, ok := t.cache.get(w); ok {
		return append(dst, ids...)
	}
	start := len(dst)
	dst = t.mergeWord(dst, w)
	t.cache.put(w, dst[start:])
	return dst
}

// Decode returns the text of ids: the concatenation of their bytes, so
// Decode(Encode(s)) == s for any s when the tokenizer has no normalizer.
// An id that names no token decodes to U+FFFD; DecodeStrict reports it.
func (t *Tokenizer) Decode(ids []int32) string {
	var sb strings.Builder
	for _, id := range ids {
		if tok, ok := t.Token(id); ok {
			sb.WriteString(tok)
		} else {
			sb.WriteRune(utf8.RuneError)
		}
	}
	return sb.String()
}

// DecodeStrict is Decode that fails on an id that names no token.
func (t *Tokenizer) DecodeStrict(ids []int32) (string, error) {
	var sb strings.Builder
	for i, id := range ids {
		tok, ok := t.Token(id)
		if !ok {
			return "", fmt.Errorf("tokenizer: decode: id %d at position %d names no token (vocabulary size %d)", id, i, len(t.tokens))
		}
		sb.WriteString(tok)
	}
	return sb.String(), nil
}
