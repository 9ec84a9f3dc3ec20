package rl

// The RL training loop: rollout → score → advantages → μ optimiser passes.
// Each phase is a call into a package that owns it (nn generates and
// differentiates, rewards scores, the functions of this package turn rewards
// into advantages and losses), so this file is only the loop.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/pprof"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
)

// Trainer runs RL on a policy. Build it with NewTrainer; call Step until
// done.
type Trainer struct {
	Cfg    TrainConfig
	Algo   Config
	Policy *Policy
	// Ref is the frozen reference model for the KL term; nil when β = 0.
	Ref    *nn.Model
	Reward *rewards.Weighted
	Train  []data.Example
	Opt    *nn.AdamW
	Sched  nn.Schedule

	rng       *rand.Rand
	kl        AdaptiveKL
	step      int // rollout batches done
	nonFinite int
	order     []int
	cursor    int
	groupBase int
}

// NewTrainer checks the configuration and prepares the optimiser. ref may be
// nil when the algorithm's β is 0; PPO needs a policy model with a value head.
func NewTrainer(cfg TrainConfig, algo Config, pol *Policy, ref *nn.Model, reward *rewards.Weighted, train []data.Example) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := algo.Validate(); err != nil {
		return nil, err
	}
	if len(train) == 0 {
		return nil, errors.New("rl: no training examples")
	}
	pc := algo.Policy()
	if pc.Beta > 0 && ref == nil {
		return nil, errors.New("rl: beta > 0 needs a reference model")
	}
	if algo.PPO != nil && !pol.Model.Cfg.ValueHead {
		return nil, errors.New("rl: ppo needs a model with a value head (nn.Config.ValueHead)")
	}
	adam := nn.DefaultAdamWConfig()
	adam.LR, adam.WeightDecay = cfg.LR, cfg.WeightDecay
	t := &Trainer{
		Cfg: cfg, Algo: algo, Policy: pol, Ref: ref, Reward: reward, Train: train,
		Opt:   nn.NewAdamW(adam, pol.Model),
		Sched: nn.Schedule{Warmup: cfg.WarmupSteps, Total: cfg.Steps * pc.NumIterations, MinLRRatio: cfg.MinLRRatio},
		rng:   rand.New(rand.NewPCG(cfg.Seed, 0x726c747261696e)),
		kl:    NewAdaptiveKL(*pc),
	}
	return t, nil
}

// StepNum is the number of rollout batches done so far.
func (t *Trainer) StepNum() int { return t.step }

// nextExamples draws P examples without replacement, reshuffling per epoch.
func (t *Trainer) nextExamples(p int) []data.Example {
	out := make([]data.Example, 0, p)
	for len(out) < p {
		if t.cursor >= len(t.order) {
			t.order = t.rng.Perm(len(t.Train))
			t.cursor = 0
		}
		out = append(out, t.Train[t.order[t.cursor]])
		t.cursor++
	}
	return out
}

// StepResult is what one step produced, for logs.
type StepResult struct {
	Metrics map[string]float64
	Batch   *Batch
	Adv     []float32 // per-row advantage (for samples.jsonl)
	Skipped bool      // the update was skipped (non-finite loss or gradient)
}

// Step runs one rollout batch and NumIterations optimiser steps on it.
func (t *Trainer) Step(ctx context.Context) (StepResult, error) {
	pc := t.Algo.Policy()
	G := pc.GroupSize
	P := t.Cfg.PromptsPerStep
	rc := RolloutConfig{GroupSize: G, MaxBatch: t.Cfg.MaxBatch, RewardTimeout: t.Cfg.RewardTimeout, IgnoreEOS: t.Cfg.IgnoreEOS,
		Sample: nn.SampleConfig{Temperature: t.Cfg.Temperature, TopK: t.Cfg.TopK, TopP: t.Cfg.TopP, MaxNewTokens: pc.MaxCompletionLen}}

	// 1. Rollout (with DAPO dynamic sampling: keep informative groups only).
	var b *Batch
	rounds := 0
	for {
		nb, err := t.Policy.Rollout(ctx, t.nextExamples(P), t.Reward, rc, t.groupBase, t.rng)
		if err != nil {
			return StepResult{}, fmt.Errorf("step %d: rollout: %w", t.step+1, err)
		}
		t.groupBase += P
		rounds++
		if !pc.DynamicSampling {
			b = nb
			break
		}
		if b == nil {
			b = &Batch{}
		}
		keep := InformativeGroups(Correct(nb.Parts, t.Cfg.CorrectThreshold), G)
		var rows []int
		for _, g := range keep {
			if b.Len()/G+len(rows)/G >= P {
				break
			}
			for r := g * G; r < (g+1)*G; r++ {
				rows = append(rows, r)
			}
		}
		b.Append(nb, rows)
		if b.Len() >= P*G || rounds >= pc.MaxGenBatches {
			break
		}
	}
	res := StepResult{Batch: b, Metrics: map[string]float64{}}
	met := res.Metrics
	met["gen_rounds"] = float64(rounds)
	t.step++
	if b.Len() == 0 {
		// Every group had constant rewards: nothing to learn from.
		t.logRolloutMetrics(met, b, G)
		met["skipped"] = 1
		res.Skipped = true
		return res, nil
	}

	// 2. Rewards, masks and the stored behaviour log-probs.
	N := b.Len()
	rewardsV := make([]float32, N)
	mask := make([][]float32, N)
	truncated := make([]bool, N)
	oldLP := make([][]float32, N)
	lengths := make([]int, N)
	seqs := make([]nn.Seq, N)
	for i := range b.Episodes {
		tu := &b.Episodes[i].Turns[0]
		rewardsV[i] = tu.Reward
		mask[i] = make([]float32, len(tu.Completion))
		for j := range mask[i] {
			mask[i][j] = 1
		}
		truncated[i] = tu.Truncated
		oldLP[i] = tu.LogProbs
		lengths[i] = len(tu.Completion)
		toks := make([]int32, 0, len(tu.Prompt)+len(tu.Completion))
		toks = append(append(toks, tu.Prompt...), tu.Completion...)
		seqs[i] = nn.Seq{Tokens: toks, Start: len(tu.Prompt)}
	}
	if pc.MaskTruncated {
		mask = MaskTruncated(mask, truncated)
	}
	t0 := time.Now()
	var err error
	pprof.Do(ctx, pprof.Labels("phase", "train"), func(ctx context.Context) {
		err = t.update(met, &res, seqs, mask, oldLP, rewardsV, G)
	})
	if err != nil {
		return res, err
	}
	trainS := time.Since(t0).Seconds()

	// 3. Metrics.
	t.logRolloutMetrics(met, b, G)
	met["train_s"] = trainS
	tokens := 0
	for _, s := range seqs {
		tokens += len(s.Tokens)
	}
	if tot := b.GenSeconds + b.ScoreSeconds + trainS; tot > 0 {
		met["tokens_per_s"] = float64(tokens) / tot
	}
	return res, nil
}

// update computes advantages and runs the μ optimiser passes.
func (t *Trainer) update(met map[string]float64, res *StepResult, seqs []nn.Seq, mask, oldLP [][]float32, r []float32, G int) error {
	pc := t.Algo.Policy()
	m := t.Policy.Model
	N := len(seqs)
	mb := t.Cfg.MicroBatch
	nMicro := (N + mb - 1) / mb
	beta := pc.Beta
	if pc.TargetKL > 0 {
		beta = t.kl.Beta
	}

	// Reference log-probs and rollout-time values, without gradients.
	var refLP, oldV [][]float32
	if t.Ref != nil && beta > 0 {
		refLP = make([][]float32, 0, N)
		for lo := 0; lo < N; lo += mb {
			hi := min(lo+mb, N)
			refLP = append(refLP, t.Ref.Score(seqs[lo:hi], nn.ScoreOptions{Temperature: t.Cfg.Temperature}).LogP...)
		}
	}
	if t.Algo.PPO != nil {
		oldV = make([][]float32, 0, N)
		for lo := 0; lo < N; lo += mb {
			hi := min(lo+mb, N)
			oldV = append(oldV, m.Score(seqs[lo:hi], nn.ScoreOptions{Temperature: t.Cfg.Temperature, Values: true}).Values...)
		}
	}

	// Advantages.
	lc := t.Algo.LossConfig()
	if pc.KLPlacement == KLInLoss {
		lc.Beta = beta
	}
	ain := AdvantageInput{Rewards: r, Mask: mask, OldLogP: oldLP, RefLogP: refLP, Values: oldV, Beta: beta}
	var adv AdvantageOutput
	var correct, rate []float32
	switch {
	case t.Algo.GRPO != nil:
		adv = t.Algo.GRPO.Advantages(ain)
	case t.Algo.PPO != nil:
		adv = t.Algo.PPO.Advantages(ain)
	case t.Algo.NFT != nil:
		correct, rate = t.Algo.NFT.Rates(r)
		adv.Seq = make([]float32, N)
		for i := range adv.Seq {
			if !math.IsNaN(float64(correct[i])) && !math.IsNaN(float64(rate[i])) {
				adv.Seq[i] = correct[i] - rate[i]
			}
		}
	}
	res.Adv = adv.Seq
	z := NewNormalizer(pc.LossType, Count(mask), pc.MaxCompletionLen, nMicro)

	var stats Stats
	var lossSum, normSum float64
	updates := 0
	for iter := 0; iter < pc.NumIterations; iter++ {
		m.ZeroGrad()
		loss := 0.0
		for lo := 0; lo < N; lo += mb {
			hi := min(lo+mb, N)
			sc := m.Score(seqs[lo:hi], nn.ScoreOptions{Temperature: t.Cfg.Temperature, Entropy: true, Values: t.Algo.PPO != nil, Grad: true})
			in := PolicyInput{LogP: sc.LogP, OldLogP: oldLP[lo:hi], Mask: mask[lo:hi], Entropy: sc.Entropy}
			if refLP != nil {
				in.RefLogP = refLP[lo:hi]
			}
			if adv.Adv != nil {
				in.Adv = adv.Adv[lo:hi]
			}
			if correct != nil {
				in.Correct, in.PosRate = correct[lo:hi], rate[lo:hi]
			}
			out := PolicyLoss(in, lc, z)
			loss += out.Loss
			stats.Add(out.Stats)
			var dV [][]float32
			if t.Algo.PPO != nil {
				vo := ValueLoss(ValueInput{Values: sc.Values, OldValues: oldV[lo:hi], Returns: adv.Returns[lo:hi], Mask: mask[lo:hi]},
					t.Algo.PPO.ValueClip, t.Algo.PPO.VFCoef, z)
				loss += vo.Loss
				stats.Add(vo.Stats)
				dV = vo.DValues
			}
			m.Backward(out.DLogP, out.DEntropy, dV)
		}
		norm := nn.ClipGradNorm(m.G.Data, t.Cfg.MaxGradNorm)
		if math.IsNaN(loss) || math.IsInf(loss, 0) || math.IsNaN(norm) || math.IsInf(norm, 0) {
			t.nonFinite++
			met["skipped"] = 1
			res.Skipped = true
			m.ZeroGrad()
			if t.nonFinite > t.Cfg.MaxNonFinite {
				return fmt.Errorf("step %d: %d updates skipped for a non-finite loss (%g) or gradient norm (%g), more than max-non-finite = %d: lower the learning rate or check the reward",
					t.step, t.nonFinite, loss, norm, t.Cfg.MaxNonFinite)
			}
			continue
		}
		lr := t.Cfg.LR * t.Sched.Factor(t.Opt.Step)
		t.Opt.Update(m, lr)
		met["lr"] = lr
		lossSum += loss
		normSum += norm
		updates++
	}
	if updates > 0 {
		met["loss"] = lossSum / float64(updates)
		met["grad_norm"] = normSum / float64(updates)
	}
	for k, v := range stats.Metrics() {
		met[k] = v
	}
	met["beta"] = beta
	if pc.TargetKL > 0 {
		if kl, ok := met["kl"]; ok {
			t.kl.Update(kl, N)
		}
	}
	return nil
}

// logRolloutMetrics adds the reward, length and timing metrics of a batch
// under TRL's names.
func (t *Trainer) logRolloutMetrics(met map[string]float64, b *Batch, G int) {
	for k, v := range rewards.Metrics(t.Reward.Names(), b.Totals, b.Parts) {
		met[k] = v
	}
	met["rollout_s"] = b.GenSeconds
	met["score_s"] = b.ScoreSeconds
	N := b.Len()
	if N == 0 {
		return
	}
	corr := Correct(b.Parts, t.Cfg.CorrectThreshold)
	var acc, scored, length, clipped float64
	for i, e := range b.Episodes {
		tu := e.Turns[0]
		length += float64(len(tu.Completion))
		if tu.Truncated {
			clipped++
		}
		if !math.IsNaN(float64(corr[i])) {
			acc += float64(corr[i])
			scored++
		}
	}
	if scored > 0 {
		met["accuracy"] = acc / scored
	}
	met["completions/mean_length"] = length / float64(N)
	met["completions/clipped_ratio"] = clipped / float64(N)
	zero, groups := 0, 0
	r := FinalRewards(b.Episodes)
	for p := 0; p+G <= N; p += G {
		groups++
		_, _, k, equal := groupMoments(r[p : p+G])
		if k < 2 || equal {
			zero++
		}
	}
	if groups > 0 {
		met["frac_reward_zero_std"] = float64(zero) / float64(groups)
	}
}

// newRand returns a PCG generator for (seed, stream).
func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }
