package rl

import (
	"context"
	"testing"

	"github.com/rltrain/rltrain/nn"
)

// TestRolloutIgnoreEOS: a warm start that has learned to end its answers
// stops early without IgnoreEOS; with it, every completion runs to the cap
// and none counts as stopped.
func TestRolloutIgnoreEOS(t *testing.T) {
	r := newTinyRun(t, 150)
	const maxNew = 40
	rc := RolloutConfig{GroupSize: 2, MaxBatch: 64, RewardTimeout: DefaultTrainConfig().RewardTimeout,
		Sample: nn.SampleConfig{Temperature: 1, MaxNewTokens: maxNew}}
	exs := r.heldOut[:16]
	count := func(b *Batch) (stopped, full int) {
		for _, ep := range b.Episodes {
			tu := ep.Turns[0]
			if !tu.Truncated {
				stopped++
			}
			if len(tu.Completion) == maxNew {
				full++
			}
		}
		return
	}
	b, err := r.pol.Rollout(context.Background(), exs, r.reward, rc, 0, newRand(2, 1))
	if err != nil {
		t.Fatal(err)
	}
	if stopped, _ := count(b); stopped == 0 {
		t.Fatalf("without IgnoreEOS no completion of %d stopped: the warm start never emits EOS, so the test proves nothing", b.Len())
	}
	rc.IgnoreEOS = true
	b, err = r.pol.Rollout(context.Background(), exs, r.reward, rc, 0, newRand(2, 1))
	if err != nil {
		t.Fatal(err)
	}
	if stopped, full := count(b); stopped != 0 || full != b.Len() {
		t.Errorf("IgnoreEOS: %d of %d completions stopped, %d ran to the cap of %d; want 0 and all", stopped, b.Len(), full, maxNew)
	}
}
