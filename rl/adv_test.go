package rl

import (
	"math"
	"testing"
)

var nan32 = float32(math.NaN())

// §1.1 test vectors.
func TestGroupAdvantagesVectors(t *testing.T) {
	r := []float32{1, 0, 0, 1}
	checkVec(t, "population", GroupAdvantages(r, 4, GroupNorm{ScaleGroup, StdPopulation, 0}), []float64{1, -1, -1, 1}, 1e-6)
	u := 0.5 / math.Sqrt(1.0/3) // 0.8660
	checkVec(t, "unbiased", GroupAdvantages(r, 4, GroupNorm{ScaleGroup, StdUnbiased, 0}), []float64{u, -u, -u, u}, 1e-6)
	checkVec(t, "none", GroupAdvantages(r, 4, GroupNorm{ScaleNone, StdUnbiased, 1e-4}), []float64{0.5, -0.5, -0.5, 0.5}, 1e-7)
	// ε enters as σ + ε: 0.5/(0.5 + 0.25) with population std.
	checkVec(t, "eps", GroupAdvantages(r, 4, GroupNorm{ScaleGroup, StdPopulation, 0.25}), []float64{2. / 3, -2. / 3, -2. / 3, 2. / 3}, 1e-6)
	if math.Abs(u-0.8660254) > 1e-6 {
		t.Fatal("unbiased reference wrong")
	}
}

func TestGroupAdvantagesCorners(t *testing.T) {
	opt := GroupNorm{ScaleGroup, StdUnbiased, 1e-4}
	// All equal, including values whose float mean is inexact: exactly 0.
	for _, r := range [][]float32{{1, 1, 1, 1}, {0.1, 0.1, 0.1}, {0.7, 0.7, 0.7}} {
		for _, a := range GroupAdvantages(r, len(r), opt) {
			if a != 0 {
				t.Fatalf("equal rewards %v gave %v", r, a)
			}
		}
	}
	// G = 1: no baseline.
	checkVec(t, "G=1", GroupAdvantages([]float32{1, 0, 3}, 1, opt), []float64{0, 0, 0}, 0)
	// NaN excluded from μ, σ; its advantage 0. Scorable {1,0,1}: μ = 2/3,
	// population σ = √(2/9), A = (1/3)/σ = 0.70711, (−2/3)/σ = −1.41421.
	got := GroupAdvantages([]float32{1, nan32, 0, 1}, 4, GroupNorm{ScaleGroup, StdPopulation, 0})
	checkVec(t, "nan", got, []float64{0.70710678, 0, -1.41421356, 0.70710678}, 1e-6)
	// Only one scorable sample: 0 for everyone.
	checkVec(t, "one scorable", GroupAdvantages([]float32{nan32, 1, nan32, nan32}, 4, opt), []float64{0, 0, 0, 0}, 0)
	// Groups are independent: the same rewards twice give the same advantages.
	got = GroupAdvantages([]float32{1, 0, 0, 1, 1, 0, 0, 1}, 4, GroupNorm{ScaleNone, StdUnbiased, 0})
	checkVec(t, "two groups", got, []float64{.5, -.5, -.5, .5, .5, -.5, -.5, .5}, 0)
}

func TestGroupAdvantagesBatchStd(t *testing.T) {
	// 8 rewards, 5 ones: population batch σ = √(5/8·3/8) = √15/8 = 0.4841229.
	r := []float32{1, 0, 0, 1, 1, 1, 1, 0}
	s := math.Sqrt(15) / 8
	want := []float64{.5 / s, -.5 / s, -.5 / s, .5 / s, .25 / s, .25 / s, .25 / s, -.75 / s}
	checkVec(t, "batch", GroupAdvantages(r, 4, GroupNorm{ScaleBatch, StdPopulation, 0}), want, 1e-6)
}

// §1.8 RLOO vector and NaN handling.
func TestRLOO(t *testing.T) {
	checkVec(t, "rloo", RLOOAdvantages([]float32{1, 0, 0, 1}, 4), []float64{2. / 3, -2. / 3, -2. / 3, 2. / 3}, 1e-6)
	// Scorable {1,0,1}: 1 − mean{0,1} = 0.5; 0 − mean{1,1} = −1.
	checkVec(t, "rloo nan", RLOOAdvantages([]float32{1, nan32, 0, 1}, 4), []float64{.5, 0, -1, .5}, 1e-6)
	checkVec(t, "rloo G=1", RLOOAdvantages([]float32{1, 0}, 1), []float64{0, 0}, 0)
	checkVec(t, "rloo equal", RLOOAdvantages([]float32{0.3, 0.3}, 2), []float64{0, 0}, 0)
}

func TestBroadcastAndRewardStats(t *testing.T) {
	b := Broadcast([]float32{2, -1}, [][]float32{{1, 0, 1}, {1}})
	checkVec(t, "b0", b[0], []float64{2, 0, 2}, 0)
	checkVec(t, "b1", b[1], []float64{-1}, 0)
	s := GroupRewardStats([]float32{1, 0, 0, 1, 1, 1, 1, 1}, 4)
	if !near(s.Mean, 0.75, 1e-12) || !near(s.FracZeroStd, 0.5, 1e-12) || !near(s.Std, math.Sqrt(1.0/3)/2, 1e-9) || s.FracUnscorable != 0 {
		t.Fatalf("stats %+v", s)
	}
	s = GroupRewardStats([]float32{1, nan32}, 2)
	if s.FracUnscorable != 0.5 || s.FracZeroStd != 1 {
		t.Fatalf("stats %+v", s)
	}
}

// §2 GAE vector, masked positions skipped, and a direct-sum reference.
func TestGAE(t *testing.T) {
	adv, ret := GAE([][]float32{{0, 0, 1}}, [][]float32{{0.5, 0.6, 0.7}}, ones([]int{3}), 1, 0.95)
	checkVec(t, "adv", adv[0], []float64{0.46575, 0.385, 0.3}, 1e-6)
	checkVec(t, "ret", ret[0], []float64{0.96575, 0.985, 1.0}, 1e-6)

	// An environment token (m = 0) in the middle changes nothing for the others.
	adv, ret = GAE([][]float32{{0, 5, 0, 1}}, [][]float32{{0.5, 9, 0.6, 0.7}}, [][]float32{{1, 0, 1, 1}}, 1, 0.95)
	checkVec(t, "masked adv", adv[0], []float64{0.46575, 0, 0.385, 0.3}, 1e-6)
	checkVec(t, "masked ret", ret[0], []float64{0.96575, 0, 0.985, 1.0}, 1e-6)

	// Random rows against Â_t = Σ_l (γλ)^l δ_{t+l}.
	rng := newRNG(1)
	lens := []int{1, 4, 7}
	r := ragged(lens, func(int, int) float32 { return float32(rng.NormFloat64()) })
	v := ragged(lens, func(int, int) float32 { return float32(rng.NormFloat64()) })
	g, l := 0.9, 0.8
	adv, ret = GAE(r, v, ones(lens), g, l)
	for n, T := range lens {
		for t0 := 0; t0 < T; t0++ {
			var want float64
			for s := t0; s < T; s++ {
				next := 0.0
				if s+1 < T {
					next = float64(v[n][s+1])
				}
				delta := float64(r[n][s]) + g*next - float64(v[n][s])
				want += math.Pow(g*l, float64(s-t0)) * delta
			}
			if !near(float64(adv[n][t0]), want, 1e-5) || !near(float64(ret[n][t0]), want+float64(v[n][t0]), 1e-5) {
				t.Fatalf("gae[%d][%d] = %g, want %g", n, t0, adv[n][t0], want)
			}
		}
	}
}

func TestWhitenIgnoresPadding(t *testing.T) {
	x := [][]float32{{1, 2, 100}, {3, -50}}
	m := [][]float32{{1, 1, 0}, {1, 0}}
	w := Whiten(x, m, true)
	// Valid {1,2,3}: mean 2, unbiased var 1.
	checkVec(t, "w0", w[0], []float64{-1, 0, 0}, 1e-6)
	checkVec(t, "w1", w[1], []float64{1, 0}, 1e-6)
	w = Whiten(x, m, false)
	checkVec(t, "keep mean", w[0], []float64{1, 2, 0}, 1e-6)
	w = Whiten([][]float32{{4}}, [][]float32{{1}}, true)
	checkVec(t, "single", w[0], []float64{0}, 0)
}

func TestReinforcePP(t *testing.T) {
	// Returns with γ = 0.5 and KL rewards: r = [−0.1, −0.2+1] → G = [−0.1+0.5·0.8, 0.8].
	tr := TokenRewards([]float32{1}, [][]float32{{-0.1, -0.2}}, ones([]int{2}))
	checkVec(t, "token rewards", tr[0], []float64{-0.1, 0.8}, 1e-7)
	checkVec(t, "returns", DiscountedReturns(tr, ones([]int{2}), 0.5)[0], []float64{0.3, 0.8}, 1e-7)
	// Score on the last valid token, not on a trailing masked one.
	tr = TokenRewards([]float32{2}, nil, [][]float32{{1, 1, 0}})
	checkVec(t, "last valid", tr[0], []float64{0, 2, 0}, 0)

	// Plain: returns [1,1] and [0]; whitened over {1,1,0}: mean 2/3, var 1/3.
	a := ReinforcePPAdvantages([]float32{1, 0}, nil, ones([]int{2, 1}), 1, nil)
	s := math.Sqrt(1.0 / 3)
	checkVec(t, "a0", a[0], []float64{(1 - 2./3) / s, (1 - 2./3) / s}, 1e-5)
	checkVec(t, "a1", a[1], []float64{(-2. / 3) / s}, 1e-5)
	// Baseline: groups of 2 centre to ±0.5; whitened (var 1/3) ±0.8660.
	a = ReinforcePPAdvantages([]float32{1, 0, 0, 1}, nil, ones([]int{1, 1, 1, 1}), 1, FixedSpans(4, 2))
	u := 0.5 / s
	for i, w := range []float64{u, -u, -u, u} {
		checkVec(t, "baseline", a[i], []float64{w}, 1e-5)
	}
	// NaN score: advantage 0 and no effect on the others' statistics.
	a = ReinforcePPAdvantages([]float32{1, nan32, 0}, nil, ones([]int{2, 3, 1}), 1, nil)
	checkVec(t, "nan a0", a[0], []float64{(1 - 2./3) / s, (1 - 2./3) / s}, 1e-5)
	checkVec(t, "nan a1", a[1], []float64{0, 0, 0}, 0)
	checkVec(t, "nan a2", a[2], []float64{(-2. / 3) / s}, 1e-5)
}

func TestExplainedVariance(t *testing.T) {
	m := ones([]int{4})
	ret := [][]float32{{1, 2, 3, 4}}
	if ev := ExplainedVariance(ret, ret, m); !near(ev, 1, 1e-12) {
		t.Fatalf("perfect critic: %g", ev)
	}
	if ev := ExplainedVariance([][]float32{{0, 0, 0, 0}}, ret, m); !near(ev, 0, 1e-12) {
		t.Fatalf("constant critic: %g", ev)
	}
}
