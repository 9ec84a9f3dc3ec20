package data

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// ArithmeticConfig sets the difficulty of generated arithmetic problems: a
// chain of operands joined by operators, sometimes with one parenthesised
// group, evaluated with the usual precedence.
type ArithmeticConfig struct {
	// MinOps and MaxOps bound the number of operators (uniform). Default 1
	// and 3, range 1..8.
	MinOps, MaxOps int
	// MaxDigits is the largest number of digits of an operand of + or -.
	// Default 2, range 1..9.
	MaxDigits int
	// MulDigits is the largest number of digits of an operand next to a *.
	// Default 1, range 1..4.
	MulDigits int
	// Ops are the operators to draw from, any of "+-*". Default "+-*".
	Ops string
	// ParenProb is the probability that a problem with at least two
	// operators gets one parenthesised group. Default 0.3, range [0, 1].
	ParenProb float64
}

// DefaultArithmeticConfig returns the defaults documented on ArithmeticConfig.
func DefaultArithmeticConfig() ArithmeticConfig {
	return ArithmeticConfig{MinOps: 1, MaxOps: 3, MaxDigits: 2, MulDigits: 1, Ops: "+-*", ParenProb: 0.3}
}

// Validate checks the ranges documented on ArithmeticConfig.
func (c ArithmeticConfig) Validate() error {
	switch {
	case c.MinOps < 1 || c.MaxOps > 8 || c.MinOps > c.MaxOps:
		return fmt.Errorf("data: arithmetic ops %d..%d: want 1 <= min <= max <= 8", c.MinOps, c.MaxOps)
	case c.MaxDigits < 1 || c.MaxDigits > 9:
		return fmt.Errorf("data: arithmetic digits %d: want 1..9", c.MaxDigits)
	case c.MulDigits < 1 || c.MulDigits > 4:
		return fmt.Errorf("data: arithmetic multiplication digits %d: want 1..4", c.MulDigits)
	case c.Ops == "" || strings.Trim(c.Ops, "+-*") != "":
		return fmt.Errorf("data: arithmetic ops %q: want a non-empty subset of \"+-*\"", c.Ops)
	case !(c.ParenProb >= 0 && c.ParenProb <= 1):
		return fmt.Errorf("data: arithmetic paren probability %v: want [0, 1]", c.ParenProb)
	}
	return nil
}

// Generate draws one arithmetic problem with its step-by-step evaluation.
// The config must be valid.
func (c ArithmeticConfig) Generate(rng *rand.Rand) (Example, bool) {
	k := c.MinOps + rng.IntN(c.MaxOps-c.MinOps+1)
	ops := make([]byte, k)
	for i := range ops {
		ops[i] = c.Ops[rng.IntN(len(c.Ops))]
	}
	var b strings.Builder
	lo, hi := -1, -1 // operand range [lo, hi] inside the parentheses
	if k >= 2 && rng.Float64() < c.ParenProb {
		lo = rng.IntN(k)
		hi = lo + 1 + rng.IntN(k-lo)
		if lo == 0 && hi == k {
			hi-- // never wrap the whole expression
		}
	}
	for i := 0; i <= k; i++ {
		if i > 0 {
			b.WriteByte(ops[i-1])
		}
		digits := c.MaxDigits
		if (i > 0 && ops[i-1] == '*') || (i < k && ops[i] == '*') {
			digits = c.MulDigits
		}
		if i == lo {
			b.WriteByte('(')
		}
		b.WriteString(strconv.FormatInt(randDigits(rng, digits), 10))
		if i == hi {
			b.WriteByte(')')
		}
	}
	expr := b.String()
	p := &arithParser{s: expr}
	var steps []string
	v := p.expr(&steps)
	if p.pos != len(expr) {
		panic("data: arithmetic generator wrote an expression it cannot parse: " + expr)
	}
	if p.bad {
		return Example{}, false
	}
	ans := strconv.FormatInt(v, 10)
	return Example{
		Task:     "arithmetic",
		Prompt:   "compute " + expr,
		Answer:   ans,
		Solution: "<think>" + strings.Join(steps, ", ") + "</think><answer>" + ans + "</answer>",
	}, true
}

// randDigits draws a number with 1..digits digits, the digit count uniform,
// so small numbers are not rare.
func randDigits(rng *rand.Rand, digits int) int64 {
	d := 1 + rng.IntN(digits)
	lo := int64(1)
	for range d - 1 {
		lo *= 10
	}
	if d == 1 {
		return rng.Int64N(10)
	}
	return lo + rng.Int64N(9*lo)
}

// arithParser evaluates the generator's own expressions (trusted input,
// digits and + - * ( ) only) and records each operation as a step.
type arithParser struct {
	s   string
	pos int
	bad bool // an intermediate overflowed
}

func (p *arithParser) expr(steps *[]string) int64 {
	v := p.term(steps)
	for p.pos < len(p.s) && (p.s[p.pos] == '+' || p.s[p.pos] == '-') {
		op := p.s[p.pos]
		p.pos++
		r := p.term(steps)
		if op == '-' {
			r = -r
		}
		nv, ok := add64(v, r)
		p.bad = p.bad || !ok
		if op == '-' {
			r = -r
		}
		*steps = append(*steps, stepText(v, op, r, nv))
		v = nv
	}
	return v
}

func (p *arithParser) term(steps *[]string) int64 {
	v := p.factor(steps)
	for p.pos < len(p.s) && p.s[p.pos] == '*' {
		p.pos++
		r := p.factor(steps)
		nv, ok := mul64(v, r)
		p.bad = p.bad || !ok
		*steps = append(*steps, stepText(v, '*', r, nv))
		v = nv
	}
	return v
}

func (p *arithParser) factor(steps *[]string) int64 {
	if p.pos < len(p.s) && p.s[p.pos] == '(' {
		p.pos++
		v := p.expr(steps)
		p.pos++ // ')'
		return v
	}
	start := p.pos
	for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
		p.pos++
	}
	v, err := strconv.ParseInt(p.s[start:p.pos], 10, 64)
	if err != nil {
		panic("data: arithmetic generator wrote a bad number in " + p.s)
	}
	return v
}

// stepText writes "a op b=r", negative operands in parentheses.
func stepText(a int64, op byte, b, r int64) string {
	return ratText(ratInt(a)) + string(op) + ratText(ratInt(b)) + "=" + strconv.FormatInt(r, 10)
}
