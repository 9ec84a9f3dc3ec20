package rl

// NFT: Negative-aware Fine-Tuning (Chen et al., arXiv 2505.18116; code
// NVlabs/NFT@b358fae dp_actor.py update_policy and ray_nft_trainer.py
// compute_dapo_nft_outcome_advantage). docs/algorithms.md §3.
//
// The policy π_θ is trained as the positive policy by maximum likelihood on
// correct answers, and incorrect answers are fitted by the implicit negative
// policy π⁻ = (π_old − r_q·π_θ)/(1 − r_q), which pushes π_θ down on them:
//
//	R      = exp(min(lp − lp_old, LogRatioMax))
//	pos    = −log R
//	neg    = −log clampST((1 − r_q·R)/(1 − r_q), ε_neg)
//	ℓ      = w(r_q)·( c·pos + λ_neg·(1 − c)·neg )
//
// Corner cases: a row whose verdict is NaN (unscorable), or whose group rate
// is NaN or outside (0, 1) (all right or all wrong: no signal, and the
// released code removes such groups by dynamic sampling), has weight 0.

import "math"

// NFTGroupRates returns, for every row, the correct rate r_q of its group
// over the group's scorable verdicts (correct: 1, 0 or NaN; Turn.Correct),
// NaN when none is scorable.
func NFTGroupRates(correct []float32, groups []Span) []float32 {
	rate := make([]float32, len(correct))
	for _, sp := range groups {
		mean, _, k, _ := groupMoments(correct[sp.Lo:sp.Hi])
		if k == 0 {
			mean = math.NaN()
		}
		for g := sp.Lo; g < sp.Hi; g++ {
			rate[g] = float32(mean)
		}
	}
	return rate
}

// NFTWeight returns the prompt weight w(r) for a (clamped) correct rate r:
// 1, 1 − r, or √((1 − r)/r).
func NFTWeight(mode NFTWeighting, r float64) float64 {
	switch mode {
	case NFTWeightUniform:
		return 1
	case NFTWeightDrGRPO:
		return 1 - r
	case NFTWeightStd:
		return math.Sqrt((1 - r) / r)
	}
	panic(errMode)
}

// NegLogClampST returns −log(clampST(x, ε)) and its derivative with respect
// to x, where clampST is the straight-through clamp from below: forward
// max(x, ε), gradient that of x (x + stopgrad(max(x, ε) − x)). So the value
// is −log max(x, ε) and the derivative is −1/max(x, ε): below ε the gradient
// keeps flowing but its weight is capped at 1/ε.
func NegLogClampST(x, eps float64) (loss, dx float64) {
	y := max(x, eps)
	return -math.Log(y), -1 / y
}

// nftRow computes one sequence's NFT term (token or sequence ratio).
//
// Token ratio: ∂pos/∂lp_t = −1, ∂neg/∂lp_t = r·R/((1 − r)·max(x, ε))
// (both 0 where the LogRatioMax clamp is active).
// Sequence ratio: every token uses R_n = exp(min(Σ_t m·(lp − lp_old), max)),
// so Σ_t m·ℓ = len_n·ℓ(R_n) and ∂/∂lp_t = len_n·∂ℓ/∂log R_n·m_t.
func nftRow(r row, cfg *LossConfig, grad []float64, st *Stats) float64 {
	p := &cfg.NFT
	c, q := r.correct, r.rate
	if math.IsNaN(c) || !(q > 0 && q < 1) {
		return 0
	}
	q = min(max(q, p.RateClamp), 1-p.RateClamp)
	w := NFTWeight(p.Weighting, q)
	// tok returns ℓ and ∂ℓ/∂(log R) at log-ratio lr.
	tok := func(lr float64, wt float64) (float64, float64) {
		R := math.Exp(lr)
		pos := -lr
		x := (1 - q*R) / (1 - q)
		neg, dnegdx := NegLogClampST(x, p.ClampNegative)
		if c == 0 && x < p.ClampNegative {
			st.NFTNegClamped += wt
		}
		dxdlr := -q * R / (1 - q)
		l := w * (c*pos + p.NegWeight*(1-c)*neg)
		dl := w * (c*-1 + p.NegWeight*(1-c)*dnegdx*dxdlr)
		return l, dl
	}
	switch p.RatioType {
	case RatioToken:
		var sum float64
		for t, m := range r.mask {
			if m == 0 {
				continue
			}
			lr := float64(r.lp[t]) - float64(r.old[t])
			live := lr <= p.LogRatioMax
			if !live {
				lr = p.LogRatioMax
			}
			l, dl := tok(lr, float64(m))
			sum += float64(m) * l
			if live {
				grad[t] = float64(m) * dl
			}
		}
		return sum
	case RatioSequence:
		var lr, n float64
		for t, m := range r.mask {
			lr += float64(m) * (float64(r.lp[t]) - float64(r.old[t]))
			n += float64(m)
		}
		if n == 0 {
			return 0
		}
		live := lr <= p.LogRatioMax
		if !live {
			lr = p.LogRatioMax
		}
		l, dl := tok(lr, n)
		if live {
			for t, m := range r.mask {
				grad[t] = n * dl * float64(m)
			}
		}
		return n * l
	}
	panic(errMode)
}
