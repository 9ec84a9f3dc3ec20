package rl

import (
	"math"
	"testing"

	"github.com/rltrain/rltrain/rewards"
)

func TestCorrectAndMajority(t *testing.T) {
	parts := [][]rewards.Result{
		{rewards.Scored(1, "ok")}, {rewards.Scored(0, "no")}, {rewards.NoScore("timeout")}, {},
	}
	c := make([]float32, len(parts))
	for i, p := range parts {
		c[i] = Correct(p, 0.5)
	}
	if c[0] != 1 || c[1] != 0 || !math.IsNaN(float64(c[2])) || !math.IsNaN(float64(c[3])) {
		t.Fatalf("Correct = %v", c)
	}
	// At the threshold counts as correct (one definition: score ≥ threshold).
	if Correct([]rewards.Result{rewards.Scored(0.5, "half")}, 0.5) != 1 || Correct([]rewards.Result{rewards.Scored(0.49, "")}, 0.5) != 0 {
		t.Fatal("Correct must be score ≥ threshold")
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
