package selfimprove

import (
	"context"
	"fmt"
	"math"

	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// SCoRe is the two-turn rl.EpisodeBuilder of self-correction training
// (docs/algorithms.md §5). Build samples G first attempts per example (as
// rl.SingleTurn), one second attempt per first attempt, scores both with
// the task reward and credits them by the step's stage (SCoReCredit,
// SCoReKLWeights). The G first attempts of an example form one group and
// their G second attempts another, so group estimators compare first
// attempts with first attempts and second with second.
//
// SCoRe is also an rl.Stage that adds nothing to the batch: its Extend
// returns the step's correction metrics (score/…) over the batch as
// trained, i.e. after dynamic sampling, which a builder cannot see. Add it
// to Trainer.Stages beside using it as Trainer.Builder.
type SCoRe struct {
	Cfg SCoReConfig
	// Beta is the algorithm's KL coefficient β (β1); Stage I's first
	// attempts get KL weight Cfg.Beta2/Beta.
	Beta float64
	// Threshold is the trainer's correct threshold (TrainConfig.CorrectThreshold).
	Threshold float64
	reward    *rewards.Weighted
	// skipped counts the episodes dropped for an overlong second-turn
	// prompt since the last Extend (summed over dynamic-sampling rounds).
	skipped int
	stage   int // the stage of the last Build
}

// NewSCoRe returns the builder after validating cfg against the algorithm's
// β (Stage I needs β > 0). reward is the task reward both attempts are
// scored with.
func NewSCoRe(cfg SCoReConfig, reward *rewards.Weighted, beta, threshold float64) (*SCoRe, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := cfg.CheckBeta(beta); err != nil {
		return nil, err
	}
	if reward == nil {
		return nil, fmt.Errorf("selfimprove: SCoRe needs the task reward")
	}
	return &SCoRe{Cfg: cfg, Beta: beta, Threshold: threshold, reward: reward}, nil
}

// Build implements rl.EpisodeBuilder: episodes of two turns, credited by the
// stage of in.Step.
func (s *SCoRe) Build(ctx context.Context, p *rl.Policy, in rl.BuildInput) (*rl.Batch, error) {
	stage := s.Cfg.StageAt(in.Step)
	b, err := rl.SingleTurn{Reward: s.reward}.Build(ctx, p, in)
	if err != nil {
		return nil, fmt.Errorf("score: first attempts: %w", err)
	}
	dropped, err := s.secondAttempts(ctx, p, b, in.Rollout, in.Keys, in.Streams, in.RowBase*in.Rollout.GroupSize)
	s.skipped += dropped
	if err != nil {
		return nil, err
	}
	ratio := 1.0
	if s.Beta > 0 {
		ratio = s.Cfg.Beta2 / s.Beta
	}
	w1, w2 := SCoReKLWeights(stage, ratio)
	for i := range b.Episodes {
		t1, t2 := &b.Episodes[i].Turns[0], &b.Episodes[i].Turns[1]
		r1, r2 := SCoReCredit(stage, t1.Total.Value(), t2.Total.Value(), s.Cfg.Alpha)
		t1.Reward, t2.Reward = float32(r1), float32(r2)
		t1.KLWeight, t2.KLWeight = w1, w2
		t1.NoVerdict = stage == 1
	}
	s.stage = stage
	return b, nil
}

// secondAttempts appends to every episode of b (one first-attempt turn
// each, G adjacent episodes per example sharing a group key) a sampled and
// scored second attempt. The second attempts of one first-attempt group
// get a fresh group key of their own. An example any of whose second-turn
// prompts plus the cap does not fit the model's context is dropped whole
// — all G of its episodes, so that every example keeps G episodes, as
// dynamic sampling expects — and the dropped episodes are counted; when
// nothing fits, it is an error naming the fix. A second attempt samples
// from the stream (kind rl.StreamCorrect) of its first attempt's global row
// index, rowBase + its index in b, so it does not depend on which other
// episodes were dropped or sampled beside it.
func (s *SCoRe) secondAttempts(ctx context.Context, p *rl.Policy, b *rl.Batch, rc rl.RolloutConfig, keys *rl.KeySource, streams rl.Streams, rowBase int) (dropped int, err error) {
	if b.Len() == 0 {
		return 0, nil
	}
	limit := rc.Sample.MaxNewTokens
	if s.Cfg.MaxNewTokens > 0 {
		limit = s.Cfg.MaxNewTokens
	}
	toks := make([][]int32, b.Len())
	texts := make([]string, b.Len())
	fits := map[int]bool{} // first-attempt group key → every prompt fits
	for i := range b.Episodes {
		e := &b.Episodes[i]
		t1 := &e.Turns[0]
		texts[i] = RenderCorrect(s.Cfg.Template, e.Example.Prompt, t1.Text)
		toks[i] = p.EncodePrompt(texts[i])
		ok, seen := fits[t1.Group]
		fits[t1.Group] = (ok || !seen) && len(toks[i])+limit <= p.Model.Cfg.MaxSeqLen
	}
	kept := b.Episodes[:0:0]
	var prompts [][]int32
	var promptTexts []string
	var rows []int
	for i, e := range b.Episodes {
		if !fits[e.Turns[0].Group] {
			dropped++
			continue
		}
		kept, prompts, rows = append(kept, e), append(prompts, toks[i]), append(rows, rowBase+i)
		promptTexts = append(promptTexts, texts[i])
	}
	if len(kept) == 0 {
		return dropped, fmt.Errorf("score: all %d second-turn prompts plus a cap of %d tokens exceed the model's context of %d tokens: lower --score-max-new-tokens or --max-completion-length, or shorten --score-template",
			dropped, limit, p.Model.Cfg.MaxSeqLen)
	}
	b.Episodes = kept
	rc.Sample.MaxNewTokens = limit
	var seeds []uint64
	if !rc.Sample.Greedy {
		seeds = streams.Seeds(rl.StreamCorrect, rows)
	}
	comps, secs, err := p.Sample(ctx, prompts, rc, seeds)
	if err != nil {
		return dropped, fmt.Errorf("score: second attempts: %w", err)
	}
	b.GenSeconds += secs
	group := map[int]int{} // first-attempt group key → second-attempt key
	for i, c := range comps {
		e := &b.Episodes[i]
		k1 := e.Turns[0].Group
		k2, ok := group[k1]
		if !ok {
			k2 = keys.Next()
			group[k1] = k2
		}
		b.GenTokens += len(c.Tokens)
		e.Turns = append(e.Turns, rl.Turn{
			Role: rl.RoleCorrect, Prompt: prompts[i], PromptText: promptTexts[i], Completion: c.Tokens, LogProbs: c.LogProbs, Truncated: !c.Stopped,
			Text: p.DecodeCompletion(c), Train: true, Group: k2, KLWeight: 1,
		})
	}
	b.ScoreSeconds += rl.ScoreTurns(ctx, s.reward, b, rl.RoleCorrect, rc.RewardTimeout)
	return dropped, nil
}

// Extend implements rl.Stage: it adds nothing and returns the step's
// correction metrics over b — score/acc_t1, acc_t2, delta_t1_t2,
// delta_i2c, delta_c2i, edit_ratio, the mean trained (shaped) second-turn
// reward score/reward_t2, score/mean_length_t2, score/stage and
// score/skipped_overlong (episodes dropped for a second-turn prompt that
// does not fit, over every generation round of the step).
func (s *SCoRe) Extend(_ context.Context, _ *rl.Policy, b *rl.Batch, in rl.BuildInput) (map[string]float64, error) {
	var st CorrectionStats
	var reward, scored, length, n float64
	for i := range b.Episodes {
		e := &b.Episodes[i]
		if len(e.Turns) != 2 || e.Turns[1].Role != rl.RoleCorrect {
			continue
		}
		t1, t2 := &e.Turns[0], &e.Turns[1]
		st.Add(t1.Correct(s.Threshold), t2.Correct(s.Threshold), t1.Text, t2.Text)
		if r := float64(t2.Reward); !math.IsNaN(r) {
			reward += r
			scored++
		}
		length += float64(len(t2.Completion))
		n++
	}
	skipped := s.skipped
	if err := sumRanks(in.Reduce, append(st.counts(), &skipped), &st.EditSum, &reward, &scored, &length, &n); err != nil {
		return nil, fmt.Errorf("score: sum the correction counts over the ranks: %w", err)
	}
	met := st.Metrics("score/")
	if scored > 0 {
		met["score/reward_t2"] = reward / scored
	}
	if n > 0 {
		met["score/mean_length_t2"] = length / n
	}
	met["score/skipped_overlong"] = float64(skipped)
	met["score/stage"] = float64(s.stage)
	s.skipped = 0
	return met, nil
}
