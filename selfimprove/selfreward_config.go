package selfimprove

import (
	"errors"
	"fmt"

	"github.com/rltrain/rltrain/rl"
)

// SelfRewardConfig configures the iterative Self-Rewarding loop (W. Yuan et
// al., arXiv 2401.10020; length control from Meta-Rewarding, T. Wu et al.,
// arXiv 2407.19594; docs/algorithms.md §6.2): each iteration samples
// responses to new training prompts with the current model, has the same
// model judge them, and trains it by DPO on best-vs-worst pairs against
// itself as it was at the start of the iteration.
type SelfRewardConfig struct {
	// Iterations is the number of sample → judge → DPO rounds (M1 → M2 → …).
	// Default 3.
	Iterations int `json:"iterations"`
	// Prompts is the number of training prompts per iteration; each
	// iteration takes new ones. Default 256.
	Prompts int `json:"prompts"`
	// Samples is K, the responses sampled per prompt. Default 4.
	Samples int `json:"samples"`
	// Temperature samples the responses. Default 1.
	Temperature float32 `json:"temperature"`
	// MaxNewTokens caps a response. Default 128.
	MaxNewTokens int `json:"max_new_tokens"`
	// LengthMargin < 0 picks the best-judged response as chosen; ≥ 0 turns
	// on Meta-Rewarding's length control: the shortest response whose judge
	// score is within this margin of the best is chosen. Default −1 (off).
	LengthMargin float64 `json:"length_margin"`
	// MinGap skips a prompt whose chosen score does not exceed the rejected
	// one by more than this (0: only exact ties are skipped, as in
	// Self-Rewarding); a larger gap keeps only pairs the judge is sure of.
	// Default 0; range [0, 1).
	MinGap float64 `json:"min_gap"`
	// PrefProblems is the number of held-out problems sampled (once, by the
	// starting model) for the held-out preference pairs: one correct and
	// one incorrect response of the same problem. Default 200.
	PrefProblems int `json:"pref_problems"`
	// PrefSamples is the number of responses sampled per such problem to
	// find a correct and an incorrect one. Default 8.
	PrefSamples int `json:"pref_samples"`
	// MaxBatch bounds the rows decoded together. Default 256.
	MaxBatch int `json:"max_batch"`
	// Seed drives the choice of prompts and every sampled stream. Default 1.
	Seed uint64 `json:"seed"`
	// Judge is how the model judges its responses (flags --judge-*); its
	// Source is always the current policy.
	Judge JudgeConfig `json:"judge"`
	// DPO is the preference loss (flags --beta, --label-smoothing, --length-norm).
	DPO rl.DPOConfig `json:"dpo"`
	// Train is each iteration's DPO optimisation (flags --lr, --epochs, …).
	Train rl.DPOTrainConfig `json:"train"`
}

// DefaultSelfRewardConfig returns the defaults documented on SelfRewardConfig.
func DefaultSelfRewardConfig() SelfRewardConfig {
	tc := rl.DefaultDPOTrainConfig()
	tc.Epochs = 2
	return SelfRewardConfig{Iterations: 3, Prompts: 256, Samples: 4, Temperature: 1, MaxNewTokens: 128,
		LengthMargin: -1, PrefProblems: 200, PrefSamples: 8, MaxBatch: 256, Seed: 1,
		Judge: DefaultJudgeConfig(), DPO: rl.DefaultDPOConfig(), Train: tc}
}

// Validate checks the configuration and says how to fix it.
func (c SelfRewardConfig) Validate() error {
	var errs []error
	switch {
	case c.Iterations < 1:
		errs = append(errs, fmt.Errorf("iterations = %d: must be ≥ 1", c.Iterations))
	case c.Prompts < 1:
		errs = append(errs, fmt.Errorf("prompts = %d: must be ≥ 1", c.Prompts))
	case c.Samples < 2:
		errs = append(errs, fmt.Errorf("samples = %d: a pair needs ≥ 2 responses per prompt", c.Samples))
	case !(c.Temperature > 0):
		errs = append(errs, fmt.Errorf("temperature = %g: must be > 0", c.Temperature))
	case c.MaxNewTokens < 1 || c.MaxBatch < 1:
		errs = append(errs, fmt.Errorf("max-new-tokens = %d, max-batch = %d: must be ≥ 1", c.MaxNewTokens, c.MaxBatch))
	case !(c.MinGap >= 0 && c.MinGap < 1):
		errs = append(errs, fmt.Errorf("min-gap = %g: must be in [0, 1) (judge scores are in [0, 1])", c.MinGap))
	case c.PrefProblems < 0 || c.PrefSamples < 2:
		errs = append(errs, fmt.Errorf("pref-problems = %d, pref-samples = %d: need ≥ 0 problems and ≥ 2 samples", c.PrefProblems, c.PrefSamples))
	}
	if c.Judge.Source != JudgePolicy {
		errs = append(errs, fmt.Errorf("judge = %q: the self-rewarding loop judges with the current policy only", c.Judge.Source))
	}
	for _, err := range []error{c.Judge.Validate(), c.DPO.Validate(), c.Train.Validate()} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
