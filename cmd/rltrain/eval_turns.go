package main

// `rltrain eval --turns 2`: self-correction of any checkpoint — a second
// attempt of every sampled first attempt (SCoRe's format, docs/algorithms.md
// §5) and the correction metrics beside pass@1.

import (
	"context"
	"fmt"
	"io"
	"maps"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
)

// evalCorrect, with --turns 2, measures self-correction with
// --score-template from the streams a training run's evaluation after
// --step steps uses, adds the metrics (acc_t1, acc_t2, delta_t1_t2, …) to
// res.Extra and returns the two-turn episodes; with --turns 1 it does
// nothing and returns nil.
func evalCorrect(ctx context.Context, cfg evalConfig, pol *rl.Policy, exs []data.Example, reward *rewards.Weighted, res *rl.EvalResult, stdout io.Writer) (*rl.Batch, error) {
	if cfg.Turns != 2 {
		return nil, nil
	}
	m, b, err := selfimprove.EvalSCoReEpisodes(ctx, pol, cfg.Score, exs, reward, cfg.Eval, rl.Streams{Seed: cfg.Seed, Step: cfg.Step})
	if err != nil {
		return nil, fmt.Errorf("--turns 2: %w", err)
	}
	printCorrect(stdout, m)
	if res.Extra == nil {
		res.Extra = map[string]float64{}
	}
	maps.Copy(res.Extra, m)
	return b, nil
}

// checkTurns validates --turns and the second-turn format.
func checkTurns(cfg evalConfig) error {
	switch cfg.Turns {
	case 1:
		return nil
	case 2:
		if err := cfg.Score.Validate(); err != nil {
			return fmt.Errorf("--turns 2: %w", err)
		}
		return nil
	}
	return fmt.Errorf("--turns %d: choose 1 (first attempts only) or 2 (also a second attempt that sees the first: self-correction metrics)", cfg.Turns)
}
