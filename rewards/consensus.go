package rewards

// The consensus reward (TTRL, Zuo et al., arXiv 2504.16084;
// docs/algorithms.md §6): with no gold answer, the answer most of a prompt's
// completions agree on is the pseudo-label. It is a BatchReward, because a
// completion is judged against the others of its group.
//
// Decisions:
//   - answers are extracted as the math accuracy reward extracts them
//     (ExtractAnswer) and compared with its equivalence (normalisation, exact
//     rationals, tuples and sets: "0.5", "1/2" and "\frac{1}{2}" are one
//     answer), both sides normalised as predictions;
//   - the answers of a group are clustered in order of first appearance: each
//     joins the first cluster whose first answer (its representative) it
//     matches, or starts a new one, so a non-transitive match (percentages,
//     tolerance) still gives one deterministic clustering;
//   - the largest cluster is the pseudo-label when its votes are at least
//     MinAgreement of the group's completions (completions without an
//     answer count in the denominator: they are abstentions, not votes
//     against) and no other cluster is as large;
//   - with a pseudo-label, a completion in its cluster scores CorrectScore
//     (1), any other completion WrongScore (0), including one without an
//     answer; without one (a tie, a majority below MinAgreement, no answer at
//     all, a group of one completion) every completion of the group gets no
//     score, never 0, so the group carries no gradient;
//   - countdown has no single answer (many expressions reach the target), so
//     consensus refuses it: CheckTask errs and its examples get no score.

import (
	"context"
	"errors"
	"fmt"
	"math"

	"github.com/rltrain/rltrain/data"
)

// DefaultConsensusMin is the default ConsensusConfig.MinAgreement: at least
// half of a group's completions must share the pseudo-label.
const DefaultConsensusMin = 0.5

// ConsensusConfig configures the consensus reward.
type ConsensusConfig struct {
	Extract ExtractConfig
	Compare CompareConfig
	// MinAgreement is the smallest fraction of a group's completions (with or
	// without an answer) that must give the majority answer for it to become
	// the pseudo-label. Default 0.5, range (0, 1]; any value ≤ 1/G labels
	// every group with a strict plurality. Ties never label.
	MinAgreement float64
	// CorrectScore and WrongScore reward a completion that agrees with the
	// pseudo-label and one that does not (or has no answer). Defaults 1, 0.
	CorrectScore, WrongScore float64
}

// DefaultConsensusConfig returns the defaults documented on ConsensusConfig.
func DefaultConsensusConfig() ConsensusConfig {
	return ConsensusConfig{Extract: DefaultExtractConfig(), Compare: DefaultCompareConfig(),
		MinAgreement: DefaultConsensusMin, CorrectScore: 1}
}

// Validate checks the configuration.
func (c ConsensusConfig) Validate() error {
	e := c.Extract
	if e.AnswerTag == "" && !e.Boxed && !e.AnswerLine && !e.LastNumber {
		return errors.New("rewards: ConsensusConfig.Extract: every answer source is off; enable at least one (AnswerTag, Boxed, AnswerLine, LastNumber)")
	}
	if !(c.MinAgreement > 0 && c.MinAgreement <= 1) {
		return fmt.Errorf("rewards: ConsensusConfig.MinAgreement %v: want a fraction in (0, 1]", c.MinAgreement)
	}
	for _, s := range []float64{c.CorrectScore, c.WrongScore} {
		if math.IsNaN(s) || math.IsInf(s, 0) {
			return fmt.Errorf("rewards: ConsensusConfig scores %v, %v: must be finite", c.CorrectScore, c.WrongScore)
		}
	}
	return c.Compare.Validate()
}

// Consensus is the label-free majority-vote reward.
type Consensus struct{ Cfg ConsensusConfig }

// NewConsensus returns a Consensus reward after validating cfg.
func NewConsensus(cfg ConsensusConfig) (*Consensus, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Consensus{Cfg: cfg}, nil
}

// Name returns "consensus".
func (c *Consensus) Name() string { return "consensus" }

// NeedsLabel returns false: the pseudo-label comes from the completions.
func (c *Consensus) NeedsLabel() bool { return false }

// CheckTask refuses countdown, which has no single answer to agree on.
func (c *Consensus) CheckTask(task string) error {
	if task == "countdown" {
		return errors.New(`consensus does not apply to countdown: many expressions reach the target, so there is no single answer to agree on; use it on tasks with one numeric answer (arithmetic, linear, word, gsm8k, math)`)
	}
	return nil
}

// Score implements Reward as a batch of one completion, which never has a
// consensus: no score. Training scores whole groups through ScoreBatch.
func (c *Consensus) Score(ctx context.Context, ex data.Example, comp Completion) Result {
	return c.ScoreBatch(ctx, []Item{{Example: ex, Completion: comp}})[0]
}

// ScoreBatch implements BatchReward: each group (items with equal Group) is
// judged on its own, as the file comment says.
func (c *Consensus) ScoreBatch(ctx context.Context, items []Item) []Result {
	out := make([]Result, len(items))
	groups := map[int][]int{}
	var order []int
	for i, it := range items {
		if _, ok := groups[it.Group]; !ok {
			order = append(order, it.Group)
		}
		groups[it.Group] = append(groups[it.Group], i)
	}
	for _, g := range order {
		idx := groups[g]
		rs := c.scoreGroup(ctx, items, idx)
		for j, i := range idx {
			out[i] = rs[j]
		}
	}
	return out
}

// ConsensusVote is the outcome of one group's vote.
type ConsensusVote struct {
	// Label is the pseudo-label as first written (the representative of the
	// winning cluster); empty when the group has none.
	Label string
	// Votes is the size of the winning cluster, Size the group's completions.
	Votes, Size int
	// Cluster[i] is the cluster of completion i (order of first appearance),
	// −1 for a completion without an answer.
	Cluster []int
	// Winner is the winning cluster, −1 when there is no pseudo-label.
	Winner int
	// Why says why there is no pseudo-label ("tie", …); empty when there is.
	Why string
}

// Vote runs the consensus vote over the completion texts of one group.
// It returns ctx's error if the deadline passes during the comparisons.
func (c *Consensus) Vote(ctx context.Context, texts []string) (ConsensusVote, error) {
	v := ConsensusVote{Size: len(texts), Cluster: make([]int, len(texts)), Winner: -1}
	if err := ctx.Err(); err != nil {
		return v, err
	}
	var reps []atom
	var repText []string
	var counts []int
	for i, t := range texts {
		v.Cluster[i] = -1
		a, _, ok := ExtractAnswer(t, c.Cfg.Extract)
		if !ok {
			continue
		}
		n, pct := Normalize(a, true)
		if n == "" {
			continue
		}
		at := atom{n, pct}
		k := -1
		for j, r := range reps {
			if err := ctx.Err(); err != nil {
				return v, err
			}
			same := r == at
			if !same {
				var err error
				if same, err = compareItems(ctx, r, at, c.Cfg.Compare, 0); err != nil {
					return v, err
				}
			}
			if same {
				k = j
				break
			}
		}
		if k < 0 {
			k = len(reps)
			reps, repText, counts = append(reps, at), append(repText, a), append(counts, 0)
		}
		counts[k]++
		v.Cluster[i] = k
	}
	switch {
	case len(texts) < 2:
		v.Why = fmt.Sprintf("group of %d", len(texts))
		return v, nil
	case len(counts) == 0:
		v.Why = "no answers"
		return v, nil
	}
	best, tied := 0, false
	for k := 1; k < len(counts); k++ {
		switch {
		case counts[k] > counts[best]:
			best, tied = k, false
		case counts[k] == counts[best]:
			tied = true
		}
	}
	v.Votes = counts[best]
	switch {
	case tied:
		v.Why = fmt.Sprintf("tie at %d of %d", v.Votes, v.Size)
	case float64(v.Votes) < c.Cfg.MinAgreement*float64(v.Size)-1e-9:
		v.Why = fmt.Sprintf("majority %d of %d below %g", v.Votes, v.Size, c.Cfg.MinAgreement)
	default:
		v.Winner, v.Label = best, repText[best]
	}
	return v, nil
}

// scoreGroup scores the items idx of one group.
func (c *Consensus) scoreGroup(ctx context.Context, items []Item, idx []int) []Result {
	rs := make([]Result, len(idx))
	fill := func(r Result) []Result {
		for j := range rs {
			rs[j] = r
		}
		return rs
	}
	for _, i := range idx {
		if err := c.CheckTask(items[i].Example.Task); err != nil {
			return fill(NoScore("consensus: countdown has no single answer"))
		}
	}
	texts := make([]string, len(idx))
	for j, i := range idx {
		texts[j] = items[i].Completion.Text
	}
	v, err := c.Vote(ctx, texts)
	if err != nil {
		return fill(ctxResult(err))
	}
	if v.Winner < 0 {
		return fill(NoScore("consensus: no pseudo-label (" + v.Why + ")"))
	}
	agree := fmt.Sprintf("%d of %d", v.Votes, v.Size)
	for j := range idx {
		switch v.Cluster[j] {
		case v.Winner:
			rs[j] = Scored(c.Cfg.CorrectScore, "agrees with "+quote(v.Label)+" ("+agree+")")
		case -1:
			rs[j] = Scored(c.Cfg.WrongScore, "no answer; majority "+quote(v.Label)+" ("+agree+")")
		default:
			rs[j] = Scored(c.Cfg.WrongScore, "disagrees with "+quote(v.Label)+" ("+agree+")")
		}
	}
	return rs
}
