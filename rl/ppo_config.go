package rl

import (
	"errors"
	"fmt"
)

// PPOConfig configures PPO for language models with a value head and GAE
// (Schulman et al. 2017; Ouyang et al. 2022; docs/algorithms.md §2). Defaults
// follow TRL's PPOConfig: KL in the reward (k1, β = 0.05), γ = 1, λ = 0.95,
// value clip 0.2, vf_coef 0.1, 4 passes per batch, token-mean aggregation.
type PPOConfig struct {
	PolicyConfig
	// Gamma γ is the discount of GAE. Default 1; range (0, 1].
	Gamma float64 `json:"gamma"`
	// Lambda λ is the GAE trace parameter. Default 0.95 (TRL; verl/OpenRLHF
	// use 1); range [0, 1].
	Lambda float64 `json:"lam"`
	// ValueClip ε_v clips the new value to V_old ± ε_v in the value loss.
	// Default 0.2 (TRL; verl uses 0.5); 0 disables clipping.
	ValueClip float64 `json:"cliprange_value"`
	// VFCoef c_v weighs the value loss: L = L_pg + c_v·L_V. Default 0.1; > 0.
	VFCoef float64 `json:"vf_coef"`
	// WhitenAdvantages whitens the GAE advantages over the batch's valid
	// tokens (mean 0, std 1). Default true, as TRL and verl.
	WhitenAdvantages bool `json:"whiten_advantages"`
}

// DefaultPPOConfig returns the PPO defaults (see PPOConfig).
func DefaultPPOConfig() PPOConfig {
	p := defaultPolicyConfig()
	p.GroupSize = 1
	p.LossType = LossDAPO
	p.Beta = 0.05
	p.KLEstimator = KLK1
	p.KLPlacement = KLInReward
	p.NumIterations = 4
	return PPOConfig{PolicyConfig: p, Gamma: 1, Lambda: 0.95, ValueClip: 0.2, VFCoef: 0.1, WhitenAdvantages: true}
}

// Validate checks the configuration and says how to fix it.
func (c PPOConfig) Validate() error {
	errs := []error{c.PolicyConfig.Validate()}
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !(c.Gamma > 0 && c.Gamma <= 1) {
		add("Gamma = %g: must be in (0, 1] (1 is usual for outcome rewards)", c.Gamma)
	}
	if !(c.Lambda >= 0 && c.Lambda <= 1) {
		add("Lambda = %g: must be in [0, 1] (0.95 as TRL, 1 as verl)", c.Lambda)
	}
	if !(c.ValueClip >= 0) || !finite(c.ValueClip) {
		add("ValueClip = %g: must be ≥ 0 (0 disables value clipping; 0.2 is usual)", c.ValueClip)
	}
	if !(c.VFCoef > 0) || !finite(c.VFCoef) {
		add("VFCoef = %g: must be > 0, or the value head never learns (0.1 is usual)", c.VFCoef)
	}
	return errors.Join(errs...)
}

// LossConfig returns the settings the policy and value losses read.
func (c PPOConfig) LossConfig() LossConfig {
	lc := c.PolicyConfig.lossConfig(ObjClip)
	lc.ValueClip, lc.VFCoef = c.ValueClip, c.VFCoef
	return lc
}
