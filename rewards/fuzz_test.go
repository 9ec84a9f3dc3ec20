package rewards

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/rltrain/rltrain/data"
)

func FuzzExtractAnswer(f *testing.F) {
	for _, s := range []string{`\boxed{\frac{1}{2}}`, "<answer>3</answer>", "Answer: 5.", `\boxed{{}`, `\fbox 7`, "x -1,000.5/3", `\text{\boxed{`} {
		f.Add(s, "1")
	}
	all := ExtractConfig{AnswerTag: "answer", Boxed: true, AnswerLine: true, LastNumber: true}
	f.Fuzz(func(t *testing.T, s, gold string) {
		a, src, ok := ExtractAnswer(s, all)
		if ok != (src != "") {
			t.Fatalf("ok=%v with source %q", ok, src)
		}
		if ok && src != "line" && !strings.Contains(s, a) {
			t.Fatalf("answer %q is not a substring of the input", a)
		}
		Normalize(a, true)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		v, _ := VerifyMath(ctx, gold, s, MathConfig{Extract: all, Compare: DefaultCompareConfig(), CorrectScore: 1})
		if v == VerifierError && strings.TrimSpace(gold) != "" && ctx.Err() == nil {
			if g, _ := Normalize(gold, false); g != "" {
				t.Fatalf("verifier error with usable gold %q", gold)
			}
		}
		// A prediction equal to the gold text is always correct.
		if g, _ := Normalize(gold, false); g != "" {
			if v, why := VerifyMath(ctx, gold, "<answer>"+gold+"</answer>", DefaultMathConfig()); v != Correct && !strings.Contains(gold, "</answer>") && !strings.Contains(gold, "=") {
				t.Fatalf("gold %q against itself: %v (%s)", gold, v, why)
			}
		}
	})
}

func FuzzCountdown(f *testing.F) {
	for _, s := range []string{"(3+5)*2", "3/(5-5)", "((((", "1-2-3", "8/(3-8/3)", "9*9/0", "2 * ( 3 + 4 )"} {
		f.Add(s)
	}
	r := &Countdown{Cfg: DefaultCountdownConfig()}
	f.Fuzz(func(t *testing.T, expr string) {
		v, used, err := EvalCountdown(expr)
		if err != nil {
			return
		}
		// Whatever parses reaches its own value with its own numbers.
		if !v.IsInt() || !v.Num().IsInt64() {
			return
		}
		target := v.Num().Int64()
		ok, why := CheckCountdown(expr, used, target, true)
		if !ok {
			t.Fatalf("%q = %s with %v rejected: %s", expr, v.RatString(), used, why)
		}
		ex := data.Example{ID: "f", Answer: v.RatString(), Meta: map[string]any{"numbers": used}}
		res := r.Score(context.Background(), ex, Completion{Text: "<answer>" + expr + "</answer>"})
		if len(expr) <= r.Cfg.MaxLen && !strings.Contains(expr, "</answer>") && (!res.OK || res.Score != 1) {
			t.Fatalf("reward of %q: %v", expr, res)
		}
		// The value is exact: re-evaluate with one more +0 and compare.
		v2, _, err := EvalCountdown("(" + expr + ")+0")
		if err != nil || v2.Cmp(v) != 0 || v2.Cmp(new(big.Rat).SetInt64(target)) != 0 {
			t.Fatalf("re-evaluation of %q differs", expr)
		}
	})
}
