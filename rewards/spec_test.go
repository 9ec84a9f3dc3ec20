package rewards

import (
	"context"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
)

// literal builds a reward as cmd/rltrain's parseReward did before ParseSpec:
// struct literals with the default configurations.
func literal(name string, maxLen int) Reward {
	switch name {
	case "countdown":
		return &Countdown{Cfg: DefaultCountdownConfig()}
	case "accuracy", "math":
		return &Math{Cfg: DefaultMathConfig()}
	case "format":
		return &Format{Cfg: DefaultFormatConfig()}
	case "consensus":
		return &Consensus{Cfg: DefaultConsensusConfig()}
	case "overlong":
		oc := DefaultOverlongConfig()
		oc.MaxLen, oc.Cache = maxLen, max(1, maxLen/4)
		return &Overlong{Cfg: oc}
	}
	panic(name)
}

func TestSpecRegistryMatchesLiterals(t *testing.T) {
	if got, want := Known(), []string{"accuracy", "consensus", "countdown", "format", "math", "overlong"}; !slices.Equal(got, want) {
		t.Fatalf("Known() = %v, want %v", got, want)
	}
	for _, name := range Known() {
		for _, cap := range []int{1, 3, 4, 96, 1000} {
			r, err := registry[name](SpecOptions{MaxCompletionLen: cap})
			if err != nil {
				t.Fatalf("%s (cap %d): %v", name, cap, err)
			}
			// The constructors only validate: same type, same configuration.
			if want := literal(name, cap); !reflect.DeepEqual(r, want) {
				t.Errorf("%s (cap %d): constructor gives %#v, literal %#v", name, cap, r, want)
			}
		}
	}
	// ForTask: the same Weighted as with literals.
	for task, acc := range map[string]string{"countdown": "countdown", "arithmetic": "accuracy", "gsm8k": "accuracy"} {
		w, err := ForTask(task)
		if err != nil {
			t.Fatal(err)
		}
		want := &Weighted{Rewards: []Reward{literal(acc, 0), literal("format", 0)}, Weights: []float64{1, FormatWeight}, Missing: MissingStrict}
		if !reflect.DeepEqual(w, want) {
			t.Errorf("ForTask(%s) = %#v, want %#v", task, w, want)
		}
	}
}

func TestParseSpecGrammar(t *testing.T) {
	cases := []struct {
		spec  string
		names []string
		ws    []float64
	}{
		{"countdown", []string{"countdown"}, []float64{1}},
		{"countdown:1, format:0.1,overlong", []string{"countdown", "format", "overlong"}, []float64{1, 0.1, 1}},
		{"math", []string{"accuracy"}, []float64{1}},
		{" accuracy : 2 ,format:-0.5", []string{"accuracy", "format"}, []float64{2, -0.5}},
		{"format:1e-1,accuracy:0", []string{"format", "accuracy"}, []float64{0.1, 0}},
	}
	for _, c := range cases {
		w, err := ParseSpec(c.spec, SpecOptions{MaxCompletionLen: 96})
		if err != nil {
			t.Errorf("%q: %v", c.spec, err)
			continue
		}
		if !slices.Equal(w.Names(), c.names) || !slices.Equal(w.Weights, c.ws) || w.Missing != MissingStrict {
			t.Errorf("%q: names %v weights %v missing %s, want %v %v strict", c.spec, w.Names(), w.Weights, w.Missing, c.names, c.ws)
		}
	}
	w, _ := ParseSpec("overlong", SpecOptions{MaxCompletionLen: 96})
	if cfg := w.Rewards[0].(*Overlong).Cfg; cfg.MaxLen != 96 || cfg.Cache != 24 || cfg.Factor != 1 {
		t.Errorf("overlong at cap 96: %+v", cfg)
	}
}

func TestParseSpecErrors(t *testing.T) {
	cases := []struct {
		spec string
		cap  int
		want []string // substrings of the error
	}{
		{"", 96, []string{"empty reward spec", "accuracy, consensus, countdown"}},
		{"  ", 96, []string{"empty reward spec"}},
		{"format,", 96, []string{`entry 2 ""`, "empty reward name"}},
		{"format, :2", 96, []string{`entry 2 ":2"`, "empty reward name"}},
		{"countdown:1,nope:1", 96, []string{`entry 2 "nope:1"`, `unknown reward "nope"`, "known: accuracy, consensus, countdown, format, math, overlong"}},
		{"format:x", 96, []string{`entry 1 "format:x"`, "bad weight"}},
		{"format:", 96, []string{`entry 1 "format:"`, "bad weight"}},
		{"format:1e400", 96, []string{`entry 1 "format:1e400"`, "bad weight"}},
		{"format:NaN", 96, []string{`entry 1 "format:NaN"`, "not finite"}},
		{"format:-Inf", 96, []string{`entry 1 "format:-Inf"`, "not finite"}},
		{"format,countdown,format:2", 96, []string{`entry 3 "format:2"`, `already given by entry 1 "format"`}},
		{"accuracy:1, math:2", 96, []string{`entry 2 "math:2"`, `"accuracy" already given by entry 1 "accuracy:1"`}},
		{"format,overlong", 0, []string{`entry 2 "overlong"`, "MaxCompletionLen is 0"}},
	}
	for _, c := range cases {
		w, err := ParseSpec(c.spec, SpecOptions{MaxCompletionLen: c.cap})
		if err == nil {
			t.Errorf("%q: accepted as %v", c.spec, w.Names())
			continue
		}
		for _, s := range c.want {
			if !strings.Contains(err.Error(), s) {
				t.Errorf("%q: error %q does not mention %q", c.spec, err, s)
			}
		}
	}
}

// TestParseSpecScores checks that spec-built rewards score bitwise like the
// hand-built struct-literal sums they replace.
func TestParseSpecScores(t *testing.T) {
	exs, err := data.Generate("countdown", 20, 7, data.DefaultGenConfig())
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"", "<think>x</think><answer>1+2</answer>", "<answer>(((</answer>", "<think>a</think><answer>9999</answer> trailing"}
	ctx := context.Background()
	for _, c := range []struct {
		spec  string
		names []string
		ws    []float64
	}{
		{"countdown:1,format:0.1", []string{"countdown", "format"}, []float64{1, 0.1}},
		{"countdown,format:0.1,overlong", []string{"countdown", "format", "overlong"}, []float64{1, 0.1, 1}},
	} {
		got, err := ParseSpec(c.spec, SpecOptions{MaxCompletionLen: 40})
		if err != nil {
			t.Fatal(err)
		}
		var rs []Reward
		for _, n := range c.names {
			rs = append(rs, literal(n, 40))
		}
		want := &Weighted{Rewards: rs, Weights: c.ws, Missing: MissingStrict}
		n := 0
		for i, ex := range exs {
			for j, text := range append([]string{ex.Solution}, texts...) {
				comp := Completion{Text: text, Tokens: 5 * (i + j)}
				gt, gp := got.ScoreParts(ctx, ex, comp)
				wt, wp := want.ScoreParts(ctx, ex, comp)
				if !sameResults(append(gp, gt), append(wp, wt)) {
					t.Errorf("%s: %q: got %v %v, want %v %v", c.spec, text, gt, gp, wt, wp)
				}
				if gt.OK && gt.Score > 1 {
					n++
				}
			}
		}
		if n == 0 {
			t.Errorf("%s: no completion scored as correct and well formed; the comparison is too weak", c.spec)
		}
	}
}

// sameResults compares results bitwise (NaN scores included).
func sameResults(a, b []Result) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].OK != b[i].OK || a[i].Reason != b[i].Reason || math.Float64bits(a[i].Score) != math.Float64bits(b[i].Score) {
			return false
		}
	}
	return true
}

// TestParseSpecExtra checks caller-defined rewards: they join by name and
// weight like built-ins, may not shadow a built-in, and are listed in the
// unknown-name error.
func TestParseSpecExtra(t *testing.T) {
	digits := &Format{Cfg: DefaultFormatConfig()}
	w, err := ParseSpec("countdown:1,mine:0.5", SpecOptions{Extra: map[string]Reward{"mine": digits}})
	if err != nil {
		t.Fatal(err)
	}
	if got := w.Names(); !reflect.DeepEqual(got, []string{"countdown", "format"}) {
		t.Errorf("names %v", got)
	}
	if _, err := ParseSpec("format:1", SpecOptions{Extra: map[string]Reward{"format": digits}}); err == nil || !strings.Contains(err.Error(), "is a built-in reward") {
		t.Errorf("shadowing a built-in: %v", err)
	}
	if _, err := ParseSpec("nope", SpecOptions{Extra: map[string]Reward{"mine": digits}}); err == nil || !strings.Contains(err.Error(), "mine") {
		t.Errorf("unknown name error does not list the extra rewards: %v", err)
	}
}
