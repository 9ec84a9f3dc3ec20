package rewards

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/rltrain/rltrain/data"
)

func TestExtractAnswer(t *testing.T) {
	all := ExtractConfig{AnswerTag: "answer", Boxed: true, AnswerLine: true, LastNumber: true}
	cases := []struct {
		in, want, src string
		cfg           ExtractConfig
	}{
		{`so \boxed{\frac{\sqrt{3}}{2}}.`, `\frac{\sqrt{3}}{2}`, "boxed", DefaultExtractConfig()},
		{`first \boxed{1} then \boxed{2}`, "2", "boxed", DefaultExtractConfig()},
		{`\fbox{7} and \boxed{8} and \fbox{9}`, "9", "boxed", DefaultExtractConfig()},
		{`\boxed 5 apples`, "5", "boxed", DefaultExtractConfig()},
		{`\boxed{\{1,2\}}`, `\{1,2\}`, "boxed", DefaultExtractConfig()},
		{`<think>\boxed{2}</think><answer> 3 </answer>`, "3", "tag", DefaultExtractConfig()},
		{`<answer>1</answer> <answer>4</answer>`, "4", "tag", DefaultExtractConfig()},
		{"so the Answer: 42.\nthanks", "42", "line", DefaultExtractConfig()},
		{"The final answer is $7$. Answer: 8", "8", "line", DefaultExtractConfig()},
		{"I think 12 then -3,500.25 maybe", "-3,500.25", "number", all},
		{"ratio 3/4", "3/4", "number", all},
		{`\boxed{3`, "3", "number", all}, // unbalanced box falls through
	}
	for _, c := range cases {
		got, src, ok := ExtractAnswer(c.in, c.cfg)
		if !ok || got != c.want || src != c.src {
			t.Errorf("ExtractAnswer(%q) = %q, %q, %v; want %q, %q", c.in, got, src, ok, c.want, c.src)
		}
	}
	for _, in := range []string{"no box here 5", `\boxed{3`, `<answer>3`, `\boxedx{3}`, ""} {
		if got, _, ok := ExtractAnswer(in, DefaultExtractConfig()); ok {
			t.Errorf("ExtractAnswer(%q) = %q, want no answer", in, got)
		}
	}
}

// TestVerifyMathSpec holds the unit vectors of docs/algorithms.md §8.2 and more.
func TestVerifyMathSpec(t *testing.T) {
	cfg := DefaultMathConfig()
	noPct := cfg
	noPct.Compare.Percent = false
	cases := []struct {
		gold, pred string
		cfg        MathConfig
		want       Verdict
	}{
		// §8.2 vectors
		{"0.5", `\boxed{\frac{1}{2}}`, cfg, Correct},
		{`\frac12`, `\boxed{1/2}`, cfg, Correct},
		{"0.1", `\boxed{10\%}`, cfg, Correct},
		{"0.1", `\boxed{10\%}`, noPct, Incorrect},
		{"3", `\boxed{x=3}`, cfg, Correct},
		{"3", `\boxed{3.0001}`, cfg, Incorrect},
		{`\frac{\sqrt{3}}{2}`, `\boxed{\frac{\sqrt{3}}{2}}`, cfg, Correct},
		{"2", `\boxed{1} and finally \boxed{2}`, cfg, Correct},
		{"1", `\boxed{1} and finally \boxed{2}`, cfg, Incorrect},
		{"3", "I believe it is 3", cfg, NoAnswer},
		{"1000", `\boxed{1,000}`, cfg, Correct},
		{"1,000", `\boxed{1000}`, cfg, Correct},
		// numbers
		{"5/2", "<answer>2.50</answer>", cfg, Correct},
		{"-3", "<answer>-3</answer>", cfg, Correct},
		{"-3", "<answer>3</answer>", cfg, Incorrect},
		{"-0.5", `<answer>-\frac{1}{2}</answer>`, cfg, Correct},
		{"-0.5", `<answer>\frac{-1}{2}</answer>`, cfg, Correct},
		{`\dfrac{3}{4}`, "<answer>0.75</answer>", cfg, Correct},
		{`\frac{1}{3}`, "<answer>0.333333</answer>", cfg, Correct},
		{`\frac{1}{3}`, "<answer>0.33</answer>", cfg, Incorrect},
		{"1000000", "<answer>1000000.5</answer>", cfg, Incorrect}, // tolerance only for non-terminating
		{"0.1", "<answer>1/10</answer>", cfg, Correct},
		{"10", `<answer>10\%</answer>`, cfg, Correct},
		{"18", `<answer>\$18</answer>`, cfg, Correct},
		{"18", "<answer>18 dollars</answer>", cfg, Correct},
		{"24", "<answer>24 apples</answer>", cfg, Correct},
		{"5", `<answer>\text{5 cm}</answer>`, cfg, Correct},
		{"90", `<answer>90^\circ</answer>`, cfg, Correct},
		{"12", "<answer>12.</answer>", cfg, Correct},
		{"x+1", "<answer>x + 1</answer>", cfg, Correct},
		{"x+1", "<answer>x+2</answer>", cfg, Incorrect},
		{"2", `<answer>\sqrt2</answer>`, cfg, Incorrect},
		{`\sqrt{2}`, `<answer>\sqrt2</answer>`, cfg, Correct},
		{"1e3", "<answer>1000</answer>", cfg, Incorrect}, // no exponents
		// tuples and sets
		{"(1,2)", "<answer>(1, 2)</answer>", cfg, Correct},
		{"(1,2)", "<answer>(2,1)</answer>", cfg, Incorrect},
		{"(1,2)", "<answer>[1,2]</answer>", cfg, Incorrect},
		{`(\frac{1}{2},3)`, "<answer>(0.5, 3.0)</answer>", cfg, Correct},
		{"{1,2}", "<answer>{2,1}</answer>", cfg, Correct},
		{`\{1,2\}`, "<answer>{2, 1}</answer>", cfg, Correct},
		{"2, 3", "<answer>3,2</answer>", cfg, Correct},
		{"2, 3", "<answer>3,3</answer>", cfg, Incorrect},
		{"{1,2}", "<answer>{1,2,3}</answer>", cfg, Incorrect},
		{"((1,2),3)", "<answer>((1, 2), 3)</answer>", cfg, Correct},
		// gold unusable
		{"", "<answer>3</answer>", cfg, VerifierError},
		{"$ $", "<answer>3</answer>", cfg, VerifierError},
	}
	for _, c := range cases {
		got, why := VerifyMath(context.Background(), c.gold, c.pred, c.cfg)
		if got != c.want {
			t.Errorf("VerifyMath(gold %q, pred %q) = %v (%s), want %v", c.gold, c.pred, got, why, c.want)
		}
	}
}

func TestMathRewardScores(t *testing.T) {
	m, err := NewMath(DefaultMathConfig())
	if err != nil {
		t.Fatal(err)
	}
	ex := data.Example{ID: "a", Answer: "9"}
	ctx := context.Background()
	for _, c := range []struct {
		text string
		want Result
	}{
		{"<answer>9</answer>", Result{Score: 1, OK: true}},
		{"<answer>8</answer>", Result{Score: 0, OK: true}},
		{"nothing", Result{Score: 0, OK: true}},
	} {
		got := m.Score(ctx, ex, Completion{Text: c.text})
		if got.OK != c.want.OK || got.Score != c.want.Score {
			t.Errorf("Score(%q) = %v, want %v", c.text, got, c.want)
		}
	}
	// Could not score: never a 0.
	bad := m.Score(ctx, data.Example{ID: "b"}, Completion{Text: "<answer>1</answer>"})
	if bad.OK || !math.IsNaN(bad.Value()) {
		t.Errorf("empty gold: %v, want no score", bad)
	}
	expired, cancel := context.WithDeadline(ctx, time.Now().Add(-time.Second))
	defer cancel()
	if r := m.Score(expired, ex, Completion{Text: "<answer>9</answer>"}); r.OK || r.Reason != "timeout" {
		t.Errorf("expired deadline: %v, want no score (timeout)", r)
	}
}

// pathological returns 100 KB adversarial completions.
func pathological() map[string]string {
	const n = 100 << 10
	return map[string]string{
		"open braces":      `\boxed{` + strings.Repeat("{", n),
		"nested boxed":     strings.Repeat(`\boxed{`, n/7) + "1" + strings.Repeat("}", n/7),
		"unclosed boxed":   strings.Repeat(`\boxed{\frac{`, n/13),
		"closing braces":   strings.Repeat("}", n),
		"text wrappers":    `<answer>` + strings.Repeat(`\text{`, n/6) + "5" + strings.Repeat("}", n/6) + `</answer>`,
		"frac repair":      `<answer>` + strings.Repeat(`\frac1`, n/6) + `</answer>`,
		"frac unclosed":    `<answer>` + strings.Repeat(`\frac{`, n/6) + `</answer>`,
		"nested tuples":    `<answer>` + strings.Repeat("(1,", n/3) + "1" + strings.Repeat(")", n/3) + `</answer>`,
		"big set":          `<answer>{` + strings.Repeat("1,", n/2) + `1}</answer>`,
		"digits":           `<answer>` + strings.Repeat("9", n) + `</answer>`,
		"answer lines":     strings.Repeat("answer: answer:", n/15),
		"tags":             strings.Repeat("<answer>", n/8),
		"many numbers":     strings.Repeat("1,000.5/3 ", n/10),
		"countdown parens": `<answer>` + strings.Repeat("(", n) + `</answer>`,
	}
}

func TestMathPathological(t *testing.T) {
	cfg := DefaultMathConfig()
	cfg.Extract.LastNumber = true
	m := &Math{Cfg: cfg}
	for name, text := range pathological() {
		for _, gold := range []string{"1", "{1,1}", strings.Repeat("9", 1000)} {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			start := time.Now()
			r := m.Score(ctx, data.Example{ID: "p", Answer: gold}, Completion{Text: text})
			el := time.Since(start)
			cancel()
			if el > 200*time.Millisecond {
				t.Errorf("%s (gold %.10q): took %v, result %v", name, gold, el, r)
			}
			if !r.OK {
				t.Errorf("%s: no score (%s); want a wrong/right verdict well within the deadline", name, r.Reason)
			}
		}
	}
}
