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

// fixedBuilder returns the same episodes every round (deep-copied, with
// fresh group keys), so a test controls exactly what the trainer sees.
type fixedBuilder struct{ eps []Episode }

func (f fixedBuilder) Build(_ context.Context, _ *Policy, in BuildInput) (*Batch, error) {
	b := &Batch{}
	keys := map[int]int{}
	for _, e := range f.eps {
		c := Episode{Example: e.Example, Turns: slices.Clone(e.Turns)}
		for k := range c.Turns {
			t := &c.Turns[k]
			if _, ok := keys[t.Group]; !ok {
				keys[t.Group] = in.Keys.Next()
			}
			t.Group = keys[t.Group]
			t.LogProbs = slices.Clone(t.LogProbs)
		}
		b.Episodes = append(b.Episodes, c)
	}
	return b, nil
}

// TestTwoTurnMask builds two-turn episodes (a first attempt and a
// correction, each with a masked span) and checks that the trainer trains
// on exactly the unmasked tokens of both turns: changing the behaviour
// log-prob of a masked token leaves the update bitwise unchanged, changing
// that of an unmasked token of either turn changes it.
func TestTwoTurnMask(t *testing.T) {
	cfg := nn.Config{VocabSize: 32, Dim: 16, NLayers: 1, NHeads: 2, NKVHeads: 2, FFNDim: 32, MaxSeqLen: 32,
		RopeTheta: 10000, NormEps: 1e-5, TieEmbeddings: true}
	base, err := nn.NewModel(cfg)
	if err != nil {
		t.Fatal(err)
	}
	base.InitRandom(rand.New(rand.NewPCG(1, 2)))
	rng := rand.New(rand.NewPCG(3, 4))
	score := func(s float64) ([]rewards.Result, rewards.Result) {
		return []rewards.Result{rewards.Scored(s, "")}, rewards.Scored(s, "")
	}
	// Two episodes (G = 2); turn 1 is group 0, the corrections group 1.
	var eps []Episode
	for g := range 2 {
		e := Episode{Example: data.Example{ID: "x"}}
		for k, mask := range [][]float32{{1, 1, 0, 0, 1}, {1, 0, 0, 1}} {
			comp := make([]int32, len(mask))
			lp := make([]float32, len(mask))
			for i := range comp {
				comp[i], lp[i] = int32(1+rng.IntN(30)), float32(-1-2*rng.Float64())
			}
			tu := Turn{Role: []Role{RoleSolve, RoleCorrect}[k], Prompt: []int32{3, 4, 5}, Completion: comp, LogProbs: lp,
				Mask: mask, Train: true, Group: k, KLWeight: 1}
			parts, total := score(float64((g + k) % 2))
			tu.SetReward(total, parts)
			e.Turns = append(e.Turns, tu)
		}
		eps = append(eps, e)
	}
	reward, err := rewards.ParseSpec("accuracy", rewards.SpecOptions{MaxCompletionLen: 8})
	if err != nil {
		t.Fatal(err)
	}
	step := func(eps []Episode) []float32 {
		m := base.Clone()
		algo, _ := Preset("grpo")
		algo.Policy().GroupSize = 2
		tc := DefaultTrainConfig()
		tc.PromptsPerStep, tc.LR, tc.WarmupSteps = 1, 1e-2, 0
		tr, err := NewTrainer(tc, algo, &Policy{Model: m}, nil, fixedBuilder{eps}, reward, []data.Example{{ID: "x"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		res, err := tr.Step(context.Background())
		if err != nil || res.Skipped {
			t.Fatalf("step: %v %v", err, res.Metrics)
		}
		return slices.Clone(m.P.Data)
	}
	perturb := func(turn, tok int) []Episode {
		out := make([]Episode, len(eps))
		for i, e := range eps {
			out[i] = Episode{Example: e.Example, Turns: slices.Clone(e.Turns)}
			for k := range out[i].Turns {
				out[i].Turns[k].LogProbs = slices.Clone(e.Turns[k].LogProbs)
			}
		}
		out[0].Turns[turn].LogProbs[tok] -= 3
		return out
	}
	want := step(eps)
	for _, c := range []struct {
		turn, tok int
		masked    bool
	}{{0, 2, true}, {0, 3, true}, {1, 1, true}, {1, 2, true}, {0, 0, false}, {0, 4, false}, {1, 0, false}, {1, 3, false}} {
		got := step(perturb(c.turn, c.tok))
		if same := slices.Equal(got, want); same != c.masked {
			t.Errorf("turn %d token %d (masked %v): update unchanged = %v", c.turn+1, c.tok, c.masked, same)
		}
	}
}
