package selfimprove

import (
	"context"
	"fmt"
	"math"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// EvalSCoRe measures self-correction on held-out problems: ec.K first
// attempts per problem at the evaluation temperature, one second attempt
// of each at the same temperature, and returns, under the keys of
// summary.json's eval_before/eval_after (rl.EvalResult.Extra):
//
//   - acc_t1, acc_t2, delta_t1_t2, delta_i2c, delta_c2i over the pairs
//     whose two verdicts are scorable (docs/algorithms.md §5), and
//     edit_ratio over every pair (CorrectionStats);
//   - delta_t1_t2_se, the paired standard error of acc_t2 − acc_t1: the
//     per-problem mean of c2 − c1 is the unit (the K pairs of a problem are
//     not independent), its standard deviation over problems / √n;
//   - skipped_overlong, the pairs left out because their second-turn prompt
//     plus cap does not fit the context (an error when none fits).
//
// Every row samples from its own stream of st (rl.Streams): a first
// attempt from its row's solve stream, its second attempt from the correct
// stream of the same row, so the numbers do not depend on which rows were
// skipped or batched together.
func EvalSCoRe(ctx context.Context, p *rl.Policy, cfg SCoReConfig, exs []data.Example, reward *rewards.Weighted, ec rl.EvalConfig, st rl.Streams) (map[string]float64, error) {
	met, _, err := EvalSCoReEpisodes(ctx, p, cfg, exs, reward, ec, st)
	return met, err
}

// EvalSCoReEpisodes is EvalSCoRe that also returns the evaluated two-turn
// episodes (first attempt, second attempt with its prompt in
// rl.Turn.PromptText), for samples.jsonl.
func EvalSCoReEpisodes(ctx context.Context, p *rl.Policy, cfg SCoReConfig, exs []data.Example, reward *rewards.Weighted, ec rl.EvalConfig, st rl.Streams) (map[string]float64, *rl.Batch, error) {
	if err := ec.Validate(); err != nil {
		return nil, nil, err
	}
	if err := cfg.Validate(); err != nil {
		return nil, nil, err
	}
	if len(exs) == 0 {
		return nil, nil, fmt.Errorf("selfimprove: no held-out problems to self-correct")
	}
	rc := rl.RolloutConfig{GroupSize: ec.K, MaxBatch: ec.MaxBatch, RewardTimeout: ec.RewardTimeout,
		Sample: nn.SampleConfig{Temperature: ec.Temperature, MaxNewTokens: ec.MaxNewTokens}}
	keys := &rl.KeySource{}
	b, err := rl.SingleTurn{Reward: reward}.Build(ctx, p, rl.BuildInput{Examples: exs, Rollout: rc, Keys: keys, Streams: st})
	if err != nil {
		return nil, nil, fmt.Errorf("selfimprove: eval first attempts: %w", err)
	}
	s := &SCoRe{Cfg: cfg, reward: reward}
	dropped, err := s.secondAttempts(ctx, p, b, rc, keys, st, 0)
	if err != nil {
		return nil, nil, err
	}
	var cs CorrectionStats
	perProblem := map[int]*struct{ sum, n float64 }{} // first-attempt group key → Σ(c2 − c1), pairs
	var order []int
	for i := range b.Episodes {
		t1, t2 := &b.Episodes[i].Turns[0], &b.Episodes[i].Turns[1]
		c1, c2 := t1.Correct(ec.CorrectThreshold), t2.Correct(ec.CorrectThreshold)
		cs.Add(c1, c2, t1.Text, t2.Text)
		if math.IsNaN(float64(c1)) || math.IsNaN(float64(c2)) {
			continue
		}
		d := perProblem[t1.Group]
		if d == nil {
			d = &struct{ sum, n float64 }{}
			perProblem[t1.Group] = d
			order = append(order, t1.Group)
		}
		d.sum += float64(c2 - c1)
		d.n++
	}
	met := cs.Metrics("")
	met["skipped_overlong"] = float64(dropped)
	if n := float64(len(order)); n > 1 {
		var sum, sq float64
		for _, k := range order {
			x := perProblem[k].sum / perProblem[k].n
			sum, sq = sum+x, sq+x*x
		}
		mean := sum / n
		met["delta_t1_t2_se"] = math.Sqrt(max(0, sq/n-mean*mean) / (n - 1))
	}
	return met, b, nil
}
