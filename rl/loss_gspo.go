package rl

// GSPO: Group Sequence Policy Optimization (Zheng et al., arXiv 2507.18071;
// verl core_algos.py compute_policy_loss_gspo; TRL
// importance_sampling_level="sequence"). docs/algorithms.md §1.8.

import "math"

// gspoRow uses the length-normalised sequence ratio
//
//	s_n = exp( Σ_t m·(lp − lp_old) / len_n )
//
// for every token of the sequence: ℓ_t = ClippedSurrogate(s_n, A_n) with A_n
// the masked mean of the row's advantages (= the sequence advantage when
// broadcast). verl's per-token form log s_{n,t} = sg(log s_n) + lp_t −
// sg(lp_t) gives ∂ℓ_t/∂lp_t = ∂ℓ/∂s·s_n; summed over the row this equals the
// exact derivative of Σ_t m·ℓ_t = len_n·ℓ(s_n), since ∂s_n/∂lp_t = s_n·m_t/len_n.
func gspoRow(r row, cfg *LossConfig, grad []float64, st *Stats) float64 {
	var sum, n float64
	for t, w := range r.mask {
		sum += float64(w) * (float64(r.lp[t]) - float64(r.old[t]))
		n += float64(w)
	}
	if n == 0 {
		return 0
	}
	lr, live := sum/n, true
	if c := cfg.LogRatioClamp; lr > c || lr < -c {
		lr, live = min(max(lr, -c), c), false
	}
	s := math.Exp(lr)
	adv := maskedMean(r.adv, r.mask)
	l, ds, ev := ClippedSurrogate(s, adv, cfg.EpsilonLow, cfg.EpsilonHigh, cfg.DualClipC, cfg.Delta)
	countClip(st, ev, n)
	if live {
		for t, w := range r.mask {
			grad[t] = float64(w) * ds * s
		}
	}
	return n * l
}
