package rewards

// The countdown reward (TinyZero, verl/utils/reward_score/countdown.py):
// the last <answer>…</answer> must hold an expression over the given numbers
// with + - * / and parentheses that equals the target.
//
// Decisions, where TinyZero uses Python eval and floats:
//   - the expression is parsed by a recursive-descent parser below and
//     evaluated exactly with math/big rationals; no text is ever evaluated;
//   - allowed characters are digits, + - * / ( ) and spaces; anything else
//     (letters, '=', '.', '**') makes the answer wrong;
//   - only binary operators: a unary minus would create a number that was not
//     given;
//   - every given number is used exactly once (TinyZero's rule) unless
//     RequireAll is off, then at most once;
//   - division by zero makes the answer wrong, never a crash;
//   - the value must equal the target exactly (TinyZero: |v−t| < 1e-5).

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/rltrain/rltrain/data"
)

// CountdownConfig configures the countdown reward.
type CountdownConfig struct {
	// Tag is the tag holding the expression. Default "answer".
	Tag string
	// RequireAll demands that every given number is used exactly once
	// (TinyZero). Off, each number may be used at most once. Default true.
	RequireAll bool
	// CorrectScore is the reward of a correct expression. Default 1.
	CorrectScore float64
	// WrongScore is the reward of an answer that is present but wrong
	// (bad value, bad numbers, illegal characters, division by zero). Default 0;
	// TinyZero's 0.1 "format score" is WrongScore 0.1.
	WrongScore float64
	// NoAnswerScore is the reward when no answer tag pair is found. Default 0.
	NoAnswerScore float64
	// MaxLen bounds the expression length in bytes; longer is wrong.
	// Default 256, range 1..4096 (exact rationals grow with the length).
	MaxLen int
}

// DefaultCountdownConfig returns the defaults documented on CountdownConfig.
func DefaultCountdownConfig() CountdownConfig {
	return CountdownConfig{Tag: "answer", RequireAll: true, CorrectScore: 1, MaxLen: 256}
}

// Validate checks the configuration.
func (c CountdownConfig) Validate() error {
	if c.Tag == "" {
		return errors.New("rewards: CountdownConfig.Tag is empty; the expression is read from <Tag>…</Tag>")
	}
	if c.MaxLen < 1 || c.MaxLen > 4096 {
		return fmt.Errorf("rewards: CountdownConfig.MaxLen %d: want 1..4096", c.MaxLen)
	}
	return nil
}

// maxCountdownDepth bounds parenthesis nesting, so recursion stays shallow.
const maxCountdownDepth = 64

// EvalCountdown parses and evaluates a countdown expression exactly. It
// returns the value and the numbers used in order of appearance, or an error
// saying why the expression is not acceptable.
func EvalCountdown(expr string) (*big.Rat, []int64, error) {
	p := &cdParser{s: expr}
	v, err := p.expr(0)
	if err != nil {
		return nil, nil, err
	}
	p.space()
	if p.pos != len(p.s) {
		return nil, nil, fmt.Errorf("unexpected %q at %d", p.s[p.pos], p.pos)
	}
	return v, p.used, nil
}

type cdParser struct {
	s      string
	pos    int
	used   []int64
	steps  []string // "a+b=c" per operation, in evaluation order, when record is set
	record bool
}

// CountdownSteps evaluates expr like EvalCountdown and also returns its
// operations in evaluation order, each as "a op b=c" with exact values
// ("3+5=8", "7/2=7/2"): the small steps a worked check recomputes.
func CountdownSteps(expr string) (steps []string, v *big.Rat, used []int64, err error) {
	p := &cdParser{s: expr, record: true}
	v, err = p.expr(0)
	if err == nil {
		p.space()
		if p.pos != len(p.s) {
			err = fmt.Errorf("unexpected %q at %d", p.s[p.pos], p.pos)
		}
	}
	if err != nil {
		return nil, nil, nil, err
	}
	return p.steps, v, p.used, nil
}

// step records a op b = v when recording.
func (p *cdParser) step(a string, op byte, b, v *big.Rat) {
	if p.record {
		p.steps = append(p.steps, a+string(op)+b.RatString()+"="+v.RatString())
	}
}

func (p *cdParser) space() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == '\n') {
		p.pos++
	}
}

// peek returns the next non-space byte, or 0 at the end.
func (p *cdParser) peek() byte {
	p.space()
	if p.pos < len(p.s) {
		return p.s[p.pos]
	}
	return 0
}

// expr := term (('+' | '-') term)*
func (p *cdParser) expr(depth int) (*big.Rat, error) {
	v, err := p.term(depth)
	if err != nil {
		return nil, err
	}
	for c := p.peek(); c == '+' || c == '-'; c = p.peek() {
		p.pos++
		r, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		a := ""
		if p.record {
			a = v.RatString()
		}
		if c == '+' {
			v.Add(v, r)
		} else {
			v.Sub(v, r)
		}
		p.step(a, c, r, v)
	}
	return v, nil
}

// term := factor (('*' | '/') factor)*
func (p *cdParser) term(depth int) (*big.Rat, error) {
	v, err := p.factor(depth)
	if err != nil {
		return nil, err
	}
	for c := p.peek(); c == '*' || c == '/'; c = p.peek() {
		p.pos++
		r, err := p.factor(depth)
		if err != nil {
			return nil, err
		}
		a := ""
		if p.record {
			a = v.RatString()
		}
		if c == '*' {
			v.Mul(v, r)
		} else {
			if r.Sign() == 0 {
				return nil, errors.New("division by zero")
			}
			v.Quo(v, r)
		}
		p.step(a, c, r, v)
	}
	return v, nil
}

// factor := number | '(' expr ')'
func (p *cdParser) factor(depth int) (*big.Rat, error) {
	c := p.peek()
	switch {
	case c == '(':
		if depth >= maxCountdownDepth {
			return nil, errors.New("parentheses nested too deep")
		}
		p.pos++
		v, err := p.expr(depth + 1)
		if err != nil {
			return nil, err
		}
		if p.peek() != ')' {
			return nil, fmt.Errorf("missing ')' at %d", p.pos)
		}
		p.pos++
		return v, nil
	case isDigit(c):
		start := p.pos
		for p.pos < len(p.s) && isDigit(p.s[p.pos]) {
			p.pos++
		}
		n, err := strconv.ParseInt(p.s[start:p.pos], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("number %q too large", p.s[start:p.pos])
		}
		p.used = append(p.used, n)
		return new(big.Rat).SetInt64(n), nil
	case c == 0:
		return nil, errors.New("unexpected end")
	case c == '+' || c == '-':
		return nil, fmt.Errorf("unary %q at %d is not allowed", c, p.pos)
	}
	return nil, fmt.Errorf("illegal character %q at %d", c, p.pos)
}

// CheckCountdown reports whether expr reaches target using nums as the
// rules in this file's header say, with a short reason.
func CheckCountdown(expr string, nums []int64, target int64, requireAll bool) (bool, string) {
	v, used, err := EvalCountdown(expr)
	if err != nil {
		return false, err.Error()
	}
	have := slices.Clone(nums)
	for _, u := range used {
		i := slices.Index(have, u)
		if i < 0 {
			return false, fmt.Sprintf("number %d not available", u)
		}
		have = slices.Delete(have, i, i+1)
	}
	if requireAll && len(have) > 0 {
		return false, fmt.Sprintf("unused numbers %v", have)
	}
	if v.Cmp(new(big.Rat).SetInt64(target)) != 0 {
		return false, fmt.Sprintf("value %s, want %d", v.RatString(), target)
	}
	return true, "correct"
}

// Countdown is the countdown reward. It reads the numbers from
// Meta["numbers"] (or TinyZero's Meta["nums"]) and the target from
// Meta["target"] or, failing that, Example.Answer.
type Countdown struct{ Cfg CountdownConfig }

// NewCountdown returns a Countdown reward after validating cfg.
func NewCountdown(cfg CountdownConfig) (*Countdown, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Countdown{Cfg: cfg}, nil
}

// Name returns "countdown".
func (r *Countdown) Name() string { return "countdown" }

// Score implements Reward.
func (r *Countdown) Score(ctx context.Context, ex data.Example, c Completion) Result {
	if err := ctx.Err(); err != nil {
		return ctxResult(err)
	}
	nums, err := data.MetaInts(ex, "numbers")
	if _, has := ex.Meta["numbers"]; !has {
		nums, err = data.MetaInts(ex, "nums")
	}
	if err != nil {
		return NoScore("gold unusable: " + err.Error())
	}
	target, err := data.MetaInt(ex, "target")
	if _, has := ex.Meta["target"]; !has {
		target, err = strconv.ParseInt(strings.TrimSpace(ex.Answer), 10, 64)
	}
	if err != nil {
		return NoScore("gold unusable: target: " + err.Error())
	}
	expr, ok := lastTag(c.Text, r.Cfg.Tag)
	if !ok {
		return Scored(r.Cfg.NoAnswerScore, "no answer")
	}
	if len(expr) > r.Cfg.MaxLen {
		return Scored(r.Cfg.WrongScore, fmt.Sprintf("expression longer than %d bytes", r.Cfg.MaxLen))
	}
	if ok, why := CheckCountdown(expr, nums, target, r.Cfg.RequireAll); !ok {
		return Scored(r.Cfg.WrongScore, why)
	}
	return Scored(r.Cfg.CorrectScore, "correct")
}
