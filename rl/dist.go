package rl

// Data parallelism (docs/architecture.md). Every rank holds the whole model
// and draws the same P examples each step (same seed, same cursor); rank r
// samples and scores the contiguous shard [r·P/S, (r+1)·P/S) of them, with
// the streams of their global rows, so together the ranks sample what one
// process would. Before the update the ranks sum the loss normaliser's
// counts, and after the backward passes the gradients, so every rank takes
// the same optimiser step and the replicas stay identical. Group statistics
// stay whole on a rank (a group never straddles shards); batch-wide
// statistics (ScaleBatch, REINFORCE++ and PPO whitening) are summed across
// the ranks too (AdvantageInput.Reduce).

import (
	"fmt"
	"math"

	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/rewards"
)

// comm returns the trainer's communicator (a one-process one by default).
func (t *Trainer) comm() dist.Comm {
	if t.Comm == nil {
		return dist.Local()
	}
	return t.Comm
}

// shard returns this rank's part [lo, hi) of n items.
func shard(c dist.Comm, n int) (lo, hi int) {
	r, s := c.Rank(), c.Size()
	return r * n / s, (r + 1) * n / s
}

// syncModels makes every rank start from rank 0's weights.
func (t *Trainer) syncModels() error {
	c := t.comm()
	if c.Size() == 1 {
		return nil
	}
	if t.Cfg.PromptsPerStep%c.Size() != 0 {
		return fmt.Errorf("rl: prompts-per-step = %d is not a multiple of the %d ranks: each rank samples an equal shard of the prompts", t.Cfg.PromptsPerStep, c.Size())
	}
	if err := c.Broadcast(t.Policy.Model.P.Data, 0); err != nil {
		return fmt.Errorf("rl: broadcast weights: %w", err)
	}
	if t.Ref != nil {
		if err := c.Broadcast(t.Ref.P.Data, 0); err != nil {
			return fmt.Errorf("rl: broadcast reference weights: %w", err)
		}
	}
	return nil
}

// reducer returns the Reducer of batch-wide statistics (nil in one process).
func (t *Trainer) reducer() Reducer {
	if c := t.comm(); c.Size() > 1 {
		return func(xs ...*float64) error { return allSum(c, xs...) }
	}
	return nil
}

// allSum sums xs over the ranks in place.
func allSum(c dist.Comm, xs ...*float64) error {
	if c.Size() == 1 {
		return nil
	}
	buf := make([]float64, len(xs))
	for i, x := range xs {
		buf[i] = *x
	}
	if err := c.AllReduceSum64(buf); err != nil {
		return err
	}
	for i, x := range xs {
		*x = buf[i]
	}
	return nil
}

// statsSlice lists the fields of Stats, for summing them across ranks.
func (s *Stats) fields() []*float64 {
	return []*float64{&s.Tokens, &s.ClipLow, &s.ClipHigh, &s.ClipDual, &s.ApproxKL, &s.RefKL, &s.RefTokens,
		&s.Entropy, &s.EntTokens, &s.NFTNegClamped, &s.ValueClipped, &s.ValueTokens, &s.ValueLossSum}
}

// turnRecord is what the rollout metrics read of a solve turn, flattened
// to float64s so that rank 0 can gather every rank's turns: the total, each
// component's score (NaN: no score), the length, truncated, the group key.
func turnRecord(tu *Turn, nParts int) []float64 {
	rec := []float64{resultValue(tu.Total)}
	for k := range nParts {
		if k < len(tu.Parts) {
			rec = append(rec, resultValue(tu.Parts[k]))
		} else {
			rec = append(rec, math.NaN())
		}
	}
	b := 0.0
	if tu.Truncated {
		b = 1
	}
	return append(rec, float64(len(tu.Completion)), b, float64(tu.Group))
}

func resultValue(r rewards.Result) float64 {
	if !r.OK {
		return math.NaN()
	}
	return r.Score
}

// gatherSolveTurns returns, on rank 0, the solve turns of every rank in rank
// order (the global row order), rebuilt with what the rollout metrics read;
// other ranks get their own turns. The correct verdict is recomputed at the
// trainer's threshold from the gathered first component.
func (t *Trainer) gatherSolveTurns(b *Batch) ([]*Turn, error) {
	local := b.Turns(RoleSolve)
	c := t.comm()
	if c.Size() == 1 {
		return local, nil
	}
	nParts := len(t.Reward.Names())
	width := nParts + 4
	n := float64(len(local))
	if err := allMax(c, &n); err != nil {
		return nil, err
	}
	send := make([]float64, 0, int(n)*width+1)
	send = append(send, float64(len(local)))
	for _, tu := range local {
		send = append(send, turnRecord(tu, nParts)...)
	}
	send = append(send, make([]float64, int(n)*width+1-len(send))...)
	all, err := c.Gather(send, 0)
	if err != nil || c.Rank() != 0 {
		return local, err
	}
	var out []*Turn
	per := int(n)*width + 1
	for r := range c.Size() {
		blk := all[r*per : (r+1)*per]
		for i := range int(blk[0]) {
			rec := blk[1+i*width : 1+(i+1)*width]
			tu := &Turn{Role: RoleSolve, Total: fromValue(rec[0]), Parts: make([]rewards.Result, nParts)}
			tu.Reward = float32(rec[0])
			for k := range nParts {
				tu.Parts[k] = fromValue(rec[1+k])
			}
			tu.Completion = make([]int32, int(rec[nParts+1]))
			tu.Truncated = rec[nParts+2] == 1
			tu.Group = r<<24 + int(rec[nParts+3]) // keys restart on every rank
			out = append(out, tu)
		}
	}
	return out, nil
}

func fromValue(v float64) rewards.Result {
	if math.IsNaN(v) {
		return rewards.NoScore("")
	}
	return rewards.Scored(v, "")
}

// allMax replaces x with its maximum over the ranks (via Gather and Broadcast).
func allMax(c dist.Comm, x *float64) error {
	all, err := c.Gather([]float64{*x}, 0)
	if err != nil {
		return err
	}
	buf := []float64{*x}
	if c.Rank() == 0 {
		for _, v := range all {
			buf[0] = max(buf[0], v)
		}
	}
	if err := c.Broadcast64(buf, 0); err != nil {
		return err
	}
	*x = buf[0]
	return nil
}

// distMetrics adds, on rank 0 of several, where the step's wall time went
// between computing and communicating. Each rank times the barrier before
// each gradient all-reduce (waitS: idle, waiting for slower ranks) and the
// all-reduce itself (reduceS), which starts with every rank present:
//
//	dist/allreduce_s  the ranks' mean all-reduce time (communication)
//	dist/wait_s       the ranks' mean time in the barrier (idle from load imbalance)
//	dist/comm_share   (allreduce_s + wait_s) / rank 0's step time
//	dist/busy_max_s, dist/busy_min_s  the slowest and fastest rank's step time outside both
//
// It is collective (one Gather per step).
func (t *Trainer) distMetrics(met map[string]float64, stepS float64) error {
	c := t.comm()
	if c.Size() == 1 {
		return nil
	}
	all, err := c.Gather([]float64{t.reduceS, t.waitS, stepS - t.reduceS - t.waitS}, 0)
	if err != nil || c.Rank() != 0 {
		return err
	}
	sumR, sumW := 0.0, 0.0
	minB, maxB := math.Inf(1), 0.0
	for r := range c.Size() {
		red, wait, busy := all[3*r], all[3*r+1], all[3*r+2]
		sumR, sumW = sumR+red, sumW+wait
		minB, maxB = min(minB, busy), max(maxB, busy)
	}
	n := float64(c.Size())
	met["dist/allreduce_s"] = sumR / n
	met["dist/wait_s"] = sumW / n
	met["dist/busy_max_s"] = maxB
	met["dist/busy_min_s"] = minB
	if stepS > 0 {
		met["dist/comm_share"] = (sumR + sumW) / n / stepS
	}
	return nil
}
