package rl

import (
	"context"
	"io"
	"math"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/tensor"
	"github.com/rltrain/rltrain/tokenizer"
)

// tinyRun is a seeded miniature of the embedded default: two-operation
// one-digit arithmetic ("compute 3+4-2"), a small warm start trained only
// briefly by SFT so that it is far from perfect (it breaks the
// <think>…</think><answer>…</answer> format in about 40% of samples and is
// rarely right), then RL against the task's own reward (accuracy + 0.1·format).
type tinyRun struct {
	pol            *Policy
	train, heldOut []data.Example
	reward         *rewards.Weighted
}

func newTinyRun(t *testing.T, sftSteps int) *tinyRun {
	t.Helper()
	gc := data.DefaultGenConfig()
	gc.Arithmetic.MinOps, gc.Arithmetic.MaxOps, gc.Arithmetic.MaxDigits, gc.Arithmetic.Ops = 2, 2, 1, "+-"
	all, err := data.Generate("arithmetic", 2000, 7, gc)
	if err != nil {
		t.Fatal(err)
	}
	train, heldOut, err := data.Split(all, 0.1, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	wc := DefaultWarmStartConfig()
	wc.Model.Dim, wc.Model.NHeads, wc.Model.NKVHeads, wc.Model.FFNDim, wc.Model.NLayers = 64, 4, 2, 160, 2
	wc.Model.MaxSeqLen = 64
	wc.SFT.Steps, wc.SFT.BatchSeqs, wc.SFT.EvalEvery = sftSteps, 16, 0
	wc.VocabSize = 280
	ws, err := BuildWarmStart(wc, train, nil, "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	eos, _ := ws.Tok.SpecialID(tokenizer.EndOfText)
	rw, err := rewards.ForTask("arithmetic")
	if err != nil {
		t.Fatal(err)
	}
	return &tinyRun{pol: &Policy{Model: ws.Model, Codec: ws.Tok, EOS: eos}, train: train, heldOut: heldOut, reward: rw}
}

func (r *tinyRun) eval(t *testing.T) EvalResult {
	t.Helper()
	ec := DefaultEvalConfig()
	ec.K, ec.MaxNewTokens = 8, 32
	res, err := r.pol.Evaluate(context.Background(), r.heldOut, r.reward, ec, newRand(1, 9))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestRLImprovesHeldOut is the short version of `rltrain --algo grpo` that
// `make test` runs: on a seeded run, the training reward and the reward on
// held-out problems (never trained on) must both rise. At this scale the
// gain comes mostly from the format part of the reward; the accuracy gain of
// the full-size default is measured by the main job itself (see README).
func TestRLImprovesHeldOut(t *testing.T) {
	if testing.Short() && raceEnabled {
		t.Skip("too slow under -race")
	}
	defer tensor.SetThreads(tensor.SetThreads(2))
	for _, algo := range []string{"grpo", "rloo"} {
		t.Run(algo, func(t *testing.T) {
			run := newTinyRun(t, 120)
			before := run.eval(t)
			a, err := Preset(algo)
			if err != nil {
				t.Fatal(err)
			}
			pc := a.Policy()
			pc.MaxCompletionLen = 32
			pc.DynamicSampling = false
			tc := DefaultTrainConfig()
			tc.Steps, tc.PromptsPerStep, tc.LR = 60, 16, 3e-4
			var ref *nn.Model
			if pc.Beta > 0 {
				ref = run.pol.Model.Clone()
			}
			tr, err := NewTrainer(tc, a, run.pol, ref, run.reward, run.train)
			if err != nil {
				t.Fatal(err)
			}
			var first, last float64
			for s := 1; s <= tc.Steps; s++ {
				res, err := tr.Step(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				r := res.Metrics["reward"]
				if math.IsNaN(r) {
					t.Fatalf("step %d: no reward", s)
				}
				if s <= 10 {
					first += r / 10
				}
				if s > tc.Steps-10 {
					last += r / 10
				}
			}
			after := run.eval(t)
			t.Logf("%s: train reward %.3f → %.3f; held-out reward %.3f → %.3f; %v → %v", algo, first, last, before.Reward, after.Reward, before, after)
			if !(last > first+0.01) {
				t.Errorf("training reward did not rise: %.3f → %.3f", first, last)
			}
			if !(after.Reward > before.Reward+0.01) {
				t.Errorf("held-out reward did not rise: %.3f → %.3f", before.Reward, after.Reward)
			}
			if after.Pass1 < before.Pass1-0.02 {
				t.Errorf("held-out pass@1 fell: %.3f → %.3f", before.Pass1, after.Pass1)
			}
		})
	}
}
