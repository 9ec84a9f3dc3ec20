package rewards

// Which rewards need the examples' labels, and which tasks a reward applies
// to: what the trainer checks before training on data whose answers were
// dropped (rltrain --unlabeled) or with a reward that refuses a task.
//
// A label is what a reward reads to tell right from wrong, beyond the prompt
// and the completion: Example.Answer for the math accuracy reward, the
// target for countdown. Countdown's target and numbers are also written in
// its prompt, but the countdown reward is the task's exact verifier: a run
// trained on it learns from ground truth, so it counts as needing labels,
// and "label-free" keeps meaning "no verifier of correctness" (consensus,
// format, overlong).

import (
	"fmt"
	"strings"
)

// LabelNeeder is implemented by rewards that say whether they read the
// examples' labels. A reward that does not implement it is taken to need
// them (NeedsLabel), so an unknown reward is never trusted on unlabelled
// data.
type LabelNeeder interface {
	NeedsLabel() bool
}

// TaskChecker is implemented by rewards that apply to some tasks only.
// CheckTask returns an error saying why the reward cannot judge examples of
// task ("" when the data does not name its task).
type TaskChecker interface {
	CheckTask(task string) error
}

// NeedsLabel reports whether r reads labels: r's own answer when it
// implements LabelNeeder (a BatchReward joined through AsReward is asked
// itself), true otherwise. A Weighted needs labels when any component does.
func NeedsLabel(r any) bool {
	if a, ok := r.(batchAdapter); ok {
		r = a.BatchReward
	}
	if l, ok := r.(LabelNeeder); ok {
		return l.NeedsLabel()
	}
	return true
}

// NeedsLabel implements LabelNeeder: true when any component needs labels.
func (w *Weighted) NeedsLabel() bool { return len(w.LabelledComponents()) > 0 }

// LabelledComponents returns the names of w's components that need labels,
// in component order.
func (w *Weighted) LabelledComponents() []string {
	var out []string
	for _, r := range w.Rewards {
		if NeedsLabel(r) {
			out = append(out, r.Name())
		}
	}
	return out
}

// CheckTask returns the first refusal of a component of w that implements
// TaskChecker for task, naming the component; nil when all accept it.
func (w *Weighted) CheckTask(task string) error {
	for _, r := range w.Rewards {
		var c any = r
		if a, ok := r.(batchAdapter); ok {
			c = a.BatchReward
		}
		if tc, ok := c.(TaskChecker); ok {
			if err := tc.CheckTask(task); err != nil {
				return fmt.Errorf("rewards: reward %q on task %q: %w", r.Name(), task, err)
			}
		}
	}
	return nil
}

// CheckUnlabeled returns an error naming every component of w that needs
// labels, for training data without them; nil when w is label-free.
func CheckUnlabeled(w *Weighted) error {
	names := w.LabelledComponents()
	if len(names) == 0 {
		return nil
	}
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	verb := "needs"
	if len(names) > 1 {
		verb = "need"
	}
	return fmt.Errorf("rewards: reward %s %s the labels (gold answers) the training data lacks; label-free rewards: consensus, format, overlong, judge, self-verify",
		strings.Join(q, ", "), verb)
}

// NeedsLabel returns true: the math accuracy reward compares with Example.Answer.
func (m *Math) NeedsLabel() bool { return true }

// NeedsLabel returns true: countdown is the task's exact verifier (see the
// file comment of labels.go).
func (r *Countdown) NeedsLabel() bool { return true }

// NeedsLabel returns false: the format reward reads the completion only.
func (f *Format) NeedsLabel() bool { return false }

// NeedsLabel returns false: the overlong penalty reads the length only.
func (o *Overlong) NeedsLabel() bool { return false }
