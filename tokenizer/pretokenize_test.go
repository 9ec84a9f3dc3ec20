package tokenizer

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// The oracle: the split regex, alternative by alternative, run by Go's
// regexp (leftmost-first like a backtracking engine), with the look-ahead
// alternative \s+(?!\S) done by explicit backtracking. Independent of the
// hand-written scanners it checks.

// ws is \s as the White_Space property (Rust regex, Oniguruma).
const ws = `\t\n\v\f\r \x{85}\x{A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}`

type oracle struct {
	alts []*regexp.Regexp // nil marks \s+(?!\S)
}

func newOracle(t testing.TB, p PreTokenizer) *oracle {
	num := `\pN+`
	switch {
	case p.MaxDigits == 1:
		num = `\pN`
	case p.MaxDigits > 1:
		num = `\pN{1,` + strconv.Itoa(p.MaxDigits) + `}`
	}
	var alts []string
	if p.Pattern == PatternGPT2 {
		alts = []string{`'s|'t|'re|'ve|'m|'ll|'d`, ` ?\pL+`, ` ?` + num, ` ?[^` + ws + `\pL\pN]+`, "", `[` + ws + `]+`}
	} else {
		alts = []string{`(?i:'s|'t|'re|'ve|'m|'ll|'d)`, `[^\r\n\pL\pN]?\pL+`, num, ` ?[^` + ws + `\pL\pN]+[\r\n]*`,
			`[` + ws + `]*[\r\n]+`, "", `[` + ws + `]+`}
	}
	o := &oracle{}
	for _, a := range alts {
		if a == "" {
			o.alts = append(o.alts, nil)
			continue
		}
		o.alts = append(o.alts, regexp.MustCompile(`^(?:`+a+`)`))
	}
	return o
}

var wsRun = regexp.MustCompile(`^[` + ws + `]+`)
var wsOne = regexp.MustCompile(`^[` + ws + `]`)

func (o *oracle) words(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		end := -1
		for _, re := range o.alts {
			if re == nil { // \s+(?!\S): backtrack the run until a non-\S follows
				m := wsRun.FindString(s[i:])
				runes := []rune(m)
				// Runes are re-encoded only for lengths; invalid bytes never match \s.
				for k := len(runes); k >= 1; k-- {
					n := len(string(runes[:k]))
					if i+n == len(s) || wsOne.MatchString(s[i+n:]) {
						end = i + n
						break
					}
				}
			} else if loc := re.FindStringIndex(s[i:]); loc != nil && loc[1] > 0 {
				end = i + loc[1]
			}
			if end >= 0 {
				break
			}
		}
		if end < 0 {
			panic(fmt.Sprintf("oracle: no alternative matched at %d in %q", i, s))
		}
		out = append(out, s[i:end])
		i = end
	}
	return out
}

func TestWhitespaceClassIsWhiteSpaceProperty(t *testing.T) {
	re := regexp.MustCompile(`^[` + ws + `]$`)
	for r := rune(0); r <= unicode.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		in := re.MatchString(string(r))
		if want := unicode.Is(unicode.White_Space, r); in != want {
			t.Fatalf("U+%04X: oracle class %v, White_Space %v", r, in, want)
		}
		if c := runeClass(r); (c == clsSpace || c == clsNewline) != in {
			t.Fatalf("U+%04X: runeClass %d, White_Space %v", r, c, in)
		}
	}
}

var splits = []PreTokenizer{
	{Pattern: PatternGPT2},
	{Pattern: PatternGPT2, MaxDigits: 3},
	{Pattern: PatternLlama3, MaxDigits: 3},
	{Pattern: PatternLlama3, MaxDigits: 1},
	{Pattern: PatternLlama3},
}

// Hand-checked splits: these follow from reading the regexes.
func TestWordsHandVectors(t *testing.T) {
	gpt2 := PreTokenizer{Pattern: PatternGPT2}
	llama := PreTokenizer{Pattern: PatternLlama3, MaxDigits: 3}
	qwen := PreTokenizer{Pattern: PatternLlama3, MaxDigits: 1}
	cases := []struct {
		p    PreTokenizer
		in   string
		want []string
	}{
		{gpt2, "Hello world", []string{"Hello", " world"}},
		{gpt2, "I'm here,  they'll go", []string{"I", "'m", " here", ",", " ", " they", "'ll", " go"}},
		{gpt2, "a  \n\nb  ", []string{"a", "  \n", "\n", "b", "  "}},
		{gpt2, "x\tb 12345 ?!", []string{"x", "\t", "b", " 12345", " ?!"}},
		{gpt2, "I'M", []string{"I", "'", "M"}},
		{llama, "I'M 12345", []string{"I", "'M", " ", "123", "45"}},
		{llama, "  \n  x", []string{"  \n", " ", " x"}},
		{llama, "foo(bar) {\n\treturn", []string{"foo", "(bar", ")", " {\n", "\treturn"}},
		{llama, "a\r\n\r\nb", []string{"a", "\r\n\r\n", "b"}},
		{qwen, "x=123", []string{"x", "=", "1", "2", "3"}},
		{qwen, "Straße's ſ 'ſ", []string{"Straße", "'s", " ſ", " '", "ſ"}}, // (?i) folds s/ſ only after the apostrophe at a match start
		{llama, "it'ſ", []string{"it", "'ſ"}},
		{gpt2, "e\u0301t\u00e9", []string{"e", "\u0301", "t\u00e9"}},
		{gpt2, "a\xffb", []string{"a", "\xff", "b"}},
	}
	for _, c := range cases {
		if got := c.p.Words(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s/%d Words(%q) = %q, want %q", c.p.Pattern, c.p.MaxDigits, c.in, got, c.want)
		}
	}
}

var splitAlphabet = []string{
	" ", " ", " ", "  ", "\t", "\n", "\r", "\r\n", "\u00a0", "\u3000", "\u2028", "\u0085", "\v",
	"a", "b", "Z", "é", "ß", "я", "中", "文", "ſ", "ǅ", "\u02b0",
	"0", "1", "9", "٣", "Ⅻ", "½", "²",
	"'", "'s", "'T", "'re", "'LL", "'d", ",", ".", "(", "{", "-", "_", "=", "$", "😀", "\u0301", "\u200d",
	"\xff", "\xc3", "\xe2\x82",
}

func randomText(r *rand.Rand, n int) string {
	var sb strings.Builder
	for i := 0; i < n; i++ {
		sb.WriteString(splitAlphabet[r.IntN(len(splitAlphabet))])
	}
	return sb.String()
}

func TestWordsMatchRegexOracle(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, p := range splits {
		o := newOracle(t, p)
		for k := 0; k < 3000; k++ {
			s := randomText(r, 1+r.IntN(24))
			if got, want := p.Words(s), o.words(s); !reflect.DeepEqual(got, want) {
				t.Fatalf("%s/%d Words(%q):\n got %q\nwant %q", p.Pattern, p.MaxDigits, s, got, want)
			}
		}
	}
}

func FuzzWords(f *testing.F) {
	f.Add("Hello, world! It's 2024.\n\n  x", uint8(0))
	f.Add("a  \r\n\t b'S 12345 😀\xff", uint8(3))
	oracles := make([]*oracle, len(splits))
	for i, p := range splits {
		oracles[i] = newOracle(f, p)
	}
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		i := int(which) % len(splits)
		got, want := splits[i].Words(s), oracles[i].words(s)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s/%d Words(%q):\n got %q\nwant %q", splits[i].Pattern, splits[i].MaxDigits, s, got, want)
		}
	})
}

func TestRegexRoundTrip(t *testing.T) {
	for _, p := range splits {
		got, ok := preTokenizerForRegex(p.Regex())
		if !ok || got != p {
			t.Errorf("preTokenizerForRegex(%q) = %+v, %v; want %+v", p.Regex(), got, ok, p)
		}
	}
	const qwen2 = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	if p, ok := preTokenizerForRegex(qwen2); !ok || p != (PreTokenizer{Pattern: PatternLlama3, MaxDigits: 1}) {
		t.Errorf("Qwen2 regex: got %+v %v", p, ok)
	}
}
