package rewards_test

import (
	"context"
	"fmt"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
)

func ExampleMath() {
	m, _ := rewards.NewMath(rewards.DefaultMathConfig())
	ex := data.Example{ID: "1", Prompt: "compute 1/2+1/4", Answer: "0.75"}
	ctx := context.Background()
	for _, text := range []string{
		`<think>1/2+1/4=3/4</think><answer>\frac{3}{4}</answer>`,
		`so the result is \boxed{3/4}`,
		`<answer>0.7</answer>`,
		`I don't know`,
	} {
		fmt.Println(m.Score(ctx, ex, rewards.Completion{Text: text}))
	}
	fmt.Println(m.Score(ctx, data.Example{ID: "2"}, rewards.Completion{Text: "<answer>1</answer>"}))
	// Output:
	// 1 (correct (tag))
	// 1 (correct (boxed))
	// 0 (got "0.7" want "0.75")
	// 0 (no answer)
	// no score (gold unusable: "")
}

func ExampleCountdown() {
	r, _ := rewards.NewCountdown(rewards.DefaultCountdownConfig())
	ex := data.Example{ID: "c", Prompt: "countdown 3 5 2 target 16", Answer: "16",
		Meta: map[string]any{"numbers": []int64{3, 5, 2}, "target": int64(16)}}
	ctx := context.Background()
	for _, text := range []string{
		"<think>3+5=8, 8*2=16 yes.</think><answer>(3+5)*2</answer>",
		"<answer>3*5+2</answer>",
		"<answer>(3+5)*2*1</answer>",
		"<answer>2/(5-5)+3</answer>",
		"<answer>import os</answer>",
	} {
		fmt.Println(r.Score(ctx, ex, rewards.Completion{Text: text}))
	}
	// Output:
	// 1 (correct)
	// 0 (value 17, want 16)
	// 0 (number 1 not available)
	// 0 (division by zero)
	// 0 (illegal character 'i' at 0)
}

func ExampleFormat() {
	f, _ := rewards.NewFormat(rewards.DefaultFormatConfig())
	ctx := context.Background()
	for _, text := range []string{
		"<think>3+5=8</think><answer>8</answer>",
		"<answer>8</answer>",
		"<think>3+5=8</think><answer>8</answer> and more",
	} {
		fmt.Println(f.Score(ctx, data.Example{}, rewards.Completion{Text: text}))
	}
	// Output:
	// 1 (ok)
	// 0 (does not start with <think>)
	// 0 (text after </answer>)
}

func ExampleOverlong() {
	o, _ := rewards.NewOverlong(rewards.OverlongConfig{MaxLen: 20, Cache: 4, Factor: 1})
	for _, n := range []int{16, 18, 20} {
		fmt.Println(o.Score(context.Background(), data.Example{}, rewards.Completion{Text: "…", Tokens: n}))
	}
	// Output:
	// 0 (16 tokens)
	// -0.5 (18 tokens)
	// -1 (20 tokens)
}

func ExampleWeighted() {
	w, _ := rewards.ForTask("arithmetic")
	ex := data.Example{ID: "a", Prompt: "compute 2+3*4", Answer: "14"}
	total, parts := w.ScoreParts(context.Background(), ex, rewards.Completion{Text: "<think>3*4=12, 2+12=14</think><answer>14</answer>"})
	fmt.Printf("%.2f\n", total.Score)
	for i, p := range parts {
		fmt.Printf("%s ×%.1f: %v\n", w.Names()[i], w.Weights[i], p)
	}
	// Output:
	// 1.10
	// accuracy ×1.0: 1 (correct (tag))
	// format ×0.1: 1 (ok)
}

func ExampleParseSpec() {
	w, err := rewards.ParseSpec("countdown:1, format:0.1, overlong", rewards.SpecOptions{MaxCompletionLen: 96})
	if err != nil {
		panic(err)
	}
	fmt.Println(w.Names(), w.Weights)
	_, err = rewards.ParseSpec("countdown,chess:2", rewards.SpecOptions{})
	fmt.Println(err)
	// Output:
	// [countdown format overlong] [1 0.1 1]
	// rewards: reward spec entry 2 "chess:2": unknown reward "chess"; known: accuracy, consensus, countdown, format, math, overlong
}

func ExampleExtractAnswer() {
	cfg := rewards.DefaultExtractConfig()
	for _, s := range []string{
		`<think>\boxed{2}</think><answer>3</answer>`,
		`\boxed{\frac{\sqrt{3}}{2}} is it`,
		"Answer: 1,000 dollars.",
	} {
		a, src, _ := rewards.ExtractAnswer(s, cfg)
		n, _ := rewards.Normalize(a, true)
		fmt.Printf("%s: %s -> %s\n", src, a, n)
	}
	// Output:
	// tag: 3 -> 3
	// boxed: \frac{\sqrt{3}}{2} -> \frac{\sqrt{3}}{2}
	// line: 1,000 dollars -> 1000
}
