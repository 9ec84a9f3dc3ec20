package rl

import (
	"bytes"
	"math"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/rewards"
)

func TestProgressWarnsOnceWithoutSignal(t *testing.T) {
	var buf bytes.Buffer
	p := NewProgress(&buf, 10)
	for s := 1; s <= 10; s++ {
		zero := 1.0
		if s <= 2 {
			zero = 0.5 // the first steps still had signal
		}
		p.Step(s, map[string]float64{"reward": 0.1, "frac_reward_zero_std": zero, "completions/clipped_ratio": 0})
	}
	out := buf.String()
	if n := strings.Count(out, "warning: frac_reward_zero_std"); n != 1 {
		t.Fatalf("want one zero-std warning, got %d:\n%s", n, out)
	}
	if strings.Contains(out, "clipped_ratio ≥") {
		t.Fatalf("clipped warning without cause:\n%s", out)
	}
	if !strings.Contains(out, "step 10/10") {
		t.Fatalf("last step not printed:\n%s", out)
	}
}

func TestCorrectAndMajority(t *testing.T) {
	parts := [][]rewards.Result{
		{rewards.Scored(1, "ok")}, {rewards.Scored(0, "no")}, {rewards.NoScore("timeout")}, {},
	}
	c := Correct(parts, 0.5)
	if c[0] != 1 || c[1] != 0 || !math.IsNaN(float64(c[2])) || !math.IsNaN(float64(c[3])) {
		t.Fatalf("Correct = %v", c)
	}
	texts := []string{"<answer>7</answer>", "<answer> 5 </answer>", "<answer>5</answer>", "no answer"}
	// "5" wins 2–1; its first sample (index 1) decides.
	if !majorityCorrect(texts, []float32{0, 1, 1, 0}) {
		t.Fatal("majority answer 5 is correct")
	}
	if majorityCorrect(texts, []float32{1, 0, 0, 0}) {
		t.Fatal("majority answer 5 is wrong")
	}
	// Ties go to the answer seen first.
	if !majorityCorrect([]string{"<answer>1</answer>", "<answer>2</answer>"}, []float32{1, 0}) {
		t.Fatal("tie should go to the first answer")
	}
	if majorityCorrect([]string{"x", "y"}, []float32{1, 1}) {
		t.Fatal("no answers: no majority")
	}
}
