package rl

import (
	"errors"
	"fmt"
)

// NFTWeighting is NFT's prompt weight w(r_q) (the released code's
// "normalize" option).
type NFTWeighting int

// The NFT prompt weightings.
const (
	NFTWeightUniform NFTWeighting = 0 // w = 1
	NFTWeightDrGRPO  NFTWeighting = 1 // w = 1 − r_q (on-policy equals Dr. GRPO)
	NFTWeightStd     NFTWeighting = 2 // w = √((1 − r_q)/r_q) (on-policy equals population-std GRPO)
)

// RatioType chooses token or sequence likelihood ratios in NFT.
type RatioType string

// The NFT ratio types.
const (
	RatioToken    RatioType = "token"    // R[n,t] = exp(min(lp − lp_old, LogRatioMax))
	RatioSequence RatioType = "sequence" // R_n = exp(min(Σ_t m·(lp − lp_old), LogRatioMax))
)

// NFTConfig configures Negative-aware Fine-Tuning (Chen et al., arXiv
// 2505.18116; code NVlabs/NFT, docs/algorithms.md §3). Defaults follow the
// released train_7B.sh: λ_neg = 1, clamp_negative = 1, weighting 1, r_q
// clamped to [0.02, 0.98], token ratios, dynamic sampling on, no KL, no
// entropy bonus, one pass; the aggregation is the constant dr_grpo normaliser
// (the code divides Σ m·ℓ by a constant 1000 per sequence).
type NFTConfig struct {
	PolicyConfig
	// NegWeight λ_neg weighs the implicit-negative term: 1 = NFT, 0 = RFT
	// (positives only). Default 1; range ≥ 0 (the code's −1, "run DAPO
	// instead", is the dapo preset here).
	NegWeight float64 `json:"neg_weight"`
	// ClampNegative ε_neg is the straight-through lower clamp of the negative
	// ratio (1 − r_q·R)/(1 − r_q): forward max(x, ε_neg), gradient that of x.
	// Default 1.0; must be > 0.
	ClampNegative float64 `json:"clamp_negative"`
	// Weighting is the prompt weight w(r_q): 0, 1 or 2. Default 1.
	Weighting NFTWeighting `json:"normalize"`
	// RateClamp clamps r_q to [RateClamp, 1 − RateClamp]. Default 0.02; range [0, 0.5).
	RateClamp float64 `json:"rate_clamp"`
	// RatioType is token or sequence. Default token.
	RatioType RatioType `json:"ratio_type"`
	// LogRatioMax caps lp − lp_old (or its sequence sum) before exp. Default 10.
	LogRatioMax float64 `json:"log_ratio_max"`
}

// DefaultNFTConfig returns the NFT defaults (see NFTConfig).
func DefaultNFTConfig() NFTConfig {
	p := defaultPolicyConfig()
	p.LossType = LossDrGRPO
	p.DynamicSampling = true
	return NFTConfig{
		PolicyConfig:  p,
		NegWeight:     1,
		ClampNegative: 1,
		Weighting:     NFTWeightDrGRPO,
		RateClamp:     0.02,
		RatioType:     RatioToken,
		LogRatioMax:   10,
	}
}

// Validate checks the configuration and says how to fix it.
func (c NFTConfig) Validate() error {
	errs := []error{c.PolicyConfig.Validate()}
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.GroupSize < 2 {
		add("GroupSize = %d: NFT estimates the correct rate r_q from the group; set GroupSize ≥ 2 (8 or 16 is usual)", c.GroupSize)
	}
	if !(c.NegWeight >= 0) || !finite(c.NegWeight) {
		add("NegWeight = %g: must be ≥ 0 (1 = NFT, 0 = RFT); for the DAPO comparison use the dapo preset", c.NegWeight)
	}
	if !(c.ClampNegative > 0) || !finite(c.ClampNegative) {
		add("ClampNegative = %g: must be > 0 (1.0 as released)", c.ClampNegative)
	}
	switch c.Weighting {
	case NFTWeightUniform, NFTWeightDrGRPO, NFTWeightStd:
	default:
		add("Weighting = %d: choose 0 (uniform), 1 (1−r, default) or 2 (√((1−r)/r))", c.Weighting)
	}
	if !(c.RateClamp >= 0 && c.RateClamp < 0.5) {
		add("RateClamp = %g: must be in [0, 0.5) (0.02 as released)", c.RateClamp)
	}
	if c.Weighting == NFTWeightStd && c.RateClamp == 0 {
		add("Weighting = 2 divides by r_q: set RateClamp > 0 (0.02 as released)")
	}
	switch c.RatioType {
	case RatioToken, RatioSequence:
	default:
		add("RatioType = %q: choose token or sequence", c.RatioType)
	}
	if !(c.LogRatioMax > 0) || !finite(c.LogRatioMax) {
		add("LogRatioMax = %g: must be > 0 (10 as released)", c.LogRatioMax)
	}
	return errors.Join(errs...)
}

// LossConfig returns the settings the loss functions read.
func (c NFTConfig) LossConfig() LossConfig {
	lc := c.PolicyConfig.lossConfig(ObjNFT)
	lc.NFT = NFTParams{
		NegWeight:     c.NegWeight,
		ClampNegative: c.ClampNegative,
		RateClamp:     c.RateClamp,
		LogRatioMax:   c.LogRatioMax,
		Weighting:     c.Weighting,
		RatioType:     c.RatioType,
	}
	return lc
}
