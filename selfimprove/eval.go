package selfimprove

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// EvalVerify measures self-verification on held-out problems: it samples
// k = cfg.EvalSamples solutions per problem at the evaluation temperature,
// has the model verify each one greedily, and returns, under the keys of
// summary.json:
//
//   - verify_acc, verify_balanced_acc, verify_format_rate and the confusion
//     counts verify_confusion/<true>_<verdict> of those verifications;
//   - self_verify@k: the accuracy of answering each problem with its
//     best-rated solution (ties broken by the majority answer among the
//     tied, then by the first), the paper's test-time use;
//   - self_verify/pass@1 and self_verify/maj@k on the same samples, and
//     self_verify/diff_se, the paired standard error of self_verify@k −
//     maj@k, so the two can be compared on equal footing.
func EvalVerify(ctx context.Context, p *rl.Policy, r *RISE, exs []data.Example, solve *rewards.Weighted, ec rl.EvalConfig, s rl.Streams) (map[string]float64, error) {
	k := r.Cfg.EvalSamples
	if len(exs) == 0 {
		return nil, fmt.Errorf("selfimprove: no held-out problems to verify")
	}
	rc := rl.RolloutConfig{GroupSize: k, MaxBatch: ec.MaxBatch, RewardTimeout: ec.RewardTimeout,
		Sample: nn.SampleConfig{Temperature: ec.Temperature, MaxNewTokens: ec.MaxNewTokens}}
	s.Purpose = rl.StreamVerify // apart from the streams of the main evaluation
	in := rl.BuildInput{Examples: exs, Rollout: rc, Keys: &rl.KeySource{}, Streams: s}
	sb, err := rl.SingleTurn{Reward: solve}.Build(ctx, p, in)
	if err != nil {
		return nil, fmt.Errorf("selfimprove: eval solutions: %w", err)
	}
	scale := r.Cfg.Scale()
	reqs := make([]verifyRequest, len(sb.Episodes))
	for i := range sb.Episodes {
		e := &sb.Episodes[i]
		reqs[i] = verifyRequest{ex: e.Example, text: e.Final().Text, outcome: Outcome(e.Final(), ec.CorrectThreshold, scale), at: i}
	}
	// Unscorable solutions have no label: verify only the others.
	var scorable []verifyRequest
	for _, q := range reqs {
		if !math.IsNaN(q.outcome) {
			scorable = append(scorable, q)
		}
	}
	vb, kept, skipped, err := r.verify(ctx, p, scorable, 1, nn.SampleConfig{Greedy: true}, rl.BuildInput{Rollout: rc, Keys: &rl.KeySource{}, Streams: s})
	if err != nil {
		return nil, err
	}
	if len(kept) == 0 && len(scorable) > 0 {
		return nil, fmt.Errorf("selfimprove: all %d verification prompts plus rise-max-new-tokens = %d exceed the model's context of %d tokens: lower rise-max-new-tokens or shorten the template",
			len(scorable), r.Cfg.MaxNewTokens, p.Model.Cfg.MaxSeqLen)
	}
	rating := make([]float64, len(reqs))
	for i := range rating {
		rating[i] = math.Inf(-1) // unrated: never preferred
	}
	st := NewVerifyStats(scale)
	for j, q := range kept {
		v, ok := rewards.ParseVerdict(vb.Episodes[j].Final().Text, scale)
		st.Add(q.outcome, v, ok)
		if ok {
			rating[q.at] = v
		}
	}
	met := st.Metrics("verify_")
	met["verify_skipped_overlong"] = float64(skipped)

	var sv, mj, p1, d, d2 float64
	for pi := range exs {
		eps := sb.Episodes[pi*k : (pi+1)*k]
		correct := make([]float32, k)
		texts := make([]string, k)
		for g := range eps {
			correct[g], texts[g] = eps[g].Final().Correct(ec.CorrectThreshold), eps[g].Final().Text
			if correct[g] == 1 {
				p1++
			}
		}
		a := bestRated(rating[pi*k:(pi+1)*k], texts)
		var s, m float64
		if correct[a] == 1 {
			s = 1
		}
		if rl.MajorityCorrect(texts, correct) {
			m = 1
		}
		sv, mj, d, d2 = sv+s, mj+m, d+(s-m), d2+(s-m)*(s-m)
	}
	n := float64(len(exs))
	met["self_verify@k"] = sv / n
	met["self_verify/maj@k"] = mj / n
	met["self_verify/pass@1"] = p1 / (n * float64(k))
	met["self_verify/k"] = float64(k)
	if n > 1 {
		mean := d / n
		met["self_verify/diff_se"] = math.Sqrt((d2/n - mean*mean) / (n - 1))
	}
	return met, nil
}

// bestRated returns the index of the best-rated solution: the highest
// verdict; among equals, the one whose extracted answer is the most common
// among them; then the first.
func bestRated(rating []float64, texts []string) int {
	best := math.Inf(-1)
	for _, r := range rating {
		best = max(best, r)
	}
	var tied []int
	for i, r := range rating {
		if r == best {
			tied = append(tied, i)
		}
	}
	counts := map[string]int{}
	key := make([]string, len(texts))
	for _, i := range tied {
		if a, _, ok := rewards.ExtractAnswer(texts[i], rewards.DefaultExtractConfig()); ok {
			key[i] = strings.Join(strings.Fields(a), "")
			counts[key[i]]++
		}
	}
	pick, top := tied[0], -1
	for _, i := range tied {
		if c := counts[key[i]]; key[i] != "" && c > top {
			pick, top = i, c
		}
	}
	return pick
}
