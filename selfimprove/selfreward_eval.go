package selfimprove

// Held-out measurements of the Self-Rewarding loop (docs/algorithms.md
// §6.2): pass@1, and the preference accuracy on fixed pairs of one correct
// and one incorrect response to the same held-out problem.

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
)

// prefPair is a held-out preference pair: a correct and an incorrect
// response of the starting model to one problem.
type prefPair struct {
	ex       data.Example
	episodes [2]rl.Episode // correct, incorrect
	dpo      rl.DPOPair
}

// prefPairs samples PrefSamples responses per problem with the starting
// model and keeps, for each problem that has both, its first correct and
// first incorrect response. They are fixed for the whole run, so every
// iteration is measured on the same pairs.
func (s *SelfReward) prefPairs(ctx context.Context, pol *rl.Policy, exs []data.Example) ([]prefPair, error) {
	if len(exs) == 0 {
		return nil, nil
	}
	K := s.Cfg.PrefSamples
	rc := rl.RolloutConfig{GroupSize: K, MaxBatch: s.Cfg.MaxBatch, RewardTimeout: s.Eval.RewardTimeout,
		Sample: nn.SampleConfig{Temperature: s.Cfg.Temperature, MaxNewTokens: s.Cfg.MaxNewTokens}}
	streams := rl.Streams{Seed: s.Cfg.Seed, Purpose: rl.StreamEval, Round: 1}
	b, err := rl.SingleTurn{Reward: s.Solve}.Build(ctx, pol, rl.BuildInput{Examples: exs, Rollout: rc, Keys: &rl.KeySource{}, Streams: streams})
	if err != nil {
		return nil, fmt.Errorf("selfimprove: held-out preference pairs: %w", err)
	}
	var out []prefPair
	for p, ex := range exs {
		c, w := -1, -1
		for g := range K {
			switch b.Episodes[p*K+g].Final().Correct(s.Eval.CorrectThreshold) {
			case 1:
				if c < 0 {
					c = p*K + g
				}
			case 0:
				if w < 0 {
					w = p*K + g
				}
			}
		}
		if c < 0 || w < 0 {
			continue
		}
		tc, tw := b.Episodes[c].Final(), b.Episodes[w].Final()
		out = append(out, prefPair{ex: ex, episodes: [2]rl.Episode{b.Episodes[c], b.Episodes[w]},
			dpo: rl.DPOPair{Prompt: tc.Prompt, Chosen: tc.Completion, Rejected: tw.Completion}})
	}
	return out, nil
}

// measure fills st's held-out fields: pass@1 (the same sampling streams at
// every iteration, so iterations are compared on paired samples) and the
// preference accuracies on the fixed pairs.
func (s *SelfReward) measure(ctx context.Context, pol *rl.Policy, judge *Judge, heldOut []data.Example, pref []prefPair, st *IterStats) error {
	t0 := time.Now()
	res, err := pol.Evaluate(ctx, heldOut, s.Solve, s.Eval, rl.Streams{Seed: s.Cfg.Seed})
	if err != nil {
		return fmt.Errorf("selfimprove: held-out evaluation: %w", err)
	}
	st.Eval = res
	st.PrefPairs = len(pref)
	st.PrefAcc, st.PrefAccJudge = Rate(math.NaN()), Rate(math.NaN())
	if len(pref) > 0 {
		st.PrefAcc = prefAccuracy(pol.Model, pref)
		eps := make([]rl.Episode, 0, 2*len(pref))
		for _, p := range pref {
			eps = append(eps, p.episodes[0], p.episodes[1])
		}
		scores, _ := s.judgeTurns(ctx, judge, eps, rl.Streams{Seed: s.Cfg.Seed, Purpose: rl.StreamEval, Round: 2})
		var win float64
		for i := range pref {
			sc, sw := scores[2*i], scores[2*i+1]
			switch {
			case sc > sw:
				win++
			case !(sc < sw): // equal, or either unscored
				win += 0.5
			}
		}
		st.PrefAccJudge = Rate(win / float64(len(pref)))
	}
	st.EvalS = time.Since(t0).Seconds()
	return nil
}

// prefAccuracy is the share of pairs whose correct response has the higher
// mean per-token log-likelihood under m (equal counts ½). Length-normalised
// because a pair's two responses differ in length, and the sum would
// prefer the shorter one whatever it says.
func prefAccuracy(m *nn.Model, pref []prefPair) Rate {
	pairs := make([]rl.DPOPair, len(pref))
	for i, p := range pref {
		pairs[i] = p.dpo
	}
	c, w := rl.ScoreDPOPairs(m, pairs, rl.DPOConfig{LengthNorm: true}, 32)
	var win float64
	for i := range pairs {
		switch {
		case c[i] > w[i]:
			win++
		case c[i] == w[i]:
			win += 0.5
		}
	}
	return Rate(win / float64(len(pairs)))
}

// TableHeader and Row print the per-iteration report as a Markdown table:
// the judge on the iteration's training responses, the pairs it made, and
// the held-out measurements after the iteration's DPO.
const TableHeader = "| iter | pairs (ties/unscored) | pair precision | judge agreement | judge balanced | train acc | DPO pair acc (margin) | pass@1 | greedy | pref acc (log-lik) | pref acc (judge) | sample+judge+dpo+eval s |\n" +
	"|---|---|---|---|---|---|---|---|---|---|---|---|"

// Row is the iteration's line of the table.
func (st IterStats) Row() string {
	f := func(r Rate) string {
		if math.IsNaN(float64(r)) {
			return "–"
		}
		return fmt.Sprintf("%.3f", float64(r))
	}
	if st.Iteration == 0 {
		return fmt.Sprintf("| 0 (start) | | | | | | | %.3f | %.3f | %s | %s | %.0f |", st.Eval.Pass1, st.Eval.Greedy,
			f(st.PrefAcc), f(st.PrefAccJudge), st.EvalS)
	}
	return fmt.Sprintf("| %d | %d (%d/%d) | %s (%d) | %s | %s | %s | %.3f (%+.2f) | %.3f | %.3f | %s | %s | %.0f+%.0f+%.0f+%.0f |",
		st.Iteration, st.Pairs, st.Ties, st.Unscored, f(st.PairPrecision), st.Informative, f(st.JudgeAgreement),
		f(st.JudgeBalanced), f(st.TrainAccuracy), st.DPO.Accuracy, st.DPO.Margin, st.Eval.Pass1, st.Eval.Greedy, f(st.PrefAcc), f(st.PrefAccJudge),
		st.SampleS, st.JudgeS, st.DPOS, st.EvalS)
}
