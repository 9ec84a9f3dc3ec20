package selfimprove

// The Self-Rewarding loop (docs/algorithms.md §6.2): sample K responses to
// new prompts with the current model M_t, judge each with M_t itself (the
// judge reward of judge.go, J judgments averaged), pair the best- and
// worst-judged responses of each prompt, and train M_{t+1} from M_t by DPO
// with M_t as the frozen reference. The task's verifier never chooses a
// pair: it only measures the judge and the model.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// Rate is a measured ratio; NaN (nothing to measure) is written as null.
type Rate float64

// MarshalJSON writes NaN and ±Inf as null.
func (r Rate) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(r)) || math.IsInf(float64(r), 0) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(r))
}

// UnmarshalJSON reads null as NaN.
func (r *Rate) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*r = Rate(math.NaN())
		return nil
	}
	return json.Unmarshal(b, (*float64)(r))
}

func ratio(a, b float64) Rate {
	if b == 0 {
		return Rate(math.NaN())
	}
	return Rate(a / b)
}

// IterStats is one iteration's report. Iteration 0 is the starting model,
// of which only the held-out fields are measured.
type IterStats struct {
	Iteration int `json:"iteration"`
	// The iteration's training responses, judged by its starting model.
	Prompts   int `json:"prompts"`
	Responses int `json:"responses"`
	// TrainAccuracy is the verifier's accuracy of the responses
	// (measurement only: no label reaches the pairs).
	TrainAccuracy Rate `json:"train_accuracy"`
	// JudgeScored is the share of responses with a judge score;
	// JudgeParse the share of judgments that parsed.
	JudgeScored Rate `json:"judge_scored_rate"`
	JudgeParse  Rate `json:"judge_parse_rate"`
	// JudgeAgreement is the share of scored responses whose judged verdict
	// (score ≥ 0.5: most judgments said correct) equals the verifier's;
	// JudgeBalanced the mean of that agreement on correct and on incorrect
	// responses.
	JudgeAgreement Rate `json:"judge_agreement"`
	JudgeBalanced  Rate `json:"judge_balanced_acc"`
	// Pairs built, and prompts skipped for ties, too few scored responses
	// and identical texts.
	Pairs     int `json:"pairs"`
	Ties      int `json:"skipped_ties"`
	Unscored  int `json:"skipped_unscored"`
	Identical int `json:"skipped_identical"`
	// PairPrecision: among pairs whose responses differ in truth, the share
	// whose chosen response is the correct one (Informative of them).
	PairPrecision Rate `json:"pair_precision"`
	Informative   int  `json:"pairs_informative"`
	ChosenLen     Rate `json:"chosen_tokens"`
	RejectedLen   Rate `json:"rejected_tokens"`
	// DPO is the DPO loss and statistics of the iteration's pairs after
	// its training, against its reference (the margin and pair accuracy
	// DPO reached on what it trained on).
	DPO rl.DPOStats `json:"dpo"`
	// Held-out, after the iteration's DPO (iteration 0: before any).
	Eval rl.EvalResult `json:"eval"`
	// PrefAcc is the held-out preference accuracy: the share of held-out
	// pairs (one correct, one incorrect response of a problem) whose correct
	// response has the higher length-normalised log-likelihood under the
	// model. PrefAccJudge is the same with the model's judge score (ties and
	// unscored count ½).
	PrefAcc      Rate `json:"pref_acc"`
	PrefAccJudge Rate `json:"pref_acc_judge"`
	PrefPairs    int  `json:"pref_pairs"`
	// Seconds of each phase.
	SampleS float64 `json:"sample_s"`
	JudgeS  float64 `json:"judge_s"`
	DPOS    float64 `json:"dpo_s"`
	EvalS   float64 `json:"eval_s"`
}

// SelfReward runs the loop.
type SelfReward struct {
	Cfg SelfRewardConfig
	// Eval is the held-out pass@1 evaluation (rl.Policy.Evaluate).
	Eval rl.EvalConfig
	// Solve is the task's reward; it measures, it never picks a pair.
	Solve *rewards.Weighted
	// VerifyTemplate and Scale are the RISE verification format the judge
	// prompts with (the warm start's verification demos taught it).
	VerifyTemplate string
	Scale          rewards.VerdictScale
	// Iteration is called after each iteration (and for iteration 0) with
	// its report and the policy as it then is (to save a checkpoint).
	Iteration func(IterStats, *rl.Policy) error
	// DPOStep is called after every DPO step (may be nil).
	DPOStep func(iteration int, p rl.DPOProgress)
	// Log receives a progress line per phase (may be nil).
	Log func(format string, args ...any)
}

func (s *SelfReward) logf(format string, args ...any) {
	if s.Log != nil {
		s.Log(format, args...)
	}
}

// Run runs Cfg.Iterations iterations on pol, drawing each iteration's
// prompts from train and measuring on heldOut.
func (s *SelfReward) Run(ctx context.Context, pol *rl.Policy, train, heldOut []data.Example) ([]IterStats, error) {
	cfg := s.Cfg
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(train) == 0 || len(heldOut) == 0 {
		return nil, errors.New("selfimprove: self-reward needs training prompts and held-out problems")
	}
	judge := NewJudge(cfg.Judge, s.VerifyTemplate, s.Scale)
	judge.Bind(pol)
	prefEx := heldOut[:min(cfg.PrefProblems, len(heldOut))]
	pref, err := s.prefPairs(ctx, pol, prefEx)
	if err != nil {
		return nil, err
	}
	s.logf("held-out: %d preference pairs (one correct, one incorrect response) from %d problems", len(pref), len(prefEx))
	var out []IterStats
	st := IterStats{}
	if err := s.measure(ctx, pol, judge, heldOut, pref, &st); err != nil {
		return nil, err
	}
	out = append(out, st)
	if s.Iteration != nil {
		if err := s.Iteration(st, pol); err != nil {
			return out, err
		}
	}
	order := rand.New(rand.NewPCG(cfg.Seed, 0x73656c66)).Perm(len(train))
	for it := 1; it <= cfg.Iterations; it++ {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		exs := make([]data.Example, cfg.Prompts)
		for i := range exs {
			exs[i] = train[order[((it-1)*cfg.Prompts+i)%len(order)]]
		}
		st := IterStats{Iteration: it, Prompts: len(exs)}
		pairs, err := s.samplePairs(ctx, pol, judge, exs, it, &st)
		if err != nil {
			return out, err
		}
		s.logf("iteration %d: %d responses sampled (%.0fs) and judged (%.0fs): %d pairs, %d ties, %d unscored, %d identical",
			it, st.Responses, st.SampleS, st.JudgeS, st.Pairs, st.Ties, st.Unscored, st.Identical)
		if len(pairs) > 0 {
			t0 := time.Now()
			ref := pol.Model.Clone()
			tc := cfg.Train
			tc.Seed = cfg.Train.Seed + uint64(it)
			err = rl.TrainDPO(pol.Model, ref, pairs, cfg.DPO, tc, func(p rl.DPOProgress) {
				if s.DPOStep != nil {
					s.DPOStep(it, p)
				}
			})
			if err != nil {
				return out, fmt.Errorf("selfimprove: iteration %d: %w", it, err)
			}
			st.DPO = rl.EvalDPO(pol.Model, ref, pairs, cfg.DPO, cfg.Train.BatchPairs)
			st.DPOS = time.Since(t0).Seconds()
			s.logf("iteration %d: DPO %.0fs: pair accuracy %.3f, margin %+.3f, loss %.4f", it, st.DPOS, st.DPO.Accuracy, st.DPO.Margin, st.DPO.Loss)
		}
		if err := s.measure(ctx, pol, judge, heldOut, pref, &st); err != nil {
			return out, err
		}
		out = append(out, st)
		if s.Iteration != nil {
			if err := s.Iteration(st, pol); err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// samplePairs samples and judges the iteration's responses and returns its
// DPO pairs, filling the training fields of st.
func (s *SelfReward) samplePairs(ctx context.Context, pol *rl.Policy, judge *Judge, exs []data.Example, it int, st *IterStats) ([]rl.DPOPair, error) {
	cfg, K := s.Cfg, s.Cfg.Samples
	rc := rl.RolloutConfig{GroupSize: K, MaxBatch: cfg.MaxBatch, RewardTimeout: s.Eval.RewardTimeout,
		Sample: nn.SampleConfig{Temperature: cfg.Temperature, MaxNewTokens: cfg.MaxNewTokens}}
	streams := rl.Streams{Seed: cfg.Seed, Step: it}
	t0 := time.Now()
	b, err := rl.SingleTurn{Reward: s.Solve}.Build(ctx, pol, rl.BuildInput{Examples: exs, Rollout: rc, Keys: &rl.KeySource{}, Streams: streams})
	if err != nil {
		return nil, fmt.Errorf("selfimprove: iteration %d: sampling: %w", it, err)
	}
	st.SampleS = time.Since(t0).Seconds()
	turns := make([]*rl.Turn, len(b.Episodes))
	for i := range b.Episodes {
		turns[i] = b.Episodes[i].Final()
	}
	t0 = time.Now()
	scores, js := s.judgeTurns(ctx, judge, b.Episodes, streams)
	st.JudgeS = time.Since(t0).Seconds()
	st.Responses = len(turns)
	st.JudgeParse = ratio(js.Parsed, js.Judgments)
	truth := make([]float32, len(turns))
	for i, t := range turns {
		truth[i] = t.Correct(s.Eval.CorrectThreshold)
	}
	st.TrainAccuracy, st.JudgeScored, st.JudgeAgreement, st.JudgeBalanced = agreement(scores, truth)

	var pairs []rl.DPOPair
	var nInf, nPrec, lc, lr float64
	for p := range exs {
		lo := p * K
		lens, texts := make([]int, K), make([]string, K)
		for g := range K {
			lens[g], texts[g] = len(turns[lo+g].Completion), turns[lo+g].Text
		}
		c, r, why := PickPair(scores[lo:lo+K], lens, texts, cfg.LengthMargin, cfg.MinGap)
		switch why {
		case PairTie:
			st.Ties++
			continue
		case PairUnscored:
			st.Unscored++
			continue
		case PairIdentical:
			st.Identical++
			continue
		}
		tc, tr := turns[lo+c], turns[lo+r]
		pairs = append(pairs, rl.DPOPair{Prompt: tc.Prompt, Chosen: tc.Completion, Rejected: tr.Completion})
		lc += float64(len(tc.Completion))
		lr += float64(len(tr.Completion))
		if vc, vr := truth[lo+c], truth[lo+r]; vc == 1 && vr == 0 || vc == 0 && vr == 1 {
			nInf++
			if vc == 1 {
				nPrec++
			}
		}
	}
	st.Pairs, st.Informative = len(pairs), int(nInf)
	st.PairPrecision = ratio(nPrec, nInf)
	st.ChosenLen, st.RejectedLen = ratio(lc, float64(len(pairs))), ratio(lr, float64(len(pairs)))
	return pairs, nil
}

// judgeTurns scores the final turn of every episode with the judge (NaN:
// unscored), all in one batched generation on the given streams.
func (s *SelfReward) judgeTurns(ctx context.Context, judge *Judge, eps []rl.Episode, streams rl.Streams) ([]float64, JudgeStats) {
	items := make([]rewards.Item, len(eps))
	for i := range eps {
		t := eps[i].Final()
		items[i] = rewards.Item{Example: eps[i].Example, Group: i / max(1, s.Cfg.Samples),
			Completion: rewards.Completion{Text: t.Text, Tokens: len(t.Completion), Truncated: t.Truncated}}
	}
	judge.setRound(&round{streams: streams, rollout: rl.RolloutConfig{MaxBatch: s.Cfg.MaxBatch}})
	defer judge.setRound(nil)
	judge.TakeStats()
	res := judge.ScoreBatch(ctx, items)
	scores := make([]float64, len(res))
	for i, r := range res {
		scores[i] = math.NaN()
		if r.OK {
			scores[i] = r.Score
		}
	}
	return scores, judge.TakeStats()
}

// agreement compares judge scores with the verifier's verdicts: the
// verifier's accuracy over the scorable responses, the share of responses
// the judge scored, and the judge's agreement and balanced agreement.
func agreement(scores []float64, truth []float32) (acc, scored, agree, balanced Rate) {
	var n, nc, ns, hit, hitC, nsC, nsW, hitW float64
	for i, v := range truth {
		if math.IsNaN(float64(v)) {
			continue
		}
		n++
		if v == 1 {
			nc++
		}
		if math.IsNaN(scores[i]) {
			continue
		}
		ns++
		ok := (scores[i] >= 0.5) == (v == 1)
		if v == 1 {
			nsC++
		} else {
			nsW++
		}
		if ok {
			hit++
			if v == 1 {
				hitC++
			} else {
				hitW++
			}
		}
	}
	balanced = Rate(math.NaN())
	if nsC > 0 && nsW > 0 {
		balanced = Rate((hitC/nsC + hitW/nsW) / 2)
	}
	return ratio(nc, n), ratio(ns, n), ratio(hit, ns), balanced
}
