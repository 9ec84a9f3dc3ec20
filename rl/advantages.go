package rl

// Estimator dispatch: one call per optimiser batch turns scalar rewards (and,
// for KL-in-reward and PPO, log-probs and values) into the per-token
// advantages PolicyInput.Adv expects. The maths lives in adv_group.go and
// adv_returns.go; this file only wires a validated config to it, and makes
// each config an Algorithm.

import "math"

// AdvantageInput is what the estimators read for one batch of rows.
type AdvantageInput struct {
	// Rewards is the scalar outcome reward per row (NaN = unscorable).
	Rewards []float32
	// Groups are the rows of each group, adjacent and in order (GroupSpans of
	// the turns' group keys). Group baselines and NFT's rates are taken
	// within them; groups may differ in size.
	Groups []Span
	// Correct is the verdict per row (Turn.Correct: 1, 0, NaN); NFT only.
	Correct []float32
	// Mask is the per-token loss mask (after MaskTruncated, if used).
	Mask [][]float32
	// OldLogP is the behaviour policy's log-probs (for the KL in the reward).
	OldLogP [][]float32
	// RefLogP is the reference model's log-probs; needed when the KL is in
	// the reward and Beta > 0.
	RefLogP [][]float32
	// Values is the critic's values at rollout time (PPO only).
	Values [][]float32
	// Beta is the current KL coefficient (AdaptiveKL.Beta, or the config's Beta).
	Beta float64
	// KLWeight multiplies Beta per row (Turn.KLWeight); nil means 1 everywhere.
	KLWeight []float32
	// Reduce sums batch-wide statistics over the ranks of a data-parallel
	// run (whitening, the batch std); nil in one process.
	Reduce Reducer
}

// AdvantageOutput is the result of an estimator.
type AdvantageOutput struct {
	// Adv is the per-token advantage, for PolicyInput.Adv (nil for NFT).
	Adv [][]float32
	// Seq is one advantage per sequence for logging (samples.jsonl): the
	// group advantage, the masked token mean for token-level estimators, or
	// c − r_q for NFT.
	Seq []float32
	// Returns are PPO's value targets (nil otherwise), for ValueInput.Returns.
	Returns [][]float32
	// Correct and PosRate are NFT's verdicts and group rates, for
	// PolicyInput.Correct and PolicyInput.PosRate (nil otherwise).
	Correct, PosRate []float32
}

func klInReward(p PolicyConfig, in AdvantageInput) bool {
	if p.KLPlacement != KLInReward || in.Beta == 0 {
		return false
	}
	if in.RefLogP == nil || in.OldLogP == nil {
		panic(errRefLogP)
	}
	return true
}

// weighted returns x scaled row by row by w (x itself when w is nil).
func weightedSeq(x, w []float32) []float32 {
	if w == nil {
		return x
	}
	for n := range x {
		x[n] *= w[n]
	}
	return x
}

func weightedTokens(x [][]float32, w []float32) [][]float32 {
	if w == nil {
		return x
	}
	for n := range x {
		for t := range x[n] {
			x[n][t] *= w[n]
		}
	}
	return x
}

func (in AdvantageInput) groups(groupSize int) []Span {
	if in.Groups != nil {
		return in.Groups
	}
	return FixedSpans(len(in.Rewards), groupSize)
}

// Advantages runs the configured estimator (grpo, rloo, reinforce_pp or
// reinforce_pp_baseline). With the KL in the reward, group estimators
// subtract β·Σ_t k from each scalar reward before the baseline (TRL RLOO);
// REINFORCE++ puts −β·k on every token.
func (c GRPOConfig) Advantages(in AdvantageInput) AdvantageOutput {
	if len(in.Rewards) != len(in.Mask) {
		panic(errRows)
	}
	kl := klInReward(c.PolicyConfig, in)
	switch c.Advantage {
	case AdvGRPO, AdvRLOO:
		r := in.Rewards
		if kl {
			r = PenalizeRewards(r, weightedSeq(SequenceKL(c.KLEstimator, in.OldLogP, in.RefLogP, in.Mask), in.KLWeight), in.Beta)
		}
		var seq []float32
		if c.Advantage == AdvGRPO {
			var err error
			if seq, err = groupAdvantages(r, in.groups(c.GroupSize), c.GroupNorm(), in.Reduce); err != nil {
				panic(err) // a failed collective: the job cannot go on (dist.Guard aborts it)
			}
		} else {
			seq = RLOOAdvantagesBy(r, in.groups(c.GroupSize))
		}
		return AdvantageOutput{Adv: Broadcast(seq, in.Mask), Seq: seq}
	case AdvReinforcePP, AdvReinforcePPBaseline:
		var pen [][]float32
		if kl {
			pen = weightedTokens(KLRewardPenalty(c.KLEstimator, in.Beta, in.OldLogP, in.RefLogP, in.Mask), in.KLWeight)
		}
		var base []Span
		if c.Advantage == AdvReinforcePPBaseline {
			base = in.groups(c.GroupSize)
		}
		adv, err := reinforcePP(in.Rewards, pen, in.Mask, c.Gamma, base, in.Reduce)
		if err != nil {
			panic(err) // a failed collective: the job cannot go on (dist.Guard aborts it)
		}
		return AdvantageOutput{Adv: adv, Seq: seqMeans(adv, in.Mask)}
	}
	panic(errMode)
}

// Policy implements Algorithm.
func (c *GRPOConfig) Policy() *PolicyConfig { return &c.PolicyConfig }

// UsesCritic implements Algorithm: the GRPO family has no critic.
func (c GRPOConfig) UsesCritic() bool { return false }

// BuiltinTaskDefaults implements Algorithm: the GRPO family keeps its defaults.
func (c GRPOConfig) BuiltinTaskDefaults(*TrainConfig) {}

// Advantages computes PPO's per-token rewards (−β·k per token when the KL
// is in the reward, plus the score on the last valid token), GAE advantages
// and value targets from in.Values, and whitens the advantages if
// WhitenAdvantages is set. A NaN score adds no terminal reward.
func (c PPOConfig) Advantages(in AdvantageInput) AdvantageOutput {
	if len(in.Rewards) != len(in.Mask) {
		panic(errRows)
	}
	var pen [][]float32
	if klInReward(c.PolicyConfig, in) {
		pen = weightedTokens(KLRewardPenalty(c.KLEstimator, in.Beta, in.OldLogP, in.RefLogP, in.Mask), in.KLWeight)
	}
	adv, ret := GAE(TokenRewards(in.Rewards, pen, in.Mask), in.Values, in.Mask, c.Gamma, c.Lambda)
	if c.WhitenAdvantages {
		var err error
		if adv, err = WhitenAcross(adv, in.Mask, true, in.Reduce); err != nil {
			panic(err) // a failed collective: the job cannot go on (dist.Guard aborts it)
		}
	}
	return AdvantageOutput{Adv: adv, Seq: seqMeans(adv, in.Mask), Returns: ret}
}

// Policy implements Algorithm.
func (c *PPOConfig) Policy() *PolicyConfig { return &c.PolicyConfig }

// UsesCritic implements Algorithm: PPO trains a value head.
func (c PPOConfig) UsesCritic() bool { return true }

// BuiltinTaskDefaults implements Algorithm. Measured on the built-in
// countdown task (cached warm start, 2 cores; README): TRL's μ = 4 and
// β = 0.05 gained less than μ = 2, β = 0.01 over 200 steps in the same time.
func (c *PPOConfig) BuiltinTaskDefaults(tc *TrainConfig) {
	c.NumIterations = 2
	c.Beta = 0.01
	tc.Steps = 200
}

// Advantages returns NFT's per-row verdicts (in.Correct) and group correct
// rates for PolicyInput.Correct and PolicyInput.PosRate, and c − r_q per row
// for logging.
func (c NFTConfig) Advantages(in AdvantageInput) AdvantageOutput {
	if len(in.Correct) != len(in.Mask) {
		panic(errNFTInput)
	}
	rate := NFTGroupRates(in.Correct, in.groups(c.GroupSize))
	seq := make([]float32, len(rate))
	for i := range seq {
		if v := in.Correct[i] - rate[i]; !math.IsNaN(float64(v)) {
			seq[i] = v
		}
	}
	return AdvantageOutput{Seq: seq, Correct: in.Correct, PosRate: rate}
}

// Policy implements Algorithm.
func (c *NFTConfig) Policy() *PolicyConfig { return &c.PolicyConfig }

// UsesCritic implements Algorithm: NFT has no critic.
func (c NFTConfig) UsesCritic() bool { return false }

// BuiltinTaskDefaults implements Algorithm. Measured on the built-in task
// (README): dynamic sampling doubled the rollouts for no gain in pass@1, and
// without it on-policy NFT has Dr. GRPO's gradient (docs/algorithms.md §3).
func (c *NFTConfig) BuiltinTaskDefaults(*TrainConfig) { c.DynamicSampling = false }

func seqMeans(x, mask [][]float32) []float32 {
	out := make([]float32, len(mask))
	for n := range mask {
		out[n] = float32(maskedMean(x[n], mask[n]))
	}
	return out
}
