package selfimprove

import (
	"encoding/json"
	"math"
	"testing"
)

func TestPickPair(t *testing.T) {
	nan := math.NaN()
	texts := []string{"a", "b", "c", "d"}
	for _, c := range []struct {
		name   string
		scores []float64
		lens   []int
		margin float64
		gap    float64
		texts  []string
		c, r   int
		why    PairSkip
	}{
		{"best vs worst", []float64{0.5, 1, 0, 0.25}, []int{5, 9, 3, 4}, -1, 0, texts, 1, 2, PairOK},
		{"first of equal best and worst", []float64{1, 0, 1, 0}, []int{5, 9, 3, 4}, -1, 0, texts, 0, 1, PairOK},
		{"unscored never picked", []float64{nan, 0.75, nan, 0.25}, []int{1, 9, 1, 4}, -1, 0, texts, 1, 3, PairOK},
		{"one scored", []float64{nan, 0.75, nan, nan}, []int{1, 9, 1, 4}, -1, 0, texts, -1, -1, PairUnscored},
		{"all equal is a tie", []float64{0.5, 0.5, 0.5, nan}, []int{1, 2, 3, 4}, -1, 0, texts, -1, -1, PairTie},
		{"identical texts", []float64{1, 0}, []int{2, 2}, -1, 0, []string{"x", "x"}, -1, -1, PairIdentical},
		// Length control: the shortest within 0.25 of the best (1) is 3 (0.75, 4 tokens).
		{"length control", []float64{1, 0.75, 0, 0.75}, []int{9, 6, 2, 4}, 0.25, 0, texts, 3, 2, PairOK},
		{"margin 0 keeps the shortest best", []float64{1, 1, 0, 1}, []int{9, 6, 2, 7}, 0, 0, texts, 1, 2, PairOK},
		// With a margin reaching the worst score, the shortest may be the worst: a tie.
		{"length control down to the worst", []float64{1, 0}, []int{9, 2}, 1, 0, []string{"x", "y"}, -1, -1, PairTie},
		// A gap of 0.5 keeps 1 vs 0.25, skips 0.75 vs 0.25 (0.5 is not more).
		{"min gap kept", []float64{1, 0.5, 0.25}, []int{1, 2, 3}, -1, 0.5, texts, 0, 2, PairOK},
		{"min gap skipped", []float64{0.75, 0.5, 0.25}, []int{1, 2, 3}, -1, 0.5, texts, -1, -1, PairTie},
	} {
		t.Run(c.name, func(t *testing.T) {
			gc, gr, why := PickPair(c.scores, c.lens, c.texts[:len(c.scores)], c.margin, c.gap)
			if gc != c.c || gr != c.r || why != c.why {
				t.Fatalf("got (%d, %d, %d), want (%d, %d, %d)", gc, gr, why, c.c, c.r, c.why)
			}
		})
	}
}

func TestAgreement(t *testing.T) {
	nan := math.NaN()
	// truth: 1 1 0 0 0 NaN; scores: 0.75 (right) 0.25 (wrong) 0 (right) 0.5 (wrong) NaN (unscored) 1 (no truth)
	acc, scored, agree, bal := agreement([]float64{0.75, 0.25, 0, 0.5, nan, 1}, []float32{1, 1, 0, 0, 0, float32(nan)})
	for _, c := range []struct {
		name      string
		got, want Rate
	}{{"acc", acc, 2.0 / 5}, {"scored", scored, 4.0 / 5}, {"agree", agree, 2.0 / 4}, {"balanced", bal, (0.5 + 0.5) / 2}} {
		if math.Abs(float64(c.got-c.want)) > 1e-12 {
			t.Errorf("%s = %g, want %g", c.name, c.got, c.want)
		}
	}
	if _, _, _, bal := agreement([]float64{1, 0}, []float32{1, 1}); !math.IsNaN(float64(bal)) {
		t.Errorf("balanced agreement with one class: %g, want NaN", bal)
	}
}

func TestRateJSON(t *testing.T) {
	b, err := json.Marshal(struct{ A, B Rate }{Rate(math.NaN()), 0.25})
	if err != nil || string(b) != `{"A":null,"B":0.25}` {
		t.Fatalf("%s %v", b, err)
	}
	var back struct{ A, B Rate }
	if err := json.Unmarshal(b, &back); err != nil || !math.IsNaN(float64(back.A)) || back.B != 0.25 {
		t.Fatalf("%+v %v", back, err)
	}
}

func TestSelfRewardConfigValidate(t *testing.T) {
	if err := DefaultSelfRewardConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, f := range []func(*SelfRewardConfig){
		func(c *SelfRewardConfig) { c.Iterations = 0 },
		func(c *SelfRewardConfig) { c.Samples = 1 },
		func(c *SelfRewardConfig) { c.Judge.Source = JudgeFrozen },
		func(c *SelfRewardConfig) { c.DPO.Beta = 0 },
		func(c *SelfRewardConfig) { c.Train.BatchPairs = 0 },
		func(c *SelfRewardConfig) { c.PrefSamples = 1 },
		func(c *SelfRewardConfig) { c.MinGap = 1 },
	} {
		c := DefaultSelfRewardConfig()
		f(&c)
		if c.Validate() == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}
