package rl

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime/pprof"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
)

// Batch is one rollout: group-contiguous single-turn episodes (row = p·G + g)
// with the example, decoded text and reward verdicts of every row.
type Batch struct {
	Episodes []Episode
	Examples []data.Example     // per row
	Texts    []string           // decoded completions, without the stop token
	Totals   []rewards.Result   // the weighted reward per row
	Parts    [][]rewards.Result // each component's verdict per row

	// GenSeconds and ScoreSeconds time the two phases of the rollout.
	GenSeconds, ScoreSeconds float64
	// GenTokens counts the generated tokens (prompt tokens excluded).
	GenTokens int
}

// Len is the number of rows.
func (b *Batch) Len() int { return len(b.Episodes) }

// Append adds the rows of o (used by dynamic sampling).
func (b *Batch) Append(o *Batch, rows []int) {
	b.GenSeconds += o.GenSeconds
	b.ScoreSeconds += o.ScoreSeconds
	b.GenTokens += o.GenTokens
	for _, r := range rows {
		b.Episodes = append(b.Episodes, o.Episodes[r])
		b.Examples = append(b.Examples, o.Examples[r])
		b.Texts = append(b.Texts, o.Texts[r])
		b.Totals = append(b.Totals, o.Totals[r])
		b.Parts = append(b.Parts, o.Parts[r])
	}
}

// RolloutConfig says how completions are sampled and scored.
type RolloutConfig struct {
	// GroupSize G completions are sampled per example.
	GroupSize int
	// Sample is the sampling configuration (temperature, top-k/p, cap, stop
	// tokens; the policy's EOS is added to StopTokens unless IgnoreEOS).
	Sample nn.SampleConfig
	// IgnoreEOS samples past the policy's EOS (TrainConfig.IgnoreEOS).
	IgnoreEOS bool
	// MaxBatch bounds the rows decoded together (KV-cache slots).
	MaxBatch int
	// RewardTimeout bounds each reward call; a timeout is "no score".
	RewardTimeout time.Duration
}

// Rollout samples cfg.GroupSize completions of every example with the
// current policy, decodes and scores them, and returns single-turn episodes
// whose Group indices start at groupBase.
func (p *Policy) Rollout(ctx context.Context, exs []data.Example, reward *rewards.Weighted, cfg RolloutConfig, groupBase int, rng *rand.Rand) (*Batch, error) {
	G := cfg.GroupSize
	prompts := make([][]int32, 0, len(exs)*G)
	maxPrompt := 0
	for _, ex := range exs {
		toks := p.EncodePrompt(ex.Prompt)
		maxPrompt = max(maxPrompt, len(toks))
		for range G {
			prompts = append(prompts, toks)
		}
	}
	scfg := cfg.Sample
	if !cfg.IgnoreEOS {
		scfg.StopTokens = append(append([]int32(nil), scfg.StopTokens...), p.EOS)
	}
	gen, err := p.Generator(min(cfg.MaxBatch, len(prompts)), maxPrompt+scfg.MaxNewTokens)
	if err != nil {
		return nil, err
	}
	var comps []nn.Completion
	t0 := time.Now()
	pprof.Do(ctx, pprof.Labels("phase", "rollout"), func(context.Context) {
		comps, err = gen.Generate(prompts, scfg, rng)
	})
	if err != nil {
		return nil, err
	}
	genSecs := time.Since(t0).Seconds()
	b := &Batch{Episodes: make([]Episode, len(prompts))}
	rcomps := make([]rewards.Completion, len(prompts))
	for i, c := range comps {
		ex := exs[i/G]
		text := p.DecodeCompletion(c)
		b.Examples = append(b.Examples, ex)
		b.Texts = append(b.Texts, text)
		b.GenTokens += len(c.Tokens)
		rcomps[i] = rewards.Completion{Text: text, Tokens: len(c.Tokens), Truncated: !c.Stopped}
		b.Episodes[i] = Episode{ExampleID: ex.ID, Group: groupBase + i/G, Turns: []Turn{{
			Role: RoleSolve, Prompt: prompts[i], Completion: c.Tokens, LogProbs: c.LogProbs,
			Truncated: !c.Stopped,
		}}}
	}
	t0 = time.Now()
	pprof.Do(ctx, pprof.Labels("phase", "score"), func(ctx context.Context) {
		b.Totals, b.Parts = rewards.ScoreBatch(ctx, reward, b.Examples, rcomps, cfg.RewardTimeout)
	})
	b.GenSeconds, b.ScoreSeconds = genSecs, time.Since(t0).Seconds()
	for i := range b.Episodes {
		t := &b.Episodes[i].Turns[0]
		t.Reward = float32(b.Totals[i].Value())
		t.Components = make([]float32, len(b.Parts[i]))
		for k, r := range b.Parts[i] {
			t.Components[k] = float32(r.Value())
		}
	}
	return b, nil
}

// Correct returns the verdict per row: 1 when the first reward component
// (the accuracy reward of every built-in task) scored above threshold, 0
// when it scored at or below it, NaN when it could not score.
func Correct(parts [][]rewards.Result, threshold float64) []float32 {
	out := make([]float32, len(parts))
	for i, p := range parts {
		switch {
		case len(p) == 0 || !p[0].OK:
			out[i] = float32(math.NaN())
		case p[0].Score > threshold:
			out[i] = 1
		}
	}
	return out
}
