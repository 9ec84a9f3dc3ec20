package selfimprove

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
)

// CorrectDemoConfig says how two-turn demonstrations are drawn for the warm
// start of SCoRe (docs/algorithms.md §5). They teach the second-turn format
// and nothing more: the second attempt is no better than the first, as with
// the paper's base models, so that any self-correction is learnt by RL.
// Every field is a flag with the prefix --correct-demos-.
type CorrectDemoConfig struct {
	// Rate is the expected number of demonstrations per example (0..1 draws
	// one for that fraction of the examples). Default 0.5: the format is
	// learnt from fewer, and each demonstration is twice as long as a solve.
	Rate float64 `json:"rate"`
	// FirstCorrectFrac is the share of correct first attempts; the rest are
	// wrong in the model's own format (a random play that misses the target
	// but claims success, or the gold expression with one number changed).
	// Default 0.5.
	FirstCorrectFrac float64 `json:"first_correct_frac"`
	// CopyFrac is the share of second attempts that repeat the first
	// verbatim (the "no edit" mode of base models; edit ratio 0).
	// Default 0.25.
	CopyFrac float64 `json:"copy_frac"`
	// SecondCorrectFrac is the share of correct attempts among the other
	// second attempts, drawn independently of the first: a fresh solve
	// (data.SolveCountdown) or a fresh wrong one. Equal to FirstCorrectFrac
	// (default 0.5), the demonstrations' second attempts are exactly as
	// often right as their first (Δ = 0 in expectation), fix as many as they
	// break, and break correct first attempts.
	SecondCorrectFrac float64 `json:"second_correct_frac"`
	// Seed drives the draws. Default 1.
	Seed uint64 `json:"seed"`
}

// DefaultCorrectDemoConfig returns the defaults documented on CorrectDemoConfig.
func DefaultCorrectDemoConfig() CorrectDemoConfig {
	return CorrectDemoConfig{Rate: 0.5, FirstCorrectFrac: 0.5, CopyFrac: 0.25, SecondCorrectFrac: 0.5, Seed: 1}
}

// Validate checks the ranges.
func (c CorrectDemoConfig) Validate() error {
	return checkFractions("correct-demos-",
		fraction{"rate", c.Rate}, fraction{"first-correct-frac", c.FirstCorrectFrac}, fraction{"copy-frac", c.CopyFrac}, fraction{"second-correct-frac", c.SecondCorrectFrac})
}

// CorrectionDemos returns two-turn demonstrations for the examples of the
// built-in countdown task, as plain SFT examples. The schema, for users who
// write their own (JSONL, task "correct", given with --sft-data):
//
//   - prompt: the rendered second-turn prompt, RenderCorrect(template,
//     problem, first attempt) — with the default template
//     "<problem>\nattempt: <first attempt>\nthere may be a mistake. answer again:";
//   - solution: the second attempt, in the task's answer format;
//   - answer: the problem's gold answer; task: "correct";
//   - meta (optional): solution_of (the problem's id), first_correct,
//     second_correct.
//
// The template must be the one RL renders (--score-template).
func CorrectionDemos(exs []data.Example, cfg CorrectDemoConfig, template string) ([]data.Example, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := CheckCorrectTemplate(template); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x73636f7265))
	scale := rewards.DefaultVerdictScale()
	var out []data.Example
	for _, ex := range exs {
		if rng.Float64() >= cfg.Rate {
			continue
		}
		if ex.Task != "countdown" {
			return nil, fmt.Errorf("selfimprove: example %s: correction demonstrations are built for the countdown task, not %q; give your own (task \"correct\", see selfimprove.CorrectionDemos) with --sft-data", ex.ID, ex.Task)
		}
		nums, err := data.MetaInts(ex, "numbers")
		if err != nil {
			return nil, fmt.Errorf("selfimprove: %w", err)
		}
		target, err := data.MetaInt(ex, "target")
		if err != nil {
			return nil, fmt.Errorf("selfimprove: %w", err)
		}
		first := countdownCandidate(ex, nums, target, DemoConfig{CorrectFrac: cfg.FirstCorrectFrac}, rng)
		second := first
		if rng.Float64() >= cfg.CopyFrac {
			if rng.Float64() < cfg.SecondCorrectFrac {
				second = freshCountdownSolve(ex, nums, target, rng)
			} else {
				second = countdownCandidate(ex, nums, target, DemoConfig{}, rng)
			}
		}
		_, v1 := CountdownCheck(first, nums, target, scale)
		_, v2 := CountdownCheck(second, nums, target, scale)
		out = append(out, data.Example{
			ID:       ex.ID + "/correct",
			Task:     "correct",
			Prompt:   RenderCorrect(template, ex.Prompt, first),
			Answer:   ex.Answer,
			Solution: second,
			Meta:     map[string]any{"solution_of": ex.ID, "first_correct": v1 == scale.Correct, "second_correct": v2 == scale.Correct},
		})
	}
	return out, nil
}

// freshCountdownSolve is a correct solution found by a randomised search,
// in the format of the built-in solutions, so that a correct second
// attempt is a new solve rather than always the gold text; the gold
// solution when the search finds none.
func freshCountdownSolve(ex data.Example, nums []int64, target int64, rng *rand.Rand) string {
	sol, ok := data.SolveCountdown(nums, target, false, rng)
	if !ok {
		return ex.Solution
	}
	return "<think>" + strings.Join(sol.Steps, ", ") + " yes.</think><answer>" + sol.Expr + "</answer>"
}
