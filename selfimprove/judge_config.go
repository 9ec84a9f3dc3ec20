package selfimprove

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// JudgeFormat is the score format a judge answers in.
type JudgeFormat string

// The judge formats.
const (
	// JudgeVerdict is the binary verdict of RISE's verification format
	// (docs/algorithms.md §4): a worked check ending with
	// <verdict>v</verdict>; v = the scale's Correct scores 1, Wrong or
	// NoAnswer 0. Warm starts built with verification demos already write it.
	JudgeVerdict JudgeFormat = "verdict"
	// JudgeRubric is the additive rubric of Self-Rewarding (Yuan et al.,
	// arXiv 2401.10020): the judgment ends with "Score: N" or "Score: N/M"
	// (M = RubricMax), scored N/M.
	JudgeRubric JudgeFormat = "rubric"
)

// DefaultRubricTemplate is the rubric judge's prompt: one point per
// criterion, after Self-Rewarding's additive rubric, cut to what a
// countdown or arithmetic answer can be judged on and short enough for a
// 256-token context. {max} is the number of points (JudgeConfig.RubricMax).
const DefaultRubricTemplate = "rate {problem}\nsolution: {solution}\none point each: an answer, each number used once, every step right, the target reached, no wasted steps. end with Score: N/{max}"

// Judge model sources (JudgeConfig.Source); any other value is a
// checkpoint folder.
const (
	JudgePolicy = "policy" // the policy being trained, as it is at each step
	JudgeFrozen = "frozen" // a snapshot of the starting policy, never updated
)

// JudgeConfig configures the judge reward (docs/algorithms.md §6): the
// model grades each completion through a judge prompt with a strict score
// format; J judgments of a completion are averaged, and a completion none
// of whose judgments parses gets no score (never 0).
type JudgeConfig struct {
	// Source is the judge model: "policy" (the current policy), "frozen" (a
	// snapshot of the starting policy) or a checkpoint folder (its own
	// tokenizer). Default policy. Flag --judge.
	Source string `json:"source"`
	// Samples is J, the judgments sampled per completion and averaged.
	// Default 4; must be 1 with Temperature 0 (greedy judgments are equal).
	Samples int `json:"samples"`
	// Format is verdict (RISE's binary verification format) or rubric
	// ("Score: N/M"). Default verdict.
	Format JudgeFormat `json:"format"`
	// Template is the judge prompt with {problem} and {solution} (and, for
	// the rubric, optionally {max}); "" is the format's default: the RISE
	// verification template (--rise-template) for verdict,
	// DefaultRubricTemplate for rubric.
	Template string `json:"template"`
	// RubricMax is the rubric's full score M. Default 5, range ≥ 1.
	RubricMax int `json:"rubric_max"`
	// Temperature samples the judgments (no top-k/top-p); 0 decodes greedily.
	// Default 1, range ≥ 0.
	Temperature float64 `json:"temperature"`
	// MaxNewTokens caps a judgment. Default 96; the judge prompt (problem,
	// completion) plus this cap must fit the judge's context, or that
	// completion gets no score.
	MaxNewTokens int `json:"max_new_tokens"`
}

// DefaultJudgeConfig returns the defaults documented on JudgeConfig.
func DefaultJudgeConfig() JudgeConfig {
	return JudgeConfig{Source: JudgePolicy, Samples: 4, Format: JudgeVerdict, RubricMax: 5, Temperature: 1, MaxNewTokens: 96}
}

// Validate checks the configuration and says how to fix it.
func (c JudgeConfig) Validate() error {
	switch {
	case strings.TrimSpace(c.Source) == "":
		return fmt.Errorf("judge = %q: want policy, frozen or a checkpoint folder", c.Source)
	case c.Samples < 1:
		return fmt.Errorf("judge-samples = %d: must be ≥ 1", c.Samples)
	case c.Format != JudgeVerdict && c.Format != JudgeRubric:
		return fmt.Errorf("judge-format = %q: choose verdict or rubric", c.Format)
	case c.RubricMax < 1:
		return fmt.Errorf("judge-rubric-max = %d: must be ≥ 1", c.RubricMax)
	case !(c.Temperature >= 0) || math.IsInf(c.Temperature, 0):
		return fmt.Errorf("judge-temperature = %g: must be ≥ 0 (0: greedy)", c.Temperature)
	case c.Temperature == 0 && c.Samples > 1:
		return fmt.Errorf("judge-samples = %d with judge-temperature 0: greedy judgments are all the same; use 1 sample or a temperature > 0", c.Samples)
	case c.MaxNewTokens < 1:
		return fmt.Errorf("judge-max-new-tokens = %d: must be ≥ 1", c.MaxNewTokens)
	}
	if c.Template != "" {
		if err := CheckTemplate(c.Template); err != nil {
			return fmt.Errorf("judge-template: %w", err)
		}
	}
	return nil
}

// template resolves the judge prompt: Template, or the format's default
// (verify is the RISE verification template), with {max} filled in.
func (c JudgeConfig) template(verify string) string {
	t := c.Template
	switch {
	case t != "":
	case c.Format == JudgeRubric:
		t = DefaultRubricTemplate
	default:
		t = verify
	}
	return strings.ReplaceAll(t, "{max}", strconv.Itoa(c.RubricMax))
}

// ParseRubricScore reads a rubric judgment. Like ParseVerdict it is strict,
// so that a score quoted from the judged text is never taken for the
// judge's own: "Score:" must occur exactly once, followed by N or N/M (M
// must equal max) and nothing but white space; N is a number in [0, max].
// It returns N/max.
func ParseRubricScore(judgment string, max int) (float64, bool) {
	const key = "Score:"
	if strings.Count(judgment, key) != 1 || max < 1 {
		return 0, false
	}
	rest := strings.TrimSpace(judgment[strings.Index(judgment, key)+len(key):])
	if num, den, ok := strings.Cut(rest, "/"); ok {
		if d, err := strconv.Atoi(strings.TrimSpace(den)); err != nil || d != max {
			return 0, false
		}
		rest = strings.TrimSpace(num)
	}
	n, err := strconv.ParseFloat(rest, 64)
	if err != nil || !(n >= 0 && n <= float64(max)) {
		return 0, false
	}
	return n / float64(max), true
}
