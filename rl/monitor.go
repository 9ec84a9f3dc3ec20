package rl

// The self-reward monitor: when a run trains on a label-free reward
// (consensus) over examples whose answers were dropped, the labelled copies
// are kept aside for this alone. After each step's build the monitor scores
// the solve turns with the true verifier and logs how far the self-reward's
// verdicts can be trusted. Its scores never reach the turns, the
// advantages or the loss (docs/algorithms.md §6).

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/rewards"
)

// Monitor is a Stage that adds nothing to the batch: it scores the batch's
// solve turns with a true reward and returns the self_reward/ metrics. Every
// rank runs it on its own turns; the counts are summed over the ranks.
//
// Verdicts follow docs/algorithms.md §0.1 at Threshold: the self verdict is
// the turn's Correct (the training reward's first component), the true
// verdict the first component of Reward on the labelled example.
type Monitor struct {
	// Reward is the true reward (the task's accuracy reward).
	Reward *rewards.Weighted
	// Threshold is the correct threshold (TrainConfig.CorrectThreshold).
	Threshold float64
	// Comm is the data-parallel group; nil for one process.
	Comm dist.Comm

	labelled map[string]data.Example
}

// NewMonitor returns a monitor that finds a turn's labelled example by the
// ID and prompt of the (unlabelled) example it answers.
func NewMonitor(reward *rewards.Weighted, labelled []data.Example, threshold float64, comm dist.Comm) (*Monitor, error) {
	if reward == nil || len(reward.Rewards) == 0 {
		return nil, errors.New("rl: monitor without a true reward")
	}
	if len(labelled) == 0 {
		return nil, errors.New("rl: monitor without labelled examples")
	}
	m := &Monitor{Reward: reward, Threshold: threshold, Comm: comm, labelled: make(map[string]data.Example, len(labelled))}
	for _, ex := range labelled {
		m.labelled[monitorKey(ex)] = ex
	}
	return m, nil
}

func monitorKey(ex data.Example) string { return ex.ID + "\x00" + ex.Prompt }

// MonitorCounts are the additive counts behind the self_reward/ metrics.
type MonitorCounts struct {
	// Both counts solve turns with a self and a true verdict; Agree those
	// on which they agree; SelfPos those the self-reward calls correct,
	// TruePos those the verifier does, TP both.
	Both, Agree, SelfPos, TruePos, TP float64
	// TrueScored and TrueCorrect count the true verdicts of every solve turn.
	TrueScored, TrueCorrect float64
	// SelfSum sums the self-reward's own score (its first component, before
	// the threshold) over the Both turns, SqErr its squared difference to the
	// true verdict (0 or 1): a dense self-reward (judge, self-verify) is
	// judged as a probability of "correct", not only past the threshold.
	SelfSum, SqErr float64
	// Groups counts groups of solve turns; Labelled those with at least one
	// self verdict (consensus: a pseudo-label); Positive those with a
	// self-correct turn that has a true verdict, RightLabel those of them
	// whose self-correct turns are all truly correct.
	Groups, Labelled, Positive, RightLabel float64
	// Missing counts solve turns whose labelled example was not found.
	Missing float64
}

func (c *MonitorCounts) fields() []*float64 {
	return []*float64{&c.Both, &c.Agree, &c.SelfPos, &c.TruePos, &c.TP, &c.TrueScored, &c.TrueCorrect, &c.SelfSum, &c.SqErr,
		&c.Groups, &c.Labelled, &c.Positive, &c.RightLabel, &c.Missing}
}

// Metrics turns the counts into the logged metrics; a ratio over nothing is
// NaN (left out of metrics.jsonl).
//
//   - self_reward/agreement: Agree / Both, how often the self verdict equals the true one;
//   - self_reward/precision: TP / SelfPos, recall: TP / TruePos, of "correct";
//   - self_reward/label_rate: Labelled / Groups, the groups that got a pseudo-label;
//   - self_reward/label_accuracy: RightLabel / Positive, the pseudo-labels that are right;
//   - self_reward/true_accuracy: TrueCorrect / TrueScored, the batch's accuracy by the verifier;
//   - self_reward/self_accuracy: SelfPos / Both, the accuracy the self-reward claims (beside
//     true_accuracy it shows a self-reward that flatters the policy);
//   - self_reward/self_mean: SelfSum / Both, the mean self score; self_reward/brier: SqErr / Both,
//     its Brier score against the truth (for self-rewards in [0, 1]);
//   - self_reward/n: Both, the weight of agreement when averaging over steps.
func (c MonitorCounts) Metrics() map[string]float64 {
	ratio := func(a, b float64) float64 {
		if b == 0 {
			return math.NaN()
		}
		return a / b
	}
	m := map[string]float64{
		"self_reward/agreement":      ratio(c.Agree, c.Both),
		"self_reward/precision":      ratio(c.TP, c.SelfPos),
		"self_reward/recall":         ratio(c.TP, c.TruePos),
		"self_reward/label_rate":     ratio(c.Labelled, c.Groups),
		"self_reward/label_accuracy": ratio(c.RightLabel, c.Positive),
		"self_reward/true_accuracy":  ratio(c.TrueCorrect, c.TrueScored),
		"self_reward/self_accuracy":  ratio(c.SelfPos, c.Both),
		"self_reward/self_mean":      ratio(c.SelfSum, c.Both),
		"self_reward/brier":          ratio(c.SqErr, c.Both),
		"self_reward/n":              c.Both,
	}
	if c.Missing > 0 {
		m["self_reward/missing"] = c.Missing
	}
	return m
}

// Measure scores b's solve turns with the true reward and counts, on this
// rank only.
func (m *Monitor) Measure(ctx context.Context, b *Batch, timeout time.Duration) MonitorCounts {
	var c MonitorCounts
	var turns []*Turn
	var item []int // item of each turn; -1 without a labelled example
	var items []rewards.Item
	for i := range b.Episodes {
		for j := range b.Episodes[i].Turns {
			tu := &b.Episodes[i].Turns[j]
			if tu.Role != RoleSolve {
				continue
			}
			turns = append(turns, tu)
			ex, ok := m.labelled[monitorKey(b.Episodes[i].Example)]
			if !ok {
				c.Missing++
				item = append(item, -1)
				continue
			}
			item = append(item, len(items))
			items = append(items, rewards.Item{Example: ex, Group: tu.Group,
				Completion: rewards.Completion{Text: tu.Text, Tokens: len(tu.Completion), Truncated: tu.Truncated}})
		}
	}
	var parts [][]rewards.Result
	Phase(ctx, PhaseScore, func(ctx context.Context) {
		_, parts = rewards.ScoreItems(ctx, m.Reward, items, timeout)
	})
	truth := make([]float32, len(turns)) // NaN: no true verdict
	for k, it := range item {
		truth[k] = float32(math.NaN())
		if it >= 0 {
			truth[k] = Correct(parts[it], m.Threshold)
		}
	}
	type group struct{ labelled, positive, wrong bool }
	groups := map[int]*group{}
	for i, tu := range turns {
		g := groups[tu.Group]
		if g == nil {
			g = &group{}
			groups[tu.Group] = g
		}
		self, tr := tu.Correct(m.Threshold), truth[i]
		sOK, tOK := !math.IsNaN(float64(self)), !math.IsNaN(float64(tr))
		g.labelled = g.labelled || sOK
		if tOK {
			c.TrueScored++
			c.TrueCorrect += float64(tr)
		}
		if !sOK || !tOK {
			continue
		}
		c.Both++
		s := tu.Parts[0].Score
		c.SelfSum += s
		c.SqErr += (s - float64(tr)) * (s - float64(tr))
		if self == tr {
			c.Agree++
		}
		if self == 1 {
			c.SelfPos++
			g.positive = true
			g.wrong = g.wrong || tr == 0
		}
		if tr == 1 {
			c.TruePos++
		}
		if self == 1 && tr == 1 {
			c.TP++
		}
	}
	for _, g := range groups {
		c.Groups++
		if g.labelled {
			c.Labelled++
		}
		if g.positive {
			c.Positive++
			if !g.wrong {
				c.RightLabel++
			}
		}
	}
	return c
}

// Extend implements Stage: it measures b (summing the counts over the
// ranks) and returns the metrics, with self_reward/score_s the seconds it
// took on this rank. It leaves b as it is.
func (m *Monitor) Extend(ctx context.Context, _ *Policy, b *Batch, in BuildInput) (map[string]float64, error) {
	t0 := time.Now()
	c := m.Measure(ctx, b, in.Rollout.RewardTimeout)
	comm := m.Comm
	if comm == nil {
		comm = dist.Local()
	}
	if err := allSum(comm, c.fields()...); err != nil {
		return nil, fmt.Errorf("self-reward monitor: %w", err)
	}
	met := c.Metrics()
	met["self_reward/score_s"] = time.Since(t0).Seconds()
	return met, nil
}
