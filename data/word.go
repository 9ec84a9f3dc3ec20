package data

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// WordConfig sets the difficulty of templated GSM8K-style word problems with
// whole-number answers.
type WordConfig struct {
	// MaxSteps picks the templates: 1 = one operation, 2 adds two-operation
	// problems. Default 2, range 1..2.
	MaxSteps int
	// MaxValue bounds the quantities in the text. Default 20, range 2..1000.
	MaxValue int
}

// DefaultWordConfig returns the defaults documented on WordConfig.
func DefaultWordConfig() WordConfig { return WordConfig{MaxSteps: 2, MaxValue: 20} }

// Validate checks the ranges documented on WordConfig.
func (c WordConfig) Validate() error {
	switch {
	case c.MaxSteps < 1 || c.MaxSteps > 2:
		return fmt.Errorf("data: word max steps %d: want 1..2", c.MaxSteps)
	case c.MaxValue < 2 || c.MaxValue > 1000:
		return fmt.Errorf("data: word max value %d: want 2..1000", c.MaxValue)
	}
	return nil
}

var (
	wordNames = []string{"Ann", "Bob", "Cal", "Dee", "Eve", "Max", "Sam", "Tom", "Zoe", "Liz"}
	wordItems = []string{"apple", "pen", "book", "card", "egg", "cup", "ball", "shell", "stamp", "coin"}
)

// wordTemplate fills one problem from quantities a, b, c (each in
// 1..MaxValue, with a >= b guaranteed) and returns the prompt, the steps and
// the answer; ok=false asks for new quantities.
type wordTemplate struct {
	steps int
	fill  func(n, m, it string, a, b, c int64) (prompt string, steps []string, ans int64, ok bool)
}

func wstep(a int64, op byte, b, r int64) string { return stepText(a, op, b, r) }

var wordTemplates = []wordTemplate{
	{1, func(n, m, it string, a, b, c int64) (string, []string, int64, bool) {
		return fmt.Sprintf("%s has %d %ss and buys %d more. How many %ss?", n, a, it, b, it),
			[]string{wstep(a, '+', b, a+b)}, a + b, true
	}},
	{1, func(n, m, it string, a, b, c int64) (string, []string, int64, bool) {
		return fmt.Sprintf("%s has %d %ss and gives away %d. How many are left?", n, a, it, b),
			[]string{wstep(a, '-', b, a-b)}, a - b, true
	}},
	{1, func(n, m, it string, a, b, c int64) (string, []string, int64, bool) {
		return fmt.Sprintf("%s buys %d bags of %d %ss. How many %ss?", n, a, b, it, it),
			[]string{wstep(a, '*', b, a*b)}, a * b, true
	}},
	{1, func(n, m, it string, a, b, c int64) (string, []string, int64, bool) {
		return fmt.Sprintf("%s shares %d %ss equally among %d kids. How many each?", n, a*b, it, b),
			[]string{strconv.FormatInt(a*b, 10) + "/" + strconv.FormatInt(b, 10) + "=" + strconv.FormatInt(a, 10)}, a, true
	}},
	{1, func(n, m, it string, a, b, c int64) (string, []string, int64, bool) {
		return fmt.Sprintf("A %s costs %d dollars. %s buys %d. How much does %s pay?", it, a, n, b, n),
			[]string{wstep(a, '*', b, a*b)}, a * b, true
	}},
	{2, func(n, m, it string, a, b, c int64) (string, []string, int64, bool) {
		if a+b < c {
			return "", nil, 0, false
		}
		return fmt.Sprintf("%s has %d %ss, buys %d more, then gives away %d. How many are left?", n, a, it, b, c),
			[]string{wstep(a, '+', b, a+b), wstep(a+b, '-', c, a+b-c)}, a + b - c, true
	}},
	{2, func(n, m, it string, a, b, c int64) (string, []string, int64, bool) {
		if a*b < c {
			return "", nil, 0, false
		}
		return fmt.Sprintf("%s buys %d bags of %d %ss and loses %d. How many are left?", n, a, b, it, c),
			[]string{wstep(a, '*', b, a*b), wstep(a*b, '-', c, a*b-c)}, a*b - c, true
	}},
	{2, func(n, m, it string, a, b, c int64) (string, []string, int64, bool) {
		return fmt.Sprintf("%s has %d %ss. %s has %d more than %s. How many in all?", n, a, it, m, b, n),
			[]string{wstep(a, '+', b, a+b), wstep(a, '+', a+b, 2*a+b)}, 2*a + b, true
	}},
	{2, func(n, m, it string, a, b, c int64) (string, []string, int64, bool) {
		return fmt.Sprintf("%s has %d %ss. %s has %d times as many. How many in all?", n, a, it, m, b),
			[]string{wstep(a, '*', b, a*b), wstep(a, '+', a*b, a+a*b)}, a + a*b, true
	}},
}

// Generate draws one word problem with its solution steps. The config must be valid.
func (c WordConfig) Generate(rng *rand.Rand) (Example, bool) {
	var pool []wordTemplate
	for _, t := range wordTemplates {
		if t.steps <= c.MaxSteps {
			pool = append(pool, t)
		}
	}
	t := pool[rng.IntN(len(pool))]
	ni := rng.IntN(len(wordNames))
	mi := (ni + 1 + rng.IntN(len(wordNames)-1)) % len(wordNames)
	it := wordItems[rng.IntN(len(wordItems))]
	v := func() int64 { return 1 + rng.Int64N(int64(c.MaxValue)) }
	a, b, cc := v(), v(), v()
	if a < b {
		a, b = b, a
	}
	prompt, steps, ans, ok := t.fill(wordNames[ni], wordNames[mi], it, a, b, cc)
	if !ok {
		return Example{}, false
	}
	as := strconv.FormatInt(ans, 10)
	return Example{
		Task:     "word",
		Prompt:   prompt,
		Answer:   as,
		Solution: "<think>" + strings.Join(steps, ", ") + "</think><answer>" + as + "</answer>",
	}, true
}
