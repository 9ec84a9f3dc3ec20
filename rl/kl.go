package rl

// KL to the frozen reference policy: Schulman's k1/k2/k3 estimators
// (http://joschu.net/blog/kl-approx.html; verl core_algos.py
// kl_penalty_forward, OpenRLHF models/utils.py compute_approx_kl), their
// placement in the loss or in the reward, and the adaptive-β controller
// (Ziegler et al., arXiv 1909.08593; verl AdaptiveKLController).
// docs/algorithms.md §1.3.

import "math"

const (
	// klLogRatioClamp bounds d = lp_ref − lp before exp, as verl does.
	klLogRatioClamp = 20
	// klValueClamp bounds the k3 estimate from above, as verl's low_var_kl.
	klValueClamp = 10
)

// KL returns the per-token estimate of KL(π‖π_ref) from one sample of π with
// log-probs lp (current) and lpRef (reference), and its derivative with
// respect to lp. With d = lp_ref − lp, clamped to [−20, 20]:
//
//	k1  = −d            ∂/∂lp = 1
//	k2  = ½·d²          ∂/∂lp = −d
//	k3  = e^d − d − 1   ∂/∂lp = 1 − e^d    (value clamped to ≤ 10)
//	k3+ = k3 value      ∂/∂lp = −d         (k2 gradient, straight-through)
//
// Where a clamp is active the derivative is 0, as for torch.clamp.
func KL(est KLEstimator, lp, lpRef float64) (k, dk float64) {
	d := lpRef - lp
	clamped := false
	if d > klLogRatioClamp {
		d, clamped = klLogRatioClamp, true
	} else if d < -klLogRatioClamp {
		d, clamped = -klLogRatioClamp, true
	}
	switch est {
	case KLK1:
		k, dk = -d, 1
	case KLK2:
		k, dk = 0.5*d*d, -d
	case KLK3, KLK3Plus:
		e := math.Exp(d)
		k = e - d - 1
		if est == KLK3 {
			dk = 1 - e
		} else {
			dk = -d
		}
		if k > klValueClamp {
			k, dk = klValueClamp, 0
		}
	default:
		panic(errMode)
	}
	if clamped {
		dk = 0
	}
	return k, dk
}

// SequenceKL returns Σ_t m·k[n,t] per sequence: the KL that RLOO/GRPO with
// KLInReward subtract (times β) from the scalar reward before baselining.
func SequenceKL(est KLEstimator, lp, lpRef, mask [][]float32) []float32 {
	checkRagged(mask, lp, lpRef)
	out := make([]float32, len(mask))
	for n, m := range mask {
		var s float64
		for t, w := range m {
			if w != 0 {
				k, _ := KL(est, float64(lp[n][t]), float64(lpRef[n][t]))
				s += float64(w) * k
			}
		}
		out[n] = float32(s)
	}
	return out
}

// KLRewardPenalty returns the per-token KL rewards −β·k[n,t]·m[n,t] for
// KL-in-reward estimators (PPO, REINFORCE++); lp is the behaviour policy's
// log-probs (the rollout's lp_old).
func KLRewardPenalty(est KLEstimator, beta float64, lp, lpRef, mask [][]float32) [][]float32 {
	checkRagged(mask, lp, lpRef)
	out := make([][]float32, len(mask))
	for n, m := range mask {
		out[n] = make([]float32, len(m))
		for t, w := range m {
			if w != 0 {
				k, _ := KL(est, float64(lp[n][t]), float64(lpRef[n][t]))
				out[n][t] = float32(-beta * k * float64(w))
			}
		}
	}
	return out
}

// PenalizeRewards returns r_n − β·kl_n, leaving NaN (unscorable) rewards NaN.
func PenalizeRewards(rewards, seqKL []float32, beta float64) []float32 {
	if len(rewards) != len(seqKL) {
		panic(errRows)
	}
	out := make([]float32, len(rewards))
	for i, r := range rewards {
		out[i] = float32(float64(r) - beta*float64(seqKL[i]))
	}
	return out
}

// AdaptiveKL is the target-KL controller for β: after each step with
// measured KL k over n samples,
//
//	e = clip(k/target − 1, −0.2, 0.2);  β ← β·(1 + e·n/horizon)
//
// so β grows when the policy drifts past the target and shrinks below it.
// Its zero value with Target = 0 is a fixed β.
type AdaptiveKL struct {
	Beta    float64 // current coefficient
	Target  float64 // target KL per token; 0 keeps Beta fixed
	Horizon float64 // samples over which β may change by about e·100%
}

// NewAdaptiveKL returns the controller described by cfg (Beta, TargetKL, KLHorizon).
func NewAdaptiveKL(cfg PolicyConfig) AdaptiveKL {
	return AdaptiveKL{Beta: cfg.Beta, Target: cfg.TargetKL, Horizon: cfg.KLHorizon}
}

// Update adjusts Beta after a step whose mean KL was kl over nSamples
// sequences, and returns the new Beta. Non-finite kl leaves β unchanged.
func (a *AdaptiveKL) Update(kl float64, nSamples int) float64 {
	if a.Target <= 0 || !finite(kl) {
		return a.Beta
	}
	e := min(max(kl/a.Target-1, -0.2), 0.2)
	a.Beta *= 1 + e*float64(nSamples)/a.Horizon
	return a.Beta
}
