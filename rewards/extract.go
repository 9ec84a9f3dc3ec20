package rewards

// Answer extraction (docs/algorithms.md §8.2 step 1). Every function here is a
// single left-to-right or right-to-left scan, linear in the input, so a long
// or adversarial completion costs microseconds, not the verifier's deadline.

import "strings"

// ExtractConfig says where to look for the final answer in a completion. The
// sources are tried in the order of the fields; the first that yields an
// answer wins.
type ExtractConfig struct {
	// AnswerTag is the tag whose last complete <tag>…</tag> pair holds the
	// answer. Default "answer"; "" disables.
	AnswerTag string
	// Boxed reads the brace-balanced argument of the last \boxed or \fbox.
	// Default true.
	Boxed bool
	// AnswerLine reads the rest of the line after the last "Answer:" or
	// "final answer is" (ASCII case-insensitive). Default true.
	AnswerLine bool
	// LastNumber falls back to the last number in the text. Default false:
	// it rewards stray numbers and teaches the policy to skip the format.
	LastNumber bool
}

// DefaultExtractConfig returns the defaults documented on ExtractConfig.
func DefaultExtractConfig() ExtractConfig {
	return ExtractConfig{AnswerTag: "answer", Boxed: true, AnswerLine: true}
}

// ExtractAnswer returns the final answer of a completion and which source
// gave it ("tag", "boxed", "line", "number"), or ok=false when none did.
func ExtractAnswer(s string, cfg ExtractConfig) (ans, source string, ok bool) {
	if cfg.AnswerTag != "" {
		if a, ok := lastTag(s, cfg.AnswerTag); ok {
			return strings.TrimSpace(a), "tag", true
		}
	}
	if cfg.Boxed {
		if a, ok := lastBoxed(s); ok {
			return strings.TrimSpace(a), "boxed", true
		}
	}
	if cfg.AnswerLine {
		if a, ok := lastAnswerLine(s); ok {
			return a, "line", true
		}
	}
	if cfg.LastNumber {
		if a, ok := lastNumber(s); ok {
			return a, "number", true
		}
	}
	return "", "", false
}

// lastTag returns the content of the last <tag>…</tag> pair: the text
// between the last opening tag and the first closing tag after it.
func lastTag(s, tag string) (string, bool) {
	open, close := "<"+tag+">", "</"+tag+">"
	i := strings.LastIndex(s, open)
	if i < 0 {
		return "", false
	}
	rest := s[i+len(open):]
	j := strings.Index(rest, close)
	if j < 0 {
		return "", false
	}
	return rest[:j], true
}

// lastBoxed returns the argument of the last \boxed or \fbox: the
// brace-balanced group after it (escaped \{ \} do not count), or the next
// space-delimited token when no brace follows ("\boxed 5").
func lastBoxed(s string) (string, bool) {
	i := max(strings.LastIndex(s, `\boxed`), strings.LastIndex(s, `\fbox`))
	if i < 0 {
		return "", false
	}
	rest := s[i:]
	if strings.HasPrefix(rest, `\boxed`) {
		rest = rest[len(`\boxed`):]
	} else {
		rest = rest[len(`\fbox`):]
	}
	if strings.HasPrefix(rest, "{") {
		return braceGroup(rest)
	}
	if !strings.HasPrefix(rest, " ") {
		return "", false // "\boxedx" is some other command
	}
	rest = strings.TrimLeft(rest, " ")
	if strings.HasPrefix(rest, "{") {
		return braceGroup(rest)
	}
	end := strings.IndexAny(rest, " \t\n$")
	if end < 0 {
		end = len(rest)
	}
	if end == 0 {
		return "", false
	}
	return rest[:end], true
}

// braceGroup returns the content of the group opened by s[0] == '{' up to
// its matching '}', or ok=false if it is never closed.
func braceGroup(s string) (string, bool) {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '}') {
				i++
			}
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return s[1:i], true
			}
		}
	}
	return "", false
}

// lastAnswerLine returns what follows the last "answer:" or "final answer
// is" (ASCII case-insensitive) up to the end of its line, without a trailing
// period.
func lastAnswerLine(s string) (string, bool) {
	best, bestEnd := -1, 0
	for _, key := range []string{"answer:", "final answer is"} {
		if i := lastIndexFold(s, key); i > best {
			best, bestEnd = i, i+len(key)
		}
	}
	if best < 0 {
		return "", false
	}
	line := s[bestEnd:]
	if nl := strings.IndexByte(line, '\n'); nl >= 0 {
		line = line[:nl]
	}
	line = strings.TrimSpace(line)
	line = strings.TrimSpace(strings.TrimSuffix(line, "."))
	if line == "" {
		return "", false
	}
	return line, true
}

// lastIndexFold is strings.LastIndex with ASCII case folding of s; key must
// be lower case. Byte offsets are those of s.
func lastIndexFold(s, key string) int {
outer:
	for i := len(s) - len(key); i >= 0; i-- {
		for j := 0; j < len(key); j++ {
			c := s[i+j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != key[j] {
				continue outer
			}
		}
		return i
	}
	return -1
}

// lastNumber returns the last number in s: an optional '-', digits with
// optional ",ddd" groups, an optional fraction part and an optional "/d…"
// denominator.
func lastNumber(s string) (string, bool) {
	last := ""
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		start := i
		if start > 0 && s[start-1] == '-' {
			start--
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		for i+3 < len(s) && s[i] == ',' && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) && (i+4 == len(s) || !isDigit(s[i+4])) {
			i += 4
		}
		if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
			i++
			for i < len(s) && isDigit(s[i]) {
				i++
			}
		}
		if i+1 < len(s) && s[i] == '/' && isDigit(s[i+1]) {
			i++
			for i < len(s) && isDigit(s[i]) {
				i++
			}
		}
		last = s[start:i]
	}
	return last, last != ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
