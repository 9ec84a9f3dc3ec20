package selfimprove

import (
	"fmt"
	"math"
)

// SCoReConfig configures two-turn self-correction training (SCoRe, Kumar et
// al., arXiv 2409.12917; docs/algorithms.md §5): every episode is a first
// attempt at the problem and a second attempt that sees the first and a
// fixed instruction, both sampled from the current policy and both trained.
// Stage I rewards the second attempt only and holds the first one near the
// reference model with a large KL, so the policy cannot score by improving
// the first attempt and copying it; Stage II rewards both, the second with
// a bonus for fixing the first. Every field is a flag with the prefix
// --score-.
//
// Objectives that train on verdicts rather than rewards (nft) see no
// shaping: they train each attempt on its own verdict, with Stage I's first
// attempts left to the KL. reinforce_pp whitens advantages over the whole
// batch, both turns together, so Stage I's zero-reward first attempts sit
// below the batch mean; a group estimator (grpo, rloo, or
// reinforce_pp with a group baseline) keeps them at advantage 0.
type SCoReConfig struct {
	// Stage fixes the stage: 1 (Stage I), 2 (Stage II), or 0 to follow
	// Schedule. Stage I needs the algorithm's β > 0 and so a reference
	// model: its first-attempt KL is what keeps turn 1 near the base.
	// Default 0.
	Stage int `json:"stage"`
	// Schedule is the number of Stage I steps before Stage II when Stage is
	// 0 (0: Stage II from the start). Default 100, a third of the default
	// 300 steps; not tuned (the paper trains Stage I first, then Stage II).
	Schedule int `json:"schedule"`
	// Alpha is the Stage II shaping coefficient α: the second attempt earns
	// r2 + α·(r2 − r1). The paper needs α > 1 so that fixing a wrong attempt
	// (1+α) outweighs keeping a right one (1) and breaking one costs −α;
	// 0 is allowed as the no-shaping ablation. Default 10 (the paper's
	// value, known second-hand).
	Alpha float64 `json:"alpha"`
	// Beta2 is Stage I's KL coefficient on first attempts; their rows get
	// KLWeight = Beta2/β, β the algorithm's --beta (β1, which the second
	// attempts keep). Default 0.1 (the paper's MATH value, second-hand;
	// with --turns 2 the CLI raises a preset β of 0 to 0.01, weight 10).
	Beta2 float64 `json:"beta2"`
	// Template is the second-turn prompt, with {problem} and {attempt} (the
	// first attempt's exact decoded text) once each. Default
	// DefaultCorrectTemplate.
	Template string `json:"template"`
	// MaxNewTokens caps a second attempt; 0 (default) takes the first
	// attempt's cap (--max-completion-length, or --eval-max-new-tokens in
	// evaluations). An example whose second-turn prompt plus this cap does
	// not fit the model's context is skipped and counted, never truncated.
	MaxNewTokens int `json:"max_new_tokens"`
}

// DefaultSCoReConfig returns the defaults documented on SCoReConfig.
func DefaultSCoReConfig() SCoReConfig {
	return SCoReConfig{Schedule: 100, Alpha: 10, Beta2: 0.1, Template: DefaultCorrectTemplate}
}

// Validate checks the configuration and says how to fix it.
func (c SCoReConfig) Validate() error {
	switch {
	case c.Stage < 0 || c.Stage > 2:
		return fmt.Errorf("score-stage = %d: choose 1 (Stage I), 2 (Stage II) or 0 (follow --score-schedule)", c.Stage)
	case c.Schedule < 0:
		return fmt.Errorf("score-schedule = %d: must be ≥ 0 Stage I steps", c.Schedule)
	case !(c.Alpha >= 0) || math.IsInf(c.Alpha, 0):
		return fmt.Errorf("score-alpha = %g: must be finite and ≥ 0 (the paper uses 10; > 1 makes fixing an attempt worth more than keeping a right one)", c.Alpha)
	case !(c.Beta2 >= 0) || math.IsInf(c.Beta2, 0):
		return fmt.Errorf("score-beta2 = %g: must be finite and ≥ 0 (0.1 in the paper)", c.Beta2)
	case c.MaxNewTokens < 0:
		return fmt.Errorf("score-max-new-tokens = %d: must be ≥ 1, or 0 for the first attempt's cap", c.MaxNewTokens)
	}
	return CheckCorrectTemplate(c.Template)
}

// UsesStageI reports whether any step runs Stage I.
func (c SCoReConfig) UsesStageI() bool { return c.Stage == 1 || (c.Stage == 0 && c.Schedule > 0) }

// StageAt returns the stage (1 or 2) of the 1-based training step.
func (c SCoReConfig) StageAt(step int) int {
	if c.Stage != 0 {
		return c.Stage
	}
	if step <= c.Schedule {
		return 1
	}
	return 2
}

// CheckBeta reports an error when Stage I is scheduled but the algorithm's
// β cannot carry its first-attempt KL: Stage I's weight Beta2/β multiplies
// β, so β = 0 (no reference model) would leave the first attempt free.
func (c SCoReConfig) CheckBeta(beta float64) error {
	if !c.UsesStageI() || beta > 0 {
		return nil
	}
	return fmt.Errorf("score Stage I (score-stage 1, or score-schedule = %d > 0) holds first attempts near the reference with a KL of weight score-beta2/beta, but beta = %g: set --beta > 0 (0.01 in the paper) so a reference model is loaded, or --score-stage 2 for Stage II only",
		c.Schedule, beta)
}
