package selfimprove_test

import (
	"context"
	"io"
	"math"
	"slices"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
	"github.com/rltrain/rltrain/tensor"
	"github.com/rltrain/rltrain/tokenizer"
	"github.com/rltrain/rltrain/warmstart"
)

// tinyCountdown is a small countdown warm start trained on solutions and
// verification demonstrations.
type tinyCountdown struct {
	pol            *rl.Policy
	train, heldOut []data.Example
	reward         *rewards.Weighted
}

func newTinyCountdown(t *testing.T, sftSteps int) *tinyCountdown {
	return tinyCountdownWith(t, 2000, sftSteps, func(train []data.Example) ([]data.Example, error) {
		return selfimprove.VerifyDemos(train, selfimprove.DefaultDemoConfig(), selfimprove.DefaultVerifyTemplate, rewards.DefaultVerdictScale())
	})
}

// tinyCountdownWith builds a small two-number countdown warm start (n
// problems, a tenth held out) on the solutions and the demonstrations that
// demos adds for the training problems.
func tinyCountdownWith(t *testing.T, n, sftSteps int, demos func(train []data.Example) ([]data.Example, error)) *tinyCountdown {
	t.Helper()
	gc := data.DefaultGenConfig()
	gc.Countdown.MinNumbers, gc.Countdown.MaxNumbers, gc.Countdown.MaxValue, gc.Countdown.MaxTarget = 2, 2, 30, 90
	all, err := data.Generate("countdown", n, 11, gc)
	if err != nil {
		t.Fatal(err)
	}
	train, heldOut, err := data.Split(all, 0.1, "tiny")
	if err != nil {
		t.Fatal(err)
	}
	extra, err := demos(train)
	if err != nil {
		t.Fatal(err)
	}
	wc := warmstart.DefaultConfig()
	wc.Model.Dim, wc.Model.NHeads, wc.Model.NKVHeads, wc.Model.FFNDim, wc.Model.NLayers = 64, 4, 2, 160, 2
	wc.Model.MaxSeqLen = 192
	wc.SFT.Steps, wc.SFT.BatchSeqs, wc.SFT.EvalEvery = sftSteps, 16, 0
	wc.VocabSize = 300
	ws, err := warmstart.Build(wc, append(slices.Clone(train), extra...), nil, "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	eos, _ := ws.Tok.SpecialID(tokenizer.EndOfText)
	rw, err := rewards.ParseSpec("countdown", rewards.SpecOptions{MaxCompletionLen: 48})
	if err != nil {
		t.Fatal(err)
	}
	return &tinyCountdown{pol: &rl.Policy{Model: ws.Model, Codec: ws.Tok, EOS: eos}, train: train, heldOut: heldOut, reward: rw}
}

// TestRISEEveryAlgo runs a short seeded RISE step with every preset that
// uses groups, and with PPO: verification episodes join the batch in their
// own groups of Samples rows, are trained in the same update, and the
// verify/ metrics are logged.
func TestRISEEveryAlgo(t *testing.T) {
	defer tensor.SetThreads(tensor.SetThreads(2))
	run := newTinyCountdown(t, 400)
	initial := slices.Clone(run.pol.Model.P.Data)
	rc := selfimprove.DefaultRISEConfig()
	rc.Verify, rc.Samples, rc.MaxNewTokens = 8, 4, 64
	for _, algo := range rl.Algos {
		t.Run(string(algo), func(t *testing.T) {
			copy(run.pol.Model.P.Data, initial)
			a, _ := rl.Preset(string(algo))
			pc := a.Policy()
			pc.MaxCompletionLen, pc.DynamicSampling = 48, false // dynamic sampling is tested in rl
			pol := run.pol
			if a.Settings.UsesCritic() {
				pol = &rl.Policy{Model: run.pol.Model.WithValueHead(), Codec: run.pol.Codec, EOS: run.pol.EOS}
			}
			var ref *nn.Model
			if pc.Beta > 0 {
				ref = pol.Model.Clone()
			}
			tc := rl.DefaultTrainConfig()
			tc.PromptsPerStep, tc.LR, tc.Seed = 4, 1e-3, 5
			if pc.GroupSize == 1 {
				tc.PromptsPerStep = 16
			}
			tr, err := rl.NewTrainer(tc, a, pol, ref, rl.SingleTurn{Reward: run.reward}, run.reward, run.train, nil)
			if err != nil {
				t.Fatal(err)
			}
			stage, err := selfimprove.NewRISE(rc, tc.CorrectThreshold)
			if err != nil {
				t.Fatal(err)
			}
			tr.Stages = []rl.Stage{stage}
			before := slices.Clone(pol.Model.P.Data)
			res, err := tr.Step(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			met := res.Metrics
			for _, k := range []string{"verify/acc", "verify/format_rate", "verify/reward", "verify/n", "loss"} {
				if _, ok := met[k]; !ok {
					t.Errorf("metric %q missing: %v", k, met)
				}
			}
			verify := res.Batch.Turns(rl.RoleVerify)
			if len(verify) == 0 || len(verify)%rc.Samples != 0 {
				t.Fatalf("%d verification turns, want a multiple of %d", len(verify), rc.Samples)
			}
			groups := map[int]int{}
			for _, v := range verify {
				groups[v.Group]++
			}
			for _, s := range res.Batch.Turns(rl.RoleSolve) {
				if _, clash := groups[s.Group]; clash {
					t.Fatalf("a verification shares group %d with a solution", s.Group)
				}
			}
			for g, n := range groups {
				if n != rc.Samples {
					t.Fatalf("verification group %d has %d rows, want %d", g, n, rc.Samples)
				}
			}
			if l := met["loss"]; math.IsNaN(l) || math.IsInf(l, 0) {
				t.Fatalf("loss %v", l)
			}
			if slices.Equal(before, pol.Model.P.Data) {
				t.Fatal("no parameter moved")
			}
			t.Logf("%s: %d solutions, %d verifications in %d groups; verify acc %.3f format %.3f reward %.3f",
				algo, len(res.Batch.Turns(rl.RoleSolve)), len(verify), len(groups), met["verify/acc"], met["verify/format_rate"], met["verify/reward"])
		})
	}
}
