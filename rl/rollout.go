package rl

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
)

// EpisodeBuilder is the seam between the trainer and what a step samples:
// it turns a batch of examples into scored episodes with the current policy.
// SingleTurn is today's RLVR rollout; multi-turn builders (verification,
// self-correction) live in their own packages and are chosen by the CLI.
type EpisodeBuilder interface {
	// Build samples and scores the episodes of in.Examples, in row order,
	// their turns' group keys drawn from in.Keys.
	Build(ctx context.Context, p *Policy, in BuildInput) (*Batch, error)
}

// Stage extends a step's finished batch (after dynamic sampling) with more
// episodes or turns, sampled with the same policy and trained in the same
// update: RISE's verification of the step's own solutions. It returns
// metrics for the step's metrics.jsonl line.
type Stage interface {
	Extend(ctx context.Context, p *Policy, b *Batch, in BuildInput) (map[string]float64, error)
}

// BuildInput is one generation round's request to an EpisodeBuilder.
type BuildInput struct {
	Examples []data.Example
	// Rollout is the sampling configuration of the step.
	Rollout RolloutConfig
	// Keys hands out group keys, unique over the run.
	Keys *KeySource
	// Streams seeds each sampled row's own random stream (see Streams).
	Streams Streams
	// RowBase is the global index of Examples[0] among the step's examples
	// (non-zero on the later ranks of a data-parallel run): a row's stream
	// follows its global index.
	RowBase int
	// Rng drives the builder's other choices (which solutions to verify),
	// never the sampling of tokens.
	Rng *rand.Rand
	// Step is the 1-based number of the training step being built (every
	// generation round of a step under dynamic sampling has the same one);
	// 0 outside training (evaluation). Builders that follow a schedule read
	// it (SCoRe: Stage I for the first steps, then Stage II).
	Step int
	// Reduce sums values over the ranks of a data-parallel run, in place
	// (nil in one process). Stages call it on their additive counts, so
	// that the metrics they return on rank 0 cover every rank's episodes.
	Reduce Reducer
}

// KeySource hands out group keys in increasing order.
type KeySource struct{ next int }

// Next returns a fresh key.
func (k *KeySource) Next() int { k.next++; return k.next - 1 }

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

// SingleTurn is the single-turn RLVR rollout: G sampled completions of every
// example's prompt, one group per example, scored by Reward.
type SingleTurn struct {
	Reward *rewards.Weighted
}

// Build implements EpisodeBuilder.
func (s SingleTurn) Build(ctx context.Context, p *Policy, in BuildInput) (*Batch, error) {
	G := in.Rollout.GroupSize
	prompts := make([][]int32, 0, len(in.Examples)*G)
	for _, ex := range in.Examples {
		toks, err := p.EncodeExample(ex)
		if err != nil {
			return nil, err
		}
		for range G {
			prompts = append(prompts, toks)
		}
	}
	comps, genSecs, err := p.Sample(ctx, prompts, in.Rollout, in.Streams.Seeds(StreamSolve, Range(in.RowBase*G, len(prompts))))
	if err != nil {
		return nil, err
	}
	b := &Batch{Episodes: make([]Episode, len(prompts)), GenSeconds: genSecs}
	key := 0
	for i, c := range comps {
		if i%G == 0 {
			key = in.Keys.Next()
		}
		b.GenTokens += len(c.Tokens)
		b.Episodes[i] = Episode{Example: in.Examples[i/G], Turns: []Turn{{
			Role: RoleSolve, Prompt: prompts[i], Completion: c.Tokens, LogProbs: c.LogProbs,
			Truncated: !c.Stopped, Text: p.DecodeCompletion(c), Train: true, Group: key, KLWeight: 1,
		}}}
	}
	b.ScoreSeconds = ScoreTurns(ctx, s.Reward, b, RoleSolve, in.Rollout.RewardTimeout)
	return b, nil
}

// Sample generates one completion per prompt with the policy under the
// "rollout" profiling label, prompt i sampling from the stream (seeds[2i],
// seeds[2i+1]) (Streams.Seeds; nil for greedy decoding), and returns them
// with the seconds it took.
func (p *Policy) Sample(ctx context.Context, prompts [][]int32, cfg RolloutConfig, seeds []uint64) ([]nn.Completion, float64, error) {
	maxPrompt := 0
	for _, pr := range prompts {
		maxPrompt = max(maxPrompt, len(pr))
	}
	scfg := cfg.Sample
	if !cfg.IgnoreEOS {
		scfg.StopTokens = append(append(append([]int32(nil), scfg.StopTokens...), p.EOS), p.MoreStops...)
	}
	gen, err := p.Generator(min(cfg.MaxBatch, len(prompts)), maxPrompt+scfg.MaxNewTokens)
	if err != nil {
		return nil, 0, err
	}
	var comps []nn.Completion
	t0 := time.Now()
	Phase(ctx, PhaseRollout, func(context.Context) {
		comps, err = gen.GenerateSeeded(prompts, scfg, seeds)
	})
	return comps, time.Since(t0).Seconds(), err
}

// ScoreTurns scores every turn of b with the given role (all when "") by
// reward, under the "score" profiling label, storing the verdicts on the
// turns; it returns the seconds it took. Turns of one group share a group
// in the batch the rewards see, so group-level rewards (consensus) work.
func ScoreTurns(ctx context.Context, reward *rewards.Weighted, b *Batch, role Role, timeout time.Duration) float64 {
	var turns []*Turn
	var items []rewards.Item
	for i := range b.Episodes {
		for j := range b.Episodes[i].Turns {
			if t := &b.Episodes[i].Turns[j]; role == "" || t.Role == role {
				turns = append(turns, t)
				items = append(items, rewards.Item{Example: b.Episodes[i].Example, Group: t.Group,
					Completion: rewards.Completion{Text: t.Text, Tokens: len(t.Completion), Truncated: t.Truncated}})
			}
		}
	}
	t0 := time.Now()
	var totals []rewards.Result
	var parts [][]rewards.Result
	Phase(ctx, PhaseScore, func(ctx context.Context) {
		totals, parts = rewards.ScoreItems(ctx, reward, items, timeout)
	})
	for i, t := range turns {
		t.SetReward(totals[i], parts[i])
	}
	return time.Since(t0).Seconds()
}
