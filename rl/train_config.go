package rl

import (
	"errors"
	"fmt"
	"time"
)

// TrainConfig is the part of an RL run that is not the algorithm: batch
// sizes, optimiser, sampling and bookkeeping. Every field is a CLI flag.
type TrainConfig struct {
	// Steps is the number of rollout batches (each followed by
	// NumIterations optimiser steps). Default 300.
	Steps int `json:"steps"`
	// PromptsPerStep P is the number of prompts per rollout batch; the
	// batch has P·G completions. Default 16.
	PromptsPerStep int `json:"prompts_per_step"`
	// MicroBatch is the number of sequences per forward/backward pass; the
	// gradients of all micro-batches are summed before the optimiser step.
	// Default 64.
	MicroBatch int `json:"micro_batch"`
	// LR is the peak learning rate of AdamW. Default 1e-4 (for the ~1M
	// parameter built-in model, 5e-4 collapsed and 2e-4 learned little).
	LR float64 `json:"lr"`
	// WarmupSteps ramps the LR linearly from 0 over this many optimiser
	// steps. Default 3.
	WarmupSteps int `json:"warmup_steps"`
	// MinLRRatio is where the cosine decay ends, as a fraction of LR; 1
	// keeps the LR constant after warm-up. Default 1.
	MinLRRatio float64 `json:"min_lr_ratio"`
	// WeightDecay is AdamW's decoupled decay on weight matrices. Default 0.
	WeightDecay float64 `json:"weight_decay"`
	// MaxGradNorm clips the global gradient norm; 0 only measures it.
	// Default 1.
	MaxGradNorm float64 `json:"max_grad_norm"`
	// Temperature is the sampling temperature of rollouts; log-probs are
	// taken at the same temperature. Default 1.
	Temperature float32 `json:"temperature"`
	// TopK restricts sampling to the K most likely tokens; 0 disables. Default 0.
	TopK int `json:"top_k"`
	// TopP restricts sampling to the smallest nucleus of mass P; 0 or 1
	// disables. Default 0.
	TopP float32 `json:"top_p"`
	// IgnoreEOS keeps sampling past the end-of-text token, so every
	// completion runs to the algorithm's MaxCompletionLen (vLLM's
	// ignore_eos). For throughput benchmarks and length studies, not for
	// training a model to stop. Default false.
	IgnoreEOS bool `json:"ignore_eos"`
	// BalanceBatch, under several ranks, re-deals the step's rows after the
	// advantages so every rank trains on about the same number of tokens
	// (rl/balance.go; verl's balance_batch); the sums then differ from one
	// process's only in order. Not for PPO or a KL in the reward, whose
	// advantages need per-rank scoring first. Default true.
	BalanceBatch bool `json:"balance_batch"`
	// MaxBatch bounds the sequences decoded together (KV-cache slots).
	// Default 256.
	MaxBatch int `json:"max_batch"`
	// RewardTimeout bounds each reward call; a timeout is "no score".
	// Default 2s.
	RewardTimeout time.Duration `json:"reward_timeout"`
	// CorrectThreshold: a completion counts as correct (the accuracy metric,
	// dynamic sampling, NFT's verdict) when its first reward component scores
	// at least this (Turn.Correct; docs/algorithms.md §0.1). Default 0.5,
	// right for 0/1 and ±1 accuracy rewards. The nft preset's old
	// --correct-threshold flag is an alias.
	CorrectThreshold float64 `json:"accuracy_threshold"`
	// MaxNonFinite is how many updates in a row may be skipped for a
	// non-finite loss or gradient (each named in the step's warning with its
	// batch's sample ids); one more stops the run with an error, before any
	// checkpoint is written. 0 stops at the first. Default 3.
	MaxNonFinite int `json:"max_non_finite"`
	// LogSamples is how many episodes per step go to samples.jsonl, every
	// turn of each (a two-turn episode writes its first and second
	// attempts). Default 4.
	LogSamples int `json:"log_samples"`
	// Seed drives data order, sampling and initialisation. Default 1.
	Seed uint64 `json:"seed"`
}

// DefaultTrainConfig returns the defaults documented on TrainConfig.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{
		Steps: 300, PromptsPerStep: 16, MicroBatch: 64, LR: 1e-4, WarmupSteps: 3, MinLRRatio: 1,
		MaxGradNorm: 1, Temperature: 1, MaxBatch: 256, BalanceBatch: true, RewardTimeout: 2 * time.Second,
		CorrectThreshold: 0.5, MaxNonFinite: 3, LogSamples: 4, Seed: 1,
	}
}

// Validate checks the configuration and says how to fix it.
func (c TrainConfig) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.Steps < 0 {
		add("steps = %d: must be ≥ 0", c.Steps)
	}
	if c.PromptsPerStep < 1 {
		add("prompts-per-step = %d: must be ≥ 1", c.PromptsPerStep)
	}
	if c.MicroBatch < 1 {
		add("micro-batch = %d: must be ≥ 1 sequence", c.MicroBatch)
	}
	if !(c.LR > 0) {
		add("lr = %g: must be > 0", c.LR)
	}
	if c.WarmupSteps < 0 {
		add("warmup-steps = %d: must be ≥ 0", c.WarmupSteps)
	}
	if !(c.MinLRRatio >= 0 && c.MinLRRatio <= 1) {
		add("min-lr-ratio = %g: must be in [0, 1] (1 keeps the LR constant)", c.MinLRRatio)
	}
	if !(c.WeightDecay >= 0) {
		add("weight-decay = %g: must be ≥ 0", c.WeightDecay)
	}
	if !(c.MaxGradNorm >= 0) {
		add("max-grad-norm = %g: must be ≥ 0 (0 disables clipping)", c.MaxGradNorm)
	}
	if !(c.Temperature > 0) {
		add("temperature = %g: must be > 0 (RL needs sampling; greedy is for evaluation)", c.Temperature)
	}
	if c.TopK < 0 || c.TopP < 0 || c.TopP > 1 {
		add("top-k = %d, top-p = %g: need top-k ≥ 0 and top-p in [0, 1]", c.TopK, c.TopP)
	}
	if c.MaxBatch < 1 {
		add("max-batch = %d: must be ≥ 1", c.MaxBatch)
	}
	if c.MaxNonFinite < 0 || c.LogSamples < 0 {
		add("max-non-finite = %d, log-samples = %d: must be ≥ 0", c.MaxNonFinite, c.LogSamples)
	}
	return errors.Join(errs...)
}
