package rewards

// Answer normalisation (docs/algorithms.md §8.2 steps 2–5), after verl's
// math_dapo and math_verify's latex2sympy pre-processing, reduced to what a
// string-and-rational comparison needs. Every pass is linear in the input.

import "strings"

// wrappers are LaTeX commands whose braces are dropped and whose argument is kept.
var wrappers = []string{`\text`, `\textbf`, `\textit`, `\mathrm`, `\mathbf`, `\mbox`, `\boxed`, `\fbox`, `\operatorname`}

// dropped are removed outright (before spaces are removed).
var dropped = []string{`\left`, `\right`, `\displaystyle`, `^{\circ}`, `^\circ`, `\!`, `\,`, `\;`, `\:`, `\quad`, `\$`, `$`}

// unitWords are deleted when they stand as words, as verl's math_dapo does.
var unitWords = map[string]bool{
	"unit": true, "units": true, "dollar": true, "dollars": true, "cent": true, "cents": true,
	"degree": true, "degrees": true, "cm": true, "centimeter": true, "centimeters": true,
	"meter": true, "meters": true, "km": true, "kilometers": true, "inch": true, "inches": true,
	"foot": true, "feet": true, "ft": true, "mile": true, "miles": true, "mph": true,
	"hour": true, "hours": true, "minute": true, "minutes": true, "second": true, "seconds": true,
	"day": true, "days": true, "week": true, "weeks": true, "year": true, "years": true,
	"pound": true, "pounds": true, "kg": true, "gram": true, "grams": true, "sq": true,
	"square": true, "cubic": true,
}

// Normalize rewrites an answer into the canonical text that Compare works on
// and reports whether it carried a percent sign (removed). pred selects the
// prediction-only rule that keeps the right-most side of an equation
// ("x=3" → "3"); gold answers are never split.
func Normalize(s string, pred bool) (norm string, percent bool) {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\u2212", "-") // Unicode minus
	s = unwrap(s)
	if strings.Contains(s, `\%`) || strings.Contains(s, "%") {
		percent = true
		s = strings.ReplaceAll(s, `\%`, "")
		s = strings.ReplaceAll(s, "%", "")
	}
	for _, d := range dropped {
		s = strings.ReplaceAll(s, d, "")
	}
	s = dropUnitWords(s)
	if w := strings.Fields(s); len(w) == 1 && (w[0] == "percent" || w[0] == "percents") {
		s = ""
	}
	if pred {
		if i := strings.LastIndexByte(s, '='); i >= 0 {
			s = s[i+1:]
		}
	}
	s = strings.ReplaceAll(s, `\dfrac`, `\frac`)
	s = strings.ReplaceAll(s, `\tfrac`, `\frac`)
	s = repairArgs(s, `\frac`, 2)
	s = repairArgs(s, `\sqrt`, 1)
	s = strings.Join(strings.Fields(s), "")
	s = strings.TrimRight(s, ".")
	if isThousands(s) {
		s = strings.ReplaceAll(s, ",", "")
	}
	return s, percent
}

// unwrap drops the wrapper commands and their braces in one pass, keeping
// the arguments: "\text{5 cm}" → "5 cm", "\boxed{\frac{1}{2}}" → "\frac{1}{2}".
func unwrap(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	var keep []bool // per open brace: whether its closing brace is written
	for i := 0; i < len(s); {
		if s[i] == '\\' {
			if w := wrapperAt(s[i:]); w != "" {
				j := i + len(w)
				for j < len(s) && s[j] == ' ' {
					j++
				}
				if j < len(s) && s[j] == '{' {
					keep = append(keep, false)
					i = j + 1
					continue
				}
			}
			if i+1 < len(s) && (s[i+1] == '{' || s[i+1] == '}') {
				b.WriteString(s[i : i+2])
				i += 2
				continue
			}
		}
		switch s[i] {
		case '{':
			keep = append(keep, true)
		case '}':
			if n := len(keep); n > 0 {
				k := keep[n-1]
				keep = keep[:n-1]
				if !k {
					i++
					continue
				}
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

// wrapperAt returns the wrapper command s starts with, if any; the command
// must end there (not "\textcolor" for "\text").
func wrapperAt(s string) string {
	best := ""
	for _, w := range wrappers {
		if strings.HasPrefix(s, w) && len(w) > len(best) {
			if len(s) == len(w) || !isLetter(s[len(w)]) {
				best = w
			}
		}
	}
	return best
}

func isLetter(c byte) bool { return 'A' <= c&^0x20 && c&^0x20 <= 'Z' }

// dropUnitWords deletes unit words, and trailing plain words after a
// leading number ("24 apples" → "24"), as GSM8K-style answers carry them.
func dropUnitWords(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { return r >= 'A' && r <= 'z' }) {
		return s
	}
	words := strings.Fields(s)
	out := words[:0]
	for _, w := range words {
		if !unitWords[strings.ToLower(strings.TrimRight(w, ".,"))] {
			out = append(out, w)
		}
	}
	if len(out) > 1 && isPlainNumber(out[0]) {
		allWords := true
		for _, w := range out[1:] {
			for i := 0; i < len(w); i++ {
				if !isLetter(w[i]) && w[i] != '.' {
					allWords = false
				}
			}
		}
		if allWords {
			out = out[:1]
		}
	}
	return strings.Join(out, " ")
}

// isPlainNumber reports whether s is [+-]digits[.digits] (commas allowed).
func isPlainNumber(s string) bool {
	s = strings.TrimLeft(s, "+-")
	digits := 0
	for i := 0; i < len(s); i++ {
		switch {
		case isDigit(s[i]):
			digits++
		case s[i] == '.' || s[i] == ',':
		default:
			return false
		}
	}
	return digits > 0
}

// repairArgs braces single-character arguments of cmd: \frac12 → \frac{1}{2},
// \sqrt2 → \sqrt{2}.
func repairArgs(s, cmd string, nargs int) string {
	if !strings.Contains(s, cmd) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, cmd)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+len(cmd)])
		s = s[i+len(cmd):]
		if len(s) > 0 && isLetter(s[0]) {
			continue // a longer command such as \sqrtsign
		}
		for range nargs {
			s = strings.TrimLeft(s, " ")
			if len(s) == 0 {
				break
			}
			if s[0] == '{' {
				g, ok := braceGroup(s)
				if !ok {
					// Unclosed to the end: nothing after it can be
					// repaired either; stopping keeps the pass linear.
					b.WriteString(s)
					return b.String()
				}
				b.WriteString("{" + g + "}")
				s = s[len(g)+2:]
				continue
			}
			if s[0] == '\\' {
				break
			}
			b.WriteString("{" + s[:1] + "}")
			s = s[1:]
		}
	}
}

// isThousands reports whether s is a number with comma thousands
// separators: [+-]d{1,3}(,ddd)+(.d+)?
func isThousands(s string) bool {
	s = strings.TrimLeft(s, "+-")
	if i := strings.IndexByte(s, '.'); i >= 0 {
		for j := i + 1; j < len(s); j++ {
			if !isDigit(s[j]) {
				return false
			}
		}
		s = s[:i]
	}
	groups := strings.Split(s, ",")
	if len(groups) < 2 || len(groups[0]) < 1 || len(groups[0]) > 3 {
		return false
	}
	for gi, g := range groups {
		if gi > 0 && len(g) != 3 {
			return false
		}
		for j := 0; j < len(g); j++ {
			if !isDigit(g[j]) {
				return false
			}
		}
	}
	return true
}
