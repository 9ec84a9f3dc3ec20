package selfimprove

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
)

// DemoConfig says how verification demonstrations are drawn from a task's
// examples: which candidate solutions are shown, and how often the worked
// check slips so that the warm start verifies imperfectly and RL has room.
type DemoConfig struct {
	// Rate is the expected number of verification demos per example (0..1
	// draws one for that fraction of the examples). Default 1.
	Rate float64 `json:"rate"`
	// CorrectFrac is the share of candidates that are correct solutions.
	// Default 0.5: a verifier that sees mostly wrong solutions learns to
	// say "wrong" (docs/algorithms.md §4).
	CorrectFrac float64 `json:"correct_frac"`
	// NoAnswerFrac is the share of candidates without an answer. Default 0.05.
	NoAnswerFrac float64 `json:"no_answer_frac"`
	// SlipRate is the share of checks with an arithmetic slip in the last
	// step, whose verdict is then wrong. Default 0.2.
	SlipRate float64 `json:"slip_rate"`
	// Seed drives the draws. Default 1.
	Seed uint64 `json:"seed"`
}

// DefaultDemoConfig returns the defaults documented on DemoConfig.
func DefaultDemoConfig() DemoConfig {
	return DemoConfig{Rate: 1, CorrectFrac: 0.5, NoAnswerFrac: 0.05, SlipRate: 0.2, Seed: 1}
}

// fraction is a named setting that must lie in [0, 1].
type fraction struct {
	name string
	v    float64
}

// checkFractions returns "<prefix><name> = <v>: must be in [0, 1]" for the
// first of fs outside [0, 1] (NaN included), or nil.
func checkFractions(prefix string, fs ...fraction) error {
	for _, f := range fs {
		if !(f.v >= 0 && f.v <= 1) {
			return fmt.Errorf("%s%s = %g: must be in [0, 1]", prefix, f.name, f.v)
		}
	}
	return nil
}

// Validate checks the ranges.
func (c DemoConfig) Validate() error {
	if err := checkFractions("selfimprove: verification demos ",
		fraction{"rate", c.Rate}, fraction{"correct_frac", c.CorrectFrac}, fraction{"no_answer_frac", c.NoAnswerFrac}, fraction{"slip_rate", c.SlipRate}); err != nil {
		return err
	}
	if c.CorrectFrac+c.NoAnswerFrac > 1 {
		return fmt.Errorf("selfimprove: verification demos correct_frac + no_answer_frac = %g: must be ≤ 1", c.CorrectFrac+c.NoAnswerFrac)
	}
	return nil
}

// VerifyDemos returns verification demonstrations for the examples of a
// built-in task that has a worked check (countdown): each is an example
// whose Prompt is the verification prompt of a candidate solution, whose
// Solution is a worked check ending with the verdict, and whose Answer is
// the candidate's true outcome score. Users of other tasks write the same
// JSONL (task "verify") themselves.
func VerifyDemos(exs []data.Example, cfg DemoConfig, template string, scale rewards.VerdictScale) ([]data.Example, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := CheckTemplate(template); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x76657269667921))
	var out []data.Example
	for _, ex := range exs {
		if rng.Float64() >= cfg.Rate {
			continue
		}
		if ex.Task != "countdown" {
			return nil, fmt.Errorf("selfimprove: example %s: verification demonstrations are built for the countdown task, not %q; give your own (task \"verify\", see README) with --sft-data", ex.ID, ex.Task)
		}
		d, err := countdownVerifyDemo(ex, cfg, rng, scale)
		if err != nil {
			return nil, fmt.Errorf("selfimprove: example %s: %w", ex.ID, err)
		}
		d.Prompt = RenderVerify(template, ex.Prompt, d.Prompt)
		out = append(out, d)
	}
	return out, nil
}

// countdownVerifyDemo draws a candidate for a countdown example and writes
// its check. The returned example's Prompt is the bare candidate text (the
// caller renders the template).
func countdownVerifyDemo(ex data.Example, cfg DemoConfig, rng *rand.Rand, scale rewards.VerdictScale) (data.Example, error) {
	nums, err := data.MetaInts(ex, "numbers")
	if err != nil {
		return data.Example{}, err
	}
	target, err := data.MetaInt(ex, "target")
	if err != nil {
		return data.Example{}, err
	}
	cand := countdownCandidate(ex, nums, target, cfg, rng)
	check, verdict := CountdownCheck(cand, nums, target, scale)
	truth := verdict
	if rng.Float64() < cfg.SlipRate {
		check, verdict = slipCountdownCheck(cand, nums, target, scale, check, verdict)
	}
	return data.Example{
		ID:       ex.ID + "/verify",
		Task:     "verify",
		Prompt:   cand,
		Answer:   rewards.FormatVerdict(truth),
		Solution: "<think>" + check + "</think>" + rewards.VerdictText(verdict),
		Meta:     map[string]any{"solution_of": ex.ID, "slip": verdict != truth},
	}, nil
}

// countdownCandidate draws a candidate solution in the model's own format:
// the gold solution, a wrong play whose last step claims the target (as a
// small model's wrong solutions do), the gold solution with one number
// changed, or a solution cut before its answer.
func countdownCandidate(ex data.Example, nums []int64, target int64, cfg DemoConfig, rng *rand.Rand) string {
	u := rng.Float64()
	switch {
	case u < cfg.CorrectFrac:
		return ex.Solution
	case u < cfg.CorrectFrac+cfg.NoAnswerFrac:
		if i := strings.Index(ex.Solution, "<answer>"); i >= 0 {
			return ex.Solution[:i]
		}
		return ex.Solution
	}
	if rng.IntN(3) > 0 {
		for range 20 {
			if expr, steps, ok := data.CountdownAttempt(nums, target, false, rng); ok {
				// A wrong solution of a small model claims the target in its
				// last step ("2*3=7 yes."): its worked steps cannot be
				// trusted, so a check that copies them instead of
				// recomputing from the answer is wrong on these demos.
				last := steps[len(steps)-1]
				steps[len(steps)-1] = last[:strings.LastIndex(last, "=")+1] + strconv.FormatInt(target, 10)
				return "<think>" + strings.Join(steps, ", ") + " yes.</think><answer>" + expr + "</answer>"
			}
		}
	}
	// Change one number of the gold expression to another small number.
	_, gold, _ := strings.Cut(ex.Solution, "<answer>")
	gold, _, _ = strings.Cut(gold, "</answer>")
	n := nums[rng.IntN(len(nums))]
	s := strconv.FormatInt(n, 10)
	repl := strconv.FormatInt(max(1, n+int64(rng.IntN(5))-2+boolInt(n <= 2)), 10)
	if repl == s {
		repl = strconv.FormatInt(n+1, 10)
	}
	bad := replaceNumber(gold, s, repl)
	return strings.Replace(ex.Solution, "<answer>"+gold+"</answer>", "<answer>"+bad+"</answer>", 1)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// replaceNumber replaces the first whole-number occurrence of old in expr.
func replaceNumber(expr, old, repl string) string {
	for i := 0; i+len(old) <= len(expr); i++ {
		if expr[i:i+len(old)] != old {
			continue
		}
		before := i == 0 || !isDigit(expr[i-1])
		after := i+len(old) == len(expr) || !isDigit(expr[i+len(old)])
		if before && after {
			return expr[:i] + repl + expr[i+len(old):]
		}
	}
	return expr
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// CountdownCheck writes the faithful check of a countdown candidate and its
// verdict. The check recomputes from the final answer itself, in steps a
// small model can copy: the answer, the numbers it uses against the given
// ones (sorted), each operation in evaluation order, and the value against
// the target. It never trusts the candidate's own worked steps.
//
//	answer (3+5)*2. uses 2 3 5, given 2 3 5 ok. 3+5=8, 8*2=16. 16 target 16 yes.
func CountdownCheck(candidate string, nums []int64, target int64, scale rewards.VerdictScale) (check string, verdict float64) {
	ans, _, ok := rewards.ExtractAnswer(candidate, rewards.DefaultExtractConfig())
	if !ok {
		return "no answer.", scale.NoAnswer
	}
	ans = strings.TrimSpace(ans)
	steps, v, used, err := rewards.CountdownSteps(ans)
	if err != nil {
		return "answer " + ans + " cannot be read.", scale.Wrong
	}
	var b strings.Builder
	fmt.Fprintf(&b, "answer %s. uses %s, given %s", ans, sortedNums(used), sortedNums(nums))
	if sortedNums(used) != sortedNums(nums) {
		b.WriteString(" no.")
		return b.String(), scale.Wrong
	}
	b.WriteString(" ok.")
	if len(steps) > 0 {
		b.WriteString(" " + strings.Join(steps, ", ") + ".")
	}
	val := v.RatString()
	t := strconv.FormatInt(target, 10)
	if val == t {
		fmt.Fprintf(&b, " %s target %s yes.", val, t)
		return b.String(), scale.Correct
	}
	fmt.Fprintf(&b, " %s target %s no.", val, t)
	return b.String(), scale.Wrong
}

// slipCountdownCheck turns an honest check into one with a slip in its last
// step, so that the verdict flips between correct and wrong. Checks that
// cannot slip that way (no answer, unreadable, a single number) stay honest.
func slipCountdownCheck(cand string, nums []int64, target int64, scale rewards.VerdictScale, check string, verdict float64) (string, float64) {
	t := strconv.FormatInt(target, 10)
	switch verdict {
	case scale.Correct:
		// "…, 8*2=16. 16 target 16 yes." → "…, 8*2=17. 17 target 16 no."
		i := strings.LastIndex(check, "=")
		if i < 0 {
			return check, verdict
		}
		wrong := strconv.FormatInt(target+1, 10)
		head := check[:i+1]
		return head + wrong + ". " + wrong + " target " + t + " no.", scale.Wrong
	case scale.Wrong:
		if strings.HasSuffix(check, " no.") && strings.Contains(check, " target ") {
			// "…, 3*4=12. 12 target 16 no." → "…, 3*4=16. 16 target 16 yes."
			i := strings.LastIndex(check, "=")
			if i < 0 {
				return check, verdict
			}
			return check[:i+1] + t + ". " + t + " target " + t + " yes.", scale.Correct
		}
		// A wrong number set misread as right: "uses 2 3 6, given 2 3 5 ok.",
		// then the steps, and the value read as the target.
		ans, _, _ := rewards.ExtractAnswer(cand, rewards.DefaultExtractConfig())
		ans = strings.TrimSpace(ans)
		steps, _, used, err := rewards.CountdownSteps(ans)
		if err != nil || len(steps) == 0 {
			return check, verdict
		}
		last := steps[len(steps)-1]
		steps[len(steps)-1] = last[:strings.LastIndex(last, "=")+1] + t
		return fmt.Sprintf("answer %s. uses %s, given %s ok. %s. %s target %s yes.", ans, sortedNums(used), sortedNums(nums), strings.Join(steps, ", "), t, t), scale.Correct
	}
	return check, verdict
}

func sortedNums(ns []int64) string {
	s := slices.Clone(ns)
	slices.Sort(s)
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = strconv.FormatInt(n, 10)
	}
	return strings.Join(parts, " ")
}
