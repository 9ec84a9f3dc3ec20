package rewards

import (
	"context"
	"math"
	"time"

	"github.com/rltrain/rltrain/data"
)

// ScoreItems scores items with w and returns the totals and, per item, each
// component's own (unweighted) result.
//
// Per-completion components are called once per item, in component order;
// the calls for one item share a deadline of timeout (0: only ctx's), as
// ScoreBatch always did. Batch components (see AsReward) are called once,
// before the per-item calls, under a deadline of timeout×len(items): the
// worst case the same component would get if it scored item by item, so
// batching neither shortens nor stretches a step's budget. A batch reward
// that needs a tighter bound (a stuck external program) sets its own.
//
// Each item's total is combined exactly as ScoreParts combines it, so with
// only per-completion components the results are bitwise those of calling
// ScoreParts per item under the per-item deadline.
func ScoreItems(ctx context.Context, w *Weighted, items []Item, timeout time.Duration) ([]Result, [][]Result) {
	batch := make([][]Result, len(w.Rewards)) // per component; nil: per-completion
	for k, r := range w.Rewards {
		if b, ok := r.(BatchReward); ok && len(items) > 0 {
			bctx, cancel := withTimeout(ctx, batchTimeout(timeout, len(items)))
			batch[k] = checkBatch(b, b.ScoreBatch(bctx, items), len(items))
			cancel()
		}
	}
	totals := make([]Result, len(items))
	parts := make([][]Result, len(items))
	for i, it := range items {
		cctx, cancel := withTimeout(ctx, timeout)
		p := make([]Result, len(w.Rewards))
		for k, r := range w.Rewards {
			if batch[k] != nil {
				p[k] = batch[k][i]
			} else {
				p[k] = r.Score(cctx, it.Example, it.Completion)
			}
		}
		cancel()
		totals[i], parts[i] = w.combine(p), p
	}
	return totals, parts
}

// ScoreBatch scores completions[i] against exs[i] with w: ScoreItems over
// items grouped by runs of consecutive examples with equal ID and Prompt,
// which is the rollout layout (a prompt's completions are adjacent). Callers
// that know the groups should call ScoreItems. exs and completions must have
// the same length.
func ScoreBatch(ctx context.Context, w *Weighted, exs []data.Example, completions []Completion, timeout time.Duration) ([]Result, [][]Result) {
	if len(exs) != len(completions) {
		panic("rewards: ScoreBatch: examples and completions differ in length")
	}
	items := make([]Item, len(exs))
	g := 0
	for i, ex := range exs {
		if i > 0 && (ex.ID != exs[i-1].ID || ex.Prompt != exs[i-1].Prompt) {
			g++
		}
		items[i] = Item{Example: ex, Completion: completions[i], Group: g}
	}
	return ScoreItems(ctx, w, items, timeout)
}

// withTimeout is context.WithTimeout, or ctx itself when d is 0.
func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d > 0 {
		return context.WithTimeout(ctx, d)
	}
	return ctx, func() {}
}

// batchTimeout is timeout×n, or 0 (only ctx's deadline) when timeout is 0 or
// the product overflows.
func batchTimeout(timeout time.Duration, n int) time.Duration {
	if timeout <= 0 || timeout > time.Duration(math.MaxInt64)/time.Duration(n) {
		return 0
	}
	return timeout * time.Duration(n)
}
