package main

// --unlabeled: RL without the training examples' answers, on a label-free
// reward (consensus: a group's majority answer is the pseudo-label). The
// labelled copies are kept aside for the self-reward monitor alone
// (rl.Monitor: self_reward/agreement, precision, recall, label_rate, … per
// step, never in the loss), and held-out evaluation keeps its labels.

import (
	"errors"
	"flag"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/run"
)

// unlabeledConfig says whether RL sees the training answers, and how the
// consensus reward labels a group.
type unlabeledConfig struct {
	// Unlabeled drops the answers (and solutions and metadata) of the
	// training examples before RL, keeping only ID, task and prompt; rewards
	// that need labels (accuracy, countdown) are then refused. The warm start
	// is built before and still learns from the demonstrations; held-out
	// evaluation keeps its labels. Default false.
	Unlabeled bool `json:"unlabeled"`
	// ConsensusMin is the fraction of a group's completions that must share
	// the majority answer for the consensus reward to make it the
	// pseudo-label (rewards.ConsensusConfig.MinAgreement). Default 0.5, range
	// (0, 1].
	ConsensusMin float64 `json:"consensus_min"`
}

func defaultUnlabeledConfig() unlabeledConfig {
	return unlabeledConfig{ConsensusMin: rewards.DefaultConsensusMin}
}

func bindUnlabeledFlags(fs *flag.FlagSet, c *unlabeledConfig) {
	fs.Var(fieldValue{reflect.ValueOf(&c.Unlabeled).Elem()}, "unlabeled",
		"train without the training answers (a label-free --reward such as consensus:1); the labels are kept for the self_reward/ metrics only")
	fs.Var(fieldValue{reflect.ValueOf(&c.ConsensusMin).Elem()}, "consensus-min",
		"consensus reward: smallest fraction of a group's completions that must agree for a pseudo-label (ties never label)")
}

// validate checks the flags alone; setupUnlabeled checks them against the
// data and the reward.
func (c unlabeledConfig) validate(cfg runConfig) error {
	if !(c.ConsensusMin > 0 && c.ConsensusMin <= 1) {
		return fmt.Errorf("--consensus-min %v: want a fraction in (0, 1]", c.ConsensusMin)
	}
	switch {
	case !c.Unlabeled:
	case cfg.Rise.Enable:
		return errors.New("--unlabeled with --rise: RISE's verification targets come from the solve reward; self-rewarded verification is not supported yet")
	case cfg.Score.Turns == 2:
		return errors.New("--unlabeled with --turns 2: self-rewarded two-turn correction is not supported yet")
	}
	return nil
}

// specOptions are the reward-spec options of a run (uc is cfg.SelfReward).
func specOptions(cfg runConfig, uc unlabeledConfig) rewards.SpecOptions {
	return rewards.SpecOptions{MaxCompletionLen: cfg.Algo.Policy().MaxCompletionLen, ConsensusMin: uc.ConsensusMin,
		Extra: cfg.Task.running.with(modelRewards(cfg))}
}

// unlabeledRun is what a run trains on and measures with.
type unlabeledRun struct {
	// Train is the RL training set: the examples without their answers
	// under --unlabeled, else as loaded.
	Train []data.Example
	// Truth is the task's verifier when the training reward is label-free
	// (the monitor's reward and the held-out evaluation's); nil otherwise.
	Truth *rewards.Weighted
	// labelled are the examples as loaded, for the monitor only.
	labelled []data.Example
	dropped  bool
}

// setupUnlabeled checks the reward against the training data's tasks (a
// reward may refuse one: consensus refuses countdown) and, under
// --unlabeled, against the missing labels; it drops the answers and, when
// the reward is label-free, picks the task's verifier for the monitor and
// the evaluation. uc is cfg.SelfReward.
func setupUnlabeled(cfg runConfig, uc unlabeledConfig, trainEx []data.Example, reward *rewards.Weighted) (*unlabeledRun, error) {
	for _, task := range dataTasks(cfg, trainEx) {
		if err := reward.CheckTask(task); err != nil {
			return nil, fmt.Errorf("--reward: %w", err)
		}
	}
	u := &unlabeledRun{Train: trainEx, labelled: trainEx}
	if uc.Unlabeled {
		if err := rewards.CheckUnlabeled(reward); err != nil {
			hint := "name a label-free one, e.g. --reward consensus:1"
			if cfg.Task.Reward == "" {
				hint = "the default reward of the task needs them: " + hint
			}
			return nil, fmt.Errorf("--unlabeled: %w; %s", err, hint)
		}
		u.Train, u.dropped = dropLabels(trainEx), true
	}
	if !reward.NeedsLabel() {
		var err error
		if u.Truth, err = heldOutReward(cfg, trainEx, reward); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// dataTasks lists the tasks of a run's examples: the built-in task, or
// each example's own (a JSONL file may name none: "").
func dataTasks(cfg runConfig, exs []data.Example) []string {
	tasks := []string{}
	if cfg.Task.Data == "" {
		tasks = append(tasks, cfg.Task.Task)
	}
	for _, ex := range exs {
		if !slices.Contains(tasks, ex.Task) {
			tasks = append(tasks, ex.Task)
		}
	}
	return tasks
}

// heldOutReward is the reward problems with labels are scored with: reward
// itself when it needs labels, else the task's verifier (countdown, or the
// math accuracy reward), since a label-free reward says nothing about a
// single greedy answer and is not the truth. rltrain eval of a self-rewarded
// run's config.json needs it too.
func heldOutReward(cfg runConfig, exs []data.Example, reward *rewards.Weighted) (*rewards.Weighted, error) {
	if reward.NeedsLabel() {
		return reward, nil
	}
	spec := "accuracy:1"
	if slices.Contains(dataTasks(cfg, exs), "countdown") {
		spec = "countdown:1"
	}
	return rewards.ParseSpec(spec, rewards.SpecOptions{MaxCompletionLen: cfg.Algo.Policy().MaxCompletionLen})
}

// dropLabels returns the examples with only their ID, task and prompt.
func dropLabels(exs []data.Example) []data.Example {
	out := make([]data.Example, len(exs))
	for i, ex := range exs {
		out[i] = data.Example{ID: ex.ID, Task: ex.Task, Prompt: ex.Prompt}
	}
	return out
}

// evalReward is the reward of held-out evaluation: the task's verifier when
// training is self-rewarded, else the training reward.
func (u *unlabeledRun) evalReward(reward *rewards.Weighted) *rewards.Weighted {
	if u.Truth != nil {
		return u.Truth
	}
	return reward
}

// attach adds the self-reward monitor to tr when the reward is label-free.
func (u *unlabeledRun) attach(tr *rl.Trainer, comm dist.Comm) error {
	if u.Truth == nil {
		return nil
	}
	mon, err := rl.NewMonitor(u.Truth, u.labelled, tr.Cfg.CorrectThreshold, comm)
	if err != nil {
		return err
	}
	tr.Stages = append(tr.Stages, mon)
	return nil
}

// describe is the line a run prints about its labels ("" when there is
// nothing to say).
func (u *unlabeledRun) describe(reward *rewards.Weighted) string {
	var b strings.Builder
	if u.dropped {
		fmt.Fprintf(&b, "--unlabeled: RL trains on %d problems without their answers; ", len(u.Train))
	}
	if u.Truth != nil {
		fmt.Fprintf(&b, "rewards %v are label-free: the true %v reward scores the held-out set and, log only, the training batches (self_reward/ metrics)",
			reward.Names(), u.Truth.Names())
	}
	return b.String()
}

// summary is summary.json's "extra" of a self-rewarded run, from the steps
// of log (nil on ranks other than 0): self_reward_agreement is the
// agreement over every solve turn of the run with both verdicts (each step
// weighted by its self_reward/n); label rate, label accuracy, true and
// self-claimed accuracy and the Brier score are means over the steps that
// logged them; completion_length_first/last are the mean completion length
// of the first and last fifth of the steps. nil when nothing was monitored.
func (u *unlabeledRun) summary(log *run.RunLog) map[string]any {
	if u.Truth == nil || log == nil {
		return nil
	}
	history := log.History
	out := map[string]any{"unlabeled": u.dropped}
	agree, n := 0.0, 0.0
	for _, m := range history {
		if a, ok := m["self_reward/agreement"]; ok {
			agree += a * m["self_reward/n"]
			n += m["self_reward/n"]
		}
	}
	if n > 0 {
		out["self_reward_agreement"] = agree / n
	}
	if first, last, ok := rl.MetricTrend(history, "completions/mean_length", 0.2); ok {
		// the first and last fifth of the steps: a self-reward that
		// prefers long (or short) answers shows as drift
		out["completion_length_first"], out["completion_length_last"] = first, last
	}
	for _, k := range []string{"label_rate", "label_accuracy", "true_accuracy", "self_accuracy", "brier"} {
		sum, steps := 0.0, 0
		for _, m := range history {
			if v, ok := m["self_reward/"+k]; ok && !math.IsNaN(v) {
				sum += v
				steps++
			}
		}
		if steps > 0 {
			out["self_reward_"+k] = sum / float64(steps)
		}
	}
	return out
}
