package rewards

// Answer comparison (docs/algorithms.md §8.2 steps 6–9): normalised string
// equality, then exact rationals with math/big, then tuples and sets element
// by element.

import (
	"context"
	"errors"
	"math/big"
	"strings"
)

// CompareConfig sets how two normalised answers are compared.
type CompareConfig struct {
	// Percent lets a number written with % also match its value / 100
	// ("10\%" matches 0.1 and 10). Default true.
	Percent bool
	// Tolerance is the relative tolerance |a−b| ≤ Tolerance·max(1,|a|)
	// applied only when one side is written as a decimal and the other has a
	// non-terminating decimal expansion (1/3 vs 0.333333). Default 1e-6,
	// range [0, 1e-2].
	Tolerance float64
	// MaxElements bounds the elements of a tuple or set; longer ones do not
	// match. Default 256, range >= 1.
	MaxElements int
}

// DefaultCompareConfig returns the defaults documented on CompareConfig.
func DefaultCompareConfig() CompareConfig {
	return CompareConfig{Percent: true, Tolerance: 1e-6, MaxElements: 256}
}

// Validate checks the ranges documented on CompareConfig.
func (c CompareConfig) Validate() error {
	if !(c.Tolerance >= 0 && c.Tolerance <= 1e-2) {
		return errors.New("rewards: CompareConfig.Tolerance: want a value in [0, 1e-2]")
	}
	if c.MaxElements < 1 {
		return errors.New("rewards: CompareConfig.MaxElements: want >= 1")
	}
	return nil
}

// maxNumberLen bounds the digits parsed as a rational; longer strings are
// compared as text only, so math/big never sees a huge input.
const maxNumberLen = 400

// ErrGold is wrapped by Compare when the gold answer is empty after normalisation.
var ErrGold = errors.New("rewards: gold answer is empty after normalisation")

// Compare reports whether pred (an extracted prediction) is equivalent to
// gold. It returns ctx's error if the deadline passes, and an error
// wrapping ErrGold if the gold answer is unusable.
func Compare(ctx context.Context, gold, pred string, cfg CompareConfig) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	g, gp := Normalize(gold, false)
	p, pp := Normalize(pred, true)
	if g == "" {
		return false, ErrGold
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if g == p && gp == pp {
		return true, nil
	}
	return compareItems(ctx, atom{g, gp}, atom{p, pp}, cfg, 0)
}

// maxListDepth bounds the nesting of tuples within tuples, which keeps the
// comparison linear in practice on adversarial "(((…),…),…)" input.
const maxListDepth = 4

// atom is one normalised answer or element with its percent flag.
type atom struct {
	s       string
	percent bool
}

func compareItems(ctx context.Context, g, p atom, cfg CompareConfig, depth int) (bool, error) {
	if depth > maxListDepth {
		return g.s == p.s, nil
	}
	gk, gel := splitList(g.s)
	pk, pel := splitList(p.s)
	if gk == listNone && pk == listNone {
		return compareAtom(g, p, cfg), nil
	}
	if gk != pk || len(gel) != len(pel) || len(gel) > cfg.MaxElements {
		return false, nil
	}
	if gk != listSet {
		for i := range gel {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			if ok, err := compareItems(ctx, atom{gel[i], g.percent}, atom{pel[i], p.percent}, cfg, depth+1); !ok || err != nil {
				return false, err
			}
		}
		return true, nil
	}
	// Unordered: match each gold element to a distinct predicted one.
	used := make([]bool, len(pel))
	for _, ge := range gel {
		found := false
		for j, pe := range pel {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			if used[j] {
				continue
			}
			ok, err := compareItems(ctx, atom{ge, g.percent}, atom{pe, p.percent}, cfg, depth+1)
			if err != nil {
				return false, err
			}
			if ok {
				used[j], found = true, true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	return true, nil
}

type listKind int

const (
	listNone     listKind = iota
	listTuple             // (a,b)
	listInterval          // [a,b]
	listSet               // {a,b}, \{a,b\} or a bare a,b
)

// splitList recognises "(a,b)", "[a,b]", "{a,b}", "\{a,b\}" and a bare
// top-level "a,b", and splits on top-level commas.
func splitList(s string) (listKind, []string) {
	kind, inner := listNone, s
	switch {
	case strings.HasPrefix(s, `\{`) && strings.HasSuffix(s, `\}`) && len(s) >= 4:
		kind, inner = listSet, s[2:len(s)-2]
	case len(s) >= 2 && s[0] == '(' && s[len(s)-1] == ')':
		kind, inner = listTuple, s[1:len(s)-1]
	case len(s) >= 2 && s[0] == '[' && s[len(s)-1] == ']':
		kind, inner = listInterval, s[1:len(s)-1]
	case len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}':
		kind, inner = listSet, s[1:len(s)-1]
	}
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(inner); i++ {
		switch inner[i] {
		case '(', '[', '{':
			depth++
		case ')', ']', '}':
			depth--
			if depth < 0 {
				return listNone, nil // the brackets were not one group: "(1)+(2)"
			}
		case ',':
			if depth == 0 {
				parts = append(parts, inner[start:i])
				start = i + 1
			}
		}
	}
	if depth != 0 {
		return listNone, nil
	}
	parts = append(parts, inner[start:])
	if kind == listNone {
		if len(parts) < 2 {
			return listNone, nil
		}
		return listSet, parts
	}
	if kind == listTuple && len(parts) == 1 {
		return listNone, nil // "(5)" is a parenthesised number
	}
	return kind, parts
}

// compareAtom compares two single answers: text, then rationals.
func compareAtom(g, p atom, cfg CompareConfig) bool {
	if g.s == p.s && (g.percent == p.percent || cfg.Percent) {
		return true
	}
	gv, gdec, ok1 := parseRat(g.s)
	pv, pdec, ok2 := parseRat(p.s)
	if !ok1 || !ok2 {
		return false
	}
	for _, a := range candidates(gv, g.percent, cfg.Percent) {
		for _, b := range candidates(pv, p.percent, cfg.Percent) {
			if ratClose(a, b, gdec, pdec, cfg.Tolerance) {
				return true
			}
		}
	}
	return false
}

// candidates lists the values a number may mean: with percent handling on,
// "10%" means 10/100 or (as the question may ask for a percentage) 10; with it
// off the percent sign is ignored.
func candidates(v *big.Rat, percent, handle bool) []*big.Rat {
	if !percent || !handle {
		return []*big.Rat{v}
	}
	return []*big.Rat{new(big.Rat).Quo(v, big.NewRat(100, 1)), v}
}

// ratClose is exact equality, or the relative tolerance when one side was
// written as a decimal and the other does not terminate.
func ratClose(a, b *big.Rat, adec, bdec bool, tol float64) bool {
	if a.Cmp(b) == 0 {
		return true
	}
	if !((adec && !terminates(b)) || (bdec && !terminates(a))) || tol == 0 {
		return false
	}
	d := new(big.Rat).Sub(a, b)
	d.Abs(d)
	scale := new(big.Rat).Abs(a)
	if scale.Cmp(big.NewRat(1, 1)) < 0 {
		scale.SetInt64(1)
	}
	t := new(big.Rat).SetFloat64(tol)
	return d.Cmp(t.Mul(t, scale)) <= 0
}

// terminates reports whether r has a finite decimal expansion (its reduced
// denominator has no prime factor other than 2 and 5).
func terminates(r *big.Rat) bool {
	d := new(big.Int).Set(r.Denom())
	m := new(big.Int)
	for _, p := range []int64{2, 5} {
		bp := big.NewInt(p)
		for {
			q, rem := new(big.Int).QuoRem(d, bp, m)
			if rem.Sign() != 0 {
				break
			}
			d = q
		}
	}
	return d.IsInt64() && d.Int64() == 1
}

// parseRat parses a normalised number: an optional sign, then an integer, a
// decimal (".5", "2."), a fraction "a/b" of those, or "\frac{a}{b}" of
// those. dec reports a decimal point. Exponents are not accepted, so
// math/big never expands "1e999999999".
func parseRat(s string) (v *big.Rat, dec, ok bool) {
	neg := false
	for len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = neg != (s[0] == '-')
		s = s[1:]
	}
	if len(s) == 0 || len(s) > maxNumberLen {
		return nil, false, false
	}
	if strings.HasPrefix(s, `\frac{`) {
		num, ok := braceGroup(s[len(`\frac`):])
		if !ok {
			return nil, false, false
		}
		rest := s[len(`\frac`)+len(num)+2:]
		den, ok := braceGroup(rest)
		if !ok || len(rest) != len(den)+2 {
			return nil, false, false
		}
		a, d1, ok1 := parseRat(num)
		b, d2, ok2 := parseRat(den)
		if !ok1 || !ok2 || b.Sign() == 0 {
			return nil, false, false
		}
		v = new(big.Rat).Quo(a, b)
		dec = d1 || d2
	} else if i := strings.IndexByte(s, '/'); i >= 0 {
		a, d1, ok1 := parseDecimal(s[:i])
		b, d2, ok2 := parseDecimal(s[i+1:])
		if !ok1 || !ok2 || b.Sign() == 0 {
			return nil, false, false
		}
		v = new(big.Rat).Quo(a, b)
		dec = d1 || d2
	} else if v, dec, ok = parseDecimal(s); !ok {
		return nil, false, false
	}
	if neg {
		v.Neg(v)
	}
	return v, dec, true
}

// parseDecimal parses [+-]digits[.digits] with at least one digit.
func parseDecimal(s string) (*big.Rat, bool, bool) {
	body := strings.TrimLeft(s, "+-")
	if len(body) == 0 || len(s)-len(body) > 1 {
		return nil, false, false
	}
	digits, dots := 0, 0
	for i := 0; i < len(body); i++ {
		switch {
		case isDigit(body[i]):
			digits++
		case body[i] == '.':
			dots++
		default:
			return nil, false, false
		}
	}
	if digits == 0 || dots > 1 {
		return nil, false, false
	}
	v, ok := new(big.Rat).SetString(s)
	return v, dots == 1, ok
}
