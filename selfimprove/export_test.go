package selfimprove

import (
	"context"

	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
)

// CountJudgeSamples makes j count its rl.Policy.Sample calls in *n.
func CountJudgeSamples(j *Judge, n *int) {
	j.sample = func(p *rl.Policy, ctx context.Context, prompts [][]int32, rc rl.RolloutConfig, seeds []uint64) ([]nn.Completion, float64, error) {
		*n++
		return p.Sample(ctx, prompts, rc, seeds)
	}
}
