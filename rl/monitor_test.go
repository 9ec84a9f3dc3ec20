package rl

import (
	"context"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
)

// monitorBatch builds a batch of solve turns answering exs[i] with the
// answers of answers[i], one group per example, scored by spec as ScoreTurns
// scores a rollout.
func monitorBatch(t *testing.T, spec string, exs []data.Example, answers [][]string) *Batch {
	t.Helper()
	w, err := rewards.ParseSpec(spec, rewards.SpecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	b := &Batch{}
	for g, ex := range exs {
		for _, a := range answers[g] {
			text := "<think>t</think>"
			if a != "" {
				text += "<answer>" + a + "</answer>"
			}
			b.Episodes = append(b.Episodes, Episode{Example: ex, Turns: []Turn{{Role: RoleSolve, Text: text, Completion: make([]int32, 3), Group: 100 + g, Train: true}}})
		}
	}
	ScoreTurns(context.Background(), w, b, RoleSolve, time.Second)
	return b
}

func TestMonitorMetrics(t *testing.T) {
	labelled := []data.Example{
		{ID: "a", Prompt: "compute 1+2", Answer: "3"},
		{ID: "b", Prompt: "compute 2+3", Answer: "5"},
		{ID: "c", Prompt: "compute 3+4", Answer: "7"},
		{ID: "d", Prompt: "compute 1/2", Answer: "1/2"},
	}
	// The training examples carry no answer; "x" has no labelled copy.
	var unlabelled []data.Example
	for _, ex := range labelled {
		unlabelled = append(unlabelled, data.Example{ID: ex.ID, Prompt: ex.Prompt})
	}
	unlabelled = append(unlabelled, data.Example{ID: "x", Prompt: "compute 0+0"})
	b := monitorBatch(t, "consensus:1", unlabelled, [][]string{
		{"3", "3", "4", ""},     // labelled "3", right: self 1100, true 1100
		{"6", "6", "6", "5"},    // labelled "6", wrong: self 1110, true 0001
		{"7", "8"},              // tie: no self verdict; true 10
		{"0.5", "1/2", "2", ""}, // labelled 1/2 (0.5 == 1/2), right: self 1100, true 1100
		{"0", "0"},              // no labelled example
	})
	before := make([]Turn, 0)
	for _, ep := range b.Episodes {
		before = append(before, ep.Turns[0])
	}
	acc, err := rewards.ParseSpec("accuracy:1", rewards.SpecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMonitor(acc, labelled, 0.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Measure(context.Background(), b, time.Second)
	want := MonitorCounts{Both: 12, Agree: 8, SelfPos: 7, TruePos: 5, TP: 4, TrueScored: 14, TrueCorrect: 6,
		SelfSum: 7, SqErr: 4, // consensus scores 1 or 0: the Brier sum is the disagreements
		Groups: 5, Labelled: 4, Positive: 3, RightLabel: 2, Missing: 2} // x got a pseudo-label ("0") but has no labelled copy
	if c != want {
		t.Fatalf("counts\n got %+v\nwant %+v", c, want)
	}
	met, err := m.Extend(context.Background(), nil, b, BuildInput{Rollout: RolloutConfig{RewardTimeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]float64{
		"self_reward/agreement": 8.0 / 12, "self_reward/precision": 4.0 / 7, "self_reward/recall": 4.0 / 5,
		"self_reward/label_rate": 4.0 / 5, "self_reward/label_accuracy": 2.0 / 3, "self_reward/true_accuracy": 6.0 / 14,
		"self_reward/n": 12, "self_reward/missing": 2,
	} {
		if got, ok := met[k]; !ok || math.Abs(got-v) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
	if _, ok := met["self_reward/score_s"]; !ok {
		t.Error("self_reward/score_s missing")
	}
	// Log only: the turns keep the training reward's verdicts.
	for i, ep := range b.Episodes {
		if !reflect.DeepEqual(ep.Turns[0].Parts, before[i].Parts) || !sameF32(ep.Turns[0].Reward, before[i].Reward) {
			t.Fatalf("turn %d changed by the monitor", i)
		}
	}
}

func sameF32(a, b float32) bool { return a == b || (a != a && b != b) }

// TestMonitorEmptyRatios: ratios over nothing are NaN (left out of
// metrics.jsonl), never 0.
func TestMonitorEmptyRatios(t *testing.T) {
	met := MonitorCounts{Groups: 2}.Metrics()
	for _, k := range []string{"self_reward/agreement", "self_reward/precision", "self_reward/recall", "self_reward/label_accuracy", "self_reward/true_accuracy"} {
		if !math.IsNaN(met[k]) {
			t.Errorf("%s = %v, want NaN", k, met[k])
		}
	}
	if met["self_reward/label_rate"] != 0 {
		t.Errorf("label_rate = %v", met["self_reward/label_rate"])
	}
	if _, err := NewMonitor(nil, []data.Example{{ID: "a"}}, 0.5, nil); err == nil {
		t.Error("monitor without a reward accepted")
	}
	acc, _ := rewards.ParseSpec("accuracy", rewards.SpecOptions{})
	if _, err := NewMonitor(acc, nil, 0.5, nil); err == nil {
		t.Error("monitor without examples accepted")
	}
}
