package rewards

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rltrain/rltrain/data"
)

// requirePython skips the test without python3, or fails it when
// RLTRAIN_REQUIRE_PEERS=1 (CI).
func requirePython(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("python3"); err == nil {
		return
	}
	msg := "python3 unavailable: the example reward programs are not run (install python3, e.g. with scripts/install-deps.sh)"
	if os.Getenv("RLTRAIN_REQUIRE_PEERS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// countdownCorpus is a few hundred countdown completions: the generator's
// solutions, random edits of them (most wrong, some still right), and the
// edge cases of rewards/countdown.go's rules, over examples whose gold is
// given every way Countdown reads it, or unusable.
func countdownCorpus(t *testing.T) []Item {
	gc := data.DefaultGenConfig()
	exs, err := data.Generate("countdown", 80, 7, gc)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 1))
	const alphabet = "0123456789+-*/() x\t"
	var out []Item
	add := func(ex data.Example, text string) {
		out = append(out, Item{Example: ex, Completion: Completion{Text: text, Tokens: len(text)}})
	}
	for _, ex := range exs {
		sol := ex.Solution
		add(ex, sol)
		i := strings.LastIndex(sol, "<answer>") + len("<answer>")
		j := strings.LastIndex(sol, "</answer>")
		expr := sol[i:j]
		for k := 0; k < 3; k++ {
			b := []byte(expr)
			p := rng.IntN(len(b))
			b[p] = alphabet[rng.IntN(len(alphabet))]
			add(ex, "<think>x</think><answer>"+string(b)+"</answer>")
		}
		add(ex, "<think>x</think><answer>("+expr+")*1</answer>")
		// Right answers written in ways only one reading accepts.
		first := strings.IndexAny(expr, "0123456789")
		for _, v := range []string{
			strings.Repeat("(", 62) + expr + strings.Repeat(")", 62), // nesting at and past the limit of 64
			strings.Repeat("(", 63) + expr + strings.Repeat(")", 63),
			strings.Repeat("(", 64) + expr + strings.Repeat(")", 64),
			expr[:first] + "0" + expr[first:],                            // leading zero: Go reads 07 as 7
			expr[:first] + "+" + expr[first:],                            // unary plus
			expr[:first] + "１" + expr[first+1:],                          // a fullwidth digit
			strings.NewReplacer("+", "\t+\n", "*", " *\t").Replace(expr), // tabs and newlines
			strings.Replace(expr, "/", "//", 1),
			"  " + expr + "\n",
		} {
			add(ex, "<think>x</think><answer>"+v+"</answer>")
		}
		add(ex, "<answer>"+expr+"</answer> and then <answer>"+expr+"+0</answer>")
	}
	ex := exs[0] // numbers and target of the edge cases
	nums, err := data.MetaInts(ex, "numbers")
	if err != nil {
		t.Fatal(err)
	}
	asFloats, asStrings := []any{}, []any{}
	for _, x := range nums {
		asFloats, asStrings = append(asFloats, float64(x)), append(asStrings, fmt.Sprint(x))
	}
	target, _ := data.MetaInt(ex, "target")
	n := func(k int) string { return fmt.Sprint(nums[k]) }
	deep := strings.Repeat("(", 64) + "1" + strings.Repeat(")", 64)
	for _, e := range []string{
		"", " ", "()", n(0), "-" + n(0), "+" + n(0), n(0) + "**" + n(1), n(0) + "//" + n(1),
		n(0) + "/0", n(0) + "/(" + n(1) + "-" + n(1) + ")", "0" + n(0) + "+" + n(1), "007",
		"\n" + n(0) + "\t+\n" + n(1) + " ", n(0) + " " + n(1), "(" + n(0) + ")(" + n(1) + ")",
		deep, "(" + deep + ")", strings.Repeat("1+", 130) + "1", "99999999999999999999*0",
		"9223372036854775807-9223372036854775807", "1_0", "１+2", n(0) + "=" + n(1), n(0) + ".0",
		"x", "1e3", "0x10", n(0) + "+" + n(1) + ")", "(" + n(0) + "+" + n(1), "((" + n(0) + "))",
		fmt.Sprint(target), "  " + fmt.Sprint(target) + "  ",
	} {
		add(ex, "<think>edge</think><answer>"+e+"</answer>")
	}
	for _, text := range []string{"no tags at all", "<answer>unclosed", "</answer>" + n(0) + "<answer>", "<answer><answer>1</answer>", "<ANSWER>1</ANSWER>"} {
		add(ex, text)
	}
	// The gold, read every way Countdown reads it, or unusable.
	sol := ex.Solution
	for _, meta := range []map[string]any{
		{"nums": asFloats, "target": float64(target)},
		{"numbers": asStrings, "target": fmt.Sprint(target)},
		{"numbers": nums},                 // target from the answer
		{"numbers": nums, "target": 1.5},  // unusable target
		{"numbers": "1 2 3", "target": 4}, // unusable numbers
		{"target": 4},                     // no numbers
		{"numbers": []any{1.5, 2}, "target": 4},
		{"numbers": []any{true, 2}, "target": 4},
	} {
		g := ex
		g.Meta = meta
		add(g, sol)
		add(g, "no answer")
	}
	g := ex
	g.Meta, g.Answer = map[string]any{"numbers": nums}, " seventy "
	add(g, sol)
	return out
}

// TestPythonCountdownMatchesBuiltin: examples/reward_countdown.py gives
// every completion of the corpus the built-in countdown reward's score (or,
// like it, no score).
func TestPythonCountdownMatchesBuiltin(t *testing.T) {
	requirePython(t)
	script, _ := filepath.Abs("../examples/reward_countdown.py")
	var log syncBuffer
	cfg := DefaultProgramConfig()
	cfg.MaxBatch = 64
	p, err := StartProgram("countdown_py", "exec python3 '"+script+"'", cfg, &log)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	builtin, err := NewCountdown(DefaultCountdownConfig())
	if err != nil {
		t.Fatal(err)
	}
	corpus := countdownCorpus(t)
	got := p.ScoreBatch(context.Background(), corpus)
	right, unscored := 0, 0
	for i, it := range corpus {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		want := builtin.Score(ctx, it.Example, it.Completion)
		cancel()
		if want.OK != got[i].OK || (want.OK && want.Score != got[i].Score) {
			t.Errorf("item %d %q (meta %v): python %v, built-in %v", i, it.Completion.Text, it.Example.Meta, got[i], want)
		}
		if want.OK && want.Score == 1 {
			right++
		}
		if !want.OK {
			unscored++
		}
	}
	t.Logf("%d completions: %d right, %d unscored", len(corpus), right, unscored)
	if len(corpus) < 300 || right < 80 || unscored < 8 {
		t.Errorf("corpus too weak: %d items, %d right, %d unscored", len(corpus), right, unscored)
	}
	if s := p.Stats(); s.Failed != 0 {
		t.Errorf("stats %+v, log:\n%s", s, log.String())
	}
}

// TestShellLengthProgram runs examples/reward_len.sh.
func TestShellLengthProgram(t *testing.T) {
	if _, err := exec.LookPath("awk"); err != nil {
		t.Skip("no awk")
	}
	script, _ := filepath.Abs("../examples/reward_len.sh")
	var log syncBuffer
	p, err := StartProgram("short", "sh '"+script+"' 10", fastProgramConfig(), &log)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	in := items("a", "b", "c")
	in[0].Completion.Tokens, in[1].Completion.Tokens, in[2].Completion.Tokens = 4, 15, 12
	in[2].Completion.Truncated = true
	in[1].Completion.Text = "quotes \" and \\ and\nnewlines, \"id\":9"
	rs := p.ScoreBatch(context.Background(), in)
	if !rs[0].OK || rs[0].Score != 1 || rs[1].Score != 0.5 || !rs[2].OK || rs[2].Score != 0 || rs[2].Reason != "truncated" {
		t.Errorf("%v\nlog: %s", rs, log.String())
	}
	slow := fastProgramConfig()
	slow.StartWait = 5 * time.Second // returns as soon as it exits
	if _, err := StartProgram("short", "sh '"+script+"' x", slow, &log); err == nil || !strings.Contains(err.Error(), "not a positive integer") {
		t.Errorf("bad budget: %v", err)
	}
}

// benchBatch is one training step's worth of countdown completions (16
// prompts × 8 samples), the generator's solutions and edits of them.
func benchBatch(b *testing.B) []Item {
	gc := data.DefaultGenConfig()
	gc.Countdown.MinNumbers, gc.Countdown.MaxNumbers = 3, 3
	exs, err := data.Generate("countdown", 16, 1, gc)
	if err != nil {
		b.Fatal(err)
	}
	var out []Item
	for g, ex := range exs {
		for k := 0; k < 8; k++ {
			text := ex.Solution
			if k%2 == 1 {
				text = strings.Replace(text, "</answer>", "+1</answer>", 1)
			}
			out = append(out, Item{Example: ex, Completion: Completion{Text: text, Tokens: len(text) / 2}, Group: g})
		}
	}
	return out
}

// BenchmarkCountdownBatch compares scoring one step's batch with the
// built-in countdown reward and with examples/reward_countdown.py:
//
//	go test ./rewards -run '^$' -bench CountdownBatch -count 5
func BenchmarkCountdownBatch(b *testing.B) {
	batch := benchBatch(b)
	b.Run("builtin", func(b *testing.B) {
		w, err := ParseSpec("countdown:1", SpecOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			ScoreItems(context.Background(), w, batch, 5*time.Second)
		}
	})
	b.Run("python", func(b *testing.B) {
		if _, err := exec.LookPath("python3"); err != nil {
			b.Skip("no python3")
		}
		script, _ := filepath.Abs("../examples/reward_countdown.py")
		p, err := StartProgram("countdown_py", "exec python3 '"+script+"'", DefaultProgramConfig(), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer p.Close()
		w, err := ParseSpec("countdown_py:1", SpecOptions{Extra: map[string]Reward{"countdown_py": p}})
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			ScoreItems(context.Background(), w, batch, 5*time.Second)
		}
		if p.Stats().Failed > 0 {
			b.Fatalf("%+v", p.Stats())
		}
	})
}
