package selfimprove

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// RISEConfig configures self-verification in the RL update (RISE, Liu et
// al., arXiv 2505.13445; docs/algorithms.md §4): each step, some of the
// step's own solutions are shown back to the model for verification, and
// the verifications train in the same update, normalised in their own
// groups. Every field is a flag with the prefix --rise-.
type RISEConfig struct {
	// Verify is the number of the step's solutions verified per step.
	// Default 32 (a quarter of the default 16×8 batch).
	Verify int `json:"verify"`
	// Samples is the number of verifications sampled per verification
	// prompt; they form one group. Default 4; group baselines need ≥ 2.
	Samples int `json:"samples"`
	// Selection is uniform (RISE: evenly across groups, random within) or
	// balanced (half correct, half not, each spread across groups). Default
	// balanced.
	Selection Selection `json:"selection"`
	// Template is the verification prompt with {problem} and {solution}.
	Template string `json:"template"`
	// ScoreCorrect, ScoreWrong and ScoreNoAnswer are the outcome-score scale
	// of solutions and verdicts. Default RISE's 1, −0.5, −1.
	ScoreCorrect  float64 `json:"score_correct"`
	ScoreWrong    float64 `json:"score_wrong"`
	ScoreNoAnswer float64 `json:"score_no_answer"`
	// LossWeight weighs each verification turn's loss against a solution's.
	// Default 1.
	LossWeight float64 `json:"loss_weight"`
	// MaxNewTokens caps a verification completion. Default 96.
	MaxNewTokens int `json:"max_new_tokens"`
	// EvalSamples is the number of solutions per held-out problem the
	// evaluation has verified (greedily) for verify_acc and
	// self_verify@k. Default 4.
	EvalSamples int `json:"eval_samples"`
}

// DefaultRISEConfig returns the defaults documented on RISEConfig.
func DefaultRISEConfig() RISEConfig {
	s := rewards.DefaultVerdictScale()
	return RISEConfig{Verify: 32, Samples: 4, Selection: SelectBalanced, Template: DefaultVerifyTemplate,
		ScoreCorrect: s.Correct, ScoreWrong: s.Wrong, ScoreNoAnswer: s.NoAnswer, LossWeight: 1, MaxNewTokens: 96, EvalSamples: 4}
}

// Scale returns the verdict scale.
func (c RISEConfig) Scale() rewards.VerdictScale {
	return rewards.VerdictScale{Correct: c.ScoreCorrect, Wrong: c.ScoreWrong, NoAnswer: c.ScoreNoAnswer}
}

// Validate checks the configuration and says how to fix it.
func (c RISEConfig) Validate() error {
	switch {
	case c.Verify < 1:
		return fmt.Errorf("rise-verify = %d: must be ≥ 1 solution per step", c.Verify)
	case c.Samples < 1:
		return fmt.Errorf("rise-samples = %d: must be ≥ 1 (≥ 2 for group baselines)", c.Samples)
	case c.Selection != SelectUniform && c.Selection != SelectBalanced:
		return fmt.Errorf("rise-selection = %q: choose uniform or balanced", c.Selection)
	case !(c.LossWeight > 0) || math.IsInf(c.LossWeight, 0):
		return fmt.Errorf("rise-loss-weight = %g: must be > 0", c.LossWeight)
	case c.MaxNewTokens < 1 || c.EvalSamples < 1:
		return fmt.Errorf("rise-max-new-tokens = %d, rise-eval-samples = %d: must be ≥ 1", c.MaxNewTokens, c.EvalSamples)
	}
	if err := CheckTemplate(c.Template); err != nil {
		return err
	}
	return c.Scale().Validate()
}

// RISE is the rl.Stage that adds verification episodes to each step.
type RISE struct {
	Cfg RISEConfig
	// Threshold is the trainer's correct threshold (TrainConfig.CorrectThreshold).
	Threshold float64
	reward    *rewards.Weighted
}

// NewRISE returns the stage after validating cfg.
func NewRISE(cfg RISEConfig, threshold float64) (*RISE, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	v, err := rewards.NewSelfVerify(cfg.Scale())
	if err != nil {
		return nil, err
	}
	w, err := rewards.NewWeighted([]rewards.Reward{v}, nil, rewards.MissingStrict)
	if err != nil {
		return nil, err
	}
	return &RISE{Cfg: cfg, Threshold: threshold, reward: w}, nil
}

// Reward is the verification reward the stage scores with.
func (r *RISE) Reward() *rewards.Weighted { return r.reward }

// verifyRequest is one solution to verify.
type verifyRequest struct {
	ex      data.Example // the solved problem
	text    string       // the solution, decoded, cut at end-of-text
	outcome float64
	at      int     // the solution's index in the caller's list
	weight  float64 // the loss weight of its verifications (0: Cfg.LossWeight)
}

func (q verifyRequest) lossWeight(base float64) float64 {
	if q.weight > 0 {
		return q.weight
	}
	return base
}

// maxClassWeight caps the class-balancing weight of the rarer class, so a
// step with one correct solution among many does not hang on it alone.
const maxClassWeight = 4

// balanceWeights gives the verifications of correct and of other solutions
// equal total weight in the loss (balanced selection): when the model is
// mostly wrong there are too few correct solutions to pick half of them,
// and without the weights the verifier learns that "wrong" is always safe.
func balanceWeights(reqs []verifyRequest, correct, base float64) {
	nc := 0
	for _, q := range reqs {
		if q.outcome == correct {
			nc++
		}
	}
	n := len(reqs)
	if nc == 0 || nc == n {
		return
	}
	wc := min(maxClassWeight, float64(n)/(2*float64(nc)))
	wo := min(maxClassWeight, float64(n)/(2*float64(n-nc)))
	for i := range reqs {
		if reqs[i].outcome == correct {
			reqs[i].weight = base * wc
		} else {
			reqs[i].weight = base * wo
		}
	}
}

// prompts encodes the verification prompts of reqs, skipping those whose
// prompt and completion cap do not fit the model's context.
func (r *RISE) prompts(p *rl.Policy, reqs []verifyRequest) (kept []verifyRequest, toks [][]int32, texts []string, skipped int) {
	for _, q := range reqs {
		text := RenderVerify(r.Cfg.Template, q.ex.Prompt, q.text)
		t := p.EncodePrompt(text)
		if len(t)+r.Cfg.MaxNewTokens > p.Model.Cfg.MaxSeqLen {
			skipped++
			continue
		}
		kept, toks, texts = append(kept, q), append(toks, t), append(texts, text)
	}
	return kept, toks, texts, skipped
}

// verify samples k verifications of each request and returns them as
// episodes (one group per request) with their verdict reward.
// Requests whose prompt does not fit the context are skipped: kept lists
// the others, in the order of the returned groups.
func (r *RISE) verify(ctx context.Context, p *rl.Policy, reqs []verifyRequest, k int, sample nn.SampleConfig, in rl.BuildInput) (b *rl.Batch, kept []verifyRequest, skipped int, err error) {
	kept, toks, texts, skipped := r.prompts(p, reqs)
	b = &rl.Batch{}
	if len(kept) == 0 {
		return b, kept, skipped, nil
	}
	prompts := make([][]int32, 0, len(kept)*k)
	for _, t := range toks {
		for range k {
			prompts = append(prompts, t)
		}
	}
	rc := in.Rollout
	rc.GroupSize = k
	rc.Sample = sample
	rc.Sample.MaxNewTokens = r.Cfg.MaxNewTokens
	var seeds []uint64
	if !sample.Greedy {
		rows := make([]int, 0, len(prompts))
		base := in.RowBase * in.Rollout.GroupSize // the global index of the step's first solution
		for _, q := range kept {
			for j := range k {
				rows = append(rows, (base+q.at)*k+j)
			}
		}
		seeds = in.Streams.Seeds(rl.StreamVerify, rows)
	}
	comps, secs, err := p.Sample(ctx, prompts, rc, seeds)
	if err != nil {
		return nil, nil, skipped, fmt.Errorf("rise: verification rollout: %w", err)
	}
	b.GenSeconds = secs
	key := 0
	for i, c := range comps {
		q := kept[i/k]
		if i%k == 0 {
			key = in.Keys.Next()
		}
		b.GenTokens += len(c.Tokens)
		ex := data.Example{ID: q.ex.ID + "/verify", Task: "verify", Prompt: texts[i/k], Answer: rewards.FormatVerdict(q.outcome)}
		b.Episodes = append(b.Episodes, rl.Episode{Example: ex, Turns: []rl.Turn{{
			Role: rl.RoleVerify, Prompt: prompts[i], Completion: c.Tokens, LogProbs: c.LogProbs, Truncated: !c.Stopped,
			Text: p.DecodeCompletion(c), Train: true, Group: key, KLWeight: 1, LossWeight: float32(q.lossWeight(r.Cfg.LossWeight)),
		}}})
	}
	b.ScoreSeconds = rl.ScoreTurns(ctx, r.reward, b, rl.RoleVerify, rc.RewardTimeout)
	return b, kept, skipped, nil
}

// Extend implements rl.Stage: it picks Verify of the batch's solutions,
// samples Samples verifications of each with the current policy, and appends
// them to b, so they train in the same update.
func (r *RISE) Extend(ctx context.Context, p *rl.Policy, b *rl.Batch, in rl.BuildInput) (map[string]float64, error) {
	var sols []*rl.Turn
	var exs []data.Example
	var keys []int
	for i := range b.Episodes {
		for j := range b.Episodes[i].Turns {
			if t := &b.Episodes[i].Turns[j]; t.Role == rl.RoleSolve {
				sols, exs, keys = append(sols, t), append(exs, b.Episodes[i].Example), append(keys, t.Group)
			}
		}
	}
	scale := r.Cfg.Scale()
	outcome := make([]float64, len(sols))
	for i, t := range sols {
		outcome[i] = Outcome(t, r.Threshold, scale)
	}
	idx, err := Select(r.Cfg.Selection, r.Cfg.Verify, rl.GroupSpans(keys), outcome, scale.Correct, in.Rng)
	if err != nil {
		return nil, err
	}
	reqs := make([]verifyRequest, len(idx))
	picked := 0
	for i, k := range idx {
		reqs[i] = verifyRequest{ex: exs[k], text: sols[k].Text, outcome: outcome[k], at: k}
		if outcome[k] == scale.Correct {
			picked++
		}
	}
	if r.Cfg.Selection == SelectBalanced {
		balanceWeights(reqs, scale.Correct, r.Cfg.LossWeight)
	}
	t0 := time.Now()
	vb, kept, skipped, err := r.verify(ctx, p, reqs, r.Cfg.Samples, in.Rollout.Sample, in)
	if err != nil {
		return nil, err
	}
	if len(kept) == 0 && skipped > 0 {
		return nil, fmt.Errorf("rise: all %d verification prompts plus rise-max-new-tokens = %d exceed the model's context of %d tokens: lower rise-max-new-tokens or the completion cap",
			skipped, r.Cfg.MaxNewTokens, p.Model.Cfg.MaxSeqLen)
	}
	b.Episodes = append(b.Episodes, vb.Episodes...)
	b.GenSeconds += vb.GenSeconds
	b.ScoreSeconds += vb.ScoreSeconds
	b.GenTokens += vb.GenTokens

	st := NewVerifyStats(scale)
	var reward, scored float64
	for i := range vb.Episodes {
		e := &vb.Episodes[i]
		tu := &e.Turns[0]
		truth, _ := parseFloat(e.Example.Answer)
		v, ok := rewards.ParseVerdict(tu.Text, scale)
		st.Add(truth, v, ok)
		if tu.Scorable() {
			reward += float64(tu.Reward)
			scored++
		}
	}
	nPicked := len(idx)
	if err := sumRanks(in.Reduce, append(st.counts(), &skipped, &picked, &nPicked), &reward, &scored); err != nil {
		return nil, fmt.Errorf("rise: sum the verification counts over the ranks: %w", err)
	}
	met := st.Metrics("verify/")
	if scored > 0 {
		met["verify/reward"] = reward / scored
	}
	met["verify/skipped_overlong"] = float64(skipped)
	if nPicked > 0 {
		met["verify/picked_correct_frac"] = float64(picked) / float64(nPicked)
	}
	met["verify_s"] = time.Since(t0).Seconds()
	return met, nil
}
