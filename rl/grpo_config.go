package rl

import (
	"errors"
	"fmt"
)

// GRPOConfig configures the critic-free, group-sampling algorithms: GRPO
// (DeepSeekMath, arXiv 2402.03300), Dr. GRPO (arXiv 2503.20783), DAPO (arXiv
// 2503.14476), RLOO and REINFORCE++ (OpenRLHF). Defaults follow TRL's
// GRPOConfig unless noted; the presets differ only in the fields listed in
// their constructors.
type GRPOConfig struct {
	PolicyConfig
	// Advantage is the estimator: grpo, rloo, reinforce_pp or
	// reinforce_pp_baseline. Default grpo.
	Advantage AdvantageEstimator `json:"advantage"`
	// ScaleRewards divides group-centred rewards by the group std (group,
	// GRPO), the batch std (batch) or nothing (none, Dr. GRPO). Default group.
	ScaleRewards ScaleRewards `json:"scale_rewards"`
	// Std is the std estimator for ScaleRewards: unbiased (n−1, TRL/verl) or
	// population (n). Default unbiased.
	Std StdKind `json:"std"`
	// AdvEpsilon ε is added to the std before dividing: A = (r−μ)/(σ+ε).
	// Default 1e-4 (TRL; verl uses 1e-6); must be > 0.
	AdvEpsilon float64 `json:"adv_epsilon"`
	// Objective is the policy objective: clip (token ratio, PPO/GRPO), gspo
	// (sequence ratio) or cispo (clipped IS weight). Default clip.
	Objective Objective `json:"objective"`
	// CISPOMaxRatio caps the stop-gradient IS weight of CISPO: w = min(ρ, c).
	// Default 5; used only with Objective cispo.
	CISPOMaxRatio float64 `json:"cispo_max_ratio"`
	// Gamma γ discounts per-token returns for REINFORCE++. Default 1; range (0, 1].
	Gamma float64 `json:"gamma"`
}

// DefaultGRPOConfig is DeepSeekMath GRPO: std-scaled group advantages,
// seq-mean-token-mean aggregation, ε = 0.2, no KL (β = 0, as TRL).
func DefaultGRPOConfig() GRPOConfig {
	return GRPOConfig{
		PolicyConfig:  defaultPolicyConfig(),
		Advantage:     AdvGRPO,
		ScaleRewards:  ScaleGroup,
		Std:           StdUnbiased,
		AdvEpsilon:    1e-4,
		Objective:     ObjClip,
		CISPOMaxRatio: 5,
		Gamma:         1,
	}
}

// DefaultDrGRPOConfig is Dr. GRPO: GRPO without the std division and with
// the constant N·L_max normaliser (TRL scale_rewards="none", loss_type="dr_grpo").
func DefaultDrGRPOConfig() GRPOConfig {
	c := DefaultGRPOConfig()
	c.ScaleRewards = ScaleNone
	c.LossType = LossDrGRPO
	return c
}

// DefaultDAPOConfig is DAPO: clip-higher (ε_high = 0.28), dynamic sampling
// and the global token mean; no KL.
func DefaultDAPOConfig() GRPOConfig {
	c := DefaultGRPOConfig()
	c.LossType = LossDAPO
	c.EpsilonHigh = 0.28
	c.DynamicSampling = true
	return c
}

// DefaultRLOOConfig is RLOO with the KL in the reward (TRL RLOO: β = 0.05,
// k1 summed over the sequence and subtracted from the score before the
// leave-one-out baseline) and the token mean.
func DefaultRLOOConfig() GRPOConfig {
	c := DefaultGRPOConfig()
	c.Advantage = AdvRLOO
	c.LossType = LossDAPO
	c.Beta = 0.05
	c.KLEstimator = KLK1
	c.KLPlacement = KLInReward
	return c
}

// DefaultReinforcePPConfig is REINFORCE++ (OpenRLHF): per-token KL in the
// reward (k1, β = 0.01), discounted returns, whitening over the batch, token mean.
func DefaultReinforcePPConfig() GRPOConfig {
	c := DefaultRLOOConfig()
	c.Advantage = AdvReinforcePP
	c.Beta = 0.01
	return c
}

// Validate checks the configuration and says how to fix it.
func (c GRPOConfig) Validate() error {
	errs := []error{c.PolicyConfig.Validate()}
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch c.Advantage {
	case AdvGRPO, AdvRLOO, AdvReinforcePPBaseline:
		if c.GroupSize < 2 {
			add("GroupSize = %d: the %s advantage needs a group baseline of ≥ 2 samples per prompt; set GroupSize ≥ 2 (8 is usual) or use Advantage reinforce_pp", c.GroupSize, c.Advantage)
		}
	case AdvReinforcePP:
	case AdvGAE:
		add("Advantage = gae needs a critic: use the ppo preset (PPOConfig)")
	default:
		add("Advantage = %q: choose one of grpo, rloo, reinforce_pp, reinforce_pp_baseline", c.Advantage)
	}
	switch c.ScaleRewards {
	case ScaleGroup, ScaleBatch, ScaleNone:
	default:
		add("ScaleRewards = %q: choose group, batch or none", c.ScaleRewards)
	}
	switch c.Std {
	case StdUnbiased, StdPopulation:
	default:
		add("Std = %q: choose unbiased or population", c.Std)
	}
	if !(c.AdvEpsilon > 0) || !finite(c.AdvEpsilon) {
		add("AdvEpsilon = %g: must be > 0 (1e-4 as TRL, 1e-6 as verl)", c.AdvEpsilon)
	}
	switch c.Objective {
	case ObjClip:
	case ObjGSPO:
		if c.EpsilonLow > 0.01 || c.EpsilonHigh > 0.01 {
			add("Objective = gspo with EpsilonLow = %g, EpsilonHigh = %g: sequence-level ratios need far smaller clip ranges; set EpsilonLow = 3e-4, EpsilonHigh = 4e-4 (GSPO paper §5.1)", c.EpsilonLow, c.EpsilonHigh)
		}
	case ObjCISPO:
		if !(c.CISPOMaxRatio > 0) || !finite(c.CISPOMaxRatio) {
			add("CISPOMaxRatio = %g: must be > 0 with Objective cispo (5 is usual)", c.CISPOMaxRatio)
		}
	case ObjNFT:
		add("Objective = nft: use the nft preset (NFTConfig)")
	default:
		add("Objective = %q: choose one of clip, gspo, cispo", c.Objective)
	}
	if !(c.Gamma > 0 && c.Gamma <= 1) {
		add("Gamma = %g: must be in (0, 1] (1 is usual for outcome rewards)", c.Gamma)
	}
	return errors.Join(errs...)
}

// GroupNorm returns the options of GroupAdvantages.
func (c GRPOConfig) GroupNorm() GroupNorm {
	return GroupNorm{Scale: c.ScaleRewards, Std: c.Std, Eps: c.AdvEpsilon}
}

// LossConfig returns the settings the loss functions read.
func (c GRPOConfig) LossConfig() LossConfig {
	lc := c.PolicyConfig.lossConfig(c.Objective)
	lc.CISPOMaxRatio = c.CISPOMaxRatio
	return lc
}
