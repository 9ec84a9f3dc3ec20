package data

// Countdown (TinyZero, Jiayi-Pan/TinyZero, "Countdown-Tasks-3to4"): given a
// few numbers and a target, write an expression with + - * / that uses every
// given number exactly once and equals the target.
//
// The generator draws the numbers, enumerates every value an expression over
// all of them can take, picks the target uniformly among the distinct
// reachable integers in range (so every example is solvable and easy targets
// are not over-represented), and asks the exact solver for a solution:
//
//	reach(items):                       // items: multiset of rationals
//	    if |items| == 1: emit items[0]
//	    for each pair i<j, each op in {a+b, a*b, a-b, b-a, a/b, b/a}:
//	        reach(items - {a,b} + {a op b})
//
// With Fractions off (the default) only moves that keep every intermediate a
// non-negative integer are explored, which is how a person plays and makes
// the demonstrations easy to imitate.

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
)

// CountdownConfig sets the difficulty of generated countdown problems.
type CountdownConfig struct {
	// MinNumbers and MaxNumbers bound how many numbers a problem gives
	// (uniform). Default 3 and 4, range 2..5.
	MinNumbers, MaxNumbers int
	// MinValue and MaxValue bound each given number. Default 1 and 20,
	// range 1..1000.
	MinValue, MaxValue int
	// MinTarget and MaxTarget bound the target. Default 1 and 100.
	MinTarget, MaxTarget int
	// Fractions lets intermediate results be negative or fractional. Default
	// false: every intermediate is a non-negative integer.
	Fractions bool
	// MaxFailedTries is the largest number of wrong attempts the worked
	// solution shows before the right one (uniform in 0..MaxFailedTries).
	// Default 1, range 0..3.
	MaxFailedTries int
}

// DefaultCountdownConfig returns the defaults documented on CountdownConfig.
func DefaultCountdownConfig() CountdownConfig {
	return CountdownConfig{MinNumbers: 3, MaxNumbers: 4, MinValue: 1, MaxValue: 20,
		MinTarget: 1, MaxTarget: 100, MaxFailedTries: 1}
}

// Validate checks the ranges documented on CountdownConfig.
func (c CountdownConfig) Validate() error {
	switch {
	case c.MinNumbers < 2 || c.MaxNumbers > 5 || c.MinNumbers > c.MaxNumbers:
		return fmt.Errorf("data: countdown numbers %d..%d: want 2 <= min <= max <= 5", c.MinNumbers, c.MaxNumbers)
	case c.MinValue < 1 || c.MaxValue > 1000 || c.MinValue > c.MaxValue:
		return fmt.Errorf("data: countdown values %d..%d: want 1 <= min <= max <= 1000", c.MinValue, c.MaxValue)
	case c.MinTarget > c.MaxTarget:
		return fmt.Errorf("data: countdown targets %d..%d: want min <= max", c.MinTarget, c.MaxTarget)
	case c.MaxFailedTries < 0 || c.MaxFailedTries > 3:
		return fmt.Errorf("data: countdown failed tries %d: want 0..3", c.MaxFailedTries)
	}
	return nil
}

// cdItem is a working number of the search with the expression that made it.
type cdItem struct {
	v    rat
	expr string
	prec int // 3 for a leaf or parenthesised term, 2 for * /, 1 for + -
}

// cdMove is one step of the search: combine items i and j with op.
type cdMove struct {
	i, j int // j may be < i for the swapped - and /
	op   byte
}

// moves lists the legal moves on items in a fixed order.
func cdMoves(items []cdItem, fractions bool) []cdMove {
	var ms []cdMove
	for i := 0; i < len(items); i++ {
		for j := i + 1; j < len(items); j++ {
			ms = append(ms, cdMove{i, j, '+'}, cdMove{i, j, '*'}, cdMove{i, j, '-'}, cdMove{j, i, '-'}, cdMove{i, j, '/'}, cdMove{j, i, '/'})
		}
	}
	if fractions {
		return ms
	}
	out := ms[:0]
	for _, m := range ms {
		a, b := items[m.i].v, items[m.j].v
		switch m.op {
		case '-':
			if a.n < b.n {
				continue
			}
		case '/':
			if b.n == 0 || a.n%b.n != 0 {
				continue
			}
		}
		out = append(out, m)
	}
	return out
}

// apply performs m and returns the new item list and the step text
// ("3+5=8"), or ok=false on division by zero or overflow.
func (m cdMove) apply(items []cdItem) (next []cdItem, step string, ok bool) {
	a, b := items[m.i], items[m.j]
	var r rat
	switch m.op {
	case '+':
		r, ok = a.v.add(b.v)
	case '-':
		r, ok = a.v.sub(b.v)
	case '*':
		r, ok = a.v.mul(b.v)
	case '/':
		r, ok = a.v.div(b.v)
	}
	if !ok {
		return nil, "", false
	}
	prec := 1
	if m.op == '*' || m.op == '/' {
		prec = 2
	}
	le, re := a.expr, b.expr
	if a.prec < prec {
		le = "(" + le + ")"
	}
	// a-(b+c) and a/(b*c) need the parentheses; a+(b-c) and a*(b/c) do not.
	if b.prec < prec || (b.prec == prec && (m.op == '-' || m.op == '/')) {
		re = "(" + re + ")"
	}
	next = make([]cdItem, 0, len(items)-1)
	for k, it := range items {
		if k != m.i && k != m.j {
			next = append(next, it)
		}
	}
	next = append(next, cdItem{v: r, expr: le + string(m.op) + re, prec: prec})
	step = ratText(a.v) + string(m.op) + ratText(b.v) + "=" + ratText(r)
	return next, step, true
}

// ratText writes a value as a step operand: negatives and fractions in parentheses.
func ratText(r rat) string {
	if r.d == 1 && r.n >= 0 {
		return strconv.FormatInt(r.n, 10)
	}
	return "(" + r.String() + ")"
}

func cdLeaves(nums []int64) []cdItem {
	items := make([]cdItem, len(nums))
	for i, n := range nums {
		items[i] = cdItem{v: ratInt(n), expr: strconv.FormatInt(n, 10), prec: 3}
	}
	return items
}

// countdownReach calls emit with the value of every expression that uses
// all items once (with repeats). It works on values only, in fixed-size
// arrays, so the enumeration does not allocate.
func countdownReach(items []cdItem, fractions bool, emit func(rat)) {
	var vals [maxCountdownNumbers]rat
	for i, it := range items {
		vals[i] = it.v
	}
	reachVals(vals, len(items), fractions, emit)
}

// maxCountdownNumbers is the largest number count CountdownConfig allows.
const maxCountdownNumbers = 5

func reachVals(v [maxCountdownNumbers]rat, n int, fractions bool, emit func(rat)) {
	if n == 1 {
		emit(v[0])
		return
	}
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			a, b := v[i], v[j]
			// next: the other values, then the result in slot n-2.
			next := v
			k := 0
			for m := 0; m < n; m++ {
				if m != i && m != j {
					next[k] = v[m]
					k++
				}
			}
			try := func(r rat, ok bool) {
				if ok && (fractions || (r.d == 1 && r.n >= 0)) {
					next[n-2] = r
					reachVals(next, n-1, fractions, emit)
				}
			}
			try(a.add(b))
			try(a.mul(b))
			try(a.sub(b))
			try(b.sub(a))
			if fractions || (b.n != 0 && a.n%b.n == 0) {
				try(a.div(b))
			}
			if fractions || (a.n != 0 && b.n%a.n == 0) {
				try(b.div(a))
			}
		}
	}
}

// CountdownSolution is a solution found by SolveCountdown.
type CountdownSolution struct {
	Expr  string   // the expression, minimal parentheses, e.g. "(3+5)*2"
	Steps []string // the moves in order, e.g. ["3+5=8", "8*2=16"]
}

// SolveCountdown searches exactly, over rationals, for an expression that
// uses every number once and equals target. With fractions false only
// non-negative integer intermediates are allowed. rng, when not nil, shuffles
// the search order so that different solutions come up; nil searches in a
// fixed order. It reports false when no solution exists.
func SolveCountdown(nums []int64, target int64, fractions bool, rng *rand.Rand) (CountdownSolution, bool) {
	var steps []string
	var found string
	var dfs func(items []cdItem) bool
	dfs = func(items []cdItem) bool {
		if len(items) == 1 {
			if items[0].v == ratInt(target) {
				found = items[0].expr
				return true
			}
			return false
		}
		ms := cdMoves(items, fractions)
		if rng != nil {
			rng.Shuffle(len(ms), func(i, j int) { ms[i], ms[j] = ms[j], ms[i] })
		}
		for _, m := range ms {
			next, step, ok := m.apply(items)
			if !ok {
				continue
			}
			steps = append(steps, step)
			if dfs(next) {
				return true
			}
			steps = steps[:len(steps)-1]
		}
		return false
	}
	if len(nums) == 0 || !dfs(cdLeaves(nums)) {
		return CountdownSolution{}, false
	}
	return CountdownSolution{Expr: found, Steps: steps}, true
}

// countdownTry plays random legal moves to the end and returns the steps if
// the result misses target (a wrong attempt for the demonstration).
func countdownTry(nums []int64, target int64, fractions bool, rng *rand.Rand) ([]string, bool) {
	items := cdLeaves(nums)
	var steps []string
	for len(items) > 1 {
		ms := cdMoves(items, fractions)
		if len(ms) == 0 {
			return nil, false
		}
		next, step, ok := ms[rng.IntN(len(ms))].apply(items)
		if !ok {
			return nil, false
		}
		items, steps = next, append(steps, step)
	}
	return steps, items[0].v != ratInt(target)
}

// CountdownPrompt formats a problem: "countdown 3 5 2 target 16".
func CountdownPrompt(nums []int64, target int64) string {
	var b strings.Builder
	b.WriteString("countdown")
	for _, n := range nums {
		b.WriteByte(' ')
		b.WriteString(strconv.FormatInt(n, 10))
	}
	b.WriteString(" target ")
	b.WriteString(strconv.FormatInt(target, 10))
	return b.String()
}

// Generate draws one solvable countdown problem with a worked solution. The
// config must be valid. It returns false when the drawn numbers reach no
// target in range (the caller draws again).
func (c CountdownConfig) Generate(rng *rand.Rand) (Example, bool) {
	k := c.MinNumbers + rng.IntN(c.MaxNumbers-c.MinNumbers+1)
	nums := make([]int64, k)
	for i := range nums {
		nums[i] = int64(c.MinValue + rng.IntN(c.MaxValue-c.MinValue+1))
	}
	reach := map[int64]bool{}
	countdownReach(cdLeaves(nums), c.Fractions, func(v rat) {
		if v.isInt() && v.n >= int64(c.MinTarget) && v.n <= int64(c.MaxTarget) {
			reach[v.n] = true
		}
	})
	if len(reach) == 0 {
		return Example{}, false
	}
	targets := make([]int64, 0, len(reach))
	for t := range reach {
		targets = append(targets, t)
	}
	slices.Sort(targets)
	target := targets[rng.IntN(len(targets))]
	sol, ok := SolveCountdown(nums, target, c.Fractions, rng)
	if !ok {
		panic("data: countdown solver missed a reachable target")
	}
	var think []string
	for range rng.IntN(c.MaxFailedTries + 1) {
		if steps, ok := countdownTry(nums, target, c.Fractions, rng); ok {
			think = append(think, strings.Join(steps, ", ")+" no.")
		}
	}
	think = append(think, strings.Join(sol.Steps, ", ")+" yes.")
	prompt := CountdownPrompt(nums, target)
	tstr := strconv.FormatInt(target, 10)
	return Example{
		Task:     "countdown",
		Prompt:   prompt,
		Answer:   tstr,
		Solution: "<think>" + strings.Join(think, " ") + "</think><answer>" + sol.Expr + "</answer>",
		Meta:     map[string]any{"numbers": nums, "target": target},
	}, true
}

// CountdownAttempt plays random legal moves to the end, as a solver that
// guesses would, and returns the expression and steps of a play that misses
// target: a plausible wrong solution (verification demonstrations need
// wrong candidates that look like the model's own). It reports false when
// the play hit target or got stuck; the caller draws again.
func CountdownAttempt(nums []int64, target int64, fractions bool, rng *rand.Rand) (expr string, steps []string, ok bool) {
	items := cdLeaves(nums)
	for len(items) > 1 {
		ms := cdMoves(items, fractions)
		if len(ms) == 0 {
			return "", nil, false
		}
		next, step, ok := ms[rng.IntN(len(ms))].apply(items)
		if !ok {
			return "", nil, false
		}
		items, steps = next, append(steps, step)
	}
	return items[0].expr, steps, items[0].v != ratInt(target)
}
