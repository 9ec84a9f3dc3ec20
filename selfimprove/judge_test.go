package selfimprove_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
)

func TestParseRubricScore(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
		ok   bool
	}{
		{"clear and right. Score: 4/5", 0.8, true},
		{"Score: 5", 1, true},
		{"Score: 0/5\n", 0, true},
		{"two points. Score: 2.5 / 5", 0.5, true},
		{"Score: 6/5", 0, false},         // above the maximum
		{"Score: 3/4", 0, false},         // another scale
		{"Score: -1", 0, false},          // negative
		{"Score: 4/5 because", 0, false}, // text after the score
		{"it said Score: 5. Score: 1", 0, false},
		{"score: 4/5", 0, false}, // the key is case-sensitive
		{"Score: NaN", 0, false},
		{"no score at all", 0, false},
	} {
		got, ok := selfimprove.ParseRubricScore(c.in, 5)
		if ok != c.ok || (ok && math.Abs(got-c.want) > 1e-12) {
			t.Errorf("ParseRubricScore(%q) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestJudgeConfigValidate(t *testing.T) {
	if err := selfimprove.DefaultJudgeConfig().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		edit func(*selfimprove.JudgeConfig)
		want string
	}{
		{func(c *selfimprove.JudgeConfig) { c.Samples = 0 }, "judge-samples"},
		{func(c *selfimprove.JudgeConfig) { c.Format = "stars" }, "verdict or rubric"},
		{func(c *selfimprove.JudgeConfig) { c.Temperature = 0 }, "greedy judgments"},
		{func(c *selfimprove.JudgeConfig) { c.Template = "judge {problem}" }, "{solution}"},
		{func(c *selfimprove.JudgeConfig) { c.Source = " " }, "checkpoint folder"},
		{func(c *selfimprove.JudgeConfig) { c.MaxNewTokens = 0 }, "judge-max-new-tokens"},
	} {
		cfg := selfimprove.DefaultJudgeConfig()
		c.edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one naming %q", cfg, err, c.want)
		}
	}
	cfg := selfimprove.DefaultJudgeConfig()
	cfg.Temperature, cfg.Samples = 0, 1
	if err := cfg.Validate(); err != nil {
		t.Errorf("greedy single judgment refused: %v", err)
	}
}

// TestJudgeParse: the verdict format scores 1 for the Correct verdict, 0
// for Wrong or NoAnswer, and refuses what ParseVerdict refuses; the rubric
// format reads Score: N/M; the default templates are RISE's and the
// rubric's with {max} filled in.
func TestJudgeParse(t *testing.T) {
	scale := rewards.DefaultVerdictScale()
	j := selfimprove.NewJudge(selfimprove.DefaultJudgeConfig(), selfimprove.DefaultVerifyTemplate, scale)
	if j.Template != selfimprove.DefaultVerifyTemplate || j.Name() != "judge" || rewards.NeedsLabel(j) {
		t.Fatalf("template %q, name %q, needs label %v", j.Template, j.Name(), rewards.NeedsLabel(j))
	}
	for in, want := range map[string]float64{
		"<think>8+3=11 yes.</think><verdict>1</verdict>":   1,
		"<think>8+3=12 no.</think><verdict>-0.5</verdict>": 0,
		"<think>no answer.</think><verdict>-1</verdict>":   0,
		"<verdict>0.5</verdict>":                           math.NaN(), // off the scale
		"<verdict>1</verdict> so it is right":              math.NaN(), // text after the verdict
		"it is correct":                                    math.NaN(),
	} {
		got, ok := j.Parse(in)
		if math.IsNaN(want) != !ok || (ok && got != want) {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	rc := selfimprove.DefaultJudgeConfig()
	rc.Format, rc.RubricMax = selfimprove.JudgeRubric, 10
	r := selfimprove.NewJudge(rc, selfimprove.DefaultVerifyTemplate, scale)
	if !strings.HasSuffix(r.Template, "Score: N/10") || !strings.Contains(r.Template, "{solution}") {
		t.Errorf("rubric template %q", r.Template)
	}
	if got, ok := r.Parse("fine. Score: 7/10"); !ok || got != 0.7 {
		t.Errorf("rubric parse %v %v", got, ok)
	}
}

// verdictCodec reads and writes bytes, except that a judgment decodes to a
// verdict picked by its first token: id%3 == 0 "correct", 1 "wrong", 2
// text that is no verdict. So whether a judgment parses, and what it says,
// depends on the sampled tokens, as with a real model.
type verdictCodec struct{ rl.ByteCodec }

func (verdictCodec) Decode(ids []int32) string {
	if len(ids) == 0 {
		return ""
	}
	switch ids[0] % 3 {
	case 0:
		return "<think>ok</think><verdict>1</verdict>"
	case 1:
		return "<think>no</think><verdict>-0.5</verdict>"
	}
	return "<think>hmm"
}

// garbleCodec decodes every judgment to text that is no verdict.
type garbleCodec struct{ rl.ByteCodec }

func (garbleCodec) Decode([]int32) string { return "I cannot tell." }

func judgeItems(n, g int) []rewards.Item {
	var items []rewards.Item
	for i := range n {
		for k := range g {
			items = append(items, rewards.Item{Example: data.Example{ID: fmt.Sprint(i), Prompt: fmt.Sprintf("%d+%d", i, k)},
				Completion: rewards.Completion{Text: fmt.Sprintf("<answer>%d</answer>", i+k), Tokens: 3}, Group: i})
		}
	}
	return items
}

// TestJudgeBatchedAndSeeded judges a batch with J = 3 sampled judgments per
// completion: exactly one Sample call per batch; each score is the mean of
// the parsed judgments, reproduced here by sampling the judge prompts
// from the streams of rows r·J + j; a completion none of whose judgments
// parses gets no score (never 0); and judging the batch in two shards
// (RowBase of the second = its first row, as on two ranks) gives the same
// scores as judging it whole.
func TestJudgeBatchedAndSeeded(t *testing.T) {
	pol := randomPolicy(t)
	pol.Codec = verdictCodec{}
	cfg := selfimprove.DefaultJudgeConfig()
	cfg.Samples, cfg.MaxNewTokens = 3, 4
	scale := rewards.DefaultVerdictScale()
	j := selfimprove.NewJudge(cfg, selfimprove.DefaultVerifyTemplate, scale)
	j.Bind(pol)
	calls := 0
	selfimprove.CountJudgeSamples(j, &calls)

	// Score through a wrapped builder, as the trainer does: the items are
	// the build's rows, so row i of the round is RowBase·G + i.
	const P, G = 6, 4
	var exs []data.Example
	for i := range P {
		exs = append(exs, data.Example{ID: fmt.Sprint(i), Prompt: fmt.Sprintf("%d+%d", i, i)})
	}
	w, err := rewards.NewWeighted([]rewards.Reward{j}, nil, rewards.MissingStrict)
	if err != nil {
		t.Fatal(err)
	}
	b := selfimprove.WithModelRewards(rl.SingleTurn{Reward: w}, w)
	rc := rl.RolloutConfig{GroupSize: G, MaxBatch: 64, Sample: nn.SampleConfig{Temperature: 1, MaxNewTokens: 5}}
	s := rl.Streams{Seed: 9, Step: 3}
	build := func(lo, hi int) []rewards.Result {
		t.Helper()
		bt, err := b.Build(context.Background(), pol, rl.BuildInput{Examples: exs[lo:hi], Rollout: rc, Keys: &rl.KeySource{}, Streams: s, RowBase: lo})
		if err != nil {
			t.Fatal(err)
		}
		var out []rewards.Result
		for _, e := range bt.Episodes {
			out = append(out, e.Turns[0].Parts[0])
		}
		return out
	}
	whole := build(0, P)
	if calls != 1 {
		t.Fatalf("%d Sample calls for one batch, want 1", calls)
	}
	if st := j.TakeStats(); st.Calls != 1 || st.Items != P*G || st.Judgments != P*G*3 {
		t.Fatalf("stats %+v", st)
	}
	sharded := append(build(0, 2), build(2, P)...)
	if calls != 3 {
		t.Fatalf("%d Sample calls after two more batches, want 3", calls)
	}
	scored, none := 0, 0
	for i := range whole {
		a, c := whole[i], sharded[i]
		if a.OK != c.OK || (a.OK && a.Score != c.Score) {
			t.Fatalf("row %d: whole %v, sharded %v", i, a, c)
		}
		if a.OK {
			scored++
		} else {
			none++
			if !math.IsNaN(a.Value()) || !strings.Contains(a.Reason, "none of 3 judgments parsed") {
				t.Errorf("row %d: unparsable judgments give %v", i, a)
			}
		}
	}
	if scored == 0 {
		t.Fatal("no completion was scored: the test is vacuous")
	}

	// The same scores by hand: the judge prompt of each rollout row,
	// sampled J times from the rows' judge streams.
	bt, err := rl.SingleTurn{Reward: w}.Build(context.Background(), pol, rl.BuildInput{Examples: exs, Rollout: rc, Keys: &rl.KeySource{}, Streams: s})
	if err != nil {
		t.Fatal(err)
	}
	var prompts [][]int32
	var rows []int
	for i, e := range bt.Episodes {
		p := pol.EncodePrompt(selfimprove.RenderVerify(selfimprove.DefaultVerifyTemplate, e.Example.Prompt, e.Turns[0].Text))
		for k := range 3 {
			prompts = append(prompts, p)
			rows = append(rows, i*3+k)
		}
	}
	comps, _, err := pol.Sample(context.Background(), prompts, rl.RolloutConfig{MaxBatch: 64,
		Sample: nn.SampleConfig{Temperature: 1, MaxNewTokens: 4}}, s.Seeds(rl.StreamJudge, rows))
	if err != nil {
		t.Fatal(err)
	}
	for i := range whole {
		sum, n := 0.0, 0
		for k := range 3 {
			if v, ok := j.Parse(pol.DecodeCompletion(comps[i*3+k])); ok {
				sum += v
				n++
			}
		}
		switch {
		case n == 0 && whole[i].OK:
			t.Errorf("row %d: scored %v with no parsable judgment", i, whole[i])
		case n > 0 && (!whole[i].OK || math.Abs(whole[i].Score-sum/float64(n)) > 1e-12):
			t.Errorf("row %d: %v, want %v over %d", i, whole[i], sum/float64(n), n)
		}
	}
}

// TestJudgeUnparsable: judgments that never parse give every completion no
// score, never 0, and so do an unbound judge and a prompt that does not fit.
func TestJudgeUnparsable(t *testing.T) {
	pol := randomPolicy(t)
	pol.Codec = garbleCodec{}
	cfg := selfimprove.DefaultJudgeConfig()
	cfg.Samples, cfg.MaxNewTokens = 2, 3
	j := selfimprove.NewJudge(cfg, selfimprove.DefaultVerifyTemplate, rewards.DefaultVerdictScale())
	items := judgeItems(3, 2)
	for _, r := range j.ScoreBatch(context.Background(), items) {
		if r.OK || !strings.Contains(r.Reason, "no model bound") {
			t.Errorf("unbound judge: %v", r)
		}
	}
	j.Bind(pol)
	for _, r := range j.ScoreBatch(context.Background(), items) {
		if r.OK || !math.IsNaN(r.Value()) {
			t.Errorf("unparsable judgments scored: %v", r)
		}
	}
	long := items[:1]
	long[0].Completion.Text = strings.Repeat("x", 200) // the 128-token context cannot hold it
	if r := j.Score(context.Background(), long[0].Example, long[0].Completion); r.OK || !strings.Contains(r.Reason, "exceeds the context") {
		t.Errorf("overlong judge prompt: %v", r)
	}
}
