package selfimprove

// Rewards that ask a model (the judge, self-verify; docs/algorithms.md §6)
// are rewards.BatchRewards like any other, so they join --reward through
// rewards.SpecOptions.Extra. Two things a plain reward never needs are
// bound to them from outside:
//
//   - the model they ask, which exists only after the reward spec is parsed
//     (Bind, called once by the CLI: the training policy itself — trained
//     in place, so it is always the current one — a frozen copy, or a
//     checkpoint);
//   - the identity of the rows they score, so that sampled judgments draw
//     from per-row streams (rl.Streams, rl.StreamJudge) and a data-parallel
//     run judges exactly as one process: WithModelRewards wraps the episode
//     builder and tells them the round (step, generation round, global
//     index of the first row) before each Build.

import (
	"context"

	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// ModelReward is a reward that asks a model.
type ModelReward interface {
	rewards.Reward
	rewards.BatchReward
	// Bind sets the model the reward asks.
	Bind(p *rl.Policy)
	// Bound returns the model set by Bind (nil before).
	Bound() *rl.Policy
	setRound(r *round)
}

// round is what a model reward knows about the rows it scores.
type round struct {
	streams rl.Streams
	row0    int // global index of the first scored item among the step's rows
	rollout rl.RolloutConfig
}

// unboundRound is the round of a call outside a wrapped Build (a reward
// scored directly, e.g. in a test): evaluation streams, rows from 0.
func unboundRound() *round {
	return &round{streams: rl.Streams{Purpose: rl.StreamEval}, rollout: rl.RolloutConfig{MaxBatch: 256}}
}

// ModelRewards returns the components of w that ask a model, in order.
func ModelRewards(w *rewards.Weighted) []ModelReward {
	var out []ModelReward
	for _, r := range w.Rewards {
		if m, ok := r.(ModelReward); ok {
			out = append(out, m)
		}
	}
	return out
}

// WithModelRewards returns b wrapped so that, before every Build, the model
// rewards among w's components learn the round they score (b itself when
// there are none). The items a Build scores must be its rows in order, as
// rl.SingleTurn scores them: item i is the row in.RowBase·G + i.
func WithModelRewards(b rl.EpisodeBuilder, w *rewards.Weighted) rl.EpisodeBuilder {
	ms := ModelRewards(w)
	if len(ms) == 0 {
		return b
	}
	return roundBuilder{inner: b, rewards: ms}
}

type roundBuilder struct {
	inner   rl.EpisodeBuilder
	rewards []ModelReward
}

// Build implements rl.EpisodeBuilder.
func (r roundBuilder) Build(ctx context.Context, p *rl.Policy, in rl.BuildInput) (*rl.Batch, error) {
	rd := &round{streams: in.Streams, row0: in.RowBase * in.Rollout.GroupSize, rollout: in.Rollout}
	for _, m := range r.rewards {
		m.setRound(rd)
	}
	defer func() {
		for _, m := range r.rewards {
			m.setRound(nil)
		}
	}()
	return r.inner.Build(ctx, p, in)
}

// fits reports whether a prompt of n tokens plus a cap of newTokens fits
// p's context.
func fits(p *rl.Policy, n, newTokens int) bool { return n+newTokens <= p.Model.Cfg.MaxSeqLen }
