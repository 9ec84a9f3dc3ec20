package selfimprove_test

import (
	"context"
	"math"
	"slices"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
	"github.com/rltrain/rltrain/tensor"
)

// newTinyCorrect is a small countdown warm start trained on solutions and
// two-turn correction demonstrations. Its problems have two numbers: with
// three, a model this small is right too rarely for a group to have mixed
// rewards in a test-sized batch.
func newTinyCorrect(t *testing.T, sftSteps int) *tinyCountdown {
	return tinyCountdownWith(t, 1500, sftSteps, func(train []data.Example) ([]data.Example, error) {
		dc := selfimprove.DefaultCorrectDemoConfig()
		dc.Rate = 1
		return selfimprove.CorrectionDemos(train, dc, selfimprove.DefaultCorrectTemplate)
	})
}

// TestSCoReEveryAlgo runs two seeded SCoRe steps with every preset
// (score-schedule 1: Stage I, then Stage II): every episode has a first
// attempt and a second attempt, the first attempts of an example and its
// second attempts form separate groups of G rows, both turns are loss rows
// with the stage's rewards and KL weights, the parameters move, and the
// score/ metrics are logged. In Stage II both turns carry advantages.
func TestSCoReEveryAlgo(t *testing.T) {
	defer tensor.SetThreads(tensor.SetThreads(2))
	run := newTinyCorrect(t, 600)
	initial := slices.Clone(run.pol.Model.P.Data)
	sc := selfimprove.DefaultSCoReConfig()
	t.Run("eval", func(t *testing.T) {
		// The warm start's second attempts are no better than its first
		// (the demonstrations' are not): it has RL's room to learn.
		ec := rl.DefaultEvalConfig()
		ec.K, ec.MaxNewTokens = 2, 48
		m, err := selfimprove.EvalSCoRe(context.Background(), run.pol, sc, run.heldOut[:100], run.reward, ec, rl.Streams{Seed: 9})
		if err != nil {
			t.Fatal(err)
		}
		if d := m["delta_t1_t2"] - (m["delta_i2c"] - m["delta_c2i"]); math.Abs(d) > 1e-12 || m["skipped_overlong"] != 0 {
			t.Fatalf("Δ identity off by %g, or second turns skipped: %v", d, m)
		}
		t.Logf("warm start: acc_t1 %.3f acc_t2 %.3f Δ %+.3f (se %.3f) Δi→c %.3f Δc→i %.3f edit %.3f",
			m["acc_t1"], m["acc_t2"], m["delta_t1_t2"], m["delta_t1_t2_se"], m["delta_i2c"], m["delta_c2i"], m["edit_ratio"])
	})
	sc.Schedule = 1
	for _, algo := range rl.Algos {
		t.Run(string(algo), func(t *testing.T) {
			copy(run.pol.Model.P.Data, initial)
			a, _ := rl.Preset(string(algo))
			pc := a.Policy()
			pc.MaxCompletionLen, pc.DynamicSampling = 48, false // dynamic sampling is tested in rl
			if pc.Beta == 0 {
				pc.Beta = 0.01 // as the CLI's --turns 2 does: Stage I needs a KL
			}
			pol := run.pol
			if a.Settings.UsesCritic() {
				pol = &rl.Policy{Model: run.pol.Model.WithValueHead(), Codec: run.pol.Codec, EOS: run.pol.EOS}
			}
			ref := pol.Model.Clone()
			tc := rl.DefaultTrainConfig()
			tc.PromptsPerStep, tc.LR, tc.Seed = 4, 1e-3, 5
			if pc.GroupSize == 1 {
				tc.PromptsPerStep = 16
			}
			s, err := selfimprove.NewSCoRe(sc, run.reward, pc.Beta, tc.CorrectThreshold)
			if err != nil {
				t.Fatal(err)
			}
			tr, err := rl.NewTrainer(tc, a, pol, ref, s, run.reward, run.train, nil)
			if err != nil {
				t.Fatal(err)
			}
			tr.Stages = []rl.Stage{s}
			for stage := 1; stage <= 2; stage++ {
				before := slices.Clone(pol.Model.P.Data)
				res, err := tr.Step(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				met := res.Metrics
				for _, k := range []string{"score/acc_t1", "score/acc_t2", "score/delta_t1_t2", "score/delta_i2c", "score/delta_c2i",
					"score/edit_ratio", "score/skipped_overlong", "loss"} {
					if _, ok := met[k]; !ok {
						t.Errorf("stage %d: metric %q missing: %v", stage, k, met)
					}
				}
				if met["score/stage"] != float64(stage) {
					t.Fatalf("step %d ran stage %g", stage, met["score/stage"])
				}
				first, second := res.Batch.Turns(rl.RoleSolve), res.Batch.Turns(rl.RoleCorrect)
				if len(first) == 0 || len(first) != len(second) || len(first) != res.Batch.Len() {
					t.Fatalf("stage %d: %d first and %d second attempts in %d episodes", stage, len(first), len(second), res.Batch.Len())
				}
				groups := map[int]rl.Role{}
				size := map[int]int{}
				for _, tu := range append(slices.Clone(first), second...) {
					if r, ok := groups[tu.Group]; ok && r != tu.Role {
						t.Fatalf("group %d holds both roles", tu.Group)
					}
					groups[tu.Group] = tu.Role
					size[tu.Group]++
				}
				for g, n := range size {
					if n != pc.GroupSize {
						t.Fatalf("group %d (%s) has %d rows, want G = %d", g, groups[g], n, pc.GroupSize)
					}
				}
				var adv1, adv2 float64
				for i := range first {
					t1, t2 := first[i], second[i]
					wantW1 := float32(1)
					if stage == 1 {
						wantW1 = float32(sc.Beta2 / pc.Beta)
						if t1.Reward != 0 {
							t.Fatalf("Stage I: first attempt rewarded %g", t1.Reward)
						}
					}
					if !t1.Train || !t2.Train || t1.KLWeight != wantW1 || t2.KLWeight != 1 {
						t.Fatalf("stage %d: train %v/%v, KL weights %g/%g (want %g/1)", stage, t1.Train, t2.Train, t1.KLWeight, t2.KLWeight, wantW1)
					}
					adv1 += math.Abs(float64(t1.Advantage))
					adv2 += math.Abs(float64(t2.Advantage))
				}
				if l := met["loss"]; math.IsNaN(l) || math.IsInf(l, 0) {
					t.Fatalf("stage %d: loss %v", stage, l)
				}
				if slices.Equal(before, pol.Model.P.Data) {
					t.Fatalf("stage %d: no parameter moved", stage)
				}
				if stage == 2 && (adv1 == 0 || adv2 == 0) {
					t.Errorf("Stage II: Σ|advantage| first %g, second %g: both turns should train", adv1, adv2)
				}
				// Stage I's constant zero reward gives group estimators a
				// first-attempt advantage of 0 but for the KL to the
				// reference, which at the first step is only the sampler's
				// rounding against the scorer's (rloo's KL is in the reward);
				// PPO's critic and REINFORCE++'s batch whitening do not.
				if grouped := algo != rl.AlgoPPO && algo != rl.AlgoReinforcePP; stage == 1 && grouped && adv1 > 1e-3 {
					t.Errorf("Stage I: first attempts have Σ|advantage| %g, want ≈ 0", adv1)
				}
				t.Logf("%s stage %d: %d episodes; acc_t1 %.3f acc_t2 %.3f Δi→c %.3f Δc→i %.3f edit %.3f reward_t2 %.3f Σ|A| %.2f/%.2f",
					algo, stage, res.Batch.Len(), met["score/acc_t1"], met["score/acc_t2"], met["score/delta_i2c"], met["score/delta_c2i"],
					met["score/edit_ratio"], met["score/reward_t2"], adv1, adv2)
			}
		})
	}
	t.Run("dapo_dynamic_sampling", func(t *testing.T) {
		// Dynamic sampling keeps whole examples by their second attempts'
		// verdicts: the batch holds G episodes per kept example.
		copy(run.pol.Model.P.Data, initial)
		a, _ := rl.Preset("dapo")
		pc := a.Policy()
		pc.MaxCompletionLen, pc.Beta, pc.MaxGenBatches = 48, 0.01, 3
		tc := rl.DefaultTrainConfig()
		tc.PromptsPerStep, tc.LR, tc.Seed = 4, 1e-3, 5
		s, err := selfimprove.NewSCoRe(sc, run.reward, pc.Beta, tc.CorrectThreshold)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := rl.NewTrainer(tc, a, run.pol, run.pol.Model.Clone(), s, run.reward, run.train, nil)
		if err != nil {
			t.Fatal(err)
		}
		tr.Stages = []rl.Stage{s}
		res, err := tr.Step(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		first, second := res.Batch.Turns(rl.RoleSolve), res.Batch.Turns(rl.RoleCorrect)
		if res.Batch.Len()%pc.GroupSize != 0 || len(first) != res.Batch.Len() || len(second) != res.Batch.Len() {
			t.Fatalf("%d episodes, %d first and %d second attempts, G = %d", res.Batch.Len(), len(first), len(second), pc.GroupSize)
		}
		t.Logf("dapo: %d episodes after %g rounds; acc_t2 %.3f", res.Batch.Len(), res.Metrics["gen_rounds"], res.Metrics["score/acc_t2"])
	})
}
