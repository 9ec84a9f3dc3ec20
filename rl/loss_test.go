package rl

import (
	"math"
	"math/rand/v2"
	"testing"
)

// §1.4 vector: lengths 2 and 4, ℓ = 1 on seq-1 tokens, 0 on seq-2.
func TestAggregationVector(t *testing.T) {
	lens := []int{2, 4}
	m := ones(lens)
	l := ragged(lens, func(n, _ int) float32 { return float32(1 - n) })
	c := Count(m)
	if c.Seqs != 2 || c.Tokens != 6 {
		t.Fatalf("count %+v", c)
	}
	for _, tc := range []struct {
		mode LossType
		want float64
	}{{LossGRPO, 0.5}, {LossDAPO, 1.0 / 3}, {LossBNPO, 1.0 / 3}, {LossSeqMeanTokenSum, 1.0}, {LossDrGRPO, 0.25}} {
		z := NewNormalizer(tc.mode, c, 4, 1)
		if got := z.Aggregate(l, m); !near(got, tc.want, 1e-12) {
			t.Fatalf("%s: %g, want %g", tc.mode, got, tc.want)
		}
	}
	// Empty sequences count in N for grpo (TRL clamps len to ≥ 1) and the
	// empty batch gives 0, not NaN.
	z := NewNormalizer(LossGRPO, Count([][]float32{{1}, {}}), 4, 1)
	if got := z.Aggregate([][]float32{{3}, {}}, [][]float32{{1}, {}}); got != 1.5 {
		t.Fatalf("empty row: %g", got)
	}
	z = NewNormalizer(LossDAPO, Count(nil), 4, 1)
	if got := z.Aggregate(nil, nil); got != 0 {
		t.Fatalf("empty batch: %g", got)
	}
}

// §1.2 vectors, dual clip and δ.
func TestClippedSurrogate(t *testing.T) {
	for _, c := range []struct {
		rho, adv, el, eh, dual, delta float64
		loss, d                       float64
		ev                            ClipEvent
	}{
		{1.5, 1, 0.2, 0.28, 0, 0, -1.28, 0, ClipHigh},
		{0.5, -1, 0.2, 0.2, 0, 0, 0.8, 0, ClipLow},
		{1.5, -1, 0.2, 0.2, 0, 0, 1.5, 1, ClipNone},
		{1.5, -1, 0.2, 0.2, 3, 0, 1.5, 1, ClipNone},
		{4, -1, 0.2, 0.2, 3, 0, 3, 0, ClipDual},
		{1.1, 2, 0.2, 0.2, 0, 0, -2.2, -2, ClipNone},
		{0.5, 1, 0.2, 0.2, 0, 0, -0.5, -1, ClipNone}, // A > 0, ρ low: unclipped branch
		{3, -1, 0.2, 0.2, 0, 2, 2, 0, ClipNone},      // δ caps the unclipped ratio at 2
	} {
		l, d, ev := ClippedSurrogate(c.rho, c.adv, c.el, c.eh, c.dual, c.delta)
		if !near(l, c.loss, 1e-12) || !near(d, c.d, 1e-12) || ev != c.ev {
			t.Fatalf("ρ=%g A=%g: got (%g, %g, %d), want (%g, %g, %d)", c.rho, c.adv, l, d, ev, c.loss, c.d, c.ev)
		}
	}
}

// randomBatch builds a micro-batch whose ratios stay ≥ 0.03 away from the
// kinks of the clip objective in avoid.
func randomBatch(rng *rand.Rand, lens []int, spread float64, avoid []float64) PolicyInput {
	in := PolicyInput{}
	in.LogP = ragged(lens, func(int, int) float32 { return float32(-0.1 - 3*rng.Float64()) })
	in.OldLogP = ragged(lens, func(n, t int) float32 {
		for {
			lr := spread * (2*rng.Float64() - 1)
			ok := true
			for _, k := range avoid {
				if math.Abs(math.Exp(lr)-k) < 0.03 {
					ok = false
				}
			}
			if ok {
				return in.LogP[n][t] - float32(lr)
			}
		}
	})
	in.RefLogP = ragged(lens, func(n, t int) float32 { return in.LogP[n][t] + float32(0.3*rng.NormFloat64()) })
	adv := make([]float32, len(lens))
	for i := range adv {
		adv[i] = float32(rng.NormFloat64())
	}
	in.Mask = ragged(lens, func(int, int) float32 {
		if rng.Float64() < 0.15 {
			return 0
		}
		return 1
	})
	in.Adv = Broadcast(adv, ones(lens))
	in.Entropy = ragged(lens, func(int, int) float32 { return float32(3 * rng.Float64()) })
	return in
}

var allModes = []LossType{LossGRPO, LossBNPO, LossDrGRPO, LossDAPO, LossSeqMeanTokenSum}

func TestClipLossFiniteDifferences(t *testing.T) {
	rng := newRNG(4)
	lens := []int{3, 1, 6, 0, 5}
	cfg := LossConfig{Objective: ObjClip, EpsilonLow: 0.2, EpsilonHigh: 0.28, DualClipC: 1.5, Delta: 1.7,
		LogRatioClamp: 20, PGCoef: 0.7, EntropyCoef: 0.01, Beta: 0.05}
	for _, est := range []KLEstimator{KLK1, KLK2, KLK3} {
		for _, mode := range allModes {
			cfg.KLEstimator = est
			in := randomBatch(rng, lens, 0.6, []float64{0.8, 1.28, 1.5, 1.7})
			z := NewNormalizer(mode, Count(in.Mask), 8, 2)
			out := PolicyLoss(in, cfg, z)
			f := func() float64 { return PolicyLoss(in, cfg, z).Loss }
			fdCheck(t, string(mode)+"/"+string(est)+" dlp", in.LogP, out.DLogP, f, nil)
			fdCheck(t, string(mode)+" dH", in.Entropy, out.DEntropy, f, nil)
			if out.Stats.ClipLow+out.Stats.ClipHigh+out.Stats.ClipDual == 0 {
				t.Fatalf("%s: no clipping exercised", mode)
			}
		}
	}
}

// §1.2: with lp_old = stopgrad(lp) the gradient is REINFORCE's −A·∇lp,
// weighted by the aggregation.
func TestOnPolicyIsReinforce(t *testing.T) {
	rng := newRNG(5)
	lens := []int{4, 2, 7}
	in := randomBatch(rng, lens, 0.5, nil)
	cfg := LossConfig{Objective: ObjClip, EpsilonLow: 0.2, EpsilonHigh: 0.2, DualClipC: 3, LogRatioClamp: 20, PGCoef: 1, KLEstimator: KLK3}
	for _, old := range [][][]float32{nil, clone(in.LogP)} {
		in.OldLogP = old
		for _, mode := range allModes {
			z := NewNormalizer(mode, Count(in.Mask), 8, 1)
			out := PolicyLoss(in, cfg, z)
			w := z.Weights(in.Mask)
			var loss float64
			for n := range lens {
				want := make([]float64, lens[n])
				for i := range want {
					want[i] = -float64(in.Adv[n][i]) * float64(in.Mask[n][i]) * w[n]
					loss += want[i]
				}
				checkVec(t, "reinforce "+string(mode), out.DLogP[n], want, 1e-6)
			}
			if !near(out.Loss, loss, 1e-9) {
				t.Fatalf("on-policy loss %g, want −Σ c·m·A = %g", out.Loss, loss)
			}
			if out.Stats.ClipLow+out.Stats.ClipHigh+out.Stats.ApproxKL != 0 {
				t.Fatalf("on-policy stats %+v", out.Stats)
			}
		}
	}
}

// Summing micro-batch losses and concatenating their gradients equals the
// whole batch in one call, for every globally normalised mode.
func TestMicroBatchInvariance(t *testing.T) {
	rng := newRNG(6)
	lens := []int{3, 5, 1, 6, 2, 4}
	in := randomBatch(rng, lens, 0.6, nil)
	cfg := LossConfig{Objective: ObjClip, EpsilonLow: 0.2, EpsilonHigh: 0.28, LogRatioClamp: 20, PGCoef: 1,
		EntropyCoef: 0.02, Beta: 0.1, KLEstimator: KLK3}
	slice := func(x [][]float32, a, b int) [][]float32 { return x[a:b] }
	for _, mode := range []LossType{LossGRPO, LossDrGRPO, LossDAPO, LossSeqMeanTokenSum} {
		z := NewNormalizer(mode, Count(in.Mask), 8, 3)
		full := PolicyLoss(in, cfg, z)
		var loss float64
		var st Stats
		var dlp, dh [][]float32
		for _, r := range [][2]int{{0, 2}, {2, 3}, {3, 6}} {
			mb := PolicyInput{LogP: slice(in.LogP, r[0], r[1]), OldLogP: slice(in.OldLogP, r[0], r[1]),
				RefLogP: slice(in.RefLogP, r[0], r[1]), Adv: slice(in.Adv, r[0], r[1]),
				Mask: slice(in.Mask, r[0], r[1]), Entropy: slice(in.Entropy, r[0], r[1])}
			out := PolicyLoss(mb, cfg, z)
			loss += out.Loss
			st.Add(out.Stats)
			dlp = append(dlp, out.DLogP...)
			dh = append(dh, out.DEntropy...)
		}
		if !near(loss, full.Loss, 1e-9) {
			t.Fatalf("%s: micro-batch loss %g, full %g", mode, loss, full.Loss)
		}
		for n := range lens {
			for i := range lens[n] {
				if dlp[n][i] != full.DLogP[n][i] || dh[n][i] != full.DEntropy[n][i] {
					t.Fatalf("%s: gradient differs at [%d][%d]", mode, n, i)
				}
			}
		}
		if st != full.Stats {
			t.Fatalf("%s: stats %+v vs %+v", mode, st, full.Stats)
		}
	}
	// bnpo is local by definition: each micro-batch is a token mean, and
	// the batch loss is their average.
	z := NewNormalizer(LossBNPO, Count(in.Mask), 8, 2)
	l := ragged(lens, func(n, _ int) float32 { return float32(n) })
	a := z.Aggregate(l[:2], in.Mask[:2]) + z.Aggregate(l[2:], in.Mask[2:])
	mean := func(x, m [][]float32) float64 {
		var s, c float64
		for n := range m {
			for i := range m[n] {
				s += float64(x[n][i] * m[n][i])
				c += float64(m[n][i])
			}
		}
		return s / c
	}
	if want := (mean(l[:2], in.Mask[:2]) + mean(l[2:], in.Mask[2:])) / 2; !near(a, want, 1e-12) {
		t.Fatalf("bnpo %g, want %g", a, want)
	}
}

func TestGSPOLoss(t *testing.T) {
	// Hand example: one sequence, lp − lp_old = [0.1, 0.3] ⇒ s = e^{0.2}
	// = 1.2214 > 1+ε_high with A = 1 ⇒ clipped: ℓ_n = −1.2 per token, no gradient.
	in := PolicyInput{LogP: [][]float32{{-1, -1}}, OldLogP: [][]float32{{-1.1, -1.3}},
		Adv: [][]float32{{1, 1}}, Mask: ones([]int{2})}
	cfg := LossConfig{Objective: ObjGSPO, EpsilonLow: 0.2, EpsilonHigh: 0.2, LogRatioClamp: 20, PGCoef: 1}
	z := NewNormalizer(LossGRPO, Count(in.Mask), 8, 1)
	out := PolicyLoss(in, cfg, z)
	if !near(out.Loss, -1.2, 1e-6) || out.DLogP[0][0] != 0 || out.Stats.ClipHigh != 2 {
		t.Fatalf("gspo clipped: %+v", out)
	}
	// A = −1: unclipped ⇒ ℓ_n = s, ∂/∂lp_t = s/len (seq-mean-token-mean, N = 1).
	in.Adv = [][]float32{{-1, -1}}
	out = PolicyLoss(in, cfg, z)
	s := math.Exp(0.2)
	if !near(out.Loss, s, 1e-6) || !near(float64(out.DLogP[0][1]), s/2, 1e-6) {
		t.Fatalf("gspo unclipped: loss %g grad %v", out.Loss, out.DLogP)
	}

	// Finite differences in every mode, away from the sequence-ratio kinks.
	rng := newRNG(7)
	lens := []int{4, 2, 6, 3}
	cfg = LossConfig{Objective: ObjGSPO, EpsilonLow: 0.05, EpsilonHigh: 0.05, LogRatioClamp: 20, PGCoef: 1, KLEstimator: KLK3}
	for _, mode := range allModes {
		var in PolicyInput
		for {
			in = randomBatch(rng, lens, 0.3, nil)
			ok := true
			for n := range lens {
				var sum, c float64
				for i, w := range in.Mask[n] {
					sum += float64(w) * float64(in.LogP[n][i]-in.OldLogP[n][i])
					c += float64(w)
				}
				if c > 0 && (math.Abs(sum/c-math.Log(0.95)) < 0.01 || math.Abs(sum/c-math.Log(1.05)) < 0.01) {
					ok = false
				}
			}
			if ok {
				break
			}
		}
		z := NewNormalizer(mode, Count(in.Mask), 8, 1)
		out := PolicyLoss(in, cfg, z)
		fdCheck(t, "gspo "+string(mode), in.LogP, out.DLogP, func() float64 { return PolicyLoss(in, cfg, z).Loss }, nil)
	}
}

func TestCISPOLoss(t *testing.T) {
	// ρ = e^{0.5} = 1.6487 capped at 1.2; A = 2 ⇒ ∂ℓ/∂lp = −1.2·2; ρ = e^{−0.5} kept.
	in := PolicyInput{LogP: [][]float32{{-1, -2}}, OldLogP: [][]float32{{-1.5, -1.5}},
		Adv: [][]float32{{2, 2}}, Mask: ones([]int{2})}
	cfg := LossConfig{Objective: ObjCISPO, CISPOMaxRatio: 1.2, LogRatioClamp: 20, PGCoef: 1}
	out := PolicyLoss(in, cfg, NewNormalizer(LossSeqMeanTokenSum, Count(in.Mask), 8, 1))
	r2 := math.Exp(-0.5)
	checkVec(t, "cispo grad", out.DLogP[0], []float64{-2.4, -2 * r2}, 1e-6)
	if want := -1.2*2*-1 - r2*2*-2; !near(out.Loss, want, 1e-6) || out.Stats.ClipHigh != 1 {
		t.Fatalf("cispo loss %g want %g, stats %+v", out.Loss, want, out.Stats)
	}
}

// Entropy-only runs (PGCoef = 0, §7): no advantages needed, the only
// gradient is dL/dH = −c_H·c_n·m.
func TestEntropyOnly(t *testing.T) {
	lens := []int{2, 3}
	m := [][]float32{{1, 0}, {1, 1, 1}}
	in := PolicyInput{LogP: ones(lens), Mask: m, Entropy: ragged(lens, func(n, t int) float32 { return float32(n + t) })}
	cfg := LossConfig{Objective: ObjClip, PGCoef: 0, EntropyCoef: 0.1, LogRatioClamp: 20}
	out := PolicyLoss(in, cfg, NewNormalizer(LossDAPO, Count(m), 8, 1))
	for n := range lens {
		checkVec(t, "dlp", out.DLogP[n], make([]float64, lens[n]), 0)
	}
	checkVec(t, "dH0", out.DEntropy[0], []float64{-0.025, 0}, 1e-7)
	checkVec(t, "dH1", out.DEntropy[1], []float64{-0.025, -0.025, -0.025}, 1e-7)
	// H on valid tokens: 0, 1, 2, 3 ⇒ mean 1.5; loss −0.1·1.5.
	if !near(out.Loss, -0.15, 1e-7) || !near(out.Stats.Metrics()["entropy"], 1.5, 1e-12) {
		t.Fatalf("loss %g metrics %v", out.Loss, out.Stats.Metrics())
	}
}

func TestStatsMetrics(t *testing.T) {
	// lp − lp_old = [ln 2, ln 0.5, 0] with A = [1, −1, 1], ε = 0.2:
	// token 0 clips high, token 1 clips low.
	in := PolicyInput{LogP: [][]float32{{0, 0, 0}}, OldLogP: [][]float32{{float32(-math.Ln2), float32(math.Ln2), 0}},
		Adv: [][]float32{{1, -1, 1}}, Mask: ones([]int{3}), RefLogP: [][]float32{{1, 0, 0}}}
	cfg := LossConfig{Objective: ObjClip, EpsilonLow: 0.2, EpsilonHigh: 0.2, LogRatioClamp: 20, PGCoef: 1, KLEstimator: KLK1}
	m := PolicyLoss(in, cfg, NewNormalizer(LossDAPO, Count(in.Mask), 8, 1)).Stats.Metrics()
	ln2 := math.Ln2
	for k, want := range map[string]float64{
		"clip_ratio/low_mean": 1. / 3, "clip_ratio/high_mean": 1. / 3, "clip_ratio/region_mean": 2. / 3,
		"approx_kl": ln2 * ln2 / 3, "kl": -1. / 3,
	} {
		if !near(m[k], want, 1e-6) {
			t.Fatalf("%s = %g, want %g", k, m[k], want)
		}
	}
}

// §2: value clipping picks the larger branch; dV by finite differences.
func TestValueLoss(t *testing.T) {
	m := ones([]int{3})
	in := ValueInput{Values: [][]float32{{0.5, 0.1, -0.5}}, OldValues: [][]float32{{0, 0, 0}},
		Returns: [][]float32{{1, 1, 0}}, Mask: m}
	z := NewNormalizer(LossSeqMeanTokenSum, Count(m), 8, 1) // c = 1
	out := ValueLoss(in, 0.2, 2, z)
	// t0: V outside window, clipped branch (0.2−1)² = 0.64 > 0.25 ⇒ grad 0.
	// t1: inside window, (0.1−1)² = 0.81 ⇒ grad 2·½·2·(−0.9) = −1.8.
	// t2: clipped −0.2 gives 0.04 < 0.25 ⇒ unclipped, grad 2·(−0.5) = −1.
	checkVec(t, "dV", out.DValues[0], []float64{0, -1.8, -1}, 1e-6)
	if want := 2 * 0.5 * (0.64 + 0.81 + 0.25); !near(out.Loss, want, 1e-6) || out.Stats.ValueClipped != 1 {
		t.Fatalf("loss %g want %g, stats %+v", out.Loss, want, out.Stats)
	}
	if ValueLoss(ValueInput{Values: in.Values, Returns: in.Returns, Mask: m}, 0.2, 2, z).DValues[0][0] != 1*2*0.5*2*(0.5-1) {
		t.Fatal("nil OldValues must disable clipping")
	}

	rng := newRNG(8)
	lens := []int{3, 5, 2}
	for _, mode := range allModes {
		in := ValueInput{
			Values:    ragged(lens, func(int, int) float32 { return float32(rng.NormFloat64()) }),
			OldValues: ragged(lens, func(int, int) float32 { return float32(rng.NormFloat64()) }),
			Returns:   ragged(lens, func(int, int) float32 { return float32(rng.NormFloat64()) }),
			Mask:      ones(lens),
		}
		z := NewNormalizer(mode, Count(in.Mask), 8, 1)
		out := ValueLoss(in, 0.3, 0.1, z)
		skip := func(n, i int) bool { // kinks: window edges and branch ties
			v, o, r := float64(in.Values[n][i]), float64(in.OldValues[n][i]), float64(in.Returns[n][i])
			vc := min(max(v, o-0.3), o+0.3)
			return math.Abs(math.Abs(v-o)-0.3) < 0.01 || math.Abs(math.Abs(v-r)-math.Abs(vc-r)) < 0.01
		}
		fdCheck(t, "value "+string(mode), in.Values, out.DValues, func() float64 { return ValueLoss(in, 0.3, 0.1, z).Loss }, skip)
	}
}
