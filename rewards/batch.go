package rewards

import (
	"context"
	"math"
	"time"

	"github.com/rltrain/rltrain/data"
)

// ScoreBatch scores completions[i] against exs[i] with w, each call under its
// own deadline of timeout (0: only ctx's), and returns the totals and, per
// completion, each component's result. exs and completions must have the
// same length.
func ScoreBatch(ctx context.Context, w *Weighted, exs []data.Example, completions []Completion, timeout time.Duration) ([]Result, [][]Result) {
	if len(exs) != len(completions) {
		panic("rewards: ScoreBatch: examples and completions differ in length")
	}
	totals := make([]Result, len(exs))
	parts := make([][]Result, len(exs))
	for i := range exs {
		cctx, cancel := ctx, context.CancelFunc(func() {})
		if timeout > 0 {
			cctx, cancel = context.WithTimeout(ctx, timeout)
		}
		totals[i], parts[i] = w.ScoreParts(cctx, exs[i], completions[i])
		cancel()
	}
	return totals, parts
}

// Metrics summarises a batch in TRL's names: "reward" and "reward_std" over
// the scored totals, and "rewards/<name>/mean" and "rewards/<name>/std" per
// component over its scored results; "rewards/unscored_frac" is the fraction
// of totals without a score. Means over no scored value are NaN.
func Metrics(names []string, totals []Result, parts [][]Result) map[string]float64 {
	m := map[string]float64{}
	mean, std, n := meanStd(totals)
	m["reward"], m["reward_std"] = mean, std
	if len(totals) > 0 {
		m["rewards/unscored_frac"] = float64(len(totals)-n) / float64(len(totals))
	}
	for k, name := range names {
		col := make([]Result, 0, len(parts))
		for _, p := range parts {
			col = append(col, p[k])
		}
		mean, std, _ := meanStd(col)
		m["rewards/"+name+"/mean"], m["rewards/"+name+"/std"] = mean, std
	}
	return m
}

// meanStd returns the mean and sample standard deviation (n−1, as torch.std
// in TRL) of the scored results, and how many there were, summing in order.
func meanStd(rs []Result) (mean, std float64, n int) {
	sum := 0.0
	for _, r := range rs {
		if r.OK {
			sum += r.Score
			n++
		}
	}
	if n == 0 {
		return math.NaN(), math.NaN(), 0
	}
	mean = sum / float64(n)
	if n == 1 {
		return mean, 0, 1
	}
	ss := 0.0
	for _, r := range rs {
		if r.OK {
			ss += (r.Score - mean) * (r.Score - mean)
		}
	}
	return mean, math.Sqrt(ss / float64(n-1)), n
}
