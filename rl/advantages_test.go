package rl

import "testing"

func TestConfigAdvantages(t *testing.T) {
	lens := []int{2, 1, 3, 2}
	m := ones(lens)
	r := []float32{1, 0, 0, 1}

	g := DefaultGRPOConfig()
	g.GroupSize = 4
	out := g.Advantages(AdvantageInput{Rewards: r, Mask: m})
	u := 0.5 / (0.5773502691896258 + 1e-4)
	checkVec(t, "grpo seq", out.Seq, []float64{u, -u, -u, u}, 1e-6)
	checkVec(t, "grpo tok", out.Adv[2], []float64{-u, -u, -u}, 1e-6)

	// RLOO with the KL in the reward: k1 sums [1, 0, 0, 0.5], β = 0.1 ⇒
	// rewards [0.9, 0, 0, 0.95] ⇒ A_g = 4/3·(r_g − 0.4625).
	rl := DefaultRLOOConfig()
	rl.GroupSize = 4
	old := ragged(lens, func(int, int) float32 { return -1 })
	ref := [][]float32{{-1.5, -1.5}, {-1}, {-1, -1, -1}, {-1.5, -1}}
	out = rl.Advantages(AdvantageInput{Rewards: r, Mask: m, OldLogP: old, RefLogP: ref, Beta: 0.1})
	mu := (0.9 + 0.95) / 4
	checkVec(t, "rloo kl", out.Seq, []float64{4. / 3 * (0.9 - mu), 4. / 3 * -mu, 4. / 3 * -mu, 4. / 3 * (0.95 - mu)}, 1e-6)

	// REINFORCE++-baseline matches the direct call.
	rp := DefaultReinforcePPConfig()
	rp.Advantage, rp.GroupSize = AdvReinforcePPBaseline, 2
	out = rp.Advantages(AdvantageInput{Rewards: r, Mask: m})
	want := ReinforcePPAdvantages(r, nil, m, 1, FixedSpans(len(r), 2))
	for n := range lens {
		checkVec(t, "rpp", out.Adv[n], toF64(want[n]), 0)
	}

	// PPO with β = 0: GAE of the terminal score, then whitening.
	p := DefaultPPOConfig()
	vals := [][]float32{{0.5, 0.6}, {0.1}, {0, 0, 0.2}, {0.3, 0.3}}
	out = p.Advantages(AdvantageInput{Rewards: r, Mask: m, Values: vals})
	adv, ret := GAE(TokenRewards(r, nil, m), vals, m, 1, 0.95)
	wa := Whiten(adv, m, true)
	for n := range lens {
		checkVec(t, "ppo adv", out.Adv[n], toF64(wa[n]), 0)
		checkVec(t, "ppo ret", out.Returns[n], toF64(ret[n]), 0)
	}
	// Row 0: r = [0, 1], V = [0.5, 0.6] ⇒ δ = [0.1, 0.4], Â = [0.1+0.95·0.4, 0.4].
	checkVec(t, "ppo raw", adv[0], []float64{0.48, 0.4}, 1e-6)

	nc := []float32{1, 0, 0, 0, 1, 1, 1, 0}
	no := DefaultNFTConfig().Advantages(AdvantageInput{Rewards: nc, Correct: nc, Mask: ones([]int{1, 1, 1, 1, 1, 1, 1, 1})})
	checkVec(t, "nft c", no.Correct, []float64{1, 0, 0, 0, 1, 1, 1, 0}, 0)
	checkVec(t, "nft q", no.PosRate, []float64{.5, .5, .5, .5, .5, .5, .5, .5}, 0)
	checkVec(t, "nft seq", no.Seq, []float64{.5, -.5, -.5, -.5, .5, .5, .5, -.5}, 0)
}

func toF64(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}
