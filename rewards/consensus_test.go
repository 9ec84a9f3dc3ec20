package rewards

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/rltrain/rltrain/data"
)

// ans writes a completion whose final answer is a ("" : no answer at all).
func ans(a string) string {
	if a == "" {
		return "<think>hmm</think>"
	}
	return "<think>t</think><answer>" + a + "</answer>"
}

// group builds the items of one group g of task arithmetic from answers.
func group(g int, answers ...string) []Item {
	var out []Item
	for _, a := range answers {
		out = append(out, Item{Example: data.Example{ID: "q", Task: "arithmetic", Prompt: "p"}, Completion: Completion{Text: ans(a)}, Group: g})
	}
	return out
}

// scores renders results as "1", "0" or "-" (no score).
func scores(rs []Result) string {
	var b strings.Builder
	for _, r := range rs {
		switch {
		case !r.OK:
			b.WriteByte('-')
		case r.Score == 1:
			b.WriteByte('1')
		case r.Score == 0:
			b.WriteByte('0')
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

func newConsensusT(t *testing.T, min float64) *Consensus {
	t.Helper()
	cfg := DefaultConsensusConfig()
	if min != 0 {
		cfg.MinAgreement = min
	}
	c, err := NewConsensus(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConsensusGroups(t *testing.T) {
	cases := []struct {
		name    string
		min     float64
		answers []string
		want    string
	}{
		{"clear majority", 0, []string{"3", "3", "4", "3"}, "1101"},
		{"unanimous", 0, []string{"7", "7", "7"}, "111"},
		{"exactly half labels", 0, []string{"5", "5", "6", "7"}, "1100"},
		{"tie 2-2", 0, []string{"5", "6", "5", "6"}, "----"},
		{"tie 1-1", 0, []string{"5", "6"}, "--"},
		{"tie 4-4 at the threshold", 0, []string{"1", "2", "1", "2", "1", "2", "1", "2"}, "--------"},
		{"plurality below 0.5", 0, []string{"1", "1", "2", "3", "4"}, "-----"},
		{"plurality with a low threshold", 0.2, []string{"1", "1", "2", "3", "4"}, "11000"},
		{"tie with a low threshold", 0.2, []string{"1", "1", "2", "2", "4"}, "-----"},
		{"threshold 1: unanimity only", 1, []string{"1", "1", "1", "2"}, "----"},
		{"threshold 1 met", 1, []string{"1", "1", "1"}, "111"},
		{"rationals: 0.5 == 1/2 == \\frac{1}{2}", 0, []string{"0.5", "1/2", `\frac{1}{2}`, "2"}, "1110"},
		{"integers: 4 == 4.0 == 8/2", 0, []string{"4", "4.0", "8/2", "5", "x=4"}, "11101"},
		{"no answer scores 0 under a majority", 0, []string{"3", "", "3", "3"}, "1011"},
		{"no answers count in the denominator", 0, []string{"3", "3", "", "", "", ""}, "------"},
		{"answers from a half: labelled", 0, []string{"3", "3", "", ""}, "1100"},
		{"no answer at all", 0, []string{"", "", ""}, "---"},
		{"one answer among abstentions, low threshold", 0.25, []string{"9", "", "", ""}, "1000"},
		{"group of one", 0, []string{"3"}, "-"},
		{"empty answer is no answer", 0, []string{" ", "2", "2"}, "011"},
		{"large group", 0, []string{"1", "1", "1", "1", "1", "1", "1", "1", "2", "2", "2", "2", "3", "3", "3", "3"}, "1111111100000000"},
		{"sets in any order", 0, []string{"{1,2}", "{2,1}", "{1,3}"}, "110"},
	}
	for _, c := range cases {
		r := newConsensusT(t, c.min)
		got := scores(r.ScoreBatch(context.Background(), group(0, c.answers...)))
		if got != c.want {
			t.Errorf("%s: %v → %s, want %s", c.name, c.answers, got, c.want)
		}
	}
}

// TestConsensusMixedBatch: groups are judged apart, whatever their sizes and
// however their items interleave.
func TestConsensusMixedBatch(t *testing.T) {
	var items []Item
	items = append(items, group(10, "1", "1", "2")...)           // labelled "1"
	items = append(items, group(20, "5", "6")...)                // tie
	items = append(items, group(30, "0.25", "1/4", "2", "3")...) // labelled 1/4
	items = append(items, group(40, "8")...)                     // group of one
	// interleave: move an item of group 10 to the end
	items = append(items[1:], items[0])
	got := scores(newConsensusT(t, 0).ScoreBatch(context.Background(), items))
	if want := "10" + "--" + "1100" + "-" + "1"; got != want {
		t.Fatalf("got %s, want %s", got, want)
	}
}

func TestConsensusReasonsAndVote(t *testing.T) {
	c := newConsensusT(t, 0)
	rs := c.ScoreBatch(context.Background(), group(0, "3", "", "4", "3"))
	for i, want := range []string{`agrees with "3" (2 of 4)`, `no answer; majority "3"`, `disagrees with "3"`, "agrees"} {
		if !strings.Contains(rs[i].Reason, want) {
			t.Errorf("item %d: reason %q, want %q", i, rs[i].Reason, want)
		}
	}
	rs = c.ScoreBatch(context.Background(), group(0, "3", "4"))
	if !strings.Contains(rs[0].Reason, "tie at 1 of 2") {
		t.Errorf("tie reason %q", rs[0].Reason)
	}
	v, err := c.Vote(context.Background(), []string{ans("1/2"), ans("7"), ans("0.5"), ans("")})
	if err != nil || v.Label != "1/2" || v.Votes != 2 || v.Size != 4 || v.Winner != 0 || v.Cluster[1] != 1 || v.Cluster[3] != -1 {
		t.Fatalf("vote %+v, %v", v, err)
	}
}

func TestConsensusCountdownRefused(t *testing.T) {
	c := newConsensusT(t, 0)
	if err := c.CheckTask("countdown"); err == nil || !strings.Contains(err.Error(), "countdown") {
		t.Fatalf("CheckTask(countdown) = %v", err)
	}
	for _, task := range []string{"arithmetic", "linear", "word", "gsm8k", "math", ""} {
		if err := c.CheckTask(task); err != nil {
			t.Errorf("CheckTask(%q) = %v", task, err)
		}
	}
	items := group(0, "1+2+3", "1+2+3", "6")
	for i := range items {
		items[i].Example.Task = "countdown"
	}
	if got := scores(c.ScoreBatch(context.Background(), items)); got != "---" {
		t.Fatalf("countdown group scored %s", got)
	}
	w, err := ParseSpec("consensus:1,format:0.1", SpecOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.CheckTask("countdown"); err == nil || !strings.Contains(err.Error(), `"consensus"`) {
		t.Fatalf("Weighted.CheckTask(countdown) = %v", err)
	}
	if err := w.CheckTask("arithmetic"); err != nil {
		t.Fatal(err)
	}
}

// TestConsensusInWeighted: through ParseSpec and ScoreItems, with the
// threshold from SpecOptions, a single-item Score gets no score, and a
// cancelled context gives no score rather than 0.
func TestConsensusInWeighted(t *testing.T) {
	items := group(0, "1", "1", "2", "3", "4")
	for _, c := range []struct {
		min  float64
		want string
	}{{0, "-----"}, {0.4, "11000"}} {
		w, err := ParseSpec("consensus", SpecOptions{ConsensusMin: c.min})
		if err != nil {
			t.Fatal(err)
		}
		totals, parts := ScoreItems(context.Background(), w, items, time.Second)
		if got := scores(totals); got != c.want {
			t.Errorf("min %g: totals %s, want %s", c.min, got, c.want)
		}
		if got := scores(partsCol(parts, 0)); got != c.want {
			t.Errorf("min %g: parts %s, want %s", c.min, got, c.want)
		}
	}
	w, _ := ParseSpec("consensus", SpecOptions{})
	if r := w.Score(context.Background(), items[0].Example, items[0].Completion); r.OK {
		t.Errorf("one-item Score = %v, want no score", r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := scores(newConsensusT(t, 0).ScoreBatch(ctx, group(0, "1", "1", "2"))); got != "---" {
		t.Errorf("cancelled: %s", got)
	}
	for _, bad := range []float64{-0.1, 1.5} {
		if _, err := ParseSpec("consensus", SpecOptions{ConsensusMin: bad}); err == nil || !strings.Contains(err.Error(), "MinAgreement") {
			t.Errorf("ConsensusMin %g: %v", bad, err)
		}
	}
}

func partsCol(parts [][]Result, k int) []Result {
	out := make([]Result, len(parts))
	for i, p := range parts {
		out[i] = p[k]
	}
	return out
}

func TestNeedsLabel(t *testing.T) {
	for spec, want := range map[string][]string{
		"accuracy":                  {"accuracy"},
		"math:1,format:0.1":         {"accuracy"},
		"countdown,overlong":        {"countdown"},
		"consensus:1,format:0.1":    nil,
		"format,overlong,consensus": nil,
		"consensus,accuracy":        {"accuracy"},
	} {
		w, err := ParseSpec(spec, SpecOptions{MaxCompletionLen: 64})
		if err != nil {
			t.Fatal(err)
		}
		got := w.LabelledComponents()
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: LabelledComponents %v, want %v", spec, got, want)
		}
		if w.NeedsLabel() != (len(want) > 0) || NeedsLabel(w) != (len(want) > 0) {
			t.Errorf("%s: NeedsLabel disagrees", spec)
		}
		err = CheckUnlabeled(w)
		if (err != nil) != (len(want) > 0) {
			t.Errorf("%s: CheckUnlabeled = %v", spec, err)
		}
		for _, n := range want {
			if !strings.Contains(err.Error(), `"`+n+`"`) {
				t.Errorf("%s: error %q does not name %q", spec, err, n)
			}
		}
	}
	// A reward that does not say needs labels; a batch reward joined through
	// AsReward answers for itself.
	if !NeedsLabel(stub{}) {
		t.Error("unknown reward taken as label-free")
	}
	if NeedsLabel(AsReward(labelFreeBatch{})) {
		t.Error("AsReward hides NeedsLabel")
	}
}

type labelFreeBatch struct{}

func (labelFreeBatch) Name() string     { return "lf" }
func (labelFreeBatch) NeedsLabel() bool { return false }
func (labelFreeBatch) ScoreBatch(_ context.Context, items []Item) []Result {
	return make([]Result, len(items))
}
