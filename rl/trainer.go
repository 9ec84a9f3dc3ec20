package rl

// The RL training loop: build episodes → rows → advantages → μ optimiser
// passes. Each phase is a call into a package or seam that owns it (an
// EpisodeBuilder samples and scores, nn generates and differentiates, the
// Algorithm turns rewards into advantages, the loss functions of this
// package give dL/dlogp), so this file is only the loop.

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/dist"
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
	Ref *nn.Model
	// Builder samples and scores each step's episodes.
	Builder EpisodeBuilder
	// Stages extend each step's finished batch, in order (RISE adds
	// verification episodes built from the step's own solutions).
	Stages []Stage
	// Comm is the data-parallel group (rl/dist.go); nil runs one process.
	Comm dist.Comm
	// Reward names the reward components, for the rewards/<fn>/… metrics.
	Reward *rewards.Weighted
	Train  []data.Example
	Opt    *nn.AdamW
	Sched  nn.Schedule

	rng       *rand.Rand
	src       *rand.PCG // rng's source, saved for an exact resume
	kl        AdaptiveKL
	step      int // rollout batches done
	nonFinite int
	reduceS   float64 // seconds in this step's gradient all-reduces (rl/dist.go)
	waitS     float64 // seconds in the barriers before them: idle, waiting for slower ranks
	order     []int
	cursor    int
	keys      KeySource
}

// NewTrainer checks the configuration and prepares the optimiser. ref may be
// nil when the algorithm's β is 0; an algorithm with a critic needs a policy
// model with a value head (nn.Model.WithValueHead).
//
// Under a communicator of several ranks (comm, nil for one process) every
// rank must call it with the same configuration and data; the ranks start
// from rank 0's weights.
func NewTrainer(cfg TrainConfig, algo Config, pol *Policy, ref *nn.Model, builder EpisodeBuilder, reward *rewards.Weighted, train []data.Example, comm dist.Comm) (*Trainer, error) {
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
	if algo.Settings.UsesCritic() && !pol.Model.Cfg.ValueHead {
		return nil, fmt.Errorf("rl: %s needs a model with a value head (nn.Model.WithValueHead)", algo.Algo)
	}
	adam := nn.DefaultAdamWConfig()
	adam.LR, adam.WeightDecay = cfg.LR, cfg.WeightDecay
	src := rand.NewPCG(cfg.Seed, 0x726c747261696e)
	t := &Trainer{
		Cfg: cfg, Algo: algo, Policy: pol, Ref: ref, Builder: builder, Reward: reward, Train: train,
		Opt:   nn.NewAdamW(adam, pol.Model),
		Sched: nn.Schedule{Warmup: cfg.WarmupSteps, Total: cfg.Steps * pc.NumIterations, MinLRRatio: cfg.MinLRRatio},
		rng:   rand.New(src),
		src:   src,
		kl:    NewAdaptiveKL(*pc),
		Comm:  comm,
	}
	if err := t.syncModels(); err != nil {
		return nil, err
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
	Skipped bool // the update was skipped (non-finite loss or gradient, or nothing to learn)
	// Warning is set when the step did something the user should know
	// about (a short batch under dynamic sampling).
	Warning string
}

// RolloutConfig returns the sampling configuration of a step.
func (t *Trainer) RolloutConfig() RolloutConfig {
	pc := t.Algo.Policy()
	return RolloutConfig{GroupSize: pc.GroupSize, MaxBatch: t.Cfg.MaxBatch, RewardTimeout: t.Cfg.RewardTimeout, IgnoreEOS: t.Cfg.IgnoreEOS,
		Sample: nn.SampleConfig{Temperature: t.Cfg.Temperature, TopK: t.Cfg.TopK, TopP: t.Cfg.TopP, MaxNewTokens: pc.MaxCompletionLen}}
}

// build runs the episode builder once, or under dynamic sampling until
// enough informative groups are kept (docs/algorithms.md §1.7b).
func (t *Trainer) build(ctx context.Context) (*Batch, int, string, error) {
	pc := t.Algo.Policy()
	P, G := t.Cfg.PromptsPerStep, pc.GroupSize
	in := BuildInput{Rollout: t.RolloutConfig(), Keys: &t.keys, Rng: t.rng, Step: t.step + 1,
		Streams: Streams{Seed: t.Cfg.Seed, Step: t.step + 1}}
	c := t.comm()
	lo, hi := shard(c, P)
	in.RowBase = lo
	if !pc.DynamicSampling {
		in.Examples = t.nextExamples(P)[lo:hi]
		b, err := t.Builder.Build(ctx, t.Policy, in)
		return b, 1, "", err
	}
	// Each rank fills its own shard of informative groups; the rounds stay
	// collective, so every rank draws the same examples (the data cursor
	// must not diverge) until every rank is done.
	ds := NewDynamicSampler[int](hi-lo, G, pc.MaxGenBatches)
	b := &Batch{}
	var full bool
	var short error // the sampler ran out of rounds
	for {
		all := t.nextExamples(P)
		if !full && short == nil {
			in.Examples = all[lo:hi]
			in.Streams.Round = ds.Rounds()
			nb, err := t.Builder.Build(ctx, t.Policy, in)
			if err != nil {
				return nil, ds.Rounds(), "", err
			}
			idx := make([]int, nb.Len())
			verdict := make([]float32, nb.Len())
			for i := range nb.Episodes {
				idx[i] = i
				verdict[i] = nb.Episodes[i].Final().Correct(t.Cfg.CorrectThreshold)
			}
			had := len(ds.Rows())
			full, short = ds.Add(idx, verdict)
			b.Append(nb, ds.Rows()[had:])
		}
		failed := short != nil && pc.ShortBatch == ShortBatchError
		done, anyFailed, err := t.allDone(full || short != nil, failed)
		switch {
		case err != nil:
			return nil, ds.Rounds(), "", err
		case anyFailed:
			if short == nil {
				short = errors.New("rl: dynamic sampling ran out of generation rounds on another rank (short_batch = error)")
			}
			return nil, ds.Rounds(), "", short
		case !done:
			continue
		case short != nil:
			return b, ds.Rounds(), fmt.Sprintf("%v; training on the %d groups kept (short_batch = train)", short, ds.Groups()), nil
		}
		return b, ds.Rounds(), "", nil
	}
}

// allDone reports whether every rank is done and whether any failed.
func (t *Trainer) allDone(done, failed bool) (allDone, anyFailed bool, err error) {
	left, bad := 0.0, 0.0
	if !done {
		left = 1
	}
	if failed {
		bad = 1
	}
	err = allSum(t.comm(), &left, &bad)
	return left == 0, bad > 0, err
}

// Step runs one rollout batch and NumIterations optimiser steps on it.
func (t *Trainer) Step(ctx context.Context) (StepResult, error) {
	stepStart := time.Now()
	t.reduceS, t.waitS = 0, 0
	b, rounds, warn, err := t.build(ctx)
	if err != nil {
		return StepResult{}, fmt.Errorf("step %d: rollout: %w", t.step+1, err)
	}
	res := StepResult{Batch: b, Metrics: map[string]float64{}, Warning: warn}
	met := res.Metrics
	met["gen_rounds"] = float64(rounds)
	if warn != "" {
		met["dynamic_sampling/short_batch"] = 1
	}
	t.step++
	for _, st := range t.Stages {
		lo, _ := shard(t.comm(), t.Cfg.PromptsPerStep) // the rank's first row: stages sample from global streams too
		sm, err := st.Extend(ctx, t.Policy, b, BuildInput{Rollout: t.RolloutConfig(), Keys: &t.keys, Rng: t.rng, Step: t.step,
			Streams: Streams{Seed: t.Cfg.Seed, Step: t.step}, RowBase: lo, Reduce: t.reducer()})
		if err != nil {
			return res, fmt.Errorf("step %d: %w", t.step, err)
		}
		for k, v := range sm {
			met[k] = v
		}
	}
	total := float64(b.Len())
	if err := allSum(t.comm(), &total); err != nil {
		return res, err
	}
	if total == 0 {
		// Every group had constant rewards: nothing to learn from.
		if err := t.logRolloutMetrics(met, b); err != nil {
			return res, err
		}
		met["skipped"] = 1
		res.Skipped = true
		return res, nil
	}
	rows, err := Rows(b.Episodes)
	if err != nil {
		return res, fmt.Errorf("step %d: %w", t.step, err)
	}
	t0 := time.Now()
	Phase(ctx, PhaseTrain, func(ctx context.Context) {
		err = t.update(met, &res, rows)
	})
	if err != nil {
		return res, err
	}
	trainS := time.Since(t0).Seconds()
	if err := t.distMetrics(met, time.Since(stepStart).Seconds()); err != nil {
		return res, err
	}

	if err := t.logRolloutMetrics(met, b); err != nil {
		return res, err
	}
	met["train_s"] = trainS
	tokens := 0
	for _, r := range rows {
		tokens += len(r.Seq.Tokens)
	}
	if tot := b.GenSeconds + b.ScoreSeconds + trainS; tot > 0 {
		met["tokens_per_s"] = float64(tokens) / tot
	}
	return res, nil
}

// scoreAll runs the model without gradients over seqs in micro-batches.
func scoreAll(m *nn.Model, seqs []nn.Seq, mb int, opt nn.ScoreOptions, values bool) [][]float32 {
	out := make([][]float32, 0, len(seqs))
	for lo := 0; lo < len(seqs); lo += mb {
		sc := m.Score(seqs[lo:min(lo+mb, len(seqs))], opt)
		if values {
			out = append(out, sc.Values...)
		} else {
			out = append(out, sc.LogP...)
		}
	}
	return out
}

// update computes advantages and runs the μ optimiser passes.
func (t *Trainer) update(met map[string]float64, res *StepResult, rows []Row) error {
	pc := t.Algo.Policy()
	alg := t.Algo.Settings
	critic := alg.UsesCritic()
	m := t.Policy.Model
	cols := columns(rows, pc.MaskTruncated)
	N := len(rows)
	mb := t.Cfg.MicroBatch
	nMicro := (N + mb - 1) / mb
	beta := pc.Beta
	if pc.TargetKL > 0 {
		beta = t.kl.Beta
	}

	// Reference log-probs and rollout-time values, without gradients. When
	// the rows are balanced across ranks (rl/balance.go) the advantages
	// need neither, so the reference is scored after the rows move.
	bal := t.canBalance(critic, beta)
	var refLP, oldV [][]float32
	scoreRef := func() {
		if t.Ref != nil && beta > 0 {
			refLP = scoreAll(t.Ref, cols.seqs, mb, nn.ScoreOptions{Temperature: t.Cfg.Temperature}, false)
		}
	}
	if !bal {
		scoreRef()
	}
	if critic {
		oldV = scoreAll(m, cols.seqs, mb, nn.ScoreOptions{Temperature: t.Cfg.Temperature, Values: true}, true)
	}

	// Advantages.
	lc := alg.LossConfig()
	if pc.KLPlacement == KLInLoss {
		lc.Beta = beta
	}
	correct := make([]float32, N)
	for i, r := range rows {
		if tu := &res.Batch.Episodes[r.Episode].Turns[r.Turn]; !tu.NoVerdict {
			correct[i] = tu.Correct(t.Cfg.CorrectThreshold)
		} else {
			correct[i] = float32(math.NaN())
		}
	}
	adv := alg.Advantages(AdvantageInput{Rewards: cols.rewards, Groups: cols.spans, Correct: correct, Mask: cols.mask,
		OldLogP: cols.oldLP, RefLogP: refLP, Values: oldV, Beta: beta, KLWeight: cols.klWeight, Reduce: t.reducer()})
	for i, r := range rows {
		res.Batch.Episodes[r.Episode].Turns[r.Turn].Advantage = adv.Seq[i]
	}
	if bal {
		var err error
		if cols, adv, err = balance(t.comm(), cols, adv); err != nil {
			return fmt.Errorf("step %d: %w", t.step, err)
		}
		N = len(cols.seqs)
		nMicro = (N + mb - 1) / mb
		scoreRef()
	}
	// The normaliser's counts are global: summed over the ranks.
	cnt := Count(cols.mask)
	micro := float64(nMicro)
	if err := allSum(t.comm(), &cnt.Seqs, &cnt.Tokens, &micro); err != nil {
		return err
	}
	z := NewNormalizer(pc.LossType, cnt, pc.MaxCompletionLen, int(micro))

	var stats Stats
	var lossSum, normSum float64
	updates := 0
	for iter := 0; iter < pc.NumIterations; iter++ {
		m.ZeroGrad()
		loss := 0.0
		for lo := 0; lo < N; lo += mb {
			hi := min(lo+mb, N)
			sc := m.Score(cols.seqs[lo:hi], nn.ScoreOptions{Temperature: t.Cfg.Temperature, Entropy: true, Values: critic, Grad: true})
			in := PolicyInput{LogP: sc.LogP, OldLogP: cols.oldLP[lo:hi], Mask: cols.mask[lo:hi], Entropy: sc.Entropy}
			if refLP != nil {
				in.RefLogP = refLP[lo:hi]
			}
			if cols.klWeight != nil {
				in.KLWeight = cols.klWeight[lo:hi]
			}
			if cols.lossW != nil {
				in.RowWeight = cols.lossW[lo:hi]
			}
			if adv.Adv != nil {
				in.Adv = adv.Adv[lo:hi]
			}
			if adv.Correct != nil {
				in.Correct, in.PosRate = adv.Correct[lo:hi], adv.PosRate[lo:hi]
			}
			out := PolicyLoss(in, lc, z)
			loss += out.Loss
			stats.Add(out.Stats)
			var dV [][]float32
			if critic {
				vo := ValueLoss(ValueInput{Values: sc.Values, OldValues: oldV[lo:hi], Returns: adv.Returns[lo:hi], Mask: cols.mask[lo:hi]},
					lc.ValueClip, lc.VFCoef, z)
				loss += vo.Loss
				stats.Add(vo.Stats)
				dV = vo.DValues
			}
			m.Backward(out.DLogP, out.DEntropy, dV)
		}
		// Every rank takes the same step: gradients and loss are summed first.
		if c := t.comm(); c.Size() > 1 {
			// The barrier splits the time a rank idles, waiting for the
			// slowest, from the all-reduce itself, which then starts with
			// every rank present (dist/wait_s, dist/allreduce_s).
			t0 := time.Now()
			if err := c.Barrier(); err != nil {
				return fmt.Errorf("step %d: barrier before the gradient all-reduce: %w", t.step, err)
			}
			t1 := time.Now()
			if err := c.AllReduceSum(m.G.Data); err != nil {
				return fmt.Errorf("step %d: all-reduce gradients: %w", t.step, err)
			}
			t.waitS += t1.Sub(t0).Seconds()
			t.reduceS += time.Since(t1).Seconds()
			if err := allSum(c, &loss); err != nil {
				return err
			}
		}
		norm := nn.ClipGradNorm(m.G.Data, t.Cfg.MaxGradNorm)
		if math.IsNaN(loss) || math.IsInf(loss, 0) || math.IsNaN(norm) || math.IsInf(norm, 0) {
			// The weights and the optimiser are left as they were: the step
			// is skipped, named with its samples so the data can be checked.
			t.nonFinite++
			met["skipped"] = 1
			res.Skipped = true
			m.ZeroGrad()
			ids := sampleIDs(res.Batch)
			if t.nonFinite > t.Cfg.MaxNonFinite {
				return fmt.Errorf("step %d: %d updates in a row skipped for a non-finite loss (%g) or gradient norm (%g), more than max-non-finite = %d; the last batch's samples: %s: lower the learning rate or check the reward and these samples (the last checkpoint is untouched)",
					t.step, t.nonFinite, loss, norm, t.Cfg.MaxNonFinite, ids)
			}
			msg := fmt.Sprintf("update skipped: non-finite loss (%g) or gradient norm (%g), %d in a row (max-non-finite %d); the batch's samples: %s",
				loss, norm, t.nonFinite, t.Cfg.MaxNonFinite, ids)
			if res.Warning != "" {
				msg = res.Warning + "; " + msg
			}
			res.Warning = msg
			continue
		}
		t.nonFinite = 0 // the limit is on faults in a row
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
	if err := allSum(t.comm(), stats.fields()...); err != nil {
		return err
	}
	for k, v := range stats.Metrics() {
		met[k] = v
	}
	met["beta"] = beta
	if pc.TargetKL > 0 {
		if kl, ok := met["kl"]; ok {
			t.kl.Update(kl, int(cnt.Seqs))
		}
	}
	return nil
}

// maxIDsListed caps the sample ids a skipped step names.
const maxIDsListed = 20

// sampleIDs lists the distinct example IDs of a batch, in order.
func sampleIDs(b *Batch) string {
	var ids []string
	seen := map[string]bool{}
	for _, e := range b.Episodes {
		if id := e.Example.ID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > maxIDsListed {
		return strings.Join(ids[:maxIDsListed], ", ") + fmt.Sprintf(" and %d more", len(ids)-maxIDsListed)
	}
	return strings.Join(ids, ", ")
}

// logRolloutMetrics adds the reward, length and timing metrics of a batch
// under TRL's names, over its solve turns (on rank 0, every rank's).
func (t *Trainer) logRolloutMetrics(met map[string]float64, b *Batch) error {
	turns, err := t.gatherSolveTurns(b)
	if err != nil {
		return err
	}
	totals := make([]rewards.Result, len(turns))
	parts := make([][]rewards.Result, len(turns))
	for i, tu := range turns {
		totals[i], parts[i] = tu.Total, tu.Parts
	}
	for k, v := range rewards.Metrics(t.Reward.Names(), totals, parts) {
		met[k] = v
	}
	met["rollout_s"] = b.GenSeconds
	met["score_s"] = b.ScoreSeconds
	met["gen_tokens"] = float64(b.GenTokens) // every turn sampled this step on this rank (budget comparisons)
	N := len(turns)
	if N == 0 {
		return nil
	}
	var acc, scored, length, clipped float64
	r := make([]float32, N)
	keys := make([]int, N)
	for i, tu := range turns {
		length += float64(len(tu.Completion))
		if tu.Truncated {
			clipped++
		}
		if c := tu.Correct(t.Cfg.CorrectThreshold); !math.IsNaN(float64(c)) {
			acc += float64(c)
			scored++
		}
		r[i], keys[i] = tu.Reward, tu.Group
	}
	if scored > 0 {
		met["accuracy"] = acc / scored
	}
	met["completions/mean_length"] = length / float64(N)
	met["completions/clipped_ratio"] = clipped / float64(N)
	zero := 0
	spans := GroupSpans(keys)
	for _, sp := range spans {
		_, _, k, equal := groupMoments(r[sp.Lo:sp.Hi])
		if k < 2 || equal {
			zero++
		}
	}
	met["frac_reward_zero_std"] = float64(zero) / float64(len(spans))
	return nil
}

// newRand returns a PCG generator for (seed, stream).
func newRand(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }
