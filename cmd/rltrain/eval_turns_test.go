package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
)

// `rltrain eval --turns 2` reports the self-correction metrics of the
// training run's evaluation (same streams) and, with --samples, writes both
// turns of every episode; --config of a --turns 2 run turns it on.
func TestEvalTurns(t *testing.T) {
	ckpt, task, _ := tinyCheckpoint(t)
	sampling := []string{"--eval-k", "2", "--eval-max-new-tokens", "24", "--score-max-new-tokens", "16", "--seed", "3", "--step", "5"}
	out := filepath.Join(t.TempDir(), "ev")
	args := append(append([]string{"--init", ckpt, "--turns", "2", "--samples", "--out", out}, task...), sampling...)
	if err := evalCmd(context.Background(), args, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	var sum struct{ Eval rl.EvalResult }
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	// The same measurement by hand, as a training run's scoreEval takes it.
	cfg, err := parseEvalConfig(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	pol, _ := loadCheckpoint(ckpt)
	exs, reward, _, err := evalTaskData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want, err := selfimprove.EvalSCoRe(context.Background(), pol, cfg.Score, exs, reward, cfg.Eval, rl.Streams{Seed: 3, Step: 5})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"acc_t1", "acc_t2", "delta_t1_t2", "delta_i2c", "delta_c2i", "edit_ratio", "skipped_overlong"} {
		if got, ok := sum.Eval.Extra[k]; !ok || got != want[k] {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, want[k])
		}
	}
	// samples.jsonl: turn 1, then turn 2 whose prompt holds turn 1's text.
	f, err := os.Open(filepath.Join(out, "samples.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []evalSample
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var s evalSample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, s)
	}
	pairs := 2*len(exs) - int(want["skipped_overlong"])
	if len(lines) != 2*pairs || len(lines) == 0 {
		t.Fatalf("%d lines for %d pairs", len(lines), pairs)
	}
	for i := 0; i < len(lines); i += 2 {
		a, c := lines[i], lines[i+1]
		if a.Turn != 1 || c.Turn != 2 || a.ExampleID != c.ExampleID || !strings.Contains(c.Prompt, "attempt: "+a.Completion) {
			t.Fatalf("pair %d: %+v then %+v", i/2, a, c)
		}
	}

	cf := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(cf, []byte(`{"score": {"turns": 2, "rl": {"template": "{problem} | {attempt} | again:"}}}`), 0o644)
	if c, err := parseEvalConfig([]string{"--init", ckpt, "--config", cf}, io.Discard); err != nil || c.Turns != 2 || c.Score.Template != "{problem} | {attempt} | again:" {
		t.Errorf("--config of a --turns 2 run: turns %d, template %q, %v", c.Turns, c.Score.Template, err)
	}
	if c, err := parseEvalConfig([]string{"--init", ckpt}, io.Discard); err != nil || c.Turns != 1 {
		t.Errorf("default: turns %d, %v", c.Turns, err)
	}
	if _, err := parseEvalConfig([]string{"--init", ckpt, "--turns", "3"}, io.Discard); err == nil || !strings.Contains(err.Error(), "--turns 3") {
		t.Errorf("--turns 3: %v", err)
	}
}
