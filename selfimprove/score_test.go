package selfimprove_test

import (
	"context"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/selfimprove"
)

// TestSCoReCredit pins the credit assignment of docs/algorithms.md §5 with
// α = 10: Stage II's second attempt earns r2 + α(r2 − r1) — 0→1: 1+α,
// 1→0: −α, 1→1: 1, 0→0: 0 — and its first attempt r1; Stage I's second
// attempt earns r2 and its first attempt 0 whatever it scored.
func TestSCoReCredit(t *testing.T) {
	const alpha = 10
	nan := math.NaN()
	for _, c := range []struct {
		stage          int
		r1, r2, t1, t2 float64
	}{
		{2, 0, 1, 0, 11}, {2, 1, 0, 1, -10}, {2, 1, 1, 1, 1}, {2, 0, 0, 0, 0},
		{2, 0.5, 1, 0.5, 6}, // a non-binary reward: 1 + 10·0.5
		{1, 0, 1, 0, 1}, {1, 1, 0, 0, 0}, {1, 1, 1, 0, 1}, {1, 0, 0, 0, 0},
		{1, nan, 1, 0, 1}, // Stage I: the first attempt is not rewarded, scorable or not
		{2, nan, 1, nan, nan}, {2, 1, nan, 1, nan}, {1, 1, nan, 0, nan},
	} {
		t1, t2 := selfimprove.SCoReCredit(c.stage, c.r1, c.r2, alpha)
		if !same(t1, c.t1) || !same(t2, c.t2) {
			t.Errorf("stage %d r1=%g r2=%g: credit (%g, %g), want (%g, %g)", c.stage, c.r1, c.r2, t1, t2, c.t1, c.t2)
		}
	}
	// α = 0 is plain joint RL on both attempts.
	if _, t2 := selfimprove.SCoReCredit(2, 0, 1, 0); t2 != 1 {
		t.Errorf("α = 0: 0→1 earns %g, want 1", t2)
	}
}

func same(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }

// TestSCoReKLWeights: Stage I's first attempts pay β2 = ratio·β1, second
// attempts and all of Stage II pay β1.
func TestSCoReKLWeights(t *testing.T) {
	for _, c := range []struct {
		stage  int
		ratio  float64
		w1, w2 float32
	}{{1, 10, 10, 1}, {1, 25, 25, 1}, {2, 10, 1, 1}} {
		if w1, w2 := selfimprove.SCoReKLWeights(c.stage, c.ratio); w1 != c.w1 || w2 != c.w2 {
			t.Errorf("stage %d ratio %g: weights (%g, %g), want (%g, %g)", c.stage, c.ratio, w1, w2, c.w1, c.w2)
		}
	}
}

// TestCorrectionStats checks hand-counted metrics and the identity
// Δ = Δi→c − Δc→i on random verdicts with unscorable ones mixed in.
func TestCorrectionStats(t *testing.T) {
	nan := float32(math.NaN())
	var s selfimprove.CorrectionStats
	// (c1, c2): 0→1, 0→1, 1→0, 1→1, 0→0, NaN→1 (left out of M).
	for _, p := range [][2]float32{{0, 1}, {0, 1}, {1, 0}, {1, 1}, {0, 0}, {nan, 1}} {
		s.Add(p[0], p[1], "abc", "abd")
	}
	m := s.Metrics("score/")
	want := map[string]float64{"score/acc_t1": 2.0 / 5, "score/acc_t2": 3.0 / 5, "score/delta_t1_t2": 1.0 / 5,
		"score/delta_i2c": 2.0 / 5, "score/delta_c2i": 1.0 / 5, "score/edit_ratio": 1.0 / 3}
	for k, v := range want {
		if math.Abs(m[k]-v) > 1e-12 {
			t.Errorf("%s = %g, want %g", k, m[k], v)
		}
	}
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 200 {
		var s selfimprove.CorrectionStats
		for range 1 + rng.IntN(50) {
			v := func() float32 {
				switch rng.IntN(7) {
				case 0:
					return nan
				case 1, 2, 3:
					return 1
				}
				return 0
			}
			s.Add(v(), v(), "", "")
		}
		m := s.Metrics("")
		if s.Pairs == 0 {
			continue
		}
		if d := m["delta_t1_t2"] - (m["delta_i2c"] - m["delta_c2i"]); math.Abs(d) > 1e-15 {
			t.Fatalf("trial %d: Δ %g ≠ Δi→c − Δc→i = %g − %g", trial, m["delta_t1_t2"], m["delta_i2c"], m["delta_c2i"])
		}
		if d := m["delta_t1_t2"] - (m["acc_t2"] - m["acc_t1"]); math.Abs(d) > 1e-12 {
			t.Fatalf("trial %d: Δ %g ≠ acc_t2 − acc_t1", trial, m["delta_t1_t2"])
		}
	}
}

// TestEditRatio checks Levenshtein / max length on hand-computed pairs.
func TestEditRatio(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want float64
	}{
		{"", "", 0}, {"abc", "abc", 0}, {"abc", "", 1}, {"", "ab", 1},
		{"kitten", "sitting", 3.0 / 7}, {"flaw", "lawn", 2.0 / 4},
		{"héllo", "hello", 1.0 / 5}, // runes, not bytes
		{"<answer>1+2</answer>", "<answer>2+1</answer>", 2.0 / 20},
	} {
		if got := selfimprove.EditRatio(c.a, c.b); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("EditRatio(%q, %q) = %g, want %g", c.a, c.b, got, c.want)
		}
		if got := selfimprove.EditRatio(c.b, c.a); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("EditRatio(%q, %q) = %g, want %g (symmetric)", c.b, c.a, got, c.want)
		}
	}
}

// TestCorrectTemplate: one-pass rendering keeps placeholder-looking text
// of the attempt; templates need each placeholder once.
func TestCorrectTemplate(t *testing.T) {
	got := selfimprove.RenderCorrect(selfimprove.DefaultCorrectTemplate, "countdown 2 3 5 target 16", "<answer>{problem}</answer>")
	want := "countdown 2 3 5 target 16\nattempt: <answer>{problem}</answer>\nthere may be a mistake. answer again:"
	if got != want {
		t.Errorf("render:\n%q\nwant\n%q", got, want)
	}
	for _, bad := range []string{"{problem}", "{attempt}", "{problem}{attempt}{attempt}"} {
		if err := selfimprove.CheckCorrectTemplate(bad); err == nil || !strings.Contains(err.Error(), "score-template") {
			t.Errorf("template %q: error %v, want one naming score-template", bad, err)
		}
	}
}

// TestSCoReConfig checks the schedule and the validation messages.
func TestSCoReConfig(t *testing.T) {
	c := selfimprove.DefaultSCoReConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Schedule = 3
	for step, want := range map[int]int{1: 1, 3: 1, 4: 2, 100: 2} {
		if got := c.StageAt(step); got != want {
			t.Errorf("schedule 3, step %d: stage %d, want %d", step, got, want)
		}
	}
	c.Stage = 2
	if c.StageAt(1) != 2 || c.UsesStageI() {
		t.Error("score-stage 2 must fix Stage II")
	}
	if err := c.CheckBeta(0); err != nil {
		t.Errorf("Stage II needs no β: %v", err)
	}
	c.Stage = 1
	if err := c.CheckBeta(0); err == nil || !strings.Contains(err.Error(), "--beta") {
		t.Errorf("Stage I with β = 0: error %v, want one naming --beta", err)
	}
	if err := c.CheckBeta(0.01); err != nil {
		t.Error(err)
	}
	for _, mut := range []func(*selfimprove.SCoReConfig){
		func(c *selfimprove.SCoReConfig) { c.Stage = 3 },
		func(c *selfimprove.SCoReConfig) { c.Schedule = -1 },
		func(c *selfimprove.SCoReConfig) { c.Alpha = math.NaN() },
		func(c *selfimprove.SCoReConfig) { c.Beta2 = -1 },
		func(c *selfimprove.SCoReConfig) { c.MaxNewTokens = -1 },
		func(c *selfimprove.SCoReConfig) { c.Template = "{problem}" },
	} {
		c := selfimprove.DefaultSCoReConfig()
		mut(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "score-") {
			t.Errorf("%+v: error %v, want one naming the flag", c, err)
		}
	}
}

// TestCorrectionDemos checks that the demonstrations' second attempts are
// no better than their first: both right about half the time, as many
// fixed as broken, some correct first attempts broken, a quarter copied;
// that the labels agree with the countdown reward; and that the prompt
// holds the first attempt verbatim.
func TestCorrectionDemos(t *testing.T) {
	exs, err := data.Generate("countdown", 4000, 3, data.DefaultGenConfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg := selfimprove.DefaultCorrectDemoConfig()
	cfg.Rate = 1
	demos, err := selfimprove.CorrectionDemos(exs, cfg, selfimprove.DefaultCorrectTemplate)
	if err != nil {
		t.Fatal(err)
	}
	if len(demos) != len(exs) {
		t.Fatalf("%d demos for %d examples at rate 1", len(demos), len(exs))
	}
	reward, err := rewards.NewCountdown(rewards.DefaultCountdownConfig())
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]data.Example{}
	for _, ex := range exs {
		byID[ex.ID] = ex
	}
	var st selfimprove.CorrectionStats
	copies := 0
	for _, d := range demos {
		ex := byID[d.Meta["solution_of"].(string)]
		head := ex.Prompt + "\nattempt: "
		tail := "\nthere may be a mistake. answer again:"
		if d.Task != "correct" || !strings.HasPrefix(d.Prompt, head) || !strings.HasSuffix(d.Prompt, tail) {
			t.Fatalf("demo %s: task %q prompt %q", d.ID, d.Task, d.Prompt)
		}
		first := strings.TrimSuffix(strings.TrimPrefix(d.Prompt, head), tail)
		c := func(text string) float32 {
			r := reward.Score(context.Background(), ex, rewards.Completion{Text: text})
			if !r.OK {
				t.Fatalf("demo %s: %q unscorable", d.ID, text)
			}
			return float32(r.Score)
		}
		c1, c2 := c(first), c(d.Solution)
		if (c1 == 1) != d.Meta["first_correct"].(bool) || (c2 == 1) != d.Meta["second_correct"].(bool) {
			t.Fatalf("demo %s: labels %v/%v, reward %v/%v", d.ID, d.Meta["first_correct"], d.Meta["second_correct"], c1, c2)
		}
		st.Add(c1, c2, first, d.Solution)
		if first == d.Solution {
			copies++
		}
	}
	m := st.Metrics("")
	t.Logf("acc_t1 %.3f acc_t2 %.3f i2c %.3f c2i %.3f edit %.3f copies %.3f", m["acc_t1"], m["acc_t2"], m["delta_i2c"], m["delta_c2i"], m["edit_ratio"], float64(copies)/float64(len(demos)))
	near := func(name string, got, want, tol float64) {
		if math.Abs(got-want) > tol {
			t.Errorf("%s = %.3f, want %.3f ± %.3f", name, got, want, tol)
		}
	}
	near("acc_t1", m["acc_t1"], 0.5, 0.03)
	near("delta_t1_t2", m["delta_t1_t2"], 0, 0.03)
	near("delta_i2c", m["delta_i2c"], 0.75*0.25, 0.03) // fresh (0.75) × wrong first (0.5) × right second (0.5)
	near("delta_c2i", m["delta_c2i"], 0.75*0.25, 0.03)
	// CopyFrac copies, plus fresh draws that happen to equal the first
	// attempt (the gold text found again, the same wrong play).
	if f := float64(copies) / float64(len(demos)); f < 0.22 || f > 0.4 {
		t.Errorf("copy share %.3f, want 0.25 plus a few identical fresh draws", f)
	}
}

// TestSCoReAblations: the ablations of the paper's table are flag values —
// --score-schedule 0 trains Stage II from the first step (no Stage I, no
// heavy first-attempt KL), --score-alpha 0 trains both attempts on their
// plain task rewards (no shaping bonus).
func TestSCoReAblations(t *testing.T) {
	c := selfimprove.DefaultSCoReConfig()
	c.Schedule = 0
	if c.UsesStageI() || c.StageAt(1) != 2 || c.CheckBeta(0) != nil {
		t.Errorf("schedule 0: stage %d at step 1, uses Stage I %v", c.StageAt(1), c.UsesStageI())
	}
	if w1, w2 := selfimprove.SCoReKLWeights(c.StageAt(1), 10); w1 != 1 || w2 != 1 {
		t.Errorf("schedule 0: KL weights %v %v, want 1 1", w1, w2)
	}
	for _, r := range [][2]float64{{0, 0}, {0, 1}, {1, 0}, {1, 1}} {
		if t1, t2 := selfimprove.SCoReCredit(2, r[0], r[1], 0); t1 != r[0] || t2 != r[1] {
			t.Errorf("alpha 0, rewards %v: credited %v %v", r, t1, t2)
		}
		if _, t2 := selfimprove.SCoReCredit(2, r[0], r[1], 10); r[0] != r[1] && t2 == r[1] {
			t.Errorf("alpha 10, rewards %v: no bonus", r)
		}
	}
}
