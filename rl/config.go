package rl

import (
	"errors"
	"fmt"
	"math"
)

// LossType is the loss aggregation mode (TRL's loss_type; verl's
// loss_agg_mode). See Normalizer and docs/algorithms.md §1.4.
type LossType string

// The aggregation modes.
const (
	// LossGRPO is seq-mean-token-mean: (1/N) Σ_n Σ_t m·ℓ / max(1, len_n).
	LossGRPO LossType = "grpo"
	// LossBNPO is a token mean over each micro-batch, averaged over the
	// micro-batches (TRL bnpo: local normaliser).
	LossBNPO LossType = "bnpo"
	// LossDrGRPO divides Σ m·ℓ by the constant N·MaxCompletionLen.
	LossDrGRPO LossType = "dr_grpo"
	// LossDAPO is the global token mean Σ m·ℓ / Σ m over the optimiser batch.
	LossDAPO LossType = "dapo"
	// LossSeqMeanTokenSum is (1/N) Σ_n Σ_t m·ℓ (verl seq-mean-token-sum).
	LossSeqMeanTokenSum LossType = "seq_mean_token_sum"
)

// ScaleRewards is how group-centred rewards are scaled (TRL scale_rewards).
type ScaleRewards string

// The reward-scaling modes of GroupAdvantages.
const (
	ScaleGroup ScaleRewards = "group" // divide by the group's std (GRPO)
	ScaleBatch ScaleRewards = "batch" // divide by the std of the whole batch
	ScaleNone  ScaleRewards = "none"  // no division (Dr. GRPO)
)

// StdKind chooses the standard-deviation estimator used for reward scaling.
type StdKind string

// The std estimators.
const (
	// StdUnbiased divides the sum of squares by n−1 (Bessel; TRL nanstd,
	// verl torch.std). A single scorable sample then has no std; its
	// advantage is 0 anyway.
	StdUnbiased StdKind = "unbiased"
	// StdPopulation divides by n (GRPO-Zero np.std). On-policy NFT with
	// weighting 2 equals GRPO with this std exactly.
	StdPopulation StdKind = "population"
)

// AdvantageEstimator chooses how advantages are computed from rewards.
type AdvantageEstimator string

// The advantage estimators.
const (
	AdvGRPO                AdvantageEstimator = "grpo"                  // group-normalised (GroupAdvantages)
	AdvRLOO                AdvantageEstimator = "rloo"                  // leave-one-out baseline (RLOOAdvantages)
	AdvReinforcePP         AdvantageEstimator = "reinforce_pp"          // per-token returns, whitened (ReinforcePPAdvantages)
	AdvReinforcePPBaseline AdvantageEstimator = "reinforce_pp_baseline" // group-mean baseline first, then as reinforce_pp
	AdvGAE                 AdvantageEstimator = "gae"                   // GAE with a critic (PPOConfig only)
)

// Objective chooses the per-token policy objective.
type Objective string

// The policy objectives.
const (
	ObjClip  Objective = "clip"  // PPO/GRPO clipped surrogate with token ratios (ClipLoss)
	ObjGSPO  Objective = "gspo"  // clipped surrogate with the sequence ratio (GSPOLoss)
	ObjCISPO Objective = "cispo" // clipped IS weight times log-prob (CISPOLoss)
	ObjNFT   Objective = "nft"   // Negative-aware Fine-Tuning (NFTLoss)
)

// KLEstimator names an estimator of KL(π‖π_ref) from samples of π (kl.go).
type KLEstimator string

// The KL estimators (Schulman's k1/k2/k3).
const (
	KLK1     KLEstimator = "k1"  // lp − lp_ref: unbiased, can be negative
	KLK2     KLEstimator = "k2"  // ½(lp_ref − lp)²: biased, ≥ 0
	KLK3     KLEstimator = "k3"  // exp(d) − d − 1: unbiased, ≥ 0, low variance (GRPO)
	KLK3Plus KLEstimator = "k3+" // k3 value with the k2 gradient (straight-through)
)

// KLPlacement says where the KL penalty enters.
type KLPlacement string

// The KL placements.
const (
	KLInLoss   KLPlacement = "loss"   // ℓ += β·k per token, aggregated like the policy loss (GRPO)
	KLInReward KLPlacement = "reward" // r_t −= β·k per token (PPO, REINFORCE++) or summed off the scalar reward (RLOO)
)

// PolicyConfig holds the settings every algorithm shares: aggregation,
// clipping, KL, entropy and the update loop. It is embedded in GRPOConfig,
// PPOConfig and NFTConfig.
type PolicyConfig struct {
	// GroupSize G is the number of completions sampled per prompt (TRL
	// num_generations, verl rollout.n). Default 8 (1 for PPO); group
	// baselines need ≥ 2.
	GroupSize int `json:"group_size"`
	// LossType is the aggregation mode (§1.4). Default depends on the preset.
	LossType LossType `json:"loss_type"`
	// MaxCompletionLen L_max is the generation cap in tokens; it is also the
	// constant of the dr_grpo normaliser N·L_max. Default 256.
	MaxCompletionLen int `json:"max_completion_length"`
	// EpsilonLow ε_low is the lower clip range: ρ ≥ 1−ε_low. Default 0.2; range [0, 1).
	EpsilonLow float64 `json:"epsilon_low"`
	// EpsilonHigh ε_high is the upper clip range: ρ ≤ 1+ε_high. Default 0.2;
	// DAPO's clip-higher uses 0.28; GSPO uses sequence-level 3e-4/4e-4.
	EpsilonHigh float64 `json:"epsilon_high"`
	// DualClipC c caps the loss of negative-advantage tokens at −c·A (verl
	// clip_ratio_c, 3.0 when used). 0 disables; otherwise must be > 1.
	DualClipC float64 `json:"dual_clip_c"`
	// Delta δ caps the ratio of the unclipped branch (two-sided GRPO, TRL
	// delta, INTELLECT-2). 0 disables; otherwise must be > 1+EpsilonHigh.
	Delta float64 `json:"delta"`
	// LogRatioClamp bounds lp−lp_old to [−c, c] before exp, so a stale
	// behaviour log-prob cannot produce Inf (verl uses 20). Default 20.
	LogRatioClamp float64 `json:"log_ratio_clamp"`
	// Beta β is the KL coefficient to the frozen reference model; 0 loads no
	// reference model. Default 0 for GRPO/DAPO/NFT (TRL), 0.05 for PPO/RLOO
	// (TRL), 0.01 for REINFORCE++ (OpenRLHF); DeepSeek-R1 used 0.001.
	Beta float64 `json:"beta"`
	// KLEstimator chooses k1/k2/k3/k3+. Default k3 in the loss, k1 in the reward.
	KLEstimator KLEstimator `json:"kl_estimator"`
	// KLPlacement puts the KL term in the loss or in the reward. Default
	// loss for GRPO-style presets, reward for PPO/RLOO/REINFORCE++.
	KLPlacement KLPlacement `json:"kl_placement"`
	// TargetKL turns on the adaptive β controller (verl kl_ctrl adaptive,
	// OpenRLHF kl.target): β is steered so the measured KL approaches this
	// value. 0 keeps β fixed. Default 0; verl uses 0.1 when adaptive.
	TargetKL float64 `json:"target_kl"`
	// KLHorizon is the controller's horizon in samples; larger adapts more
	// slowly. Default 10000 (verl); must be > 0 when TargetKL > 0.
	KLHorizon float64 `json:"kl_horizon"`
	// EntropyCoef c_H subtracts c_H·(aggregated entropy) from the loss (TRL
	// entropy_coef, verl entropy_coeff). Default 0; 1-shot RLVR used 0.001.
	EntropyCoef float64 `json:"entropy_coef"`
	// PGCoef scales the policy-gradient term; 0 with EntropyCoef > 0 gives an
	// entropy-only run (1-shot RLVR, §7). Default 1; range ≥ 0.
	PGCoef float64 `json:"pg_coef"`
	// NumIterations μ is the number of optimisation passes over each rollout
	// batch, reusing the stored behaviour log-probs (TRL num_iterations, verl
	// ppo_epochs). Default 1 (4 for PPO, as TRL num_ppo_epochs).
	NumIterations int `json:"num_iterations"`
	// MaskTruncated drops completions that hit MaxCompletionLen without a
	// stop token from the loss (TRL mask_truncated_completions; overlong
	// filtering). Default false.
	MaskTruncated bool `json:"mask_truncated_completions"`
	// DynamicSampling keeps only groups with 0 < #correct < G and generates
	// more prompts until the batch is full (DAPO §1.7b). Default false
	// (true for dapo and nft).
	DynamicSampling bool `json:"dynamic_sampling"`
	// MaxGenBatches bounds the generation rounds per step under
	// DynamicSampling (verl max_num_gen_batches). Default 10.
	MaxGenBatches int `json:"max_gen_batches"`
	// ShortBatch says what a step does when MaxGenBatches rounds left fewer
	// informative groups than prompts: "train" on the groups kept, with a
	// warning and the metric dynamic_sampling/short_batch = 1, or "error"
	// (stop the run, as verl does). Default train.
	ShortBatch ShortBatchAction `json:"short_batch"`
}

// ShortBatchAction is PolicyConfig.ShortBatch.
type ShortBatchAction string

// The short-batch actions.
const (
	ShortBatchTrain ShortBatchAction = "train"
	ShortBatchError ShortBatchAction = "error"
)

// defaultPolicyConfig is the shared part of every preset; presets override it.
func defaultPolicyConfig() PolicyConfig {
	return PolicyConfig{
		GroupSize:        8,
		LossType:         LossGRPO,
		MaxCompletionLen: 256,
		EpsilonLow:       0.2,
		EpsilonHigh:      0.2,
		LogRatioClamp:    20,
		KLEstimator:      KLK3,
		KLPlacement:      KLInLoss,
		KLHorizon:        10000,
		PGCoef:           1,
		NumIterations:    1,
		MaxGenBatches:    10,
		ShortBatch:       ShortBatchTrain,
	}
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// Validate checks the shared settings and says how to fix them.
func (c PolicyConfig) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.GroupSize < 1 {
		add("GroupSize = %d: must be ≥ 1 (8 is usual for group baselines)", c.GroupSize)
	}
	switch c.LossType {
	case LossGRPO, LossBNPO, LossDrGRPO, LossDAPO, LossSeqMeanTokenSum:
	default:
		add("LossType = %q: choose one of grpo, bnpo, dr_grpo, dapo, seq_mean_token_sum", c.LossType)
	}
	if c.MaxCompletionLen < 1 {
		add("MaxCompletionLen = %d: must be ≥ 1 (it is the generation cap and the dr_grpo constant)", c.MaxCompletionLen)
	}
	if !(c.EpsilonLow >= 0 && c.EpsilonLow < 1) {
		add("EpsilonLow = %g: must be in [0, 1) (0.2 is usual)", c.EpsilonLow)
	}
	if !(c.EpsilonHigh >= 0) || !finite(c.EpsilonHigh) {
		add("EpsilonHigh = %g: must be ≥ 0 (0.2, or 0.28 for DAPO clip-higher)", c.EpsilonHigh)
	}
	if c.DualClipC != 0 && !(c.DualClipC > 1) {
		add("DualClipC = %g: must be 0 (off) or > 1 (verl uses 3)", c.DualClipC)
	}
	if c.Delta != 0 && !(c.Delta > 1+c.EpsilonHigh) {
		add("Delta = %g: must be 0 (off) or > 1+EpsilonHigh = %g", c.Delta, 1+c.EpsilonHigh)
	}
	if !(c.LogRatioClamp > 0) || !finite(c.LogRatioClamp) {
		add("LogRatioClamp = %g: must be > 0 and finite (20 is usual)", c.LogRatioClamp)
	}
	if !(c.Beta >= 0) || !finite(c.Beta) {
		add("Beta = %g: must be ≥ 0 (0 disables the reference model)", c.Beta)
	}
	switch c.KLEstimator {
	case KLK1, KLK2, KLK3, KLK3Plus:
	default:
		add("KLEstimator = %q: choose one of k1, k2, k3, k3+", c.KLEstimator)
	}
	switch c.KLPlacement {
	case KLInLoss, KLInReward:
	default:
		add("KLPlacement = %q: choose loss or reward", c.KLPlacement)
	}
	if !(c.TargetKL >= 0) || !finite(c.TargetKL) {
		add("TargetKL = %g: must be ≥ 0 (0 keeps Beta fixed)", c.TargetKL)
	}
	if c.TargetKL > 0 && c.Beta == 0 {
		add("TargetKL = %g with Beta = 0: the adaptive controller scales β multiplicatively; set Beta > 0 as its initial value", c.TargetKL)
	}
	if c.TargetKL > 0 && !(c.KLHorizon > 0) {
		add("KLHorizon = %g: must be > 0 when TargetKL is set (10000 is verl's default)", c.KLHorizon)
	}
	if !finite(c.EntropyCoef) {
		add("EntropyCoef = %g: must be finite", c.EntropyCoef)
	}
	if !(c.PGCoef >= 0) || !finite(c.PGCoef) {
		add("PGCoef = %g: must be ≥ 0 (1 normally, 0 for entropy-only runs)", c.PGCoef)
	}
	if c.PGCoef == 0 && c.EntropyCoef == 0 && (c.Beta == 0 || c.KLPlacement != KLInLoss) {
		add("PGCoef = 0 and EntropyCoef = 0 leave nothing to optimise: set PGCoef = 1, or EntropyCoef > 0 for an entropy-only run")
	}
	if c.NumIterations < 1 {
		add("NumIterations = %d: must be ≥ 1", c.NumIterations)
	}
	if c.DynamicSampling {
		if c.GroupSize < 2 {
			add("DynamicSampling needs GroupSize ≥ 2 (it keeps groups with 0 < #correct < G); raise GroupSize or turn DynamicSampling off")
		}
		if c.MaxGenBatches < 1 {
			add("MaxGenBatches = %d: must be ≥ 1 with DynamicSampling (verl uses 10)", c.MaxGenBatches)
		}
		if c.ShortBatch != ShortBatchTrain && c.ShortBatch != ShortBatchError {
			add("ShortBatch = %q: choose train or error", c.ShortBatch)
		}
	}
	return errors.Join(errs...)
}

// LossConfig is what the loss functions read: the subset of an algorithm's
// configuration that shapes ℓ and its gradient. Build it with the
// LossConfig method of GRPOConfig, PPOConfig, NFTConfig or Config rather
// than by hand; fields mean what the config fields of the same name mean.
type LossConfig struct {
	Objective     Objective
	EpsilonLow    float64
	EpsilonHigh   float64
	DualClipC     float64
	Delta         float64
	CISPOMaxRatio float64
	LogRatioClamp float64
	PGCoef        float64
	EntropyCoef   float64
	// Beta is the in-loss KL coefficient; 0 when the KL is in the reward or
	// off. The trainer overwrites it each step when β is adaptive.
	Beta        float64
	KLEstimator KLEstimator
	NFT         NFTParams
	// ValueClip and VFCoef are the value loss's settings (PPO; 0 otherwise).
	ValueClip, VFCoef float64
}

// NFTParams are the NFT-only loss settings (see NFTConfig).
type NFTParams struct {
	NegWeight     float64
	ClampNegative float64
	RateClamp     float64
	LogRatioMax   float64
	Weighting     NFTWeighting
	RatioType     RatioType
}

func (c PolicyConfig) lossConfig(obj Objective) LossConfig {
	lc := LossConfig{
		Objective:     obj,
		EpsilonLow:    c.EpsilonLow,
		EpsilonHigh:   c.EpsilonHigh,
		DualClipC:     c.DualClipC,
		Delta:         c.Delta,
		LogRatioClamp: c.LogRatioClamp,
		PGCoef:        c.PGCoef,
		EntropyCoef:   c.EntropyCoef,
		KLEstimator:   c.KLEstimator,
	}
	if c.KLPlacement == KLInLoss {
		lc.Beta = c.Beta
	}
	return lc
}
