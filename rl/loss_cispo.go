package rl

// CISPO: clipped IS-weight policy optimisation (MiniMax-M1, arXiv
// 2506.13585; TRL loss_type="cispo"). docs/algorithms.md §1.8.

import "math"

// cispoRow: ℓ_t = −sg(min(ρ_t, c))·A_t·lp_t with c = CISPOMaxRatio. The IS
// weight is a constant for the gradient, so ∂ℓ_t/∂lp_t = −min(ρ_t, c)·A_t:
// every token keeps a gradient, only its weight is capped. The loss value
// (which contains lp itself) is reported as TRL does; only its gradient is
// meaningful. Tokens with ρ > c count as ClipHigh.
func cispoRow(r row, cfg *LossConfig, grad []float64, st *Stats) float64 {
	var sum float64
	for t, w := range r.mask {
		if w == 0 {
			continue
		}
		lr, _ := logRatio(r.lp[t], r.old[t], cfg.LogRatioClamp)
		rho := math.Exp(lr)
		if rho > cfg.CISPOMaxRatio {
			rho = cfg.CISPOMaxRatio
			st.ClipHigh += float64(w)
		}
		a := float64(r.adv[t])
		sum += float64(w) * (-rho * a * float64(r.lp[t]))
		grad[t] = -float64(w) * rho * a
	}
	return sum
}
