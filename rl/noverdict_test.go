package rl

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
)

// TestNoVerdict checks that a turn marked NoVerdict gives NFT, which
// trains on verdicts rather than rewards, no policy term: with β = 0,
// changing such a turn's behaviour log-probs leaves the update bitwise
// unchanged, while without the mark the same change moves it (SCoRe's
// Stage I first attempts, trained through the KL only).
func TestNoVerdict(t *testing.T) {
	cfg := nn.Config{VocabSize: 32, Dim: 16, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 32, MaxSeqLen: 32,
		RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true}
	base, err := nn.NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base.InitRandom(rand.New(rand.NewPCG(1, 2)))
	// Two episodes of two turns; each turn's group has one right and one
	// wrong verdict, so NFT trains both groups unless told otherwise.
	episodes := func(noVerdict bool, shift float32) []Episode {
		var eps []Episode
		r := rand.New(rand.NewPCG(5, 6))
		for g := range 2 {
			e := Episode{Example: data.Example{ID: "x"}}
			for k := range 2 {
				comp := make([]int32, 4)
				lp := make([]float32, 4)
				for i := range comp {
					comp[i], lp[i] = int32(1+r.IntN(30)), float32(-1-2*r.Float64())
				}
				if k == 0 && g == 0 {
					lp[1] += shift
				}
				tu := Turn{Role: []Role{RoleSolve, RoleCorrect}[k], Prompt: []int32{3, 4, 5}, Completion: comp, LogProbs: lp,
					Train: true, Group: k, KLWeight: 1, NoVerdict: k == 0 && noVerdict}
				s := rewards.Scored(float64((g+k)%2), "")
				tu.SetReward(s, []rewards.Result{s})
				e.Turns = append(e.Turns, tu)
			}
			eps = append(eps, e)
		}
		return eps
	}
	reward, err := rewards.ParseSpec("accuracy", rewards.SpecOptions{MaxCompletionLen: 8})
	if err != nil {
		t.Fatal(err)
	}
	step := func(eps []Episode) []float32 {
		m := base.Clone()
		algo, _ := Preset("nft")
		pc := algo.Policy()
		pc.GroupSize, pc.DynamicSampling, pc.Beta = 2, false, 0
		tc := DefaultTrainConfig()
		tc.PromptsPerStep, tc.LR, tc.WarmupSteps = 1, 1e-2, 0
		tr, err := NewTrainer(tc, algo, &Policy{Model: m}, nil, fixedBuilder{eps}, reward, []data.Example{{ID: "x"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.Step(context.Background()); err != nil {
			t.Fatal(err)
		}
		return slices.Clone(m.P.Data)
	}
	if !slices.Equal(step(episodes(true, 0)), step(episodes(true, -3))) {
		t.Error("NoVerdict turn: its log-probs changed the NFT update")
	}
	if slices.Equal(step(episodes(false, 0)), step(episodes(false, -3))) {
		t.Error("turn without NoVerdict: its log-probs did not change the NFT update")
	}
}
