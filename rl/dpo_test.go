package rl

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/rltrain/rltrain/nn"
)

// §6.1 test vectors: two pairs, hand-computed (docs/algorithms.md).
var (
	dpoChosen   = [][]float32{{-1, -2}, {-2}}
	dpoRejected = [][]float32{{-0.5, -1.5, -1}, {-1, -1}}
)

func TestDPOLossVectors(t *testing.T) {
	t.Run("sum β=0.1", func(t *testing.T) {
		cfg := DPOConfig{Beta: 0.1}
		dc, dr, st := DPOLoss(dpoChosen, dpoRejected, []float64{-4, -1}, []float64{-2.5, -3}, cfg)
		// h = 0.1·((−3+4) − (−3+2.5)) = 0.15 and 0.1·((−2+1) − (−2+3)) = −0.2;
		// L = ½(softplus(−0.15) + softplus(0.2)); ∂L/∂h = ½(σ(h) − 1).
		if !near(st.Loss, 0.709547959, 1e-8) {
			t.Fatalf("loss %.9f, want 0.709547959", st.Loss)
		}
		checkVec(t, "dChosen[0]", dc[0], []float64{-0.0231285077, -0.0231285077}, 1e-6)
		checkVec(t, "dRejected[0]", dr[0], []float64{0.0231285077, 0.0231285077, 0.0231285077}, 1e-6)
		checkVec(t, "dChosen[1]", dc[1], []float64{-0.0274916999}, 1e-6)
		checkVec(t, "dRejected[1]", dr[1], []float64{0.0274916999, 0.0274916999}, 1e-6)
		for _, c := range []struct {
			name      string
			got, want float64
		}{{"reward chosen", st.RewardChosen, 0}, {"reward rejected", st.RewardRejected, 0.025},
			{"margin", st.Margin, -0.025}, {"accuracy", st.Accuracy, 0.5}} {
			if !near(c.got, c.want, 1e-9) {
				t.Errorf("%s = %.9g, want %g", c.name, c.got, c.want)
			}
		}
	})
	t.Run("mean β=0.5 ε=0.1", func(t *testing.T) {
		cfg := DPOConfig{Beta: 0.5, LabelSmoothing: 0.1, LengthNorm: true}
		// h = 0.5·((−1.5+2) − (−1+0.5)) = 0.5 and 0.5·((−2+1) − (−1+1.5)) = −0.75.
		dc, dr, st := DPOLoss(dpoChosen, dpoRejected, []float64{-2, -1}, []float64{-0.5, -1.5}, cfg)
		if !near(st.Loss, 0.792973995, 1e-8) {
			t.Fatalf("loss %.9f, want 0.792973995", st.Loss)
		}
		checkVec(t, "dChosen[0]", dc[0], []float64{-0.0346925836, -0.0346925836}, 1e-6)
		checkVec(t, "dRejected[0]", dr[0], []float64{0.0231283891, 0.0231283891, 0.0231283891}, 1e-6)
		checkVec(t, "dChosen[1]", dc[1], []float64{-0.144794675}, 1e-6)
		checkVec(t, "dRejected[1]", dr[1], []float64{0.0723973374, 0.0723973374}, 1e-6)
	})
	t.Run("large margins stay finite", func(t *testing.T) {
		dc, _, st := DPOLoss([][]float32{{0}, {-900}}, [][]float32{{-900}, {0}}, []float64{0, 0}, []float64{0, 0}, DPOConfig{Beta: 1})
		// h = +900: loss ≈ 0, gradient ≈ 0; h = −900: loss 900/2, ∂L/∂lp_c = −½.
		if !near(st.Loss, 450, 1e-9) || !near(float64(dc[1][0]), -0.5, 1e-9) || dc[0][0] != 0 {
			t.Fatalf("loss %g, dChosen %v", st.Loss, dc)
		}
	})
}

// TestDPOLossFD checks the gradient against central differences of the loss
// in every per-token log-prob, for each variant.
func TestDPOLossFD(t *testing.T) {
	rng := newRNG(3)
	c := ragged([]int{3, 1, 4}, func(int, int) float32 { return float32(-2 * rng.Float64()) })
	r := ragged([]int{2, 5, 1}, func(int, int) float32 { return float32(-2 * rng.Float64()) })
	refC, refR := []float64{-3, -1, -4}, []float64{-2.5, -4, -0.5}
	for _, cfg := range []DPOConfig{{Beta: 0.1}, {Beta: 0.7, LabelSmoothing: 0.2}, {Beta: 2, LengthNorm: true, LabelSmoothing: 0.05}} {
		dc, dr, _ := DPOLoss(c, r, refC, refR, cfg)
		f := func() float64 { _, _, st := DPOLoss(c, r, refC, refR, cfg); return st.Loss }
		fdCheck(t, "chosen", c, dc, f, nil)
		fdCheck(t, "rejected", r, dr, f, nil)
	}
}

func TestDPOConfigValidate(t *testing.T) {
	if err := DefaultDPOConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []DPOConfig{{Beta: 0}, {Beta: math.Inf(1)}, {Beta: 0.1, LabelSmoothing: 0.5}, {Beta: 0.1, LabelSmoothing: -0.1}} {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	if err := DefaultDPOTrainConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []DPOTrainConfig{{LR: 0, Epochs: 1, BatchPairs: 1}, {LR: 1e-3, BatchPairs: 1}, {LR: 1e-3, Epochs: 1}} {
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

func tinyDPOModel(t *testing.T, seed uint64) *nn.Model {
	t.Helper()
	m, err := nn.NewModel(nn.Config{VocabSize: 12, Dim: 16, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 32, MaxSeqLen: 16,
		RopeTheta: 100, NormEps: 1e-5, TieEmbeddings: true})
	if err != nil {
		t.Fatal(err)
	}
	m.InitRandom(rand.New(rand.NewPCG(seed, 1)))
	return m
}

func tinyPairs(rng *rand.Rand, n int) []DPOPair {
	toks := func(k int) []int32 {
		out := make([]int32, k)
		for i := range out {
			out[i] = int32(rng.IntN(12))
		}
		return out
	}
	pairs := make([]DPOPair, n)
	for i := range pairs {
		pairs[i] = DPOPair{Prompt: toks(1 + rng.IntN(3)), Chosen: toks(1 + rng.IntN(5)), Rejected: toks(1 + rng.IntN(5))}
	}
	return pairs
}

// TestDPOModelFD checks dpoStep's parameter gradient through the real model
// against a central difference of the loss along a random direction.
func TestDPOModelFD(t *testing.T) {
	for _, cfg := range []DPOConfig{{Beta: 0.5}, {Beta: 1, LengthNorm: true, LabelSmoothing: 0.1}} {
		m := tinyDPOModel(t, 5)
		ref := m.Clone()
		rng := rand.New(rand.NewPCG(9, 9))
		for i := range m.P.Data { // move the policy away from the reference
			m.P.Data[i] += float32(0.05 * rng.NormFloat64())
		}
		pairs := tinyPairs(rng, 4)
		refC, refR := ScoreDPOPairs(ref, pairs, cfg, 16)
		_, _ = dpoStep(m, pairs, refC, refR, cfg, 0)
		dir := make([]float32, len(m.P.Data))
		var gd float64
		for i := range dir {
			dir[i] = float32(rng.NormFloat64())
			gd += float64(dir[i]) * float64(m.G.Data[i])
		}
		loss := func(h float32) float64 {
			p0 := append([]float32(nil), m.P.Data...)
			for i := range dir {
				m.P.Data[i] += h * dir[i]
			}
			sc := m.Score(DPOSeqs(pairs), nn.ScoreOptions{})
			copy(m.P.Data, p0)
			_, _, st := DPOLoss(sc.LogP[:4], sc.LogP[4:], refC, refR, cfg)
			return st.Loss
		}
		const h = 1e-3
		num := (loss(h) - loss(-h)) / (2 * h)
		if math.Abs(num-gd) > 5e-3*math.Max(1e-3, math.Abs(gd)) {
			t.Fatalf("%+v: directional derivative %.6g, finite difference %.6g", cfg, gd, num)
		}
	}
}

// TestTrainDPOMargin: a few seeded DPO steps on a tiny model raise the
// chosen-vs-rejected margin and the preference accuracy of the pairs.
func TestTrainDPOMargin(t *testing.T) {
	m := tinyDPOModel(t, 11)
	ref := m.Clone()
	pairs := tinyPairs(rand.New(rand.NewPCG(4, 4)), 24)
	cfg := DPOConfig{Beta: 0.5}
	tc := DPOTrainConfig{LR: 3e-3, Epochs: 4, BatchPairs: 8, MaxGradNorm: 1, Seed: 1}
	var first, last DPOProgress
	err := TrainDPO(m, ref, pairs, cfg, tc, func(p DPOProgress) {
		if p.Step == 1 {
			first = p
		}
		last = p
	})
	if err != nil {
		t.Fatal(err)
	}
	if last.Step != 12 || last.Epoch != 4 {
		t.Fatalf("ran %d steps over %d epochs, want 12 over 4", last.Step, last.Epoch)
	}
	st := EvalDPO(m, ref, pairs, cfg, 8)
	if math.Abs(first.Margin) > 1e-4 || !(st.Margin > 0.25) || !(st.Accuracy > 0.9) || !(st.Loss < first.Loss) {
		t.Fatalf("margin %.3f → %.3f, accuracy %.2f, loss %.3f → %.3f", first.Margin, st.Margin, st.Accuracy, first.Loss, st.Loss)
	}
}
