package rl

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
)

// TestMonitorDenseSelfReward: a dense self-reward (judge, self-verify) is
// thresholded at 0.5 for agreement, precision and recall, and judged as a
// probability by its mean and Brier score. Hand-counted:
//
//	self  0.9  0.2  0.5  0.49  none
//	true  1    0    0    1     1
//	self≥.5 1  0    1    0     –      agree 2 of 4; TP 1, self+ 2, true+ 2
//	(s−t)² .01 .04 .25  .2601  –      Brier .5601/4
func TestMonitorDenseSelfReward(t *testing.T) {
	ex := data.Example{ID: "a", Prompt: "compute 1+2"}
	labelled := []data.Example{{ID: "a", Prompt: "compute 1+2", Answer: "3"}}
	self := []float64{0.9, 0.2, 0.5, 0.49, math.NaN()}
	answers := []string{"3", "4", "4", "3", "3"}
	b := &Batch{}
	for i, s := range self {
		r := rewards.Scored(s, "judge")
		if math.IsNaN(s) {
			r = rewards.NoScore("none of 4 judgments parsed")
		}
		tu := Turn{Role: RoleSolve, Text: "<think>t</think><answer>" + answers[i] + "</answer>", Completion: make([]int32, 3), Group: 7, Train: true}
		tu.SetReward(r, []rewards.Result{r})
		b.Episodes = append(b.Episodes, Episode{Example: ex, Turns: []Turn{tu}})
	}
	acc, err := rewards.ParseSpec("accuracy", rewards.SpecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	m, err := NewMonitor(acc, labelled, 0.5, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := m.Measure(context.Background(), b, time.Second)
	want := MonitorCounts{Both: 4, Agree: 2, SelfPos: 2, TruePos: 2, TP: 1, TrueScored: 5, TrueCorrect: 3,
		SelfSum: 2.09, SqErr: 0.5601, Groups: 1, Labelled: 1, Positive: 1}
	if math.Abs(c.SelfSum-want.SelfSum) > 1e-12 || math.Abs(c.SqErr-want.SqErr) > 1e-12 {
		t.Fatalf("self sum %v, squared error %v; want %v, %v", c.SelfSum, c.SqErr, want.SelfSum, want.SqErr)
	}
	c.SelfSum, c.SqErr = want.SelfSum, want.SqErr
	if c != want {
		t.Fatalf("counts\n got %+v\nwant %+v", c, want)
	}
	met := c.Metrics()
	for k, v := range map[string]float64{
		"self_reward/agreement": 0.5, "self_reward/precision": 0.5, "self_reward/recall": 0.5,
		"self_reward/self_accuracy": 0.5, "self_reward/true_accuracy": 0.6,
		"self_reward/self_mean": 2.09 / 4, "self_reward/brier": 0.5601 / 4, "self_reward/label_accuracy": 0,
	} {
		if got := met[k]; math.Abs(got-v) > 1e-12 {
			t.Errorf("%s = %v, want %v", k, got, v)
		}
	}
}

// TestMetricTrend: the means of the first and last fifth of the steps that
// logged the metric; steps without it, or with NaN, are left out.
func TestMetricTrend(t *testing.T) {
	var h []map[string]float64
	for i, v := range []float64{10, 20, math.NaN(), 30, 40, 50, 60, 70, 80, 90, 100} {
		m := map[string]float64{"loss": 1}
		if i != 5 {
			m["completions/mean_length"] = v
		}
		h = append(h, m)
	}
	// Logged finitely: 10 20 30 40 60 70 80 90 100 (9 steps); a fifth rounds to 2.
	first, last, ok := MetricTrend(h, "completions/mean_length", 0.2)
	if !ok || first != 15 || last != 95 {
		t.Fatalf("trend %v → %v (%v), want 15 → 95", first, last, ok)
	}
	if _, _, ok := MetricTrend(h, "absent", 0.2); ok {
		t.Error("a metric no step logged has a trend")
	}
	if f, l, _ := MetricTrend(h[:1], "completions/mean_length", 0.2); f != 10 || l != 10 {
		t.Errorf("one step: %v → %v", f, l)
	}
}
