package rewards

import (
	"context"
	"encoding/json"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/rltrain/rltrain/data"
)

func TestCheckCountdown(t *testing.T) {
	nums := []int64{3, 5, 2}
	cases := []struct {
		expr       string
		requireAll bool
		want       bool
		why        string // substring of the reason
	}{
		{"(3+5)*2", true, true, "correct"},
		{" ( 3 + 5 ) * 2 ", true, true, "correct"},
		{"2*(5+3)", true, true, "correct"},
		{"3+5*2", true, false, "value 13"},
		{"(3+5)*2*1", true, false, "not available"},
		{"(3+3)*2", true, false, "not available"},
		{"3*5", true, false, "unused"},
		{"3*5", false, false, "value 15"},
		{"5*3+1", false, false, "not available"},
		{"(5-3)*2*4", false, false, "not available"},
		{"3/(5-5)", false, false, "division by zero"},
		{"3/(5-5)*2", true, false, "division by zero"},
		{"(3+5)*2=16", true, false, "unexpected"},
		{"(3+5)x2", true, false, "unexpected"},
		{"(3+5)**2", true, false, "illegal"},
		{"-3+5*2", true, false, "unary"},
		{"(3+5)*2.0", true, false, "unexpected"},
		{"(3+5*2", true, false, "missing ')'"},
		{"", true, false, "unexpected end"},
		{"__import__('os')", true, false, "illegal"},
		{"16", true, false, "not available"},
	}
	for _, c := range cases {
		got, why := CheckCountdown(c.expr, nums, 16, c.requireAll)
		if got != c.want || !strings.Contains(why, c.why) {
			t.Errorf("CheckCountdown(%q, requireAll=%v) = %v, %q; want %v, %q", c.expr, c.requireAll, got, why, c.want, c.why)
		}
	}
	// Division by zero is wrong, not a crash; exact rationals: 8/(3-8/3) = 24.
	if ok, why := CheckCountdown("2/(5-5)+3", []int64{2, 5, 5, 3}, 3, true); ok || why != "division by zero" {
		t.Errorf("division by zero: %v, %q", ok, why)
	}
	if ok, why := CheckCountdown("8/(3-8/3)", []int64{3, 3, 8, 8}, 24, true); !ok {
		t.Errorf("8/(3-8/3) = 24 rejected: %s", why)
	}
	// Floats would say 1/3*3 == 1 only approximately; rationals exactly.
	if ok, why := CheckCountdown("1/3*3", []int64{1, 3, 3}, 1, true); !ok {
		t.Errorf("1/3*3 = 1 rejected: %s", why)
	}
}

func TestEvalCountdownValue(t *testing.T) {
	v, used, err := EvalCountdown("10-(4-1)/2*6")
	if err != nil {
		t.Fatal(err)
	}
	if v.Cmp(big.NewRat(1, 1)) != 0 || len(used) != 5 {
		t.Errorf("got %s, used %v; want 1 with 5 numbers", v.RatString(), used)
	}
	if _, _, err := EvalCountdown(strings.Repeat("(", 100) + "1" + strings.Repeat(")", 100)); err == nil || !strings.Contains(err.Error(), "deep") {
		t.Errorf("deep nesting: err %v", err)
	}
}

func TestCountdownReward(t *testing.T) {
	r, err := NewCountdown(DefaultCountdownConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ex := data.Example{ID: "c", Answer: "16", Meta: map[string]any{"numbers": []int64{3, 5, 2}, "target": int64(16)}}
	check := func(ex data.Example, text string, ok bool, score float64) {
		t.Helper()
		got := r.Score(ctx, ex, Completion{Text: text})
		if got.OK != ok || (ok && got.Score != score) {
			t.Errorf("Score(%q) = %v, want ok=%v score=%v", text, got, ok, score)
		}
	}
	check(ex, "<think>3+5=8</think><answer>(3+5)*2</answer>", true, 1)
	check(ex, "<think>3+5=8</think><answer>3+5+2</answer>", true, 0)
	check(ex, "<think>3+5=8</think>", true, 0)
	// After a JSON round trip Meta holds []any of float64; TinyZero uses "nums".
	var js data.Example
	if err := json.Unmarshal([]byte(`{"id":"j","answer":"16","meta":{"nums":[3,5,2],"target":16}}`), &js); err != nil {
		t.Fatal(err)
	}
	check(js, "<answer>2*(3+5)</answer>", true, 1)
	// Target from Answer when Meta has none.
	check(data.Example{ID: "a", Answer: "16", Meta: map[string]any{"numbers": []int{3, 5, 2}}}, "<answer>2*(3+5)</answer>", true, 1)
	// Unusable gold: no score, never 0.
	check(data.Example{ID: "x", Answer: "16"}, "<answer>2*(3+5)</answer>", false, 0)
	check(data.Example{ID: "y", Answer: "?", Meta: map[string]any{"numbers": []int{3, 5, 2}}}, "<answer>2*(3+5)</answer>", false, 0)
	check(data.Example{ID: "z", Answer: "16", Meta: map[string]any{"numbers": []any{3.5, 5.0}}}, "<answer>2*(3+5)</answer>", false, 0)
	// Too long is wrong.
	check(ex, "<answer>"+strings.Repeat("1+", 200)+"1</answer>", true, 0)
}

// TestCountdownGeneratedSolutions checks every generated demonstration
// against the independent checker here.
func TestCountdownGeneratedSolutions(t *testing.T) {
	r := &Countdown{Cfg: DefaultCountdownConfig()}
	f := &Format{Cfg: DefaultFormatConfig()}
	for _, fractions := range []bool{false, true} {
		cfg := data.DefaultGenConfig()
		cfg.Countdown.Fractions = fractions
		cfg.Countdown.MaxFailedTries = 3
		n := 300
		if testing.Short() {
			n = 100
		}
		exs, err := data.Generate("countdown", n, 7, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, ex := range exs {
			if got := r.Score(context.Background(), ex, Completion{Text: ex.Solution}); !got.OK || got.Score != 1 {
				t.Fatalf("fractions=%v: %s %q: demo %q scored %v", fractions, ex.ID, ex.Prompt, ex.Solution, got)
			}
			if got := f.Score(context.Background(), ex, Completion{Text: ex.Solution}); got.Score != 1 {
				t.Fatalf("demo %q fails the format reward: %v", ex.Solution, got)
			}
		}
	}
}

func TestCountdownPathological(t *testing.T) {
	r := &Countdown{Cfg: DefaultCountdownConfig()}
	r.Cfg.MaxLen = 4096
	ex := data.Example{ID: "c", Answer: "16", Meta: map[string]any{"numbers": []int64{3, 5, 2}, "target": int64(16)}}
	texts := pathological()
	texts["long division"] = "<answer>" + strings.Repeat("7/", 2000) + "7</answer>"
	texts["long product"] = "<answer>" + strings.Repeat("97*", 1300) + "97</answer>"
	for name, text := range texts {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		start := time.Now()
		res := r.Score(ctx, ex, Completion{Text: text})
		cancel()
		if el := time.Since(start); el > 200*time.Millisecond || !res.OK {
			t.Errorf("%s: %v in %v", name, res, el)
		}
	}
}
