package rewards

// Batch-level rewards see every completion of a batch at once, for rewards
// that cannot judge one completion alone (consensus: a group's majority
// answer is the pseudo-label) or that are cheaper batched (a judge model
// generating for many prompts, an external reward program called once).
//
// Design: Weighted keeps one component list, []Reward. A component that
// also implements BatchReward is a batch component: ScoreItems calls its
// ScoreBatch once per batch instead of Score once per item. A BatchReward
// that is not a Reward joins a Weighted through AsReward. So NewWeighted,
// Names and Metrics need no second kind of component, and every existing
// Reward keeps its exact per-completion path.

import (
	"context"
	"fmt"

	"github.com/rltrain/rltrain/data"
)

// Item is one completion to score in a batch.
type Item struct {
	Example    data.Example
	Completion Completion
	// Group is the group key: items with equal Group are completions of one
	// prompt instance (GRPO's group), so group-level rewards compare within it.
	Group int
}

// BatchReward scores a whole batch in one call.
type BatchReward interface {
	// Name is the reward's name in logs, as Reward.Name.
	Name() string
	// ScoreBatch returns one Result per item, in order: exactly len(items)
	// results. An item it cannot judge (failure, timeout, a group too small
	// to decide) gets NoScore, never a score of 0. It returns within ctx's
	// deadline.
	ScoreBatch(ctx context.Context, items []Item) []Result
}

// AsReward makes b a Weighted component: ScoreItems calls b.ScoreBatch once
// per batch. If b is already a Reward it is returned as is; otherwise the
// returned Reward's Score scores a batch of one item (Group 0), which is
// what Weighted.Score and ScoreParts then see.
func AsReward(b BatchReward) Reward {
	if r, ok := b.(Reward); ok {
		return r
	}
	return batchAdapter{b}
}

// batchAdapter gives a BatchReward the Score method of a Reward.
type batchAdapter struct{ BatchReward }

// Score implements Reward with a one-item batch.
func (a batchAdapter) Score(ctx context.Context, ex data.Example, c Completion) Result {
	return checkBatch(a.BatchReward, a.ScoreBatch(ctx, []Item{{Example: ex, Completion: c}}), 1)[0]
}

// checkBatch returns rs, or n no-score results naming the fault when a
// BatchReward broke its contract, so a faulty external reward cannot crash
// or misalign a training step.
func checkBatch(b BatchReward, rs []Result, n int) []Result {
	if len(rs) == n {
		return rs
	}
	bad := make([]Result, n)
	for i := range bad {
		bad[i] = NoScore(fmt.Sprintf("%s returned %d results for %d items", b.Name(), len(rs), n))
	}
	return bad
}
