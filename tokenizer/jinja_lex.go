package tokenizer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The lexer of the Jinja subset (see template.go for what is supported).
// It applies the whitespace rules of Hugging Face's chat-template
// environment while it scans, so that positions stay those of the source:
//
//   - one trailing newline of the template is dropped (keep_trailing_newline off);
//   - lstrip_blocks: spaces and tabs from the start of a line up to a
//     "{%" or "{#" are dropped;
//   - trim_blocks: the newline right after "%}" or "#}" is dropped;
//   - "{%-", "{{-", "{#-" drop the whitespace before the tag, and "-%}",
//     "-}}", "-#}" the whitespace after it.

type jtokKind uint8

const (
	jtEOF       jtokKind = iota
	jtText               // template text outside tags
	jtExprOpen           // {{
	jtExprClose          // }}
	jtStmtOpen           // {%
	jtStmtClose          // %}
	jtName               // identifiers and keywords
	jtString             // string literal (value unescaped)
	jtInt                // integer literal
	jtFloat              // float literal
	jtOp                 // operators and punctuation
)

// jpos is a 1-based line and column (in runes) of the template source.
type jpos struct{ line, col int }

func (p jpos) String() string { return fmt.Sprintf("%d:%d", p.line, p.col) }

type jtok struct {
	kind jtokKind
	val  string
	pos  jpos
}

// jinjaError is every error of parsing or rendering: the template's name,
// where, and what.
type jinjaError struct {
	name string
	pos  jpos
	msg  string
}

func (e *jinjaError) Error() string {
	return fmt.Sprintf("chat template %s:%s: %s", e.name, e.pos, e.msg)
}

// maxTemplateSize bounds a template's source: real chat templates are a
// few kB, and a bound keeps a corrupt file from costing much.
const maxTemplateSize = 1 << 20

type jlexer struct {
	name string
	src  string
	i    int
	line int
	col  int
	toks []jtok
}

func (lx *jlexer) errf(p jpos, format string, args ...any) error {
	return &jinjaError{name: lx.name, pos: p, msg: fmt.Sprintf(format, args...)}
}

// advance moves the lexer to byte offset to (>= lx.i), counting lines and
// columns on the way.
func (lx *jlexer) advance(to int) {
	for lx.i < to {
		r, n := utf8.DecodeRuneInString(lx.src[lx.i:])
		if r == '\n' {
			lx.line, lx.col = lx.line+1, 1
		} else {
			lx.col++
		}
		lx.i += n
	}
}

func (lx *jlexer) pos() jpos { return jpos{lx.line, lx.col} }

func jinjaLex(name, src string) ([]jtok, error) {
	if len(src) > maxTemplateSize {
		return nil, &jinjaError{name: name, pos: jpos{1, 1}, msg: fmt.Sprintf("template is %d bytes, more than the %d a chat template may have", len(src), maxTemplateSize)}
	}
	src = strings.TrimSuffix(src, "\n")
	lx := &jlexer{name: name, src: src, line: 1, col: 1}
	skipWS := false // the previous tag ended with "-"
	for lx.i < len(src) {
		// Text up to the next tag.
		start := lx.i
		next := -1
		for j := start; j+1 < len(src); j++ {
			if src[j] == '{' && (src[j+1] == '{' || src[j+1] == '%' || src[j+1] == '#') {
				next = j
				break
			}
		}
		end := len(src)
		if next >= 0 {
			end = next
		}
		text := src[start:end]
		textPos := lx.pos()
		if skipWS {
			trimmed := strings.TrimLeftFunc(text, unicode.IsSpace)
			lx.advance(start + len(text) - len(trimmed))
			textPos, text = lx.pos(), trimmed
		}
		if next >= 0 {
			open := src[next : next+2]
			dash := next+2 < len(src) && src[next+2] == '-'
			plus := next+2 < len(src) && src[next+2] == '+'
			switch {
			case dash:
				text = strings.TrimRightFunc(text, unicode.IsSpace)
			case open != "{{" && !plus:
				// lstrip_blocks: only blanks between the line start and the tag.
				j := next
				for j > 0 && (src[j-1] == ' ' || src[j-1] == '\t') {
					j--
				}
				if j == 0 || src[j-1] == '\n' {
					text = text[:max(0, len(text)-(next-j))]
				}
			}
		}
		if text != "" {
			lx.toks = append(lx.toks, jtok{kind: jtText, val: text, pos: textPos})
		}
		lx.advance(end)
		if next < 0 {
			break
		}
		var err error
		if skipWS, err = lx.tag(); err != nil {
			return nil, err
		}
	}
	lx.toks = append(lx.toks, jtok{kind: jtEOF, pos: lx.pos()})
	return lx.toks, nil
}

// tag scans one {{ }}, {% %} or {# #} at lx.i and reports whether it ended
// with a "-".
func (lx *jlexer) tag() (dashEnd bool, err error) {
	src := lx.src
	p := lx.pos()
	open := src[lx.i : lx.i+2]
	lx.advance(lx.i + 2)
	if lx.i < len(src) && (src[lx.i] == '-' || src[lx.i] == '+') {
		lx.advance(lx.i + 1)
	}
	if open == "{#" {
		k := strings.Index(src[lx.i:], "#}")
		if k < 0 {
			return false, lx.errf(p, "comment {# is never closed with #}")
		}
		dashEnd = k > 0 && src[lx.i+k-1] == '-'
		lx.advance(lx.i + k + 2)
		lx.trimBlock(dashEnd)
		return dashEnd, nil
	}
	closer := "}}"
	kind, closeKind := jtExprOpen, jtExprClose
	if open == "{%" {
		closer, kind, closeKind = "%}", jtStmtOpen, jtStmtClose
	}
	lx.toks = append(lx.toks, jtok{kind: kind, val: open, pos: p})
	depth := 0 // open brackets: a "}}" inside a dict literal is not the end
	for {
		for lx.i < len(src) && isJinjaSpace(src[lx.i]) {
			lx.advance(lx.i + 1)
		}
		if lx.i >= len(src) {
			return false, lx.errf(p, "%s is never closed with %s", open, closer)
		}
		tp := lx.pos()
		rest := src[lx.i:]
		if depth == 0 && (strings.HasPrefix(rest, closer) || (rest[0] == '-' && strings.HasPrefix(rest[1:], closer))) {
			dashEnd = rest[0] == '-'
			n := 2
			if dashEnd {
				n = 3
			}
			lx.toks = append(lx.toks, jtok{kind: closeKind, val: closer, pos: tp})
			lx.advance(lx.i + n)
			if closeKind == jtStmtClose {
				lx.trimBlock(dashEnd)
			}
			return dashEnd, nil
		}
		c := rest[0]
		switch {
		case c == '"' || c == '\'':
			s, n, err := lx.stringLit(rest, tp)
			if err != nil {
				return false, err
			}
			lx.toks = append(lx.toks, jtok{kind: jtString, val: s, pos: tp})
			lx.advance(lx.i + n)
		case c >= '0' && c <= '9':
			n, isFloat := scanNumber(rest)
			k := jtInt
			if isFloat {
				k = jtFloat
			}
			lx.toks = append(lx.toks, jtok{kind: k, val: strings.ReplaceAll(rest[:n], "_", ""), pos: tp})
			lx.advance(lx.i + n)
		case c == '_' || isASCIILetter(c):
			n := 1
			for n < len(rest) && (rest[n] == '_' || isASCIILetter(rest[n]) || (rest[n] >= '0' && rest[n] <= '9')) {
				n++
			}
			lx.toks = append(lx.toks, jtok{kind: jtName, val: rest[:n], pos: tp})
			lx.advance(lx.i + n)
		default:
			op := ""
			for _, o := range []string{"**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">", "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"} {
				if strings.HasPrefix(rest, o) {
					op = o
					break
				}
			}
			if op == "" {
				r, _ := utf8.DecodeRuneInString(rest)
				return false, lx.errf(tp, "unexpected character %q inside %s … %s", r, open, closer)
			}
			switch op {
			case "(", "[", "{":
				depth++
			case ")", "]", "}":
				depth = max(0, depth-1)
			}
			lx.toks = append(lx.toks, jtok{kind: jtOp, val: op, pos: tp})
			lx.advance(lx.i + len(op))
		}
	}
}

// trimBlock drops the newline after a block or comment tag (trim_blocks),
// unless "-" already dropped all the whitespace.
func (lx *jlexer) trimBlock(dashEnd bool) {
	if !dashEnd && lx.i < len(lx.src) && lx.src[lx.i] == '\n' {
		lx.advance(lx.i + 1)
	}
}

func isJinjaSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// scanNumber returns the length of the number literal at the start of s.
func scanNumber(s string) (n int, isFloat bool) {
	digits := func() {
		for n < len(s) && ((s[n] >= '0' && s[n] <= '9') || (s[n] == '_' && n > 0 && n+1 < len(s) && s[n+1] >= '0' && s[n+1] <= '9')) {
			n++
		}
	}
	digits()
	if n+1 < len(s) && s[n] == '.' && s[n+1] >= '0' && s[n+1] <= '9' {
		isFloat = true
		n++
		digits()
	}
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		m := n + 1
		if m < len(s) && (s[m] == '+' || s[m] == '-') {
			m++
		}
		if m < len(s) && s[m] >= '0' && s[m] <= '9' {
			isFloat = true
			n = m
			digits()
		}
	}
	return n, isFloat
}

// stringLit unescapes the string literal at the start of s (Python's
// escapes \n \t \r \\ \' \" \xHH \uHHHH \UHHHHHHHH; others stay as
// written) and returns it with its length in the source.
func (lx *jlexer) stringLit(s string, p jpos) (string, int, error) {
	q := s[0]
	var sb strings.Builder
	for i := 1; i < len(s); {
		c := s[i]
		switch {
		case c == q:
			return sb.String(), i + 1, nil
		case c == '\\' && i+1 < len(s):
			e := s[i+1]
			i += 2
			switch e {
			case 'n':
				sb.WriteByte('\n')
			case 't':
				sb.WriteByte('\t')
			case 'r':
				sb.WriteByte('\r')
			case '\\', '\'', '"':
				sb.WriteByte(e)
			case '\n':
				// a backslash-newline continues the line
			case 'x', 'u', 'U':
				n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
				var r rune
				ok := i+n <= len(s)
				for k := 0; ok && k < n; k++ {
					d := hexDigit(s[i+k])
					ok = d >= 0
					r = r<<4 | rune(d)
				}
				if !ok || r > unicode.MaxRune {
					return "", 0, lx.errf(p, "string literal has a bad \\%c escape", e)
				}
				sb.WriteRune(r)
				i += n
			default:
				sb.WriteByte('\\')
				sb.WriteByte(e)
			}
		default:
			sb.WriteByte(c)
			i++
		}
	}
	return "", 0, lx.errf(p, "string literal is never closed with %c", q)
}

func hexDigit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
