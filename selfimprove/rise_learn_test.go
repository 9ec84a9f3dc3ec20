package selfimprove_test

import (
	"context"
	"testing"

	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
	"github.com/rltrain/rltrain/tensor"
)

// TestRISEImprovesVerification is the short version of `rltrain --algo grpo
// --rise`: on a seeded run the verification reward of the step's own
// solutions must rise. At this size (0.1M parameters, 800 SFT steps) the
// verifier starts at chance on held-out solutions and stays near it; the
// held-out balanced accuracy rising (0.61 → 0.91) is shown by the full-size
// run in the README, too long for make test.
func TestRISEImprovesVerification(t *testing.T) {
	if testing.Short() && raceEnabled {
		t.Skip("too slow under -race")
	}
	defer tensor.SetThreads(tensor.SetThreads(2))
	run := newTinyCountdown(t, 800)
	rc := selfimprove.DefaultRISEConfig()
	rc.Verify, rc.Samples, rc.MaxNewTokens, rc.EvalSamples = 32, 4, 64, 4
	stage, err := selfimprove.NewRISE(rc, 0.5)
	if err != nil {
		t.Fatal(err)
	}
	ec := rl.DefaultEvalConfig()
	ec.MaxNewTokens = 48
	heldOut := run.heldOut[:150]
	eval := func() map[string]float64 {
		m, err := selfimprove.EvalVerify(context.Background(), run.pol, stage, heldOut, run.reward, ec, rl.Streams{Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	before := eval()
	a, _ := rl.Preset("grpo")
	pc := a.Policy()
	pc.MaxCompletionLen = 48
	tc := rl.DefaultTrainConfig()
	tc.Steps, tc.PromptsPerStep, tc.LR, tc.Seed = 40, 8, 3e-4, 5
	tr, err := rl.NewTrainer(tc, a, run.pol, nil, rl.SingleTurn{Reward: run.reward}, run.reward, run.train, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr.Stages = []rl.Stage{stage}
	var first, last float64
	for i := range tc.Steps {
		res, err := tr.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		r := res.Metrics["verify/reward"]
		if i < 10 {
			first += r / 10
		}
		if i >= tc.Steps-10 {
			last += r / 10
		}
	}
	after := eval()
	t.Logf("verification reward on the step's own solutions %.3f → %.3f", first, last)
	t.Logf("held-out verification: balanced %.3f → %.3f, acc %.3f → %.3f, format %.3f → %.3f; self-verify@4 %.3f → %.3f",
		before["verify_balanced_acc"], after["verify_balanced_acc"], before["verify_acc"], after["verify_acc"],
		before["verify_format_rate"], after["verify_format_rate"], before["self_verify@k"], after["self_verify@k"])
	if !(last > first+0.05) {
		t.Errorf("verification reward did not rise: %.3f → %.3f", first, last)
	}
}
