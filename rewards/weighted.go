package rewards

// Weighted sums of rewards, TRL's reward_funcs + reward_weights:
// R = Σ_k w_k·f_k. TRL turns a None reward into NaN and sums with nansum, so
// an unscored component silently counts as 0 (and a row with every component
// unscored becomes 0). Here that is MissingNanSum, except that a row with no
// scored component stays unscored. The default, MissingStrict, makes the
// whole row unscored when any component is, so a timed-out accuracy check is
// never mistaken for a wrong answer that happens to be well formatted.

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/rltrain/rltrain/data"
)

// MissingPolicy says how Weighted treats an unscored component.
type MissingPolicy string

const (
	// MissingStrict: any unscored component makes the sum unscored. Default.
	MissingStrict MissingPolicy = "strict"
	// MissingNanSum: sum the scored components (TRL's nansum); unscored
	// only when no component scored.
	MissingNanSum MissingPolicy = "nansum"
)

// Weighted is a weighted sum of rewards. A component that also implements
// BatchReward (see AsReward) is scored once per batch by ScoreItems; the
// others once per completion.
type Weighted struct {
	Rewards []Reward
	Weights []float64
	Missing MissingPolicy
}

// NewWeighted combines rewards with weights (nil weights: all 1). Batch
// rewards join through AsReward. Reward names must be distinct, as they name
// the per-component metrics.
func NewWeighted(rs []Reward, ws []float64, missing MissingPolicy) (*Weighted, error) {
	if len(rs) == 0 {
		return nil, fmt.Errorf("rewards: weighted sum of no rewards")
	}
	if ws == nil {
		ws = make([]float64, len(rs))
		for i := range ws {
			ws[i] = 1
		}
	}
	if len(ws) != len(rs) {
		return nil, fmt.Errorf("rewards: %d reward weights for %d rewards; give one weight per reward", len(ws), len(rs))
	}
	if missing != MissingStrict && missing != MissingNanSum {
		return nil, fmt.Errorf("rewards: missing policy %q: want %q or %q", missing, MissingStrict, MissingNanSum)
	}
	seen := map[string]bool{}
	for i, r := range rs {
		if seen[r.Name()] {
			return nil, fmt.Errorf("rewards: reward %q appears twice; names must be distinct", r.Name())
		}
		seen[r.Name()] = true
		if math.IsNaN(ws[i]) || math.IsInf(ws[i], 0) {
			return nil, fmt.Errorf("rewards: weight %v of %q is not finite", ws[i], r.Name())
		}
	}
	return &Weighted{Rewards: rs, Weights: ws, Missing: missing}, nil
}

// Name returns "reward", TRL's name for the total.
func (w *Weighted) Name() string { return "reward" }

// Names returns the component names in order.
func (w *Weighted) Names() []string {
	n := make([]string, len(w.Rewards))
	for i, r := range w.Rewards {
		n[i] = r.Name()
	}
	return n
}

// Score implements Reward: the weighted sum only.
func (w *Weighted) Score(ctx context.Context, ex data.Example, c Completion) Result {
	total, _ := w.ScoreParts(ctx, ex, c)
	return total
}

// ScoreParts returns the weighted sum and each component's own (unweighted)
// result, for per-component logging. It is ScoreItems on one item (Group 0)
// with ctx's deadline only, so a batch component sees a batch of one.
func (w *Weighted) ScoreParts(ctx context.Context, ex data.Example, c Completion) (Result, []Result) {
	totals, parts := ScoreItems(ctx, w, []Item{{Example: ex, Completion: c}}, 0)
	return totals[0], parts[0]
}

// combine is the weighted sum of one item's component results: summed in
// component order as sum += w·score over the scored ones, unscored when
// nothing scored or, under MissingStrict, when anything did not.
func (w *Weighted) combine(parts []Result) Result {
	sum, scored := 0.0, 0
	var why []string
	for i, p := range parts {
		why = append(why, w.Rewards[i].Name()+": "+p.Reason)
		if p.OK {
			sum += w.Weights[i] * p.Score
			scored++
		}
	}
	reason := strings.Join(why, "; ")
	if scored == 0 || (scored < len(parts) && w.Missing == MissingStrict) {
		return NoScore(reason)
	}
	return Scored(sum, reason)
}
