package rl

// Batch shaping between scoring and the loss: DAPO dynamic sampling (arXiv
// 2503.14476 §3.2; verl recipe/dapo algorithm.filter_groups), truncated-
// completion masking (TRL mask_truncated_completions). Overlong reward
// shaping is a reward component (rewards.Overlong), weighed in --reward. docs/algorithms.md §1.7.

import (
	"fmt"
)

// InformativeGroups returns the indices of the groups (groupSize contiguous
// rows) whose scorable metric values are not all equal — for a 0/1 accuracy
// metric, the groups with 0 < #correct < G. NaN values are ignored; a group
// with fewer than two scorable values is uninformative.
func InformativeGroups(metric []float32, groupSize int) []int {
	checkGroups(len(metric), groupSize)
	var keep []int
	for p := 0; p*groupSize < len(metric); p++ {
		_, _, k, equal := groupMoments(metric[p*groupSize : (p+1)*groupSize])
		if k >= 2 && !equal {
			keep = append(keep, p)
		}
	}
	return keep
}

// DynamicSampler collects informative groups over several generation
// rounds until it holds Prompts groups (DAPO dynamic sampling). T is
// whatever the trainer keeps per row (an Episode, an index, …).
type DynamicSampler[T any] struct {
	prompts, groupSize, maxRounds int
	rounds                        int
	rows                          []T
}

// NewDynamicSampler returns a sampler that wants prompts groups of
// groupSize rows and allows maxRounds generation rounds (MaxGenBatches).
func NewDynamicSampler[T any](prompts, groupSize, maxRounds int) *DynamicSampler[T] {
	if prompts < 1 || groupSize < 1 || maxRounds < 1 {
		panic("rl: NewDynamicSampler needs prompts, groupSize and maxRounds ≥ 1")
	}
	return &DynamicSampler[T]{prompts: prompts, groupSize: groupSize, maxRounds: maxRounds}
}

// Add takes one generation round of group-contiguous rows with their
// metric (accuracy or score; NaN = unscorable), keeps the informative
// groups, and reports whether the sampler is full. After the maxRounds-th
// round without filling up it returns an error naming the fix; Rows still
// returns what was kept, so a trainer may choose to train on it.
func (d *DynamicSampler[T]) Add(rows []T, metric []float32) (full bool, err error) {
	if len(rows) != len(metric) {
		panic(errRows)
	}
	d.rounds++
	for _, p := range InformativeGroups(metric, d.groupSize) {
		if d.Groups() >= d.prompts {
			break
		}
		d.rows = append(d.rows, rows[p*d.groupSize:(p+1)*d.groupSize]...)
	}
	if d.Groups() >= d.prompts {
		return true, nil
	}
	if d.rounds >= d.maxRounds {
		return false, fmt.Errorf("rl: dynamic sampling: after %d generation rounds only %d of %d groups had non-constant rewards (0 < #correct < G): raise MaxGenBatches, lower the batch's prompt count, use an easier/harder task mix, or turn DynamicSampling off",
			d.rounds, d.Groups(), d.prompts)
	}
	return false, nil
}

// Rows returns the kept rows, group-contiguous: exactly prompts·groupSize
// rows once Add has reported full (surplus groups of the last round are
// dropped), fewer otherwise.
func (d *DynamicSampler[T]) Rows() []T { return d.rows }

// Groups returns the number of groups kept so far.
func (d *DynamicSampler[T]) Groups() int { return len(d.rows) / d.groupSize }

// Rounds returns the number of generation rounds added so far.
func (d *DynamicSampler[T]) Rounds() int { return d.rounds }

// Reset empties the sampler for the next step.
func (d *DynamicSampler[T]) Reset() { d.rounds, d.rows = 0, d.rows[:0] }

// MaskTruncated returns a copy of mask in which the rows of truncated
// completions (hit the length cap without a stop token) are all 0, so they
// add nothing to the loss (overlong filtering). With the grpo/dapo
// normalisers, Count the returned mask so the masked rows' tokens are not
// counted either.
func MaskTruncated(mask [][]float32, truncated []bool) [][]float32 {
	if len(mask) != len(truncated) {
		panic(errRows)
	}
	out := make([][]float32, len(mask))
	for n, m := range mask {
		out[n] = make([]float32, len(m))
		if !truncated[n] {
			copy(out[n], m)
		}
	}
	return out
}
