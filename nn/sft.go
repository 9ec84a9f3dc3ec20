package nn

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"
)

// SFTConfig configures supervised fine-tuning: next-token cross-entropy on
// the scored positions of each sequence (the answer tokens; Seq.Start marks
// where they begin).
type SFTConfig struct {
	// Steps is the number of optimiser steps. Default 400.
	Steps int `json:"steps"`
	// BatchSeqs is the number of sequences per step; they are packed into
	// one set of rows (no padding), so the step costs their total tokens.
	// Default 32.
	BatchSeqs int `json:"batch_seqs"`
	// LR is the peak learning rate. Default 2e-3.
	LR float64 `json:"lr"`
	// Warmup is the linear warm-up in steps. Default 20.
	Warmup int `json:"warmup"`
	// MinLRRatio is the end of the cosine decay as a fraction of LR. Default 0.1.
	MinLRRatio float64 `json:"min_lr_ratio"`
	// WeightDecay is AdamW's decoupled decay on matrices. Default 0.01.
	WeightDecay float64 `json:"weight_decay"`
	// MaxGradNorm clips the global gradient norm (0: no clipping). Default 1.
	MaxGradNorm float64 `json:"max_grad_norm"`
	// EvalEvery computes the held-out loss every so many steps (0: only at
	// the end). Default 100.
	EvalEvery int `json:"eval_every"`
	// Seed drives the batch order. Default 1.
	Seed uint64 `json:"seed"`
}

// DefaultSFTConfig returns the defaults documented on SFTConfig.
func DefaultSFTConfig() SFTConfig {
	return SFTConfig{Steps: 400, BatchSeqs: 32, LR: 2e-3, Warmup: 20, MinLRRatio: 0.1, WeightDecay: 0.01, MaxGradNorm: 1, EvalEvery: 100, Seed: 1}
}

// Validate checks the configuration.
func (c SFTConfig) Validate() error {
	var errs []error
	if c.Steps < 0 {
		errs = append(errs, fmt.Errorf("sft steps = %d: must be ≥ 0", c.Steps))
	}
	if c.BatchSeqs < 1 {
		errs = append(errs, fmt.Errorf("sft batch = %d: must be ≥ 1", c.BatchSeqs))
	}
	if !(c.LR > 0) {
		errs = append(errs, fmt.Errorf("sft lr = %g: must be > 0", c.LR))
	}
	if c.Warmup < 0 || c.EvalEvery < 0 {
		errs = append(errs, fmt.Errorf("sft warmup = %d, eval-every = %d: must be ≥ 0", c.Warmup, c.EvalEvery))
	}
	if !(c.MinLRRatio >= 0 && c.MinLRRatio <= 1) {
		errs = append(errs, fmt.Errorf("sft min-lr-ratio = %g: must be in [0, 1]", c.MinLRRatio))
	}
	if !(c.WeightDecay >= 0) || !(c.MaxGradNorm >= 0) {
		errs = append(errs, fmt.Errorf("sft weight-decay = %g, max-grad-norm = %g: must be ≥ 0", c.WeightDecay, c.MaxGradNorm))
	}
	return errors.Join(errs...)
}

// SFTProgress is reported after every step.
type SFTProgress struct {
	Step, Steps  int
	Loss         float64 // mean −log p over the step's scored tokens
	EvalLoss     float64 // NaN unless evaluated at this step
	LR           float64
	GradNorm     float64
	Tokens       int     // tokens processed so far
	TokensPerSec float64 // over the whole run so far
}

// SFT trains m on train (token-mean cross-entropy on each sequence's scored
// positions) with AdamW and a warm-up + cosine schedule, calling report after
// every step (report may be nil). A step whose loss or gradient is not finite
// is skipped; more than three such steps end the run with an error.
func SFT(m *Model, train, eval []Seq, cfg SFTConfig, report func(SFTProgress)) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if len(train) == 0 {
		return errors.New("sft: no training sequences")
	}
	adam := DefaultAdamWConfig()
	adam.LR, adam.WeightDecay = cfg.LR, cfg.WeightDecay
	opt := NewAdamW(adam, m)
	sched := Schedule{Warmup: cfg.Warmup, Total: cfg.Steps, MinLRRatio: cfg.MinLRRatio}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x736674))
	order := rng.Perm(len(train))
	cursor, tokens, bad := 0, 0, 0
	start := time.Now()
	batch := make([]Seq, 0, cfg.BatchSeqs)
	for step := 1; step <= cfg.Steps; step++ {
		batch = batch[:0]
		for len(batch) < cfg.BatchSeqs {
			if cursor == len(order) {
				order, cursor = rng.Perm(len(train)), 0
			}
			batch = append(batch, train[order[cursor]])
			cursor++
		}
		loss, norm := sftStep(m, batch, cfg.MaxGradNorm)
		if math.IsNaN(loss) || math.IsInf(loss, 0) || math.IsNaN(norm) || math.IsInf(norm, 0) {
			bad++
			if bad > 3 {
				return fmt.Errorf("sft: step %d: loss %g, gradient norm %g: %d non-finite steps; lower the learning rate", step, loss, norm, bad)
			}
			continue
		}
		lr := cfg.LR * sched.Factor(step-1)
		opt.Update(m, lr)
		for _, s := range batch {
			tokens += len(s.Tokens)
		}
		p := SFTProgress{Step: step, Steps: cfg.Steps, Loss: loss, EvalLoss: math.NaN(), LR: lr, GradNorm: norm,
			Tokens: tokens, TokensPerSec: float64(tokens) / time.Since(start).Seconds()}
		if len(eval) > 0 && (step == cfg.Steps || (cfg.EvalEvery > 0 && step%cfg.EvalEvery == 0)) {
			p.EvalLoss = EvalLoss(m, eval, cfg.BatchSeqs)
		}
		if report != nil {
			report(p)
		}
	}
	return nil
}

// sftStep accumulates the gradient of the token-mean loss of batch into a
// zeroed m.G, clips it and returns the loss and the norm before clipping.
func sftStep(m *Model, batch []Seq, maxNorm float64) (loss, norm float64) {
	m.ZeroGrad()
	sc := m.Score(batch, ScoreOptions{Grad: true})
	n := 0
	for _, lp := range sc.LogP {
		n += len(lp)
	}
	if n == 0 {
		return 0, 0
	}
	d := make([][]float32, len(sc.LogP))
	w := float32(-1 / float64(n))
	for i, lp := range sc.LogP {
		d[i] = make([]float32, len(lp))
		for j, v := range lp {
			loss -= float64(v)
			d[i][j] = w
		}
	}
	m.Backward(d, nil, nil)
	return loss / float64(n), ClipGradNorm(m.G.Data, maxNorm)
}

// EvalLoss returns the token-mean −log p over the scored positions of seqs,
// scoring batch sequences at a time without gradients.
func EvalLoss(m *Model, seqs []Seq, batch int) float64 {
	var sum float64
	n := 0
	for lo := 0; lo < len(seqs); lo += batch {
		sc := m.Score(seqs[lo:min(lo+batch, len(seqs))], ScoreOptions{})
		for _, lp := range sc.LogP {
			for _, v := range lp {
				sum -= float64(v)
			}
			n += len(lp)
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}
