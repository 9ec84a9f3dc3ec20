package selfimprove

// The judge reward (docs/algorithms.md §6; LLM-as-a-judge on its own
// outputs as in Self-Rewarding, Yuan et al., arXiv 2401.10020, and RLSR,
// Simonds et al., arXiv 2505.08827): a model grades each completion through
// a judge prompt with a strict score format, and the mean of J judgments is
// the reward. It reads no label.
//
// Decisions:
//   - the default format is RISE's verification format (§4), which warm
//     starts built with verification demos already write, scored 1 for the
//     Correct verdict and 0 for Wrong or NoAnswer; the rubric format
//     ("Score: N/M") is the Self-Rewarding alternative;
//   - a judgment that does not parse is dropped; a completion none of whose
//     J judgments parses gets no score, never 0, so it adds nothing to its
//     group's baseline;
//   - the judgments of the whole batch are one batched generation (one
//     rl.Policy.Sample call), row r's j-th judgment drawing from the stream
//     of row r·J + j (rl.StreamJudge), so the result does not depend on how
//     the batch is sharded over ranks;
//   - a completion whose judge prompt plus the judgment cap does not fit the
//     judge's context gets no score.

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// Judge is the judge reward.
type Judge struct {
	Cfg JudgeConfig
	// Scale is the verdict scale of the verification format.
	Scale rewards.VerdictScale
	// Template is the resolved judge prompt.
	Template string

	policy *rl.Policy
	round  *round
	// sample is rl.Policy.Sample; tests count its calls.
	sample func(p *rl.Policy, ctx context.Context, prompts [][]int32, rc rl.RolloutConfig, seeds []uint64) ([]nn.Completion, float64, error)

	mu    sync.Mutex
	stats JudgeStats
}

// JudgeStats are the judge's counts since the last TakeStats.
type JudgeStats struct {
	// Items counts completions asked about, Scored those with a score,
	// Overlong those whose prompt did not fit.
	Items, Scored, Overlong float64
	// Judgments counts the judgments sampled, Parsed those that parsed.
	Judgments, Parsed float64
	// Calls counts the batched generations, Seconds their time, Tokens the
	// judgment tokens generated.
	Calls, Seconds, Tokens float64
}

// NewJudge returns the judge reward; verify is the RISE verification
// template (the verdict format's default prompt) and scale its verdict
// scale. The configuration is the caller's to validate (JudgeConfig.Validate).
func NewJudge(cfg JudgeConfig, verify string, scale rewards.VerdictScale) *Judge {
	return &Judge{Cfg: cfg, Scale: scale, Template: cfg.template(verify)}
}

// Name returns "judge".
func (j *Judge) Name() string { return "judge" }

// NeedsLabel returns false: the judge reads the prompt and the completion.
func (j *Judge) NeedsLabel() bool { return false }

// Bind implements ModelReward.
func (j *Judge) Bind(p *rl.Policy) { j.policy = p }

// Bound implements ModelReward.
func (j *Judge) Bound() *rl.Policy { return j.policy }

func (j *Judge) setRound(r *round) { j.round = r }

// Score implements rewards.Reward as a batch of one.
func (j *Judge) Score(ctx context.Context, ex data.Example, c rewards.Completion) rewards.Result {
	return j.ScoreBatch(ctx, []rewards.Item{{Example: ex, Completion: c}})[0]
}

// Parse reads one judgment: its score in [0, 1] and whether it parsed.
func (j *Judge) Parse(judgment string) (float64, bool) {
	if j.Cfg.Format == JudgeRubric {
		return ParseRubricScore(judgment, j.Cfg.RubricMax)
	}
	v, ok := rewards.ParseVerdict(judgment, j.Scale)
	if !ok {
		return 0, false
	}
	if v == j.Scale.Correct {
		return 1, true
	}
	return 0, true
}

// ScoreBatch implements rewards.BatchReward: one batched generation of J
// judgments per completion, as the file comment says.
func (j *Judge) ScoreBatch(ctx context.Context, items []rewards.Item) []rewards.Result {
	out := make([]rewards.Result, len(items))
	p := j.policy
	if p == nil {
		for i := range out {
			out[i] = rewards.NoScore("judge: no model bound")
		}
		return out
	}
	rd := j.round
	if rd == nil {
		rd = unboundRound()
	}
	J := j.Cfg.Samples
	greedy := j.Cfg.Temperature == 0
	var prompts [][]int32
	var rows, at []int // global judgment rows; the item of each prompt group
	st := JudgeStats{Items: float64(len(items))}
	for i, it := range items {
		toks := p.EncodePrompt(RenderVerify(j.Template, it.Example.Prompt, it.Completion.Text))
		if !fits(p, len(toks), j.Cfg.MaxNewTokens) {
			out[i] = rewards.NoScore(fmt.Sprintf("judge: prompt of %d tokens + %d exceeds the context of %d", len(toks), j.Cfg.MaxNewTokens, p.Model.Cfg.MaxSeqLen))
			st.Overlong++
			continue
		}
		at = append(at, i)
		for k := range J {
			prompts = append(prompts, toks)
			rows = append(rows, (rd.row0+i)*J+k)
		}
	}
	if len(prompts) > 0 {
		rc := rl.RolloutConfig{GroupSize: J, MaxBatch: max(1, rd.rollout.MaxBatch),
			Sample: nn.SampleConfig{Temperature: float32(j.Cfg.Temperature), Greedy: greedy, MaxNewTokens: j.Cfg.MaxNewTokens}}
		if greedy {
			rc.Sample.Temperature = 1
		}
		var seeds []uint64
		if !greedy {
			seeds = rd.streams.Seeds(rl.StreamJudge, rows)
		}
		t0 := time.Now()
		sample := (*rl.Policy).Sample
		if j.sample != nil {
			sample = j.sample
		}
		comps, _, err := sample(p, ctx, prompts, rc, seeds)
		st.Calls, st.Seconds = 1, time.Since(t0).Seconds()
		if err != nil {
			for _, i := range at {
				out[i] = rewards.NoScore("judge: " + err.Error())
			}
			j.addStats(st)
			return out
		}
		st.Judgments = float64(len(comps))
		for g, i := range at {
			sum, n := 0.0, 0
			for k := range J {
				c := comps[g*J+k]
				st.Tokens += float64(len(c.Tokens))
				if s, ok := j.Parse(p.DecodeCompletion(c)); ok {
					sum += s
					n++
				}
			}
			st.Parsed += float64(n)
			if n == 0 {
				out[i] = rewards.NoScore(fmt.Sprintf("judge: none of %d judgments parsed", J))
				continue
			}
			st.Scored++
			out[i] = rewards.Scored(sum/float64(n), fmt.Sprintf("judge %.3g over %d of %d judgments", sum/float64(n), n, J))
		}
	}
	j.addStats(st)
	return out
}

func (j *Judge) addStats(s JudgeStats) {
	j.mu.Lock()
	defer j.mu.Unlock()
	t := &j.stats
	t.Items += s.Items
	t.Scored += s.Scored
	t.Overlong += s.Overlong
	t.Judgments += s.Judgments
	t.Parsed += s.Parsed
	t.Calls += s.Calls
	t.Seconds += s.Seconds
	t.Tokens += s.Tokens
}

// TakeStats returns the counts since the last call and resets them.
func (j *Judge) TakeStats() JudgeStats {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := j.stats
	j.stats = JudgeStats{}
	return s
}

// Extend implements rl.Stage: it adds nothing to the batch and returns the
// judge's metrics of the step: judge/parse_rate (the judgments that
// parsed), judge/scored_rate (the completions that got a score),
// judge/overlong and judge/tokens over every rank's completions (summed
// across ranks), and judge/calls (batched generations: one per generation
// round) and judge/gen_s of this rank (rank 0 logs).
func (j *Judge) Extend(_ context.Context, _ *rl.Policy, _ *rl.Batch, in rl.BuildInput) (map[string]float64, error) {
	s := j.TakeStats()
	if err := sumRanks(in.Reduce, nil, &s.Items, &s.Scored, &s.Overlong, &s.Judgments, &s.Parsed, &s.Tokens); err != nil {
		return nil, fmt.Errorf("judge: sum the counts over ranks: %w", err)
	}
	return s.Metrics(), nil
}

// Metrics turns the counts into judge/ metrics; a ratio over nothing is NaN.
func (s JudgeStats) Metrics() map[string]float64 {
	ratio := func(a, b float64) float64 {
		if b == 0 {
			return math.NaN()
		}
		return a / b
	}
	return map[string]float64{
		"judge/parse_rate":  ratio(s.Parsed, s.Judgments),
		"judge/scored_rate": ratio(s.Scored, s.Items),
		"judge/overlong":    s.Overlong,
		"judge/calls":       s.Calls,
		"judge/gen_s":       s.Seconds,
		"judge/tokens":      s.Tokens,
	}
}
