package rl

// The DPO update loop: the frozen reference scores every pair once, then
// AdamW steps over shuffled mini-batches of pairs. docs/algorithms.md §6.1.

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/rltrain/rltrain/nn"
)

// DPOPair is one preference pair in tokens: two completions of one prompt,
// each ending with the end-of-sequence token when the model stopped.
type DPOPair struct {
	Prompt, Chosen, Rejected []int32
}

// DPOTrainConfig is the optimisation of a DPO run.
type DPOTrainConfig struct {
	// LR is the peak AdamW learning rate. Default 1e-4 (for the built-in
	// 0.84M-parameter model; DPO on billion-parameter models uses ~5e-7).
	LR float64 `json:"lr"`
	// Epochs passes over the pairs. Default 1.
	Epochs int `json:"epochs"`
	// Steps, when > 0, runs exactly this many optimiser steps instead
	// (reshuffling after each pass). Default 0.
	Steps int `json:"steps"`
	// BatchPairs is the number of pairs per optimiser step; their 2·B
	// completions are scored together in one packed batch. Default 16.
	BatchPairs int `json:"batch_pairs"`
	// Warmup ramps the learning rate linearly over this many steps, then it
	// stays constant. Default 0.
	Warmup int `json:"warmup"`
	// WeightDecay is AdamW's decoupled decay on matrices. Default 0.
	WeightDecay float64 `json:"weight_decay"`
	// MaxGradNorm clips the global gradient norm (0: off). Default 1.
	MaxGradNorm float64 `json:"max_grad_norm"`
	// Seed drives the order of the pairs. Default 1.
	Seed uint64 `json:"seed"`
}

// DefaultDPOTrainConfig returns the defaults documented on DPOTrainConfig.
func DefaultDPOTrainConfig() DPOTrainConfig {
	return DPOTrainConfig{LR: 1e-4, Epochs: 1, BatchPairs: 16, MaxGradNorm: 1, Seed: 1}
}

// Validate checks the ranges documented on DPOTrainConfig.
func (c DPOTrainConfig) Validate() error {
	var errs []error
	if !(c.LR > 0 && c.LR < 1) {
		errs = append(errs, fmt.Errorf("dpo lr = %g: must be in (0, 1)", c.LR))
	}
	if c.Epochs < 1 && c.Steps < 1 {
		errs = append(errs, fmt.Errorf("dpo epochs = %d, steps = %d: give epochs ≥ 1 or steps ≥ 1", c.Epochs, c.Steps))
	}
	if c.Steps < 0 || c.Warmup < 0 {
		errs = append(errs, fmt.Errorf("dpo steps = %d, warmup = %d: must be ≥ 0", c.Steps, c.Warmup))
	}
	if c.BatchPairs < 1 {
		errs = append(errs, fmt.Errorf("dpo batch-pairs = %d: must be ≥ 1", c.BatchPairs))
	}
	if !(c.WeightDecay >= 0) || !(c.MaxGradNorm >= 0) {
		errs = append(errs, fmt.Errorf("dpo weight-decay = %g, max-grad-norm = %g: must be ≥ 0", c.WeightDecay, c.MaxGradNorm))
	}
	return errors.Join(errs...)
}

// TotalSteps is the number of optimiser steps for n pairs.
func (c DPOTrainConfig) TotalSteps(n int) int {
	if c.Steps > 0 {
		return c.Steps
	}
	return c.Epochs * ((n + c.BatchPairs - 1) / c.BatchPairs)
}

// DPOProgress is reported after every step.
type DPOProgress struct {
	Step, Steps int
	Epoch       int // 1-based pass over the pairs
	DPOStats
	GradNorm float64
	LR       float64
	Seconds  float64 // since the start, reference scoring included
}

// DPOSeqs returns the 2·N sequences that score the pairs: the chosen
// completions, then the rejected ones, each after its prompt.
func DPOSeqs(pairs []DPOPair) []nn.Seq {
	seqs := make([]nn.Seq, 0, 2*len(pairs))
	for _, p := range pairs {
		seqs = append(seqs, nn.Seq{Tokens: concat(p.Prompt, p.Chosen), Start: len(p.Prompt)})
	}
	for _, p := range pairs {
		seqs = append(seqs, nn.Seq{Tokens: concat(p.Prompt, p.Rejected), Start: len(p.Prompt)})
	}
	return seqs
}

func concat(a, b []int32) []int32 { return append(append(make([]int32, 0, len(a)+len(b)), a...), b...) }

// CheckDPOPairs reports the first pair the model cannot score: an empty
// prompt or completion, or one longer than the model's context.
func CheckDPOPairs(m *nn.Model, pairs []DPOPair) error {
	for i, p := range pairs {
		switch {
		case len(p.Prompt) == 0:
			return fmt.Errorf("pair %d: empty prompt", i)
		case len(p.Chosen) == 0 || len(p.Rejected) == 0:
			return fmt.Errorf("pair %d: empty completion", i)
		}
		if n := len(p.Prompt) + max(len(p.Chosen), len(p.Rejected)); n > m.Cfg.MaxSeqLen {
			return fmt.Errorf("pair %d: prompt + completion is %d tokens, over the model's %d positions", i, n, m.Cfg.MaxSeqLen)
		}
	}
	return nil
}

// ScoreDPOPairs returns DPOSeqLogP of each pair's chosen and rejected
// completion under m, scoring batch pairs at a time without gradients.
func ScoreDPOPairs(m *nn.Model, pairs []DPOPair, cfg DPOConfig, batch int) (chosen, rejected []float64) {
	chosen, rejected = make([]float64, len(pairs)), make([]float64, len(pairs))
	for lo := 0; lo < len(pairs); lo += batch {
		hi := min(lo+batch, len(pairs))
		sc := m.Score(DPOSeqs(pairs[lo:hi]), nn.ScoreOptions{})
		k := hi - lo
		for i := range k {
			chosen[lo+i] = DPOSeqLogP(sc.LogP[i], cfg)
			rejected[lo+i] = DPOSeqLogP(sc.LogP[k+i], cfg)
		}
	}
	return chosen, rejected
}

// TrainDPO trains m on pairs against the frozen reference ref (a copy of m
// before training, typically m.Clone()), calling report after every step
// (report may be nil). A step whose loss or gradient is not finite is
// skipped; more than three such steps end the run with an error.
func TrainDPO(m, ref *nn.Model, pairs []DPOPair, cfg DPOConfig, tc DPOTrainConfig, report func(DPOProgress)) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if err := tc.Validate(); err != nil {
		return err
	}
	if len(pairs) == 0 {
		return errors.New("dpo: no preference pairs")
	}
	if err := CheckDPOPairs(m, pairs); err != nil {
		return fmt.Errorf("dpo: %w", err)
	}
	start := time.Now()
	refC, refR := ScoreDPOPairs(ref, pairs, cfg, tc.BatchPairs)
	adam := nn.DefaultAdamWConfig()
	adam.LR, adam.WeightDecay = tc.LR, tc.WeightDecay
	opt := nn.NewAdamW(adam, m)
	sched := nn.Schedule{Warmup: tc.Warmup, MinLRRatio: 1}
	rng := rand.New(rand.NewPCG(tc.Seed, 0x64706f))
	order := rng.Perm(len(pairs))
	steps, cursor, epoch, bad := tc.TotalSteps(len(pairs)), 0, 1, 0
	batch := make([]DPOPair, 0, tc.BatchPairs)
	var bc, br []float64
	for step := 1; step <= steps; step++ {
		if cursor == len(order) {
			order, cursor, epoch = rng.Perm(len(pairs)), 0, epoch+1
		}
		// A step takes the next BatchPairs pairs of this pass (the last one
		// of a pass may be smaller), so each epoch sees every pair once.
		batch, bc, br = batch[:0], bc[:0], br[:0]
		for len(batch) < tc.BatchPairs && cursor < len(order) {
			i := order[cursor]
			batch, bc, br = append(batch, pairs[i]), append(bc, refC[i]), append(br, refR[i])
			cursor++
		}
		st, norm := dpoStep(m, batch, bc, br, cfg, tc.MaxGradNorm)
		if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) || math.IsNaN(norm) || math.IsInf(norm, 0) {
			if bad++; bad > 3 {
				return fmt.Errorf("dpo: step %d: loss %g, gradient norm %g: %d non-finite steps; lower --lr", step, st.Loss, norm, bad)
			}
			continue
		}
		lr := tc.LR * sched.Factor(step-1)
		opt.Update(m, lr)
		if report != nil {
			report(DPOProgress{Step: step, Steps: steps, Epoch: epoch, DPOStats: st, GradNorm: norm, LR: lr,
				Seconds: time.Since(start).Seconds()})
		}
	}
	return nil
}

// dpoStep accumulates the DPO gradient of one batch into a zeroed m.G, clips
// it and returns the batch's stats and the norm before clipping.
func dpoStep(m *nn.Model, batch []DPOPair, refC, refR []float64, cfg DPOConfig, maxNorm float64) (DPOStats, float64) {
	m.ZeroGrad()
	sc := m.Score(DPOSeqs(batch), nn.ScoreOptions{Grad: true})
	k := len(batch)
	dc, dr, st := DPOLoss(sc.LogP[:k], sc.LogP[k:], refC, refR, cfg)
	m.Backward(append(dc, dr...), nil, nil)
	return st, nn.ClipGradNorm(m.G.Data, maxNorm)
}

// Metrics returns the step's metrics.jsonl fields under TRL's DPO names.
func (p DPOProgress) Metrics() map[string]float64 {
	return map[string]float64{
		"loss": p.Loss, "rewards/chosen": p.RewardChosen, "rewards/rejected": p.RewardRejected,
		"rewards/margins": p.Margin, "rewards/accuracies": p.Accuracy, "grad_norm": p.GradNorm, "lr": p.LR,
		"epoch": float64(p.Epoch), "pairs": float64(p.Pairs), "elapsed_s": p.Seconds,
	}
}

// EvalDPO returns the DPO loss and statistics of pairs under m against ref,
// without training (held-out pairs).
func EvalDPO(m, ref *nn.Model, pairs []DPOPair, cfg DPOConfig, batch int) DPOStats {
	refC, refR := ScoreDPOPairs(ref, pairs, cfg, batch)
	c, r := ScoreDPOPairs(m, pairs, cfg, batch)
	st := DPOStats{Pairs: len(pairs)}
	for i := range pairs {
		st.add(cfg.Beta*(c[i]-refC[i]), cfg.Beta*(r[i]-refR[i]), cfg.LabelSmoothing, 1/float64(len(pairs)))
	}
	return st
}
