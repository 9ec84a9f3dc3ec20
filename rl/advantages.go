package rl

// Estimator dispatch: one call per optimiser batch turns scalar rewards (and,
// for KL-in-reward and PPO, log-probs and values) into the per-token
// advantages PolicyInput.Adv expects. The maths lives in adv_group.go and
// adv_returns.go; this file only wires a validated config to it.

// AdvantageInput is what the estimators read for one batch of
// group-contiguous rows.
type AdvantageInput struct {
	// Rewards is the scalar outcome reward per sequence (NaN = unscorable).
	Rewards []float32
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
}

// AdvantageOutput is the result of an estimator.
type AdvantageOutput struct {
	// Adv is the per-token advantage, for PolicyInput.Adv.
	Adv [][]float32
	// Seq is one advantage per sequence for logging (samples.jsonl): the
	// group advantage, or the masked token mean for token-level estimators.
	Seq []float32
	// Returns are PPO's value targets (nil otherwise), for ValueInput.Returns.
	Returns [][]float32
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
			r = PenalizeRewards(r, SequenceKL(c.KLEstimator, in.OldLogP, in.RefLogP, in.Mask), in.Beta)
		}
		var seq []float32
		if c.Advantage == AdvGRPO {
			seq = GroupAdvantages(r, c.GroupSize, c.GroupNorm())
		} else {
			seq = RLOOAdvantages(r, c.GroupSize)
		}
		return AdvantageOutput{Adv: Broadcast(seq, in.Mask), Seq: seq}
	case AdvReinforcePP, AdvReinforcePPBaseline:
		var pen [][]float32
		if kl {
			pen = KLRewardPenalty(c.KLEstimator, in.Beta, in.OldLogP, in.RefLogP, in.Mask)
		}
		base := 0
		if c.Advantage == AdvReinforcePPBaseline {
			base = c.GroupSize
		}
		adv := ReinforcePPAdvantages(in.Rewards, pen, in.Mask, c.Gamma, base)
		return AdvantageOutput{Adv: adv, Seq: seqMeans(adv, in.Mask)}
	}
	panic(errMode)
}

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
		pen = KLRewardPenalty(c.KLEstimator, in.Beta, in.OldLogP, in.RefLogP, in.Mask)
	}
	adv, ret := GAE(TokenRewards(in.Rewards, pen, in.Mask), in.Values, in.Mask, c.Gamma, c.Lambda)
	if c.WhitenAdvantages {
		adv = Whiten(adv, in.Mask, true)
	}
	return AdvantageOutput{Adv: adv, Seq: seqMeans(adv, in.Mask), Returns: ret}
}

// Rates returns NFT's per-row verdicts and group correct rates for
// PolicyInput.Correct and PolicyInput.PosRate (see NFTRates).
func (c NFTConfig) Rates(rewards []float32) (correct, rate []float32) {
	return NFTRates(rewards, c.GroupSize, c.CorrectThreshold)
}

func seqMeans(x, mask [][]float32) []float32 {
	out := make([]float32, len(mask))
	for n := range mask {
		out[n] = float32(maskedMean(x[n], mask[n]))
	}
	return out
}
