package tokenizer

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Pattern names a family of split regexes.
type Pattern string

const (
	// PatternGPT2 is GPT-2's split regex (also HF ByteLevel with use_regex):
	//	's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
	PatternGPT2 Pattern = "gpt2"
	// PatternLlama3 is tiktoken's cl100k regex, used by Llama 3 (digits in
	// runs of at most 3) and by Qwen2/Qwen3 (single digits):
	//	(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
	PatternLlama3 Pattern = "llama3"
)

// PreTokenizer configures how text is split into words before BPE. Merges
// never cross a word boundary, so this decides, for instance, whether "123"
// can become one token. The split reproduces the regex named by Pattern
// exactly (leftmost-first alternation, greedy runs, \s+(?!\S) look-ahead),
// with \s meaning the Unicode White_Space property, \p{L} and \p{N} the
// Unicode letter and number categories of Go's unicode package, and each
// byte of invalid UTF-8 counted as one character that is neither.
type PreTokenizer struct {
	// Pattern is the split regex family. Default PatternLlama3.
	Pattern Pattern `json:"pattern"`
	// MaxDigits is the longest run of \p{N} characters in one word: the
	// regex's number alternative becomes \p{N}{1,MaxDigits}, or \p{N}+ when
	// 0. GPT-2 uses 0, Llama 3 uses 3, Qwen2/Qwen3 use 1. Single digits
	// (1) help arithmetic, since every number is then spelled digit by
	// digit. Default 1; range 0..16.
	MaxDigits int `json:"max_digits"`
	// AddPrefixSpace prepends a space to each text piece that does not
	// start with one, as HF ByteLevel's add_prefix_space does, so that a
	// first word is tokenized like a later one. Default false.
	AddPrefixSpace bool `json:"add_prefix_space"`
}

// DefaultPreTokenizer returns the Qwen2 split: the Llama-3 regex with single
// digits.
func DefaultPreTokenizer() PreTokenizer {
	return PreTokenizer{Pattern: PatternLlama3, MaxDigits: 1}
}

// maxMaxDigits bounds MaxDigits; longer limits are never used in practice.
const maxMaxDigits = 16

// Validate reports a configuration that cannot be used.
func (p PreTokenizer) Validate() error {
	if p.Pattern != PatternGPT2 && p.Pattern != PatternLlama3 {
		return fmt.Errorf("tokenizer: pre-tokenizer pattern %q unknown: use %q or %q", p.Pattern, PatternGPT2, PatternLlama3)
	}
	if p.MaxDigits < 0 || p.MaxDigits > maxMaxDigits {
		return fmt.Errorf("tokenizer: pre-tokenizer max digits %d out of range 0..%d (0 = unlimited)", p.MaxDigits, maxMaxDigits)
	}
	return nil
}

// Regex returns the regular expression this split reproduces, in the
// syntax of tokenizer.json (Rust regex / Oniguruma).
func (p PreTokenizer) Regex() string {
	num := `\p{N}+`
	switch {
	case p.MaxDigits == 1:
		num = `\p{N}`
	case p.MaxDigits > 1:
		num = `\p{N}{1,` + strconv.Itoa(p.MaxDigits) + `}`
	}
	if p.Pattern == PatternGPT2 {
		return `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?` + num + `| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	}
	return `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|` + num + `| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
}

// preTokenizerForRegex finds the split whose Regex is re.
func preTokenizerForRegex(re string) (PreTokenizer, bool) {
	for _, pat := range []Pattern{PatternGPT2, PatternLlama3} {
		for d := 0; d <= maxMaxDigits; d++ {
			p := PreTokenizer{Pattern: pat, MaxDigits: d}
			if p.Regex() == re {
				return p, true
			}
		}
	}
	return PreTokenizer{}, false
}

// Words splits text into its pre-tokens. Their concatenation is text.
func (p PreTokenizer) Words(text string) []string {
	if p.AddPrefixSpace && text != "" && text[0] != ' ' {
		text = " " + text
	}
	var words []string
	for i := 0; i < len(text); {
		j := p.next(text, i)
		words = append(words, text[i:j])
		i = j
	}
	return words
}

// charClass sorts characters into the classes the split regexes test.
type charClass uint8

const (
	clsOther   charClass = iota // not \s, \p{L} or \p{N}; also invalid UTF-8 bytes
	clsLetter                   // \p{L}
	clsNumber                   // \p{N}
	clsSpace                    // \s other than \r and \n
	clsNewline                  // \r or \n
)

var asciiClass [utf8.RuneSelf]charClass

func init() {
	for c := 0; c < utf8.RuneSelf; c++ {
		asciiClass[c] = runeClass(rune(c))
	}
}

func runeClass(r rune) charClass {
	switch {
	case r == '\r' || r == '\n':
		return clsNewline
	case unicode.IsLetter(r):
		return clsLetter
	case unicode.IsNumber(r):
		return clsNumber
	case unicode.IsSpace(r): // the White_Space property, U+0085 included
		return clsSpace
	}
	return clsOther
}

// classAt returns the class and byte width of the character at s[i]. The
// ASCII case is inlined at call sites; the rest goes to classSlow.
func classAt(s string, i int) (charClass, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	return classSlow(s[i:])
}

func classSlow(s string) (charClass, int) {
	r, w := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError && w == 1 {
		return clsOther, 1
	}
	if r < 0x10000 {
		bmpOnce.Do(initBMP)
		return bmpClass[r], w
	}
	return runeClass(r), w
}

// bmpClass caches runeClass for the Basic Multilingual Plane, where nearly
// all text lives: one load instead of a binary search in the Unicode
// tables. Filled on first use (about a millisecond).
var (
	bmpOnce  sync.Once
	bmpClass *[0x10000]charClass
)

func initBMP() {
	t := new([0x10000]charClass)
	for r := range t {
		t[r] = runeClass(rune(r))
	}
	bmpClass = t
}

// run returns the end of the run of characters of class cls starting at i.
func run(s string, i int, cls charClass) int {
	for i < len(s) {
		if c := s[i]; c < utf8.RuneSelf {
			if asciiClass[c] != cls {
				break
			}
			i++
			continue
		}
		c, w := classSlow(s[i:])
		if c != cls {
			break
		}
		i += w
	}
	return i
}

// digits returns the end of \p{N}{1,MaxDigits} starting at i (a number there).
func (p *PreTokenizer) digits(s string, i int) int {
	for n := 0; i < len(s) && (p.MaxDigits == 0 || n < p.MaxDigits); n++ {
		c, w := classAt(s, i)
		if c != clsNumber {
			break
		}
		i += w
	}
	return i
}

// newlines returns the end of [\r\n]* starting at i.
func newlines(s string, i int) int {
	for i < len(s) && (s[i] == '\r' || s[i] == '\n') {
		i++
	}
	return i
}

// contraction returns the length of s|t|re|ve|m|ll|d at s[j:] (after an
// apostrophe), or 0. With fold, letters match case-insensitively under
// Unicode simple case folding, so 's also matches 'S and 'ſ (U+017F), as in
// the Rust and Oniguruma engines behind tokenizer.json.
func contraction(s string, j int, fold bool) int {
	if j >= len(s) {
		return 0
	}
	lower := func(c byte) byte {
		if fold && 'A' <= c && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	switch lower(s[j]) {
	case 's', 't', 'm', 'd':
		return 1
	case 'r', 'v':
		if j+1 < len(s) && lower(s[j+1]) == 'e' {
			return 2
		}
	case 'l':
		if j+1 < len(s) && lower(s[j+1]) == 'l' {
			return 2
		}
	}
	if fold && strings.HasPrefix(s[j:], "ſ") {
		return len("ſ")
	}
	return 0
}

// next returns the end of the word that starts at s[i], i < len(s).
func (p *PreTokenizer) next(s string, i int) int {
	if p.Pattern == PatternLlama3 {
		return p.nextLlama3(s, i)
	}
	return p.nextGPT2(s, i)
}

// nextGPT2 matches 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// at s[i], trying the alternatives in order as a backtracking engine does.
func (p *PreTokenizer) nextGPT2(s string, i int) int {
	if s[i] == '\'' {
		if n := contraction(s, i+1, false); n > 0 {
			return i + 1 + n
		}
	}
	// " ?X+" for X in L, N, other: the optional space is taken when a
	// character of the class follows it.
	if s[i] == ' ' && i+1 < len(s) {
		switch c1, w1 := classAt(s, i+1); c1 {
		case clsLetter:
			return run(s, i+1+w1, clsLetter)
		case clsNumber:
			return p.digits(s, i+1)
		case clsOther:
			return run(s, i+1+w1, clsOther)
		}
	}
	c0, w0 := classAt(s, i)
	switch c0 {
	case clsLetter:
		return run(s, i+w0, clsLetter)
	case clsNumber:
		return p.digits(s, i)
	case clsOther:
		return run(s, i+w0, clsOther)
	}
	return whitespace(s, i, false)
}

// nextLlama3 matches
// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// at s[i].
func (p *PreTokenizer) nextLlama3(s string, i int) int {
	if s[i] == '\'' {
		if n := contraction(s, i+1, true); n > 0 {
			return i + 1 + n
		}
	}
	c0, w0 := classAt(s, i)
	switch c0 {
	case clsLetter:
		return run(s, i+w0, clsLetter)
	case clsNumber:
		return p.digits(s, i)
	case clsNewline:
		return whitespace(s, i, true)
	}
	// [^\r\n\p{L}\p{N}]?\p{L}+ with the optional character taken.
	if i+w0 < len(s) {
		if c1, w1 := classAt(s, i+w0); c1 == clsLetter {
			return run(s, i+w0+w1, clsLetter)
		}
	}
	// ` ?[^\s\p{L}\p{N}]+[\r\n]*`
	if c0 == clsOther {
		return newlines(s, run(s, i+w0, clsOther))
	}
	if s[i] == ' ' && i+1 < len(s) {
		if c1, w1 := classAt(s, i+1); c1 == clsOther {
			return newlines(s, run(s, i+1+w1, clsOther))
		}
	}
	return whitespace(s, i, true)
}

// whitespace matches the whitespace alternatives at s[i], a \s character:
// with crlf, first \s*[\r\n]+ (greedy \s* backtracks to the last \r or \n of
// the run); then \s+(?!\S), the whole run if it ends the text, else the run
// less its last character (which the next word takes as its leading space)
// if that leaves one; else \s+.
func whitespace(s string, i int, crlf bool) int {
	j, last, lastNL := i, i, -1
	for j < len(s) {
		c, w := classAt(s, j)
		if c == clsNewline {
			lastNL = j
		} else if c != clsSpace {
			break
		}
		last = j
		j += w
	}
	if crlf && lastNL >= 0 {
		return lastNL + 1
	}
	if j == len(s) || last == i {
		return j
	}
	return last
}
