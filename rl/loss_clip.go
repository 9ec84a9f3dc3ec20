package rl

// PPO/GRPO clipped surrogate with token-level ratios (Schulman et al., arXiv
// 1707.06347; DeepSeekMath arXiv 2402.03300), clip-higher (DAPO, arXiv
// 2503.14476), dual clip (Ye et al., arXiv 1912.09729; verl clip_ratio_c)
// and two-sided δ (TRL delta). Code: verl core_algos.py
// compute_policy_loss_vanilla, TRL grpo_trainer.py _compute_loss.
// docs/algorithms.md §1.2.

import "math"

// ClipEvent reports which clip of ClippedSurrogate fired (for statistics).
type ClipEvent uint8

// The clip events.
const (
	ClipNone ClipEvent = iota
	ClipLow            // ρ < 1−ε_low with A < 0
	ClipHigh           // ρ > 1+ε_high with A > 0
	ClipDual           // the dual-clip cap −c·A replaced the loss (A < 0)
)

// ClippedSurrogate returns the per-token loss
//
//	ℓ = −min( min(ρ, δ)·A, clip(ρ, 1−ε_low, 1+ε_high)·A )
//	ℓ = min(ℓ, −c·A)        when A < 0 and c > 0 (dual clip)
//
// and ∂ℓ/∂ρ, which is 0 whenever a clipped branch is the active one. δ ≤ 0
// and c ≤ 0 disable the two-sided cap and the dual clip. On ties between the
// branches the unclipped one is taken (they agree there unless A = 0).
func ClippedSurrogate(ratio, adv, epsLow, epsHigh, dualC, delta float64) (loss, dRatio float64, ev ClipEvent) {
	r1, d1 := ratio, adv
	if delta > 0 && ratio > delta {
		r1, d1 = delta, 0
	}
	l1 := r1 * adv
	cl := min(max(ratio, 1-epsLow), 1+epsHigh)
	l2 := cl * adv
	obj, dobj := l1, d1
	if l2 < l1 {
		obj, dobj = l2, 0
	}
	loss, dRatio = -obj, -dobj
	switch {
	case adv < 0 && ratio < 1-epsLow:
		ev = ClipLow
	case adv > 0 && ratio > 1+epsHigh:
		ev = ClipHigh
	}
	if dualC > 0 && adv < 0 && -dualC*adv < loss {
		loss, dRatio, ev = -dualC*adv, 0, ClipDual
	}
	return loss, dRatio, ev
}

func countClip(st *Stats, ev ClipEvent, w float64) {
	switch ev {
	case ClipLow:
		st.ClipLow += w
	case ClipHigh:
		st.ClipHigh += w
	case ClipDual:
		st.ClipDual += w
	}
}

// clipRow: ℓ_t = ClippedSurrogate(ρ_t, A_t), ρ_t = exp(clamp(lp_t − lp_old,t)).
// ∂ℓ_t/∂lp_t = ∂ℓ/∂ρ · ρ_t (0 where the log-ratio clamp is active).
func clipRow(r row, cfg *LossConfig, grad []float64, st *Stats) float64 {
	var sum float64
	for t, w := range r.mask {
		if w == 0 {
			continue
		}
		lr, live := logRatio(r.lp[t], r.old[t], cfg.LogRatioClamp)
		rho := math.Exp(lr)
		l, dr, ev := ClippedSurrogate(rho, float64(r.adv[t]), cfg.EpsilonLow, cfg.EpsilonHigh, cfg.DualClipC, cfg.Delta)
		countClip(st, ev, float64(w))
		sum += float64(w) * l
		if live {
			grad[t] = float64(w) * dr * rho
		}
	}
	return sum
}
