package rl

import (
	"math"
	"testing"
)

func nftCfg(weighting NFTWeighting, ratio RatioType, clampNeg float64) LossConfig {
	c := DefaultNFTConfig()
	c.Weighting, c.RatioType, c.ClampNegative = weighting, ratio, clampNeg
	return c.LossConfig()
}

func TestNFTGroupRates(t *testing.T) {
	c := []float32{1, 0, 0, 1, 1, 1, 1, 1, nan32, 1, 0, 0}
	q := 1.0 / 3
	checkVec(t, "rate", NFTGroupRates(c, FixedSpans(12, 4)), []float64{.5, .5, .5, .5, 1, 1, 1, 1, q, q, q, q}, 1e-7)
	checkVec(t, "all unscorable", NFTGroupRates([]float32{nan32, nan32}, FixedSpans(2, 2)), []float64{math.NaN(), math.NaN()}, 0)
	// Groups of different sizes (verification groups beside solve groups).
	checkVec(t, "ragged", NFTGroupRates([]float32{1, 0, 0, 1, 1}, []Span{{0, 3}, {3, 5}}), []float64{q, q, q, 1, 1}, 1e-7)
}

// §9.7: straight-through clamp: forward max(x, ε), gradient −∂x/max(x, ε).
func TestNegLogClampST(t *testing.T) {
	for _, c := range []struct{ x, eps, l, d float64 }{
		{0.5, 1, 0, -1},
		{2, 1, -math.Log(2), -0.5},
		{-0.3, 0.1, -math.Log(0.1), -10},
		{0.3, 0.1, -math.Log(0.3), -1 / 0.3},
	} {
		l, d := NegLogClampST(c.x, c.eps)
		if !near(l, c.l, 1e-12) || !near(d, c.d, 1e-12) {
			t.Fatalf("x=%g ε=%g: (%g, %g), want (%g, %g)", c.x, c.eps, l, d, c.l, c.d)
		}
	}
	if NFTWeight(NFTWeightUniform, 0.3) != 1 || !near(NFTWeight(NFTWeightDrGRPO, 0.3), 0.7, 1e-15) ||
		!near(NFTWeight(NFTWeightStd, 0.2), 2, 1e-12) {
		t.Fatal("NFTWeight")
	}
}

func TestNFTHandVectors(t *testing.T) {
	z := NewNormalizer(LossSeqMeanTokenSum, Counts{Seqs: 1}, 8, 1) // c_n = 1
	one := func(lp, old float32, correct, rate float32, cfg LossConfig) PolicyOutput {
		in := PolicyInput{LogP: [][]float32{{lp}}, OldLogP: [][]float32{{old}}, Mask: ones([]int{1}),
			Correct: []float32{correct}, PosRate: []float32{rate}}
		return PolicyLoss(in, cfg, z)
	}
	cfg := nftCfg(NFTWeightDrGRPO, RatioToken, 1)
	// §3: r_q = 0.5, R = 1, w = 1 − r_q ⇒ coefficients ∓0.5 = −A (Dr. GRPO A = ±0.5).
	if g := one(-1, -1, 1, 0.5, cfg).DLogP[0][0]; !near(float64(g), -0.5, 1e-7) {
		t.Fatalf("positive coefficient %g", g)
	}
	if g := one(-1, -1, 0, 0.5, cfg).DLogP[0][0]; !near(float64(g), 0.5, 1e-7) {
		t.Fatalf("negative coefficient %g", g)
	}
	// Negative with R = 1.5 > 1: x = (1 − 0.75)/0.5 = 0.5 < ε_neg = 1 ⇒
	// forward −log 1 = 0, gradient w·r·R/((1−r)·1) = 0.5·0.5·1.5/0.5 = 0.75.
	out := one(float32(math.Log(1.5)), 0, 0, 0.5, cfg)
	if !near(out.Loss, 0, 1e-12) || !near(float64(out.DLogP[0][0]), 0.75, 1e-6) || out.Stats.NFTNegClamped != 1 {
		t.Fatalf("straight-through: %+v", out)
	}
	// Positive with R = e^{0.2}: ℓ = −w·0.2, ∂ = −w.
	out = one(0.2, 0, 1, 0.25, cfg)
	if !near(out.Loss, -0.75*0.2, 1e-6) || !near(float64(out.DLogP[0][0]), -0.75, 1e-7) {
		t.Fatalf("positive: %+v", out)
	}
	// Log-ratio cap at 10: value frozen, gradient 0.
	out = one(11, 0, 1, 0.5, cfg)
	if !near(out.Loss, -0.5*10, 1e-9) || out.DLogP[0][0] != 0 {
		t.Fatalf("cap: %+v", out)
	}
	// Rate clamp: r_q = 0.99 acts as 0.98 ⇒ w = 0.02.
	if g := one(-1, -1, 1, 0.99, cfg).DLogP[0][0]; !near(float64(g), -0.02, 1e-6) {
		t.Fatalf("rate clamp %g", g)
	}
	// No signal or unscorable: weight 0.
	for _, c := range [][2]float32{{1, 1}, {0, 0}, {nan32, 0.5}, {1, nan32}} {
		if out := one(-1, -2, c[0], c[1], cfg); out.Loss != 0 || out.DLogP[0][0] != 0 {
			t.Fatalf("correct=%g rate=%g should be inert: %+v", c[0], c[1], out)
		}
	}
	// λ_neg = 0 (RFT): negatives inert.
	rft := cfg
	rft.NFT.NegWeight = 0
	if g := one(-1, -2, 0, 0.5, rft).DLogP[0][0]; g != 0 {
		t.Fatalf("RFT negative grad %g", g)
	}
	// Sequence ratio: lp − lp_old = [0.1, 0.2] ⇒ log R = 0.3; correct with
	// w = 0.5: Σ_t ℓ = 2·0.5·(−0.3), ∂/∂lp_t = 2·0.5·(−1).
	seq := nftCfg(NFTWeightDrGRPO, RatioSequence, 1)
	in := PolicyInput{LogP: [][]float32{{0.1, 0.2}}, OldLogP: [][]float32{{0, 0}}, Mask: ones([]int{2}),
		Correct: []float32{1}, PosRate: []float32{0.5}}
	out = PolicyLoss(in, seq, z)
	if !near(out.Loss, -0.3, 1e-6) {
		t.Fatalf("sequence loss %g", out.Loss)
	}
	checkVec(t, "sequence grad", out.DLogP[0], []float64{-1, -1}, 1e-6)
}

// §3 / §9.7: strictly on-policy, NFT's gradient equals GRPO's −A∇lp with
// Dr. GRPO advantages (w = 1 − r) and with population-std advantages
// (w = √((1 − r)/r)), under the same aggregation.
func TestNFTOnPolicyEqualsGRPO(t *testing.T) {
	rng := newRNG(9)
	const G = 4
	rewards := []float32{1, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0}
	lens := make([]int, len(rewards))
	for i := range lens {
		lens[i] = 1 + rng.IntN(6)
	}
	lp := ragged(lens, func(int, int) float32 { return float32(-3 * rng.Float64()) })
	mask := ragged(lens, func(int, int) float32 { return float32(min(1, rng.IntN(5))) })
	correct := rewards // 0/1 rewards are their own verdicts
	rate := NFTGroupRates(correct, FixedSpans(len(rewards), G))
	for _, tc := range []struct {
		w   NFTWeighting
		adv GroupNorm
	}{
		{NFTWeightDrGRPO, GroupNorm{ScaleNone, StdPopulation, 0}},
		{NFTWeightStd, GroupNorm{ScaleGroup, StdPopulation, 0}},
	} {
		for _, mode := range allModes {
			z := NewNormalizer(mode, Count(mask), 8, 1)
			nft := PolicyLoss(PolicyInput{LogP: lp, OldLogP: lp, Mask: mask, Correct: correct, PosRate: rate},
				nftCfg(tc.w, RatioToken, 1), z)
			adv := Broadcast(GroupAdvantages(rewards, G, tc.adv), ones(lens))
			grpo := PolicyLoss(PolicyInput{LogP: lp, OldLogP: lp, Mask: mask, Adv: adv},
				LossConfig{Objective: ObjClip, EpsilonLow: 0.2, EpsilonHigh: 0.2, LogRatioClamp: 20, PGCoef: 1}, z)
			nonzero := 0
			for n := range lens {
				for i := range lens[n] {
					a, b := float64(nft.DLogP[n][i]), float64(grpo.DLogP[n][i])
					if !near(a, b, 1e-6) {
						t.Fatalf("weighting %d, %s: [%d][%d] NFT %g vs GRPO %g", tc.w, mode, n, i, a, b)
					}
					if a != 0 {
						nonzero++
					}
				}
			}
			if nonzero == 0 {
				t.Fatal("identity test has no signal")
			}
		}
	}
}

func TestNFTFiniteDifferences(t *testing.T) {
	rng := newRNG(10)
	lens := []int{3, 5, 1, 4, 6}
	rates := []float32{0.25, 0.5, 0.125, 0.4, 0.25}
	for _, ratio := range []RatioType{RatioToken, RatioSequence} {
		for _, w := range []NFTWeighting{NFTWeightUniform, NFTWeightDrGRPO, NFTWeightStd} {
			for _, mode := range allModes {
				spread := 0.6
				if ratio == RatioSequence {
					spread = 0.1
				}
				in := randomBatch(rng, lens, spread, nil)
				in.Adv = nil
				in.PosRate = rates
				in.Correct = []float32{1, 0, 0, 1, 0}
				cfg := nftCfg(w, ratio, 1e-3) // x stays ≥ 0.18 ≫ ε: no straight-through region
				cfg.Beta, cfg.EntropyCoef = 0.02, 0.01
				z := NewNormalizer(mode, Count(in.Mask), 8, 1)
				out := PolicyLoss(in, cfg, z)
				if out.Stats.NFTNegClamped != 0 {
					t.Fatal("test batch entered the clamp region")
				}
				fdCheck(t, "nft "+string(ratio)+" "+string(mode), in.LogP, out.DLogP,
					func() float64 { return PolicyLoss(in, cfg, z).Loss }, nil)
			}
		}
	}
}
