package rewards

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rltrain/rltrain/data"
)

// majority is a toy consensus reward: 1 for an item whose text is its
// group's most common text, 0 for the others, no score for the whole group
// when the most common text is tied. It records its calls.
type majority struct {
	calls     int
	deadlines []time.Duration // time left on each call's context
}

func (m *majority) Name() string { return "majority" }

func (m *majority) ScoreBatch(ctx context.Context, items []Item) []Result {
	m.calls++
	if d, ok := ctx.Deadline(); ok {
		m.deadlines = append(m.deadlines, time.Until(d))
	}
	counts := map[int]map[string]int{}
	for _, it := range items {
		if counts[it.Group] == nil {
			counts[it.Group] = map[string]int{}
		}
		counts[it.Group][it.Completion.Text]++
	}
	top := map[int]string{}
	tied := map[int]bool{}
	for g, c := range counts {
		best := -1
		for text, n := range c {
			switch {
			case n > best:
				best, top[g], tied[g] = n, text, false
			case n == best:
				tied[g] = true
			}
		}
	}
	rs := make([]Result, len(items))
	for i, it := range items {
		switch {
		case tied[it.Group]:
			rs[i] = NoScore("tie")
		case it.Completion.Text == top[it.Group]:
			rs[i] = Scored(1, "majority")
		default:
			rs[i] = Scored(0, "minority")
		}
	}
	return rs
}

// both is a Reward that is also a BatchReward.
type both struct{ stub }

func (b both) ScoreBatch(_ context.Context, items []Item) []Result {
	return make([]Result, len(items))
}

// short returns one result too few.
type short struct{}

func (short) Name() string { return "short" }
func (short) ScoreBatch(_ context.Context, items []Item) []Result {
	return make([]Result, len(items)-1)
}

func batchItems() []Item {
	ok := "<think>t</think><answer>a</answer>"
	return []Item{
		{Completion: Completion{Text: ok}, Group: 0},
		{Completion: Completion{Text: ok}, Group: 0},
		{Completion: Completion{Text: "b"}, Group: 0},
		{Completion: Completion{Text: ok}, Group: 1}, // tie in group 1
		{Completion: Completion{Text: "c"}, Group: 1},
		{Completion: Completion{Text: "c"}, Group: 2},
	}
}

func TestScoreItemsBatchComponent(t *testing.T) {
	fmtR, _ := NewFormat(DefaultFormatConfig())
	items := batchItems()
	wantMaj := []Result{Scored(1, "majority"), Scored(1, "majority"), Scored(0, "minority"), NoScore("tie"), NoScore("tie"), Scored(1, "majority")}
	for _, c := range []struct {
		missing MissingPolicy
		want    []float64 // NaN: no score
	}{
		{MissingStrict, []float64{2 + 0.5, 2 + 0.5, 0 + 0, math.NaN(), math.NaN(), 2 + 0}},
		{MissingNanSum, []float64{2 + 0.5, 2 + 0.5, 0 + 0, 0.5, 0, 2 + 0}},
	} {
		maj := &majority{}
		w, err := NewWeighted([]Reward{AsReward(maj), fmtR}, []float64{2, 0.5}, c.missing)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(w.Names(), ","); got != "majority,format" {
			t.Errorf("names %s", got)
		}
		totals, parts := ScoreItems(context.Background(), w, items, time.Second)
		if maj.calls != 1 {
			t.Errorf("%s: batch reward called %d times, want once", c.missing, maj.calls)
		}
		// The batch call gets timeout × items = 6s.
		if len(maj.deadlines) != 1 || maj.deadlines[0] <= 5*time.Second || maj.deadlines[0] > 6*time.Second {
			t.Errorf("%s: batch deadline %v, want about 6s", c.missing, maj.deadlines)
		}
		for i, it := range items {
			fr := fmtR.Score(context.Background(), it.Example, it.Completion)
			if !sameResults(parts[i], []Result{wantMaj[i], fr}) {
				t.Errorf("%s: item %d parts %v, want %v %v", c.missing, i, parts[i], wantMaj[i], fr)
			}
			if v := totals[i].Value(); math.Float64bits(v) != math.Float64bits(c.want[i]) && !(math.IsNaN(v) && math.IsNaN(c.want[i])) {
				t.Errorf("%s: item %d total %v, want %v", c.missing, i, totals[i], c.want[i])
			}
			if want := "majority: " + wantMaj[i].Reason + "; format: " + fr.Reason; totals[i].Reason != want {
				t.Errorf("%s: item %d reason %q, want %q", c.missing, i, totals[i].Reason, want)
			}
		}
		// ScoreParts is a batch of one: the item is its own majority.
		tot, p := w.ScoreParts(context.Background(), data.Example{}, Completion{Text: "b"})
		if maj.calls != 2 || !p[0].OK || p[0].Score != 1 || tot.Score != 2 {
			t.Errorf("%s: ScoreParts %v %v after %d calls", c.missing, tot, p, maj.calls)
		}
	}
}

func TestBatchAdapters(t *testing.T) {
	b := both{stub{"both", Scored(3, "")}}
	if r := AsReward(b); r != Reward(b) {
		t.Errorf("AsReward of a Reward wrapped it: %#v", r)
	}
	w, _ := NewWeighted([]Reward{b, AsReward(short{})}, nil, MissingNanSum)
	totals, parts := ScoreItems(context.Background(), w, batchItems()[:3], 0)
	for i := range totals {
		// both's batch path (zero results: OK false) wins over its Score.
		if parts[i][0].OK || parts[i][1].OK || totals[i].OK || !strings.Contains(parts[i][1].Reason, "short returned 2 results for 3 items") {
			t.Errorf("item %d: %v %v", i, totals[i], parts[i])
		}
	}
	if r := AsReward(short{}).Score(context.Background(), data.Example{}, Completion{}); r.OK || !strings.Contains(r.Reason, "0 results for 1 items") {
		t.Errorf("short alone: %v", r)
	}
	if totals, parts := ScoreItems(context.Background(), w, nil, time.Second); len(totals) != 0 || len(parts) != 0 {
		t.Errorf("no items: %v %v", totals, parts)
	}
}

func TestScoreBatchGroups(t *testing.T) {
	maj := &majority{}
	w, _ := NewWeighted([]Reward{AsReward(maj)}, nil, MissingStrict)
	a, b := data.Example{ID: "a", Prompt: "p"}, data.Example{ID: "b", Prompt: "p"}
	exs := []data.Example{a, a, a, b, b, a}
	cs := []Completion{{Text: "x"}, {Text: "x"}, {Text: "y"}, {Text: "y"}, {Text: "y"}, {Text: "y"}}
	totals, _ := ScoreBatch(context.Background(), w, exs, cs, 0)
	// Groups: [a a a] [b b] [a]: majority x, y, y.
	want := []float64{1, 1, 0, 1, 1, 1}
	for i := range totals {
		if !totals[i].OK || totals[i].Score != want[i] {
			t.Errorf("item %d: %v, want %v", i, totals[i], want[i])
		}
	}
	if len(maj.deadlines) != 0 {
		t.Errorf("timeout 0 set a deadline")
	}
}

// legacyScoreParts is ScoreParts as it was before batch rewards.
func legacyScoreParts(w *Weighted, ctx context.Context, ex data.Example, c Completion) (Result, []Result) {
	parts := make([]Result, len(w.Rewards))
	sum, scored := 0.0, 0
	var why []string
	for i, r := range w.Rewards {
		parts[i] = r.Score(ctx, ex, c)
		why = append(why, r.Name()+": "+parts[i].Reason)
		if parts[i].OK {
			sum += w.Weights[i] * parts[i].Score
			scored++
		}
	}
	reason := strings.Join(why, "; ")
	if scored == 0 || (scored < len(parts) && w.Missing == MissingStrict) {
		return NoScore(reason), parts
	}
	return Scored(sum, reason), parts
}

// TestPerCompletionPathUnchanged checks that, without batch components,
// ScoreBatch and ScoreParts give bitwise the results of the old code.
func TestPerCompletionPathUnchanged(t *testing.T) {
	ctx := context.Background()
	for _, task := range data.Tasks() {
		exs, err := data.Generate(task, 30, 11, data.DefaultGenConfig())
		if err != nil {
			t.Fatal(err)
		}
		acc := "accuracy"
		if task == "countdown" {
			acc = "countdown"
		}
		for _, missing := range []MissingPolicy{MissingStrict, MissingNanSum} {
			w, err := ParseSpec(acc+":1,format:0.1,overlong:0.7", SpecOptions{MaxCompletionLen: 24})
			if err != nil {
				t.Fatal(err)
			}
			w.Missing = missing
			cs := make([]Completion, len(exs))
			for i, ex := range exs {
				cs[i] = Completion{Text: ex.Solution, Tokens: 3 * i}
				switch i % 4 {
				case 1:
					cs[i].Text = "<think>x</think><answer>0.1</answer>"
				case 2:
					cs[i].Text = "no tags at all"
				case 3:
					cs[i].Tokens = 0 // overlong cannot score
				}
			}
			totals, parts := ScoreBatch(ctx, w, exs, cs, time.Second)
			for i, ex := range exs {
				wt, wp := legacyScoreParts(w, ctx, ex, cs[i])
				if !sameResults(append(parts[i], totals[i]), append(wp, wt)) {
					t.Errorf("%s/%s item %d: ScoreBatch %v %v, old %v %v", task, missing, i, totals[i], parts[i], wt, wp)
				}
				gt, gp := w.ScoreParts(ctx, ex, cs[i])
				if !sameResults(append(gp, gt), append(wp, wt)) {
					t.Errorf("%s/%s item %d: ScoreParts %v %v, old %v %v", task, missing, i, gt, gp, wt, wp)
				}
			}
		}
	}
}
