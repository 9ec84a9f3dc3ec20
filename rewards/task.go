package rewards

import (
	"fmt"
	"slices"
	"strings"
)

// FormatWeight is the weight of the format reward in the ForTask sums.
const FormatWeight = 0.1

// accuracyTasks are the tasks whose examples carry a single gold value.
var accuracyTasks = []string{"arithmetic", "gsm8k", "linear", "math", "word"}

// ForTask returns the reward a task is trained with: for "countdown" the
// countdown check, for "arithmetic", "linear", "word", "math" and "gsm8k" the
// math accuracy reward, each plus FormatWeight times the format reward, with
// MissingStrict. With WrongScore 0 and FormatWeight 0.1 the countdown sum is
// TinyZero's 1 / 0.1 / 0 scheme for a well-formatted completion. Add an
// Overlong component when the trainer knows its generation cap. The rewards
// come from the ParseSpec registry, so they are built and validated alike.
func ForTask(task string) (*Weighted, error) {
	var acc string
	switch {
	case task == "countdown":
		acc = "countdown"
	case slices.Contains(accuracyTasks, task):
		acc = "accuracy"
	default:
		return nil, fmt.Errorf("rewards: no reward for task %q; known tasks: countdown, %s", task, strings.Join(accuracyTasks, ", "))
	}
	var rs []Reward
	for _, name := range []string{acc, "format"} {
		r, err := registry[name](SpecOptions{})
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return NewWeighted(rs, []float64{1, FormatWeight}, MissingStrict)
}
