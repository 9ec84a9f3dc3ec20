package run

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// readSamples returns the lines of dir/samples.jsonl, decoded.
func readSamples(t *testing.T, dir string) []SampleRecord {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "samples.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []SampleRecord
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		var r SampleRecord
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// A two-turn batch logs whole episodes: the first attempt, then the second
// with the prompt it saw (the first attempt inside), each with its own task
// reward; a shaped reward shows as trained_reward. Choosing turns instead of
// episodes with an even stride logged first attempts only.
func TestSamplesTwoTurnEpisodes(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenRunLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := &rl.Batch{}
	for i := 0; i < 8; i++ {
		ex := data.Example{ID: string(rune('a' + i)), Prompt: "p"}
		t1 := rl.Turn{Role: rl.RoleSolve, Text: "<answer>1</answer>", Reward: 0}
		t1.SetReward(rewards.Scored(0, "wrong"), []rewards.Result{rewards.Scored(0, "wrong")})
		t1.Reward = 0
		t2 := rl.Turn{Role: rl.RoleCorrect, Text: "<answer>2</answer>", PromptText: "p\nattempt: <answer>1</answer>\nagain:"}
		t2.SetReward(rewards.Scored(1, "right"), []rewards.Result{rewards.Scored(1, "right")})
		t2.Reward = 11 // r2 + α(r2 − r1), α = 10
		b.Episodes = append(b.Episodes, rl.Episode{Example: ex, Turns: []rl.Turn{t1, t2}})
	}
	if err := l.Samples(3, rl.StepResult{Batch: b}, []string{"countdown"}, 4); err != nil {
		t.Fatal(err)
	}
	l.Close()
	recs := readSamples(t, dir)
	if len(recs) != 8 {
		t.Fatalf("4 episodes of 2 turns: got %d lines", len(recs))
	}
	for i, r := range recs {
		if r.Turn != i%2+1 || r.Turns != 2 || r.Episode != i/2*2 || r.Step != 3 {
			t.Fatalf("line %d: step %d episode %d turn %d/%d", i, r.Step, r.Episode, r.Turn, r.Turns)
		}
		if r.Turn == 1 {
			if r.Prompt != "p" || r.Role != "solve" || *r.Reward != 0 || r.TrainedReward != nil || r.Reasons["countdown"] != "wrong" {
				t.Fatalf("first attempt: %+v", r)
			}
			continue
		}
		if !strings.Contains(r.Prompt, "attempt: <answer>1</answer>") || r.Role != "correct" || r.Completion != "<answer>2</answer>" ||
			*r.Reward != 1 || r.TrainedReward == nil || *r.TrainedReward != 11 || *r.Rewards["countdown"] != 1 {
			t.Fatalf("second attempt: %+v", r)
		}
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "samples.jsonl"))
	if !strings.Contains(string(raw), "<answer>2</answer>") {
		t.Fatalf("tags escaped: %s", raw)
	}
}

// Single-turn batches log n turns spread over the batch, as before.
func TestSamplesSingleTurn(t *testing.T) {
	dir := t.TempDir()
	l, err := OpenRunLog(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := &rl.Batch{}
	for i := 0; i < 10; i++ {
		tu := rl.Turn{Role: rl.RoleSolve, Text: "x"}
		tu.SetReward(rewards.Scored(0.5, ""), nil)
		b.Episodes = append(b.Episodes, rl.Episode{Example: data.Example{Prompt: "p"}, Turns: []rl.Turn{tu}})
	}
	if err := l.Samples(1, rl.StepResult{Batch: b}, nil, 4); err != nil {
		t.Fatal(err)
	}
	l.Close()
	recs := readSamples(t, dir)
	if len(recs) != 4 || recs[1].Episode != 2 || recs[3].Episode != 6 || recs[0].TrainedReward != nil || recs[0].Turns != 1 {
		t.Fatalf("got %+v", recs)
	}
}
