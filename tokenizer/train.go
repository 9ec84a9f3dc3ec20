package tokenizer

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"
)

// TrainConfig configures BPE training.
type TrainConfig struct {
	// VocabSize is the number of tokens wanted: the special tokens, the 256
	// byte tokens and one token per merge learned. Training stops earlier
	// when no pair occurs MinFrequency times. Default 512; at least
	// 256+len(Specials).
	VocabSize int `json:"vocab_size"`
	// MinFrequency is the fewest occurrences (counting repeated words) a
	// pair needs to be merged. Default 2; at least 1.
	MinFrequency int `json:"min_frequency"`
	// Specials are the special tokens, given ids 0, 1, … in this order,
	// cut out of the corpus before counting and never split when encoding.
	// Default DefaultSpecials(): <|endoftext|>, <|im_start|>, <|im_end|>,
	// <|pad|>.
	Specials []string `json:"specials"`
	// PreTokenizer splits text into words; merges never cross words.
	// Default DefaultPreTokenizer() (Llama-3 regex, single digits).
	PreTokenizer PreTokenizer `json:"pre_tokenizer"`
}

// DefaultTrainConfig returns the defaults documented on TrainConfig.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{VocabSize: 512, MinFrequency: 2, Specials: DefaultSpecials(), PreTokenizer: DefaultPreTokenizer()}
}

// Validate reports a configuration that cannot train, with the fix.
func (c TrainConfig) Validate() error {
	if c.VocabSize < 256+len(c.Specials) {
		return fmt.Errorf("tokenizer: vocab size %d is below the %d byte and special tokens: set VocabSize ≥ %d", c.VocabSize, 256+len(c.Specials), 256+len(c.Specials))
	}
	if c.VocabSize > 1<<30 {
		return fmt.Errorf("tokenizer: vocab size %d is too large (max %d)", c.VocabSize, 1<<30)
	}
	if c.MinFrequency < 1 {
		return fmt.Errorf("tokenizer: min frequency %d must be at least 1", c.MinFrequency)
	}
	seen := map[string]bool{}
	for _, s := range c.Specials {
		if s == "" {
			return errors.New("tokenizer: empty special token")
		}
		if !utf8.ValidString(s) {
			return fmt.Errorf("tokenizer: special token %q is not valid UTF-8 (tokenizer.json could not hold it)", s)
		}
		if seen[s] {
			return fmt.Errorf("tokenizer: special token %q listed twice", s)
		}
		seen[s] = true
	}
	return c.PreTokenizer.Validate()
}

// Train learns a byte-level BPE from texts. The merges are found the way
// Hugging Face's BpeTrainer finds them: count each distinct word once with
// its frequency, keep the count of every adjacent pair, and after each merge
// update only the counts of the words that held the merged pair (a max-heap
// with lazy deletion picks the next pair), instead of recounting the corpus.
// Ties in count go to the smaller pair of ids. Special tokens get ids
// 0..len(Specials)-1, byte b gets id len(Specials)+b, merges follow.
func Train(texts []string, cfg TrainConfig) (*Tokenizer, error) {
	return TrainReport(texts, cfg, nil)
}

// TrainProgress is what TrainReport reports while it works: Phase "count"
// (Done of Total bytes of text read) or "merge" (Done of at most Total
// merges learned).
type TrainProgress struct {
	Phase       string
	Done, Total int64
}

// reportBytes and reportMerges are how much work passes between
// two calls of a TrainReport callback.
const (
	reportBytes  = 1 << 18
	reportMerges = 64
)

// TrainReport is Train calling report (when not nil) every so often, so that
// a caller can show progress on a large corpus; the tokenizer package itself
// prints nothing.
func TrainReport(texts []string, cfg TrainConfig, report func(TrainProgress)) (*Tokenizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var total, done, last int64
	for _, text := range texts {
		total += int64(len(text))
	}
	wc := map[string]int64{}
	for _, text := range texts {
		countWords(wc, text, cfg)
		done += int64(len(text))
		if report != nil && done-last >= reportBytes {
			report(TrainProgress{Phase: "count", Done: done, Total: total})
			last = done
		}
	}
	if report != nil {
		report(TrainProgress{Phase: "count", Done: total, Total: total})
	}
	return trainFromCounts(wc, cfg, report)
}

// trainChunk is the size of the pieces TrainReader splits its input into.
const trainChunk = 1 << 20

// TrainReader is Train over the text read from r, which is processed in
// pieces of about 1 MiB cut after a newline that a non-whitespace character
// follows (no pre-token can span such a place).
func TrainReader(r io.Reader, cfg TrainConfig) (*Tokenizer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	wc := map[string]int64{}
	br := bufio.NewReaderSize(r, 64<<10)
	var buf []byte
	for {
		line, err := br.ReadBytes('\n')
		buf = append(buf, line...)
		if len(buf) >= trainChunk || err != nil {
			// Cut after the last newline followed by non-whitespace.
			cut := len(buf)
			if err == nil {
				cut = lastSafeCut(buf)
			}
			countWords(wc, string(buf[:cut]), cfg)
			buf = append(buf[:0], buf[cut:]...)
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("tokenizer: read corpus: %w", err)
		}
	}
	return trainFromCounts(wc, cfg, nil)
}

// lastSafeCut returns the largest i such that buf[i-1] is '\n' and buf[i] is
// not whitespace, or len(buf) when none.
func lastSafeCut(buf []byte) int {
	for i := len(buf) - 1; i > 0; i-- {
		if buf[i-1] == '\n' {
			if c, _ := classAt(string(buf[i:min(len(buf), i+4)]), 0); c != clsSpace && c != clsNewline {
				return i
			}
		}
	}
	return len(buf)
}

// countWords adds the pre-tokens of text, special tokens cut out, to wc.
func countWords(wc map[string]int64, text string, cfg TrainConfig) {
	for _, piece := range splitSpecials(text, cfg.Specials) {
		if cfg.PreTokenizer.AddPrefixSpace && piece[0] != ' ' {
			piece = " " + piece
		}
		for i := 0; i < len(piece); {
			j := cfg.PreTokenizer.next(piece, i)
			wc[piece[i:j]]++
			i = j
		}
	}
}

// splitSpecials returns the non-empty pieces of text between occurrences of
// the specials (leftmost, longest first).
func splitSpecials(text string, specials []string) []string {
	var pieces []string
	for text != "" {
		at, n := -1, 0
		for _, s := range specials {
			if i := strings.Index(text, s); i >= 0 && (at < 0 || i < at || (i == at && len(s) > n)) {
				at, n = i, len(s)
			}
		}
		if at < 0 {
			break
		}
		if at > 0 {
			pieces = append(pieces, text[:at])
		}
		text = text[at+n:]
	}
	if text != "" {
		pieces = append(pieces, text)
	}
	return pieces
}

// trainWord is one distinct word: its current symbols and its frequency.
type trainWord struct {
	syms  []int32
	count int64
}

// pairCount is a heap entry: a pair with its count when pushed.
type pairCount struct {
	count int64
	pair  uint64
}

// before orders the max-heap: larger count first, then smaller pair.
func (p pairCount) before(q pairCount) bool {
	return p.count > q.count || (p.count == q.count && p.pair < q.pair)
}

type pairHeap []pairCount

func (h *pairHeap) push(p pairCount) {
	*h = append(*h, p)
	s := *h
	for c := len(s) - 1; c > 0; {
		par := (c - 1) / 2
		if !s[c].before(s[par]) {
			break
		}
		s[c], s[par] = s[par], s[c]
		c = par
	}
}

func (h *pairHeap) pop() pairCount {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s = s[:last]
	for p := 0; ; {
		c := 2*p + 1
		if c >= len(s) {
			break
		}
		if c+1 < len(s) && s[c+1].before(s[c]) {
			c++
		}
		if !s[c].before(s[p]) {
			break
		}
		s[c], s[p] = s[p], s[c]
		p = c
	}
	*h = s
	return top
}

// trainer holds the incremental state of BPE training.
type trainer struct {
	words  []trainWord
	counts map[uint64]int64   // pair → occurrences over the corpus
	where  map[uint64][]int32 // pair → words that may hold it (may repeat, may be stale)
	grown  map[uint64]bool    // pairs whose count rose in this step
}

func (tr *trainer) add(a, b int32, delta int64, w int32) {
	k := pairKey(a, b)
	tr.counts[k] += delta
	if delta > 0 {
		tr.where[k] = append(tr.where[k], w)
		tr.grown[k] = true
	}
}

// merge replaces every non-overlapping (a, b), left to right, in word w by
// id, updating the pair counts of the word's neighbourhood.
func (tr *trainer) merge(w int32, a, b, id int32) {
	word := &tr.words[w]
	s, c := word.syms, word.count
	out := s[:0] // written at or behind the read position
	for i := 0; i < len(s); {
		if i+1 < len(s) && s[i] == a && s[i+1] == b {
			if len(out) > 0 {
				prev := out[len(out)-1]
				tr.add(prev, a, -c, w)
				tr.add(prev, id, c, w)
			}
			tr.add(a, b, -c, w)
			if i+2 < len(s) {
				nx := s[i+2]
				tr.add(b, nx, -c, w)
				tr.add(id, nx, c, w)
			}
			out = append(out, id)
			i += 2
			continue
		}
		out = append(out, s[i])
		i++
	}
	word.syms = out
}

func trainFromCounts(wc map[string]int64, cfg TrainConfig, report func(TrainProgress)) (*Tokenizer, error) {
	// Vocabulary: specials, bytes, then merges.
	var tokens []string
	byRaw := map[string]int32{}
	for _, s := range cfg.Specials {
		byRaw[s] = int32(len(tokens))
		tokens = append(tokens, s)
	}
	nSpecial := int32(len(tokens))
	var byteTok [256]int32
	for b := 0; b < 256; b++ {
		raw := string([]byte{byte(b)})
		if id, ok := byRaw[raw]; ok { // a one-byte special token
			byteTok[b] = id
			continue
		}
		byteTok[b] = int32(len(tokens))
		byRaw[raw] = byteTok[b]
		tokens = append(tokens, raw)
	}

	// Distinct words in a fixed order, so training is deterministic.
	keys := make([]string, 0, len(wc))
	for k := range wc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	tr := &trainer{counts: map[uint64]int64{}, where: map[uint64][]int32{}, grown: map[uint64]bool{}}
	tr.words = make([]trainWord, len(keys))
	for i, k := range keys {
		syms := make([]int32, len(k))
		for j := 0; j < len(k); j++ {
			syms[j] = byteTok[k[j]]
		}
		tr.words[i] = trainWord{syms: syms, count: wc[k]}
		for j := 0; j+1 < len(syms); j++ {
			tr.add(syms[j], syms[j+1], wc[k], int32(i))
		}
	}
	var h pairHeap
	for k, c := range tr.counts {
		h.push(pairCount{count: c, pair: k})
	}

	var merges [][2]int32
	merged := map[uint64]bool{}
	stamp := make([]int32, len(tr.words))
	step := int32(0)
	for len(tokens) < cfg.VocabSize && len(h) > 0 {
		top := h.pop()
		cur := tr.counts[top.pair]
		if cur != top.count { // stale entry
			if cur > 0 && cur < top.count {
				h.push(pairCount{count: cur, pair: top.pair})
			}
			continue
		}
		if cur < int64(cfg.MinFrequency) {
			break
		}
		a, b := int32(top.pair>>32), int32(uint32(top.pair))
		joined := tokens[a] + tokens[b]
		id, ok := byRaw[joined]
		if !ok {
			id = int32(len(tokens))
			byRaw[joined] = id
			tokens = append(tokens, joined)
		}
		if !merged[top.pair] {
			merged[top.pair] = true
			merges = append(merges, [2]int32{a, b})
		}
		step++
		if report != nil && step%reportMerges == 0 {
			report(TrainProgress{Phase: "merge", Done: int64(len(tokens)), Total: int64(cfg.VocabSize)})
		}
		clear(tr.grown)
		for _, w := range tr.where[top.pair] {
			if stamp[w] == step {
				continue
			}
			stamp[w] = step
			tr.merge(w, a, b, id)
		}
		delete(tr.where, top.pair)
		delete(tr.counts, top.pair)
		grown := make([]uint64, 0, len(tr.grown))
		for k := range tr.grown {
			grown = append(grown, k)
		}
		sort.Slice(grown, func(i, j int) bool { return grown[i] < grown[j] })
		for _, k := range grown {
			if c := tr.counts[k]; c > 0 {
				h.push(pairCount{count: c, pair: k})
			}
		}
	}

	vocab := make(map[string]int32, len(tokens))
	for id, tok := range tokens {
		vocab[tok] = int32(id)
	}
	t, err := newTokenizer(vocab, cfg.PreTokenizer)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: train: %w", err)
	}
	for _, m := range merges {
		if err := t.addMerge(tokens[m[0]], tokens[m[1]]); err != nil {
			return nil, fmt.Errorf("tokenizer: train: %w", err)
		}
	}
	for i := int32(0); i < nSpecial; i++ {
		if err := t.addAdded(AddedToken{ID: i, Content: tokens[i], Special: true}); err != nil {
			return nil, fmt.Errorf("tokenizer: train: %w", err)
		}
	}
	t.finish()
	return t, nil
}
