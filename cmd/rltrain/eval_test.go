package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/run"
	"github.com/rltrain/rltrain/warmstart"
)

// tinyCheckpoint writes a checkpoint folder of a ~0.1M-parameter model
// trained briefly by SFT on two-operation one-digit arithmetic (right now and
// then), and returns it with the task flags that describe its problems.
func tinyCheckpoint(t *testing.T) (dir string, task []string, all []data.Example) {
	t.Helper()
	task = []string{"--task", "arithmetic", "--arith-min-ops", "2", "--arith-max-ops", "2", "--arith-digits", "1",
		"--arith-ops", "+-", "--train-n", "600", "--eval-n", "24"}
	gc := data.DefaultGenConfig()
	gc.Arithmetic.MinOps, gc.Arithmetic.MaxOps, gc.Arithmetic.MaxDigits, gc.Arithmetic.Ops = 2, 2, 1, "+-"
	all, err := data.Generate("arithmetic", 648, 1, gc)
	if err != nil {
		t.Fatal(err)
	}
	wc := warmstart.DefaultConfig()
	wc.Model.Dim, wc.Model.NHeads, wc.Model.NKVHeads, wc.Model.FFNDim, wc.Model.NLayers = 64, 4, 2, 160, 2
	wc.Model.MaxSeqLen = 96
	wc.SFT.Steps, wc.SFT.BatchSeqs, wc.SFT.EvalEvery = 200, 16, 0
	wc.VocabSize = 280
	ws, err := warmstart.Build(wc, all, nil, "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "ckpt")
	if err := run.SaveCheckpoint(dir, ws.Model, ws.Tok); err != nil {
		t.Fatal(err)
	}
	return dir, task, all
}

func keys(m map[string]json.RawMessage) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// readEval runs `rltrain eval` and returns summary.json's parts.
func readEval(t *testing.T, args ...string) (map[string]json.RawMessage, rl.EvalResult) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ev")
	var stdout bytes.Buffer
	if err := evalCmd(context.Background(), append(args, "--out", out), &stdout, io.Discard); err != nil {
		t.Fatalf("rltrain eval %v: %v", args, err)
	}
	if !strings.Contains(stdout.String(), "eval @ step") || !strings.Contains(stdout.String(), "pass@1") {
		t.Errorf("no result line printed:\n%s", stdout.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var sum map[string]json.RawMessage
	var res rl.EvalResult
	if err := json.Unmarshal(b, &sum); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(sum["eval"], &res); err != nil {
		t.Fatal(err)
	}
	return sum, res
}

func TestEvalCommand(t *testing.T) {
	ckpt, task, all := tinyCheckpoint(t)
	sampling := []string{"--eval-k", "4", "--eval-max-new-tokens", "40", "--seed", "3", "--step", "5"}

	t.Run("self-verify", func(t *testing.T) {
		sum, got := readEval(t, append(append([]string{"--init", ckpt, "--self-verify", "3", "--rise-max-new-tokens", "24"}, task...), sampling...)...)
		for _, k := range []string{"self_verify@k", "self_verify/maj@k", "self_verify/pass@1", "verify_acc", "verify_format_rate", "verify_n"} {
			if _, ok := got.Extra[k]; !ok {
				t.Errorf("eval lacks %s: %s", k, sum["eval"])
			}
		}
		// Every scorable solution of 24 problems × 3 is verified once.
		if got.Extra["self_verify/k"] != 3 || got.Extra["verify_n"]+got.Extra["verify_skipped_overlong"] > 72 || got.Extra["verify_n"] < 1 {
			t.Errorf("k %v, %v verifications, %v skipped", got.Extra["self_verify/k"], got.Extra["verify_n"], got.Extra["verify_skipped_overlong"])
		}
		// Too long a verification cap for the model's context is an error, not a silent skip.
		err := evalCmd(context.Background(), append(append([]string{"--init", ckpt, "--self-verify", "2", "--out", t.TempDir()}, task...), sampling...), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "exceed the model's context") {
			t.Errorf("overlong verification: %v", err)
		}
	})

	t.Run("task matches Policy.Evaluate", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "ev")
		args := append(append([]string{"--init", ckpt, "--samples", "--out", out}, task...), sampling...)
		if err := evalCmd(context.Background(), args, io.Discard, io.Discard); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(out, "summary.json"))
		if err != nil {
			t.Fatal(err)
		}
		var sum map[string]json.RawMessage
		var got rl.EvalResult
		if err := json.Unmarshal(b, &sum); err != nil {
			t.Fatal(err)
		}
		json.Unmarshal(sum["eval"], &got)
		if k := strings.Join(keys(sum), ","); k != "config,eval,init,task,wall_time_s" {
			t.Errorf("summary.json keys: %s", k)
		}
		// "eval" has the keys of a training run's eval_after.
		var ev, want map[string]json.RawMessage
		json.Unmarshal(sum["eval"], &ev)
		wb, _ := json.Marshal(rl.EvalResult{})
		json.Unmarshal(wb, &want)
		if !reflect.DeepEqual(keys(ev), keys(want)) {
			t.Errorf("eval keys %v, want %v", keys(ev), keys(want))
		}
		if string(sum["task"]) != `"arithmetic"` || string(sum["init"]) != strconvQuote(ckpt) {
			t.Errorf("task %s, init %s", sum["task"], sum["init"])
		}
		// The same evaluation by hand: training's config, examples and stream.
		rc, err := parseRunConfig(append(append([]string{}, task...), sampling[:6]...), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		_, exs, reward, _, err := taskData(rc)
		if err != nil {
			t.Fatal(err)
		}
		pol, err := loadCheckpoint(ckpt)
		if err != nil {
			t.Fatal(err)
		}
		exp, err := pol.Evaluate(context.Background(), exs, reward, rc.Eval, rl.Streams{Seed: rc.Train.Seed, Step: 5})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, exp) {
			t.Fatalf("rltrain eval: %+v\nPolicy.Evaluate: %+v", got, exp)
		}
		t.Logf("%s", got)
		// samples.jsonl holds the k completions per problem pass@1 came from.
		f, err := os.Open(filepath.Join(out, "samples.jsonl"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		n, correct := 0, 0
		for sc := bufio.NewScanner(f); sc.Scan(); n++ {
			var s evalSample
			if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
				t.Fatal(err)
			}
			if s.Prompt == "" || s.Correct == nil || s.Reward == nil || !strings.Contains(sc.Text(), `"completion"`) {
				t.Fatalf("sample line %d: %s", n+1, sc.Text())
			}
			if *s.Correct {
				correct++
			}
		}
		if n != exp.N*exp.K || float64(correct)/float64(n) != exp.Pass1 {
			t.Errorf("samples.jsonl: %d lines, %d correct; want %d lines, pass@1 %g", n, correct, exp.N*exp.K, exp.Pass1)
		}
	})

	file := filepath.Join(t.TempDir(), "all.jsonl")
	var buf bytes.Buffer
	for _, ex := range all {
		b, _ := json.Marshal(ex)
		buf.Write(append(b, '\n'))
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Run("data held-out split as training", func(t *testing.T) {
		flags := []string{"--data", file, "--eval-frac", "0.05", "--eval-k", "2", "--eval-max-new-tokens", "40"}
		rc, err := parseRunConfig(flags, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		_, exs, _, _, err := taskData(rc)
		if err != nil {
			t.Fatal(err)
		}
		sum, res := readEval(t, append([]string{"--init", ckpt}, flags...)...)
		if res.N != len(exs) || res.N == 0 || res.N == len(all) || string(sum["task"]) != `"all.jsonl"` {
			t.Errorf("evaluated %d problems of task %s; training holds out %d", res.N, sum["task"], len(exs))
		}
		_, res = readEval(t, "--init", ckpt, "--eval-data", file, "--eval-n", "7", "--eval-k", "1", "--eval-max-new-tokens", "40")
		if res.N != 7 {
			t.Errorf("--eval-data alone: %d problems, want 7", res.N)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		noTok := filepath.Join(t.TempDir(), "notok")
		os.MkdirAll(noTok, 0o755)
		for _, f := range []string{"model.safetensors", "config.json"} {
			b, _ := os.ReadFile(filepath.Join(ckpt, f))
			os.WriteFile(filepath.Join(noTok, f), b, 0o644)
		}
		empty := t.TempDir()
		for _, c := range []struct {
			args []string
			want string
		}{
			{[]string{"--task", "arithmetic"}, "--init is required"},
			{[]string{"--init", filepath.Join(empty, "nope")}, "no such checkpoint folder"},
			{[]string{"--init", filepath.Join(ckpt, "config.json")}, "no such checkpoint folder"},
			{[]string{"--init", noTok}, noTok + ": checkpoint folder has no tokenizer.json"},
			{[]string{"--init", empty}, "has no model.safetensors, config.json, tokenizer.json"},
			{[]string{"--init", ckpt, "--eval-k", "0"}, "eval k = 0"},
			{[]string{"--init", ckpt, "--eval-temperature", "0"}, "temperature"},
			{[]string{"--init", ckpt, "--eval-n", "0"}, "--eval-n 0"},
			{[]string{"--init", ckpt, "--step", "-1"}, "--step -1"},
			{[]string{"--init", ckpt, "--task", "arithmetic", "--data", file}, "both name the examples"},
			{[]string{"--init", ckpt, "--data", file, "--eval-frac", "0"}, "no held-out examples"},
			{[]string{"--init", ckpt, "--task", "nope"}, "--task"},
			{[]string{"--init", ckpt, "--config", filepath.Join(empty, "none.json")}, "--config"},
			{[]string{"--init", ckpt, "stray"}, "unexpected argument"},
			{[]string{"--init", ckpt, "--eval-k", "x"}, "invalid value"},
			{[]string{"--init", ckpt, "--bogus"}, "not defined"},
		} {
			err := evalCmd(context.Background(), append(c.args, "--out", filepath.Join(empty, "out")), io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v: err = %v, want it to mention %q", c.args, err, c.want)
			}
		}
		if _, err := os.Stat(filepath.Join(empty, "out")); err == nil {
			t.Error("a failed evaluation left an output folder")
		}
		var usage bytes.Buffer
		if err := evalCmd(context.Background(), []string{"-h"}, io.Discard, &usage); !errors.Is(err, flag.ErrHelp) ||
			!strings.Contains(usage.String(), "usage: rltrain eval --init DIR") || !strings.Contains(usage.String(), "-eval-temperature") {
			t.Errorf("-h: %v\n%s", err, usage.String())
		}
	})
}

func strconvQuote(s string) string { b, _ := json.Marshal(s); return string(b) }

// TestEvalFileIsThin keeps eval.go within the limit layers_test.go sets for cmd/.
func TestEvalFileIsThin(t *testing.T) {
	b, err := os.ReadFile("eval.go")
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("\n")); n > 300 {
		t.Errorf("eval.go: %d lines, limit 300", n)
	}
}
