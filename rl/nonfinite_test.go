package rl_test

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/tensor"
)

// poisoned is a builder whose steps listed in bad get an infinite reward on
// the first episode, as a broken reward program could return: its group's
// advantages, the loss and the gradient become non-finite.
type poisoned struct {
	inner rl.EpisodeBuilder
	bad   map[int]bool
	step  int
}

func (p *poisoned) Build(ctx context.Context, pol *rl.Policy, in rl.BuildInput) (*rl.Batch, error) {
	b, err := p.inner.Build(ctx, pol, in)
	p.step++
	if err == nil && p.bad[p.step] {
		b.Episodes[0].Turns[0].Reward = float32(math.Inf(1))
	}
	return b, err
}

// A non-finite update is skipped with the batch's sample ids in the step's
// warning and the weights untouched; a good update resets the count; one
// fault more than MaxNonFinite in a row stops the run naming the ids.
func TestNonFiniteStepsSkipThenStop(t *testing.T) {
	defer tensor.SetThreads(tensor.SetThreads(2))
	run := newTinyRun(t, 20)
	tc := rl.DefaultTrainConfig()
	tc.Steps, tc.PromptsPerStep, tc.MaxNonFinite = 10, 2, 2
	tr := run.trainer(t, "grpo", tc, func(pc *rl.PolicyConfig) {
		pc.DynamicSampling, pc.GroupSize, pc.MaxCompletionLen = false, 4, 8
	})
	pb := &poisoned{inner: tr.Builder, bad: map[int]bool{2: true, 4: true, 5: true, 6: true}}
	tr.Builder = pb
	ctx := context.Background()
	var good []float32 // the weights after the last good update
	for s := 1; s <= 6; s++ {
		res, err := tr.Step(ctx)
		var ids []string
		for _, e := range res.Batch.Episodes {
			ids = append(ids, e.Example.ID)
		}
		if !pb.bad[s] {
			if err != nil || res.Skipped {
				t.Fatalf("step %d (clean): skipped %v, err %v", s, res.Skipped, err)
			}
			good = slices.Clone(run.pol.Model.P.Data)
			continue
		}
		if !slices.Equal(run.pol.Model.P.Data, good) {
			t.Fatalf("step %d: a skipped update changed the weights", s)
		}
		msg := res.Warning
		if s == 6 {
			if err == nil {
				t.Fatal("step 6: the third fault in a row (max-non-finite 2) did not stop the run")
			}
			msg = err.Error()
			if !strings.Contains(msg, "3 updates in a row") || !strings.Contains(msg, "max-non-finite = 2") {
				t.Fatalf("step 6: %v", err)
			}
		} else {
			if err != nil || !res.Skipped || res.Metrics["skipped"] != 1 {
				t.Fatalf("step %d (poisoned): skipped %v, err %v", s, res.Skipped, err)
			}
			if !strings.Contains(msg, "update skipped: non-finite") {
				t.Fatalf("step %d: warning %q", s, msg)
			}
		}
		for _, id := range ids {
			if !strings.Contains(msg, id) {
				t.Fatalf("step %d: message does not name sample %s: %s", s, id, msg)
			}
		}
		if want := map[int]string{2: "1 in a row", 4: "1 in a row", 5: "2 in a row"}[s]; want != "" && !strings.Contains(msg, want) {
			t.Fatalf("step %d: want %q in %q (a good step resets the count)", s, want, msg)
		}
	}
}
