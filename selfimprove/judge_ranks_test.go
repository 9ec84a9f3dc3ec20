package selfimprove

import (
	"context"
	"testing"

	"github.com/rltrain/rltrain/rl"
)

// TestJudgeExtendSumsRanks: under several ranks the judge's counts are
// summed (here a reducer standing for two ranks with the same counts), the
// rates stay rates, and calls and seconds stay this rank's.
func TestJudgeExtendSumsRanks(t *testing.T) {
	j := &Judge{stats: JudgeStats{Items: 8, Scored: 6, Overlong: 1, Judgments: 24, Parsed: 18, Calls: 1, Seconds: 0.5, Tokens: 300}}
	twoRanks := func(xs ...*float64) error {
		for _, x := range xs {
			*x *= 2
		}
		return nil
	}
	met, err := j.Extend(context.Background(), nil, nil, rl.BuildInput{Reduce: twoRanks})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"judge/parse_rate": 0.75, "judge/scored_rate": 0.75, "judge/overlong": 2, "judge/calls": 1, "judge/gen_s": 0.5, "judge/tokens": 600}
	for k, v := range want {
		if met[k] != v {
			t.Errorf("%s = %g, want %g", k, met[k], v)
		}
	}
	if met, _ := j.Extend(context.Background(), nil, nil, rl.BuildInput{}); met["judge/tokens"] != 0 {
		t.Errorf("stats not reset after a step: %v", met)
	}
}
