package rl

import (
	"encoding/json"
	"math"
	"strings"
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
	if !MajorityCorrect(texts, []float32{0, 1, 1, 0}) {
		t.Fatal("majority answer 5 is correct")
	}
	if MajorityCorrect(texts, []float32{1, 0, 0, 0}) {
		t.Fatal("majority answer 5 is wrong")
	}
	// Ties go to the answer seen first.
	if !MajorityCorrect([]string{"<answer>1</answer>", "<answer>2</answer>"}, []float32{1, 0}) {
		t.Fatal("tie should go to the first answer")
	}
	if MajorityCorrect([]string{"x", "y"}, []float32{1, 1}) {
		t.Fatal("no answers: no majority")
	}
}

// Extra metrics sit beside the fields in one JSON object and come back.
func TestEvalResultJSON(t *testing.T) {
	r := EvalResult{N: 3, K: 2, Pass1: 0.5, Extra: map[string]float64{"verify_acc": 0.75, "self_verify@k": 0.5}}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	if m["verify_acc"] != 0.75 || m["pass@1"] != 0.5 || m["n"] != 3.0 {
		t.Fatalf("%s", b)
	}
	var back EvalResult
	if err := json.Unmarshal(b, &back); err != nil || back.Extra["self_verify@k"] != 0.5 || back.Pass1 != 0.5 {
		t.Fatalf("round trip: %+v %v", back, err)
	}
	plain, _ := json.Marshal(EvalResult{N: 1})
	if strings.Contains(string(plain), "Extra") {
		t.Fatalf("%s", plain)
	}
	r.Extra["pass@1"] = 1
	if _, err := json.Marshal(r); err == nil {
		t.Fatal("an Extra key that shadows a field must be an error")
	}
}
