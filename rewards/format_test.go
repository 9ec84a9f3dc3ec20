package rewards

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/rltrain/rltrain/data"
)

func TestCheckFormat(t *testing.T) {
	def := DefaultFormatConfig()
	trail := def
	trail.AllowTrailing = true
	think := def
	think.AnswerOpen, think.AnswerClose = "", ""
	partial := def
	partial.Partial = true
	cases := []struct {
		s    string
		cfg  FormatConfig
		want float64
	}{
		{"<think>a</think><answer>1</answer>", def, 1},
		{"\n<think>a</think>\n<answer>1</answer>\n", def, 1},
		{"<think></think><answer>1</answer>", def, 1},
		{"<think>a</think><answer> </answer>", def, 0},
		{"<think>a</think><answer>1</answer> more", def, 0},
		{"<think>a</think><answer>1</answer> more", trail, 1},
		{"x<think>a</think><answer>1</answer>", def, 0},
		{"<think>a<think>b</think><answer>1</answer>", def, 0},
		{"<think>a</think>b<answer>1</answer>", def, 0},
		{"<answer>1</answer><think>a</think>", def, 0},
		{"<think>a</think><answer>1</answer><answer>2</answer>", def, 0},
		{"<think>a</think><answer>1", def, 0},
		{"<think>a", def, 0},
		{"", def, 0},
		{"<think>a</think>anything at all", think, 1},
		{"<think>a</think><think>b</think>", think, 0},
		// partial credit: 0.25 per well-formed pair when the whole fails
		{"<think>a</think>b<answer>1</answer>", partial, 0.5},
		{"<think>a</think> junk", partial, 0.25},
		{"<answer>1</answer>", partial, 0.25},
		{"plain", partial, 0},
		{"<think>a</think><answer>1</answer>", partial, 1},
	}
	for _, c := range cases {
		if got, why := CheckFormat(c.s, c.cfg); got != c.want {
			t.Errorf("CheckFormat(%q) = %v (%s), want %v", c.s, got, why, c.want)
		}
	}
}

// TestOverlongPenalty is the vector of docs/algorithms.md §1.7d.
func TestOverlongPenalty(t *testing.T) {
	c := OverlongConfig{MaxLen: 20, Cache: 4, Factor: 1}
	for _, v := range []struct {
		n    int
		want float64
	}{{0, 0}, {16, 0}, {17, -0.25}, {18, -0.5}, {20, -1}, {21, -1}, {1000, -1}} {
		if got := c.Penalty(v.n); math.Abs(got-v.want) > 1e-15 {
			t.Errorf("Penalty(%d) = %v, want %v", v.n, got, v.want)
		}
	}
	half := OverlongConfig{MaxLen: 20, Cache: 4, Factor: 0.5}
	if got := half.Penalty(18); got != -0.25 {
		t.Errorf("Factor 0.5: Penalty(18) = %v, want -0.25", got)
	}
	step := OverlongConfig{MaxLen: 20, Cache: 0, Factor: 1}
	if step.Penalty(20) != 0 || step.Penalty(21) != -1 {
		t.Errorf("Cache 0: want a step at MaxLen")
	}
	for _, bad := range []OverlongConfig{{MaxLen: 0, Cache: 0, Factor: 1}, {MaxLen: 4, Cache: 5, Factor: 1}, {MaxLen: 4, Cache: 1, Factor: math.NaN()}} {
		if bad.Validate() == nil {
			t.Errorf("%+v: Validate accepted it", bad)
		}
	}
	o := &Overlong{Cfg: c}
	if r := o.Score(context.Background(), data.Example{}, Completion{Text: "abc"}); r.OK {
		t.Errorf("missing token count scored: %v", r)
	}
	if r := o.Score(context.Background(), data.Example{}, Completion{Text: "abc", Tokens: 18}); !r.OK || r.Score != -0.5 {
		t.Errorf("18 tokens: %v", r)
	}
}

// stub is a fixed reward for combination tests.
type stub struct {
	name string
	r    Result
}

func (s stub) Name() string                                           { return s.name }
func (s stub) Score(context.Context, data.Example, Completion) Result { return s.r }

func TestWeighted(t *testing.T) {
	a := stub{"a", Scored(1, "")}
	b := stub{"b", Scored(0.5, "")}
	none := stub{"n", NoScore("timeout")}
	ctx := context.Background()
	w, err := NewWeighted([]Reward{a, b}, []float64{1, 0.1}, MissingStrict)
	if err != nil {
		t.Fatal(err)
	}
	tot, parts := w.ScoreParts(ctx, data.Example{}, Completion{})
	if !tot.OK || math.Abs(tot.Score-1.05) > 1e-15 || len(parts) != 2 || parts[1].Score != 0.5 {
		t.Errorf("1·1 + 0.1·0.5: got %v %v", tot, parts)
	}
	strict, _ := NewWeighted([]Reward{a, none}, []float64{1, 2}, MissingStrict)
	if r := strict.Score(ctx, data.Example{}, Completion{}); r.OK {
		t.Errorf("strict with a missing component scored: %v", r)
	}
	nansum, _ := NewWeighted([]Reward{a, none}, []float64{3, 2}, MissingNanSum)
	if r := nansum.Score(ctx, data.Example{}, Completion{}); !r.OK || r.Score != 3 {
		t.Errorf("nansum: %v, want 3", r)
	}
	allNone, _ := NewWeighted([]Reward{none}, nil, MissingNanSum)
	if r := allNone.Score(ctx, data.Example{}, Completion{}); r.OK {
		t.Errorf("nansum with nothing scored: %v, want no score", r)
	}
	for _, bad := range []func() (*Weighted, error){
		func() (*Weighted, error) { return NewWeighted(nil, nil, MissingStrict) },
		func() (*Weighted, error) { return NewWeighted([]Reward{a, b}, []float64{1}, MissingStrict) },
		func() (*Weighted, error) { return NewWeighted([]Reward{a, a}, nil, MissingStrict) },
		func() (*Weighted, error) { return NewWeighted([]Reward{a}, []float64{math.Inf(1)}, MissingStrict) },
		func() (*Weighted, error) { return NewWeighted([]Reward{a}, nil, "mean") },
	} {
		if _, err := bad(); err == nil {
			t.Errorf("bad combination accepted")
		}
	}
}

func TestForTaskAndMetrics(t *testing.T) {
	for _, task := range data.Tasks() {
		w, err := ForTask(task)
		if err != nil {
			t.Fatalf("ForTask(%q): %v", task, err)
		}
		exs, err := data.Generate(task, 50, 3, data.DefaultGenConfig())
		if err != nil {
			t.Fatal(err)
		}
		cs := make([]Completion, len(exs))
		for i, ex := range exs {
			cs[i] = Completion{Text: ex.Solution}
			if i%2 == 1 { // a wrong but well-formatted answer
				cs[i] = Completion{Text: "<think>x</think><answer>99999</answer>"}
			}
		}
		totals, parts := ScoreBatch(context.Background(), w, exs, cs, time.Second)
		m := Metrics(w.Names(), totals, parts)
		// Half the demos are right (1 + 0.1), half wrong (0 + 0.1).
		if math.Abs(m["reward"]-0.6) > 1e-12 || math.Abs(m["rewards/format/mean"]-1) > 1e-12 || m["rewards/unscored_frac"] != 0 {
			t.Errorf("%s: metrics %v", task, m)
		}
		accName := w.Names()[0]
		if math.Abs(m["rewards/"+accName+"/mean"]-0.5) > 1e-12 {
			t.Errorf("%s: accuracy mean %v, want 0.5", task, m["rewards/"+accName+"/mean"])
		}
		// sample std of 25 ones and 25 zeros
		if want := math.Sqrt(0.25 * 50 / 49); math.Abs(m["rewards/"+accName+"/std"]-want) > 1e-12 {
			t.Errorf("%s: accuracy std %v, want %v", task, m["rewards/"+accName+"/std"], want)
		}
	}
	if _, err := ForTask("chess"); err == nil {
		t.Error("ForTask(chess) did not fail")
	}
}
