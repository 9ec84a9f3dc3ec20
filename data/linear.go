package data

import (
	"fmt"
	"math/rand/v2"
	"strconv"
)

// LinearConfig sets the difficulty of generated linear equations in one
// unknown x with an integer solution.
type LinearConfig struct {
	// MaxForm picks the equation shapes: 1 = "ax+b=c", 2 adds "a(x+b)=c",
	// 3 adds "ax+b=cx+d". Default 2, range 1..3.
	MaxForm int
	// MaxCoef bounds the coefficients of x. Default 9, range 2..100.
	MaxCoef int
	// MaxConst bounds the absolute value of the constants added to x terms.
	// Default 20, range 1..1000.
	MaxConst int
	// MaxSolution bounds the absolute value of x. Default 50 (at 20 the
	// default shapes hold too few distinct problems for the train command's
	// 20000 + held-out), range 1..1000.
	MaxSolution int
	// Negative allows a negative solution and right-hand side. Default false.
	Negative bool
}

// DefaultLinearConfig returns the defaults documented on LinearConfig.
func DefaultLinearConfig() LinearConfig {
	return LinearConfig{MaxForm: 2, MaxCoef: 9, MaxConst: 20, MaxSolution: 50}
}

// Validate checks the ranges documented on LinearConfig.
func (c LinearConfig) Validate() error {
	switch {
	case c.MaxForm < 1 || c.MaxForm > 3:
		return fmt.Errorf("data: linear max form %d: want 1..3", c.MaxForm)
	case c.MaxCoef < 2 || c.MaxCoef > 100:
		return fmt.Errorf("data: linear max coefficient %d: want 2..100", c.MaxCoef)
	case c.MaxConst < 1 || c.MaxConst > 1000:
		return fmt.Errorf("data: linear max constant %d: want 1..1000", c.MaxConst)
	case c.MaxSolution < 1 || c.MaxSolution > 1000:
		return fmt.Errorf("data: linear max solution %d: want 1..1000", c.MaxSolution)
	}
	return nil
}

// xTerm writes a·x ("x", "3x").
func xTerm(a int64) string {
	if a == 1 {
		return "x"
	}
	return strconv.FormatInt(a, 10) + "x"
}

// signed writes "+b" or "-|b|".
func signed(b int64) string {
	if b < 0 {
		return strconv.FormatInt(b, 10)
	}
	return "+" + strconv.FormatInt(b, 10)
}

// Generate draws one equation with its solution steps. The config must be valid.
func (c LinearConfig) Generate(rng *rand.Rand) (Example, bool) {
	x := rng.Int64N(int64(c.MaxSolution) + 1)
	if c.Negative && rng.IntN(2) == 0 {
		x = -x
	}
	coef := func() int64 { return 1 + rng.Int64N(int64(c.MaxCoef)) }
	cons := func() int64 {
		b := 1 + rng.Int64N(int64(c.MaxConst))
		if rng.IntN(2) == 0 {
			return -b
		}
		return b
	}
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	var prompt, think string
	switch form := 1 + rng.IntN(c.MaxForm); form {
	case 1: // ax+b=c → ax=c-b → x=(c-b)/a
		a, b := coef(), cons()
		r := a*x + b
		if r < 0 && !c.Negative {
			return Example{}, false
		}
		prompt = xTerm(a) + signed(b) + "=" + n(r)
		think = xTerm(a) + "=" + n(r) + signed(-b) + "=" + n(a*x)
		if a != 1 {
			think += ", x=" + n(a*x) + "/" + n(a) + "=" + n(x)
		}
	case 2: // a(x+b)=c → x+b=c/a → x=c/a-b
		a, b := 1+coef(), cons()
		r := a * (x + b)
		if r < 0 && !c.Negative {
			return Example{}, false
		}
		prompt = n(a) + "(x" + signed(b) + ")=" + n(r)
		think = "x" + signed(b) + "=" + n(r) + "/" + n(a) + "=" + n(x+b) + ", x=" + n(x+b) + signed(-b) + "=" + n(x)
	default: // ax+b=cx+d with a>c → (a-c)x=d-b
		cc := coef()
		a := cc + coef()
		b := cons()
		d := (a-cc)*x + b
		if d == b || (d < 0 && !c.Negative) {
			return Example{}, false
		}
		prompt = xTerm(a) + signed(b) + "=" + xTerm(cc) + signed(d)
		think = xTerm(a) + "-" + xTerm(cc) + "=" + n(d) + signed(-b) + ", " + xTerm(a-cc) + "=" + n(d-b)
		if a-cc != 1 {
			think += ", x=" + n(d-b) + "/" + n(a-cc) + "=" + n(x)
		}
	}
	ans := n(x)
	return Example{
		Task:     "linear",
		Prompt:   "solve " + prompt,
		Answer:   ans,
		Solution: "<think>" + think + "</think><answer>" + ans + "</answer>",
	}, true
}
