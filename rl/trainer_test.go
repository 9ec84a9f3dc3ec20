package rl_test

// Trainer-level tests. They live in package rl_test so that they can build
// their warm start with package warmstart, which imports rl.

import (
	"context"
	"io"
	"math"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/tensor"
	"github.com/rltrain/rltrain/tokenizer"
	"github.com/rltrain/rltrain/warmstart"
)

// tinyRun is a seeded miniature of the embedded default: two-operation
// one-digit arithmetic ("compute 3+4-2"), a small warm start trained only
// briefly by SFT so that it is far from perfect (it breaks the
// <think>…</think><answer>…</answer> format in about 40% of samples and is
// rarely right), then RL against the task's own reward (accuracy + 0.1·format).
type tinyRun struct {
	pol            *rl.Policy
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
	wc := warmstart.DefaultConfig()
	wc.Model.Dim, wc.Model.NHeads, wc.Model.NKVHeads, wc.Model.FFNDim, wc.Model.NLayers = 64, 4, 2, 160, 2
	wc.Model.MaxSeqLen = 64
	wc.SFT.Steps, wc.SFT.BatchSeqs, wc.SFT.EvalEvery = sftSteps, 16, 0
	wc.VocabSize = 280
	ws, err := warmstart.Build(wc, train, nil, "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	eos, _ := ws.Tok.SpecialID(tokenizer.EndOfText)
	rw, err := rewards.ForTask("arithmetic")
	if err != nil {
		t.Fatal(err)
	}
	return &tinyRun{pol: &rl.Policy{Model: ws.Model, Codec: ws.Tok, EOS: eos}, train: train, heldOut: heldOut, reward: rw}
}

func (r *tinyRun) eval(t *testing.T) rl.EvalResult {
	t.Helper()
	ec := rl.DefaultEvalConfig()
	ec.K, ec.MaxNewTokens = 8, 32
	res, err := r.pol.Evaluate(context.Background(), r.heldOut, r.reward, ec, rl.Streams{Seed: 1, Step: 9})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// trainer returns a trainer of the named preset on the tiny run, its
// completions capped at 32 tokens.
func (r *tinyRun) trainer(t *testing.T, algo string, tc rl.TrainConfig, tweak func(*rl.PolicyConfig)) *rl.Trainer {
	t.Helper()
	a, err := rl.Preset(algo)
	if err != nil {
		t.Fatal(err)
	}
	pc := a.Policy()
	pc.MaxCompletionLen = 32
	if tweak != nil {
		tweak(pc)
	}
	pol := r.pol
	if a.Settings.UsesCritic() {
		pol = &rl.Policy{Model: r.pol.Model.WithValueHead(), Codec: r.pol.Codec, EOS: r.pol.EOS}
	}
	var ref *nn.Model
	if pc.Beta > 0 {
		ref = pol.Model.Clone()
	}
	tr, err := rl.NewTrainer(tc, a, pol, ref, rl.SingleTurn{Reward: r.reward}, r.reward, r.train, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// TestRLImprovesHeldOut is the short version of `rltrain --algo grpo` that
// `make test` runs: on a seeded run, the training reward and the reward on
// held-out problems (never trained on) must both rise. At this scale the
// gain comes mostly from the format part of the reward; the accuracy gain of
// the full-size default is measured by the main job itself (see README).
func TestRLImprovesHeldOut(t *testing.T) {
	if testing.Short() && rl.RaceEnabled {
		t.Skip("too slow under -race")
	}
	defer tensor.SetThreads(tensor.SetThreads(2))
	for _, algo := range []string{"grpo", "rloo"} {
		t.Run(algo, func(t *testing.T) {
			run := newTinyRun(t, 120)
			before := run.eval(t)
			tc := rl.DefaultTrainConfig()
			tc.Steps, tc.PromptsPerStep, tc.LR = 60, 16, 3e-4
			tr := run.trainer(t, algo, tc, func(pc *rl.PolicyConfig) { pc.DynamicSampling = false })
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

// TestEveryAlgoStep runs one short seeded step of every --algo preset (PPO's
// value path, NFT and DAPO's dynamic sampling included) and checks that the
// loss is finite, the parameters moved, and the step logged the metrics
// every run folder has.
func TestEveryAlgoStep(t *testing.T) {
	defer tensor.SetThreads(tensor.SetThreads(2))
	run := newTinyRun(t, 150)
	want := []string{"reward", "reward_std", "rewards/accuracy/mean", "rewards/format/mean", "accuracy", "frac_reward_zero_std",
		"completions/mean_length", "completions/clipped_ratio", "loss", "grad_norm", "lr", "beta", "gen_rounds",
		"rollout_s", "score_s", "train_s", "tokens_per_s", "gen_tokens", "approx_kl", "clip_ratio/region_mean", "entropy"}
	initial := slices.Clone(run.pol.Model.P.Data)
	for _, algo := range rl.Algos {
		t.Run(string(algo), func(t *testing.T) {
			copy(run.pol.Model.P.Data, initial) // every preset starts from the same warm start
			tc := rl.DefaultTrainConfig()
			tc.Steps, tc.PromptsPerStep, tc.LR, tc.Seed = 2, 8, 1e-3, 3
			tr := run.trainer(t, string(algo), tc, func(pc *rl.PolicyConfig) { pc.MaxGenBatches = 4 })
			before := slices.Clone(tr.Policy.Model.P.Data)
			var res rl.StepResult
			for range 2 { // the first step may have no signal at all
				var err error
				if res, err = tr.Step(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			met := res.Metrics
			if res.Skipped {
				t.Fatalf("step skipped: %v", met)
			}
			keys := append([]string(nil), want...)
			if algo == rl.AlgoPPO {
				keys = append(keys, "value_loss", "vf_clipfrac")
			}
			if algo == rl.AlgoRLOO || algo == rl.AlgoReinforcePP || algo == rl.AlgoPPO {
				keys = append(keys, "kl")
			}
			for _, k := range keys {
				if _, ok := met[k]; !ok {
					t.Errorf("metric %q missing", k)
				}
			}
			if l := met["loss"]; math.IsNaN(l) || math.IsInf(l, 0) {
				t.Fatalf("loss %v", l)
			}
			moved := 0
			for i, v := range tr.Policy.Model.P.Data {
				if v != before[i] {
					moved++
				}
			}
			if moved == 0 {
				t.Fatal("no parameter moved")
			}
			t.Logf("%s: loss %.4g, grad_norm %.3g, reward %.3f, %d of %d parameters moved", algo, met["loss"], met["grad_norm"], met["reward"], moved, len(before))
		})
	}
}

// TestRolloutIgnoreEOS: a warm start that has learned to end its answers
// stops early without IgnoreEOS; with it, every completion runs to the cap
// and none counts as stopped.
func TestRolloutIgnoreEOS(t *testing.T) {
	r := newTinyRun(t, 150)
	const maxNew = 40
	rc := rl.RolloutConfig{GroupSize: 2, MaxBatch: 64, RewardTimeout: rl.DefaultTrainConfig().RewardTimeout,
		Sample: nn.SampleConfig{Temperature: 1, MaxNewTokens: maxNew}}
	exs := r.heldOut[:16]
	count := func(b *rl.Batch) (stopped, full int) {
		for _, ep := range b.Episodes {
			tu := ep.Turns[0]
			if !tu.Truncated {
				stopped++
			}
			if len(tu.Completion) == maxNew {
				full++
			}
		}
		return
	}
	build := func() *rl.Batch {
		b, err := rl.SingleTurn{Reward: r.reward}.Build(context.Background(), r.pol,
			rl.BuildInput{Examples: exs, Rollout: rc, Keys: &rl.KeySource{}, Streams: rl.Streams{Seed: 2, Step: 1}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	b := build()
	if stopped, _ := count(b); stopped == 0 {
		t.Fatalf("without IgnoreEOS no completion of %d stopped: the warm start never emits EOS, so the test proves nothing", b.Len())
	}
	rc.IgnoreEOS = true
	b = build()
	if stopped, full := count(b); stopped != 0 || full != b.Len() {
		t.Errorf("IgnoreEOS: %d of %d completions stopped, %d ran to the cap of %d; want 0 and all", stopped, b.Len(), full, maxNew)
	}
}

// TestResumeExact: two steps, a save of the weights and the trainer state,
// then two more steps in a fresh trainer restored from them, end bitwise
// where four uninterrupted steps do, metrics included (timings aside).
func TestResumeExact(t *testing.T) {
	defer tensor.SetThreads(tensor.SetThreads(2))
	run := newTinyRun(t, 150)
	initial := slices.Clone(run.pol.Model.P.Data)
	for _, algo := range []string{"grpo", "dapo", "ppo"} {
		t.Run(algo, func(t *testing.T) {
			tc := rl.DefaultTrainConfig()
			tc.Steps, tc.PromptsPerStep, tc.LR, tc.Seed = 4, 8, 1e-3, 11
			fresh := func() *rl.Trainer {
				copy(run.pol.Model.P.Data, initial)
				return run.trainer(t, algo, tc, func(pc *rl.PolicyConfig) {
					pc.MaxGenBatches = 3
					if algo == "grpo" {
						pc.Beta = 0.05 // a reference model too
					}
				})
			}
			clean := func(m map[string]float64) map[string]float64 {
				out := map[string]float64{}
				for k, v := range m {
					if k != "rollout_s" && k != "score_s" && k != "train_s" && k != "tokens_per_s" {
						out[k] = v
					}
				}
				return out
			}
			a := fresh()
			var want []map[string]float64
			for range 4 {
				res, err := a.Step(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, clean(res.Metrics))
			}
			wantP := slices.Clone(a.Policy.Model.P.Data)

			b := fresh()
			for range 2 {
				if _, err := b.Step(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			st, err := b.State()
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(t.TempDir(), nn.TrainStateFile)
			if err := nn.SaveTrainState(path, st); err != nil {
				t.Fatal(err)
			}
			weights := slices.Clone(b.Policy.Model.P.Data)
			c := fresh()
			copy(c.Policy.Model.P.Data, weights)
			st2, err := nn.LoadTrainState(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Restore(st2); err != nil {
				t.Fatal(err)
			}
			for i := 2; i < 4; i++ {
				res, err := c.Step(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				if got := clean(res.Metrics); !reflect.DeepEqual(got, want[i]) {
					t.Fatalf("step %d after resume:\n got %v\nwant %v", i+1, got, want[i])
				}
			}
			if !slices.Equal(c.Policy.Model.P.Data, wantP) {
				t.Fatal("weights after resume differ from an uninterrupted run")
			}
		})
	}
}
