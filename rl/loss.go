package rl

// The policy loss driver: one call per micro-batch,
//
//	L = PGCoef·Σ_n c_n Σ_t m·ℓ_pg  +  β·Σ_n c_n Σ_t m·k  −  c_H·Σ_n c_n Σ_t m·H
//
// with ℓ_pg chosen by LossConfig.Objective (loss_clip.go, loss_gspo.go,
// loss_cispo.go, loss_nft.go), k the KL estimator (kl.go) and c_n the
// aggregation weights of the shared Normalizer (aggregate.go). It returns
// dL/dlp and dL/dH for nn.Model.Backward. Gradients are exact derivatives of
// the returned loss except where an objective stops gradients by definition
// (CISPO's IS weight, NFT's straight-through clamp), as documented there.

// PolicyInput is one micro-batch of sequences, ragged [n][t] over the
// completion positions of each sequence (nn.Scores layout).
type PolicyInput struct {
	// LogP is lp, the current policy's log-probs of the sampled tokens.
	LogP [][]float32
	// OldLogP is lp_old, the behaviour policy's log-probs stored at rollout
	// time; fixed across the μ passes. nil means on-policy (lp_old =
	// stopgrad(lp), ρ ≡ 1).
	OldLogP [][]float32
	// RefLogP is lp_ref, the frozen reference model's log-probs; needed when
	// LossConfig.Beta > 0, optional otherwise (then only logged as "kl").
	RefLogP [][]float32
	// KLWeight multiplies Beta per sequence (Turn.KLWeight); nil means 1.
	KLWeight []float32
	// RowWeight scales each sequence's whole loss (Turn.LossWeight); nil means 1.
	RowWeight []float32
	// Adv is the per-token advantage (Broadcast of per-sequence advantages,
	// or REINFORCE++/GAE per-token ones). Not read by NFT.
	Adv [][]float32
	// Mask m is the per-token loss mask (1 train, 0 skip). Required.
	Mask [][]float32
	// Entropy H of the full next-token distribution; needed when
	// LossConfig.EntropyCoef ≠ 0, optional otherwise (then only logged).
	Entropy [][]float32
	// Correct is c_n ∈ {0, 1} per sequence (NaN = unscorable); NFT only.
	Correct []float32
	// PosRate is r_q, the correct rate of the sequence's group (unclamped;
	// NaN or outside (0, 1) gives the row weight 0); NFT only. See NFTRates.
	PosRate []float32
}

// PolicyOutput is the result of PolicyLoss.
type PolicyOutput struct {
	// Loss is this micro-batch's share of the batch loss; summing Loss over
	// the micro-batches of an optimiser batch gives the batch loss.
	Loss float64
	// DLogP is dL/dlp, shaped like LogP.
	DLogP [][]float32
	// DEntropy is dL/dH, shaped like LogP; nil when EntropyCoef = 0.
	DEntropy [][]float32
	// Stats are sums for logging; Add them over micro-batches.
	Stats Stats
}

// Stats are additive sums over tokens (weighted by m), so they can be
// accumulated over micro-batches and ranks before Metrics turns them into means.
type Stats struct {
	Tokens        float64 // Σ m
	ClipLow       float64 // Σ m·[ρ < 1−ε_low ∧ A < 0]
	ClipHigh      float64 // Σ m·[ρ > 1+ε_high ∧ A > 0] (CISPO: ρ > max ratio)
	ClipDual      float64 // Σ m·[dual clip active]
	ApproxKL      float64 // Σ m·½(lp − lp_old)²
	RefKL         float64 // Σ m·k(lp, lp_ref) (estimator of the config)
	RefTokens     float64 // Σ m over rows with RefLogP
	Entropy       float64 // Σ m·H
	EntTokens     float64 // Σ m over rows with Entropy
	NFTNegClamped float64 // Σ m·[NFT negative ratio below its clamp]
	ValueClipped  float64 // Σ m·[value clip branch active]
	ValueTokens   float64 // Σ m in ValueLoss
	ValueLossSum  float64 // Σ m·½·max((V−R)², (V_clip−R)²)
}

// Add accumulates o into s.
func (s *Stats) Add(o Stats) {
	s.Tokens += o.Tokens
	s.ClipLow += o.ClipLow
	s.ClipHigh += o.ClipHigh
	s.ClipDual += o.ClipDual
	s.ApproxKL += o.ApproxKL
	s.RefKL += o.RefKL
	s.RefTokens += o.RefTokens
	s.Entropy += o.Entropy
	s.EntTokens += o.EntTokens
	s.NFTNegClamped += o.NFTNegClamped
	s.ValueClipped += o.ValueClipped
	s.ValueTokens += o.ValueTokens
	s.ValueLossSum += o.ValueLossSum
}

// Metrics returns token means under TRL's metric names where one exists:
// clip_ratio/low_mean, clip_ratio/high_mean, clip_ratio/region_mean,
// clip_ratio/dual_mean (verl pg_clipfrac_lower), approx_kl, kl, entropy,
// nft/neg_clamp_frac, vf_clipfrac, value_loss. Quantities with no tokens are omitted.
func (s Stats) Metrics() map[string]float64 {
	m := map[string]float64{}
	if s.Tokens > 0 {
		m["clip_ratio/low_mean"] = s.ClipLow / s.Tokens
		m["clip_ratio/high_mean"] = s.ClipHigh / s.Tokens
		m["clip_ratio/region_mean"] = (s.ClipLow + s.ClipHigh) / s.Tokens
		m["clip_ratio/dual_mean"] = s.ClipDual / s.Tokens
		m["approx_kl"] = s.ApproxKL / s.Tokens
		m["nft/neg_clamp_frac"] = s.NFTNegClamped / s.Tokens
	}
	if s.RefTokens > 0 {
		m["kl"] = s.RefKL / s.RefTokens
	}
	if s.EntTokens > 0 {
		m["entropy"] = s.Entropy / s.EntTokens
	}
	if s.ValueTokens > 0 {
		m["vf_clipfrac"] = s.ValueClipped / s.ValueTokens
		m["value_loss"] = s.ValueLossSum / s.ValueTokens
	}
	return m
}

// row is one sequence's view of a PolicyInput, in the form the objective
// functions read.
type row struct {
	lp, old, adv, mask []float32
	correct, rate      float64 // NFT
}

// pgRow computes one sequence's policy term: it returns Σ_t m·ℓ_pg and
// writes grad[t] = ∂(Σ_t m·ℓ_pg)/∂lp_t. grad is zeroed on entry.
type pgRow func(r row, cfg *LossConfig, grad []float64, st *Stats) float64

// PolicyLoss computes a micro-batch's loss and gradients for the objective
// cfg.Objective, aggregated with z (built once per optimiser batch by
// NewNormalizer). It panics on mismatched shapes, a missing RefLogP when
// cfg.Beta > 0, a missing Entropy when cfg.EntropyCoef ≠ 0, or missing NFT
// inputs; cfg must come from a validated config.
func PolicyLoss(in PolicyInput, cfg LossConfig, z Normalizer) PolicyOutput {
	mask := in.Mask
	checkRagged(mask, in.LogP, in.OldLogP, in.RefLogP, in.Entropy)
	if in.LogP == nil {
		panic(errRows)
	}
	var pg pgRow
	switch cfg.Objective {
	case ObjClip:
		pg = clipRow
	case ObjGSPO:
		pg = gspoRow
	case ObjCISPO:
		pg = cispoRow
	case ObjNFT:
		pg = nftRow
		if len(in.Correct) != len(mask) || len(in.PosRate) != len(mask) {
			panic(errNFTInput)
		}
	default:
		panic(errMode)
	}
	if cfg.Objective != ObjNFT && cfg.PGCoef != 0 {
		checkRagged(mask, in.Adv)
		if in.Adv == nil {
			panic(errRows)
		}
	}
	if (in.KLWeight != nil && len(in.KLWeight) != len(mask)) || (in.RowWeight != nil && len(in.RowWeight) != len(mask)) {
		panic(errRows)
	}
	if cfg.Beta != 0 && in.RefLogP == nil {
		panic(errRefLogP)
	}
	if cfg.EntropyCoef != 0 && in.Entropy == nil {
		panic(errEntropy)
	}

	out := PolicyOutput{DLogP: make([][]float32, len(mask))}
	if cfg.EntropyCoef != 0 {
		out.DEntropy = make([][]float32, len(mask))
	}
	weights := z.Weights(mask)
	var grad []float64
	for n, m := range mask {
		T := len(m)
		c := weights[n]
		if in.RowWeight != nil {
			c *= float64(in.RowWeight[n])
		}
		out.DLogP[n] = make([]float32, T)
		if out.DEntropy != nil {
			out.DEntropy[n] = make([]float32, T)
		}
		lp := in.LogP[n]
		old := lp
		if in.OldLogP != nil {
			old = in.OldLogP[n]
		}
		if cap(grad) < T {
			grad = make([]float64, T)
		}
		grad = grad[:T]
		clear(grad)
		d := make([]float64, T) // dL/dlp for this row, float64 until the end

		// Policy term.
		if cfg.PGCoef != 0 {
			r := row{lp: lp, old: old, mask: m}
			if in.Adv != nil {
				r.adv = in.Adv[n]
			}
			if cfg.Objective == ObjNFT {
				r.correct, r.rate = float64(in.Correct[n]), float64(in.PosRate[n])
			}
			sum := pg(r, &cfg, grad, &out.Stats)
			out.Loss += cfg.PGCoef * c * sum
			for t := range d {
				d[t] += cfg.PGCoef * c * grad[t]
			}
		}
		// KL to the reference, in the loss or only logged (when an estimator is set).
		if in.RefLogP != nil && (cfg.Beta != 0 || cfg.KLEstimator != "") {
			ref := in.RefLogP[n]
			beta := cfg.Beta
			if in.KLWeight != nil {
				beta *= float64(in.KLWeight[n])
			}
			var ksum float64
			for t, w := range m {
				if w == 0 {
					continue
				}
				k, dk := KL(cfg.KLEstimator, float64(lp[t]), float64(ref[t]))
				ksum += float64(w) * k
				d[t] += beta * c * float64(w) * dk
				out.Stats.RefTokens += float64(w)
			}
			out.Stats.RefKL += ksum
			out.Loss += beta * c * ksum
		}
		// Entropy bonus, or only logged.
		if in.Entropy != nil {
			h := in.Entropy[n]
			var hsum float64
			for t, w := range m {
				if w == 0 {
					continue
				}
				hsum += float64(w) * float64(h[t])
				out.Stats.EntTokens += float64(w)
				if out.DEntropy != nil {
					out.DEntropy[n][t] = float32(-cfg.EntropyCoef * c * float64(w))
				}
			}
			out.Stats.Entropy += hsum
			out.Loss -= cfg.EntropyCoef * c * hsum
		}
		// Token statistics against the behaviour policy.
		for t, w := range m {
			if w == 0 {
				continue
			}
			lr := float64(lp[t]) - float64(old[t])
			out.Stats.Tokens += float64(w)
			out.Stats.ApproxKL += float64(w) * 0.5 * lr * lr
		}
		for t := range d {
			out.DLogP[n][t] = float32(d[t])
		}
	}
	return out
}

// logRatio returns clamp(lp − old, −c, c) and whether the clamp is inactive
// (the derivative of the clamped value with respect to lp is then 1, else 0).
func logRatio(lp, old float32, c float64) (float64, bool) {
	x := float64(lp) - float64(old)
	if x > c {
		return c, false
	}
	if x < -c {
		return -c, false
	}
	return x, true
}

// maskedMean returns Σ m·x / Σ m, or 0 when Σ m = 0.
func maskedMean(x, m []float32) float64 {
	var s, w float64
	for t, v := range m {
		s += float64(v) * float64(x[t])
		w += float64(v)
	}
	if w == 0 {
		return 0
	}
	return s / w
}
