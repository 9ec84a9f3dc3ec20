package rl

import (
	"fmt"
	"math"

	"github.com/rltrain/rltrain/nn"
)

// Row is one trainable turn flattened for the loss: the sequence the model
// scores (prompt then completion), the per-token quantities over the
// completion, and the per-row reward, group key and KL weight.
type Row struct {
	// Episode and Turn index the turn this row came from.
	Episode, Turn int
	// Seq is prompt + completion with Start at the first completion token.
	Seq nn.Seq
	// Mask is the loss mask over the completion (the turn's Mask, or all ones).
	Mask []float32
	// OldLogP are the behaviour log-probs of the completion.
	OldLogP []float32
	// Reward is the turn's scalar reward (NaN = unscorable).
	Reward float32
	// Group is the turn's group key.
	Group int
	// KLWeight multiplies β on this row.
	KLWeight float32
	// LossWeight scales the row's loss (1 unless the turn set it).
	LossWeight float32
	// Truncated is true when the completion hit the length cap.
	Truncated bool
}

// Rows flattens the trainable turns of eps into loss rows, grouped: the rows
// of a group are adjacent, groups in the order they first appear, and
// within a group in episode then turn order (for single-turn episodes, the
// episode order itself). It checks what the losses rely on: a log-prob and
// a mask entry per completion token and a finite non-negative KL weight.
func Rows(eps []Episode) ([]Row, error) {
	var rows []Row
	for e := range eps {
		for k := range eps[e].Turns {
			t := &eps[e].Turns[k]
			if !t.Train {
				continue
			}
			where := func() string {
				return fmt.Sprintf("rl: episode %d (example %q) turn %d (%s)", e, eps[e].Example.ID, k, t.Role)
			}
			n := len(t.Completion)
			if len(t.LogProbs) != n {
				return nil, fmt.Errorf("%s: %d log-probs for %d completion tokens", where(), len(t.LogProbs), n)
			}
			mask := t.Mask
			if mask == nil {
				mask = make([]float32, n)
				for i := range mask {
					mask[i] = 1
				}
			} else if len(mask) != n {
				return nil, fmt.Errorf("%s: mask of %d entries for %d completion tokens", where(), len(mask), n)
			}
			if w := float64(t.KLWeight); !(w >= 0) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("%s: KL weight %g: must be finite and ≥ 0", where(), w)
			}
			lw := t.LossWeight
			if lw == 0 {
				lw = 1
			}
			if w := float64(lw); !(w > 0) || math.IsInf(w, 0) {
				return nil, fmt.Errorf("%s: loss weight %g: must be finite and > 0", where(), w)
			}
			toks := make([]int32, 0, len(t.Prompt)+n)
			toks = append(append(toks, t.Prompt...), t.Completion...)
			rows = append(rows, Row{
				Episode: e, Turn: k, Seq: nn.Seq{Tokens: toks, Start: len(t.Prompt)},
				Mask: mask, OldLogP: t.LogProbs, Reward: t.Reward, Group: t.Group,
				KLWeight: t.KLWeight, LossWeight: lw, Truncated: t.Truncated,
			})
		}
	}
	return groupRows(rows), nil
}

// groupRows reorders rows so that each group's rows are adjacent, keeping
// first-appearance order of groups and the order within each group.
func groupRows(rows []Row) []Row {
	order := map[int]int{}
	var byGroup [][]Row
	for _, r := range rows {
		i, ok := order[r.Group]
		if !ok {
			i = len(byGroup)
			order[r.Group] = i
			byGroup = append(byGroup, nil)
		}
		byGroup[i] = append(byGroup[i], r)
	}
	out := rows[:0:0]
	for _, g := range byGroup {
		out = append(out, g...)
	}
	return out
}

// Span is one group's rows [Lo, Hi).
type Span struct{ Lo, Hi int }

// Len is the number of rows in the span.
func (s Span) Len() int { return s.Hi - s.Lo }

// GroupSpans returns the spans of equal adjacent keys, in order.
func GroupSpans(keys []int) []Span {
	var out []Span
	for i := range keys {
		if i == 0 || keys[i] != keys[i-1] {
			out = append(out, Span{i, i})
		}
		out[len(out)-1].Hi = i + 1
	}
	return out
}

// FixedSpans returns n/size spans of size rows each (the single-turn
// layout: row = p·G + g). It panics unless size divides n.
func FixedSpans(n, size int) []Span {
	checkGroups(n, size)
	out := make([]Span, 0, n/max(size, 1))
	for lo := 0; lo < n; lo += size {
		out = append(out, Span{lo, lo + size})
	}
	return out
}

// rowColumns splits rows into the per-row slices the estimators and losses read.
type rowColumns struct {
	seqs     []nn.Seq
	mask     [][]float32
	oldLP    [][]float32
	rewards  []float32
	klWeight []float32 // nil when every weight is 1
	lossW    []float32 // nil when every weight is 1
	spans    []Span
}

func columns(rows []Row, maskTruncated bool) rowColumns {
	c := rowColumns{
		seqs: make([]nn.Seq, len(rows)), mask: make([][]float32, len(rows)),
		oldLP: make([][]float32, len(rows)), rewards: make([]float32, len(rows)),
	}
	keys := make([]int, len(rows))
	truncated := make([]bool, len(rows))
	for i, r := range rows {
		c.seqs[i], c.mask[i], c.oldLP[i], c.rewards[i] = r.Seq, r.Mask, r.OldLogP, r.Reward
		keys[i], truncated[i] = r.Group, r.Truncated
		if r.KLWeight != 1 && c.klWeight == nil {
			c.klWeight = make([]float32, len(rows))
			for j := range c.klWeight {
				c.klWeight[j] = 1
			}
		}
		if c.klWeight != nil {
			c.klWeight[i] = r.KLWeight
		}
		if r.LossWeight != 1 && c.lossW == nil {
			c.lossW = make([]float32, len(rows))
			for j := range c.lossW {
				c.lossW[j] = 1
			}
		}
		if c.lossW != nil {
			c.lossW[i] = r.LossWeight
		}
	}
	if maskTruncated {
		c.mask = MaskTruncated(c.mask, truncated)
	}
	c.spans = GroupSpans(keys)
	return c
}
