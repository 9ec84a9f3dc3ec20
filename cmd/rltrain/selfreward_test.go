package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/run"
	"github.com/rltrain/rltrain/selfimprove"
	"github.com/rltrain/rltrain/warmstart"
)

// tinyVerifyCheckpoint writes a checkpoint of a small model trained briefly
// on countdown solutions and verification demonstrations, so that it
// sometimes writes a parsable verdict, with the task flags of its problems.
func tinyVerifyCheckpoint(t *testing.T) (dir string, task []string) {
	t.Helper()
	task = []string{"--task", "countdown", "--train-n", "400", "--eval-n", "12"}
	def, _ := defaultRunConfig("grpo")
	all, err := data.Generate("countdown", 424, 1, def.Task.Gen)
	if err != nil {
		t.Fatal(err)
	}
	vd, err := selfimprove.VerifyDemos(all, selfimprove.DefaultDemoConfig(), selfimprove.DefaultVerifyTemplate, rewards.DefaultVerdictScale())
	if err != nil {
		t.Fatal(err)
	}
	wc := warmstart.DefaultConfig()
	wc.Model.Dim, wc.Model.NHeads, wc.Model.NKVHeads, wc.Model.FFNDim, wc.Model.NLayers = 64, 4, 2, 160, 2
	wc.SFT.Steps, wc.SFT.BatchSeqs, wc.SFT.EvalEvery = 300, 16, 0
	ws, err := warmstart.Build(wc, append(all, vd...), nil, "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "ckpt")
	if err := run.SaveCheckpoint(dir, ws.Model, ws.Tok); err != nil {
		t.Fatal(err)
	}
	return dir, task
}

// TestSelfRewardCommand runs two tiny iterations of the loop end to end:
// every iteration is reported (stdout table, summary.json, iter-N/ with a
// checkpoint --init loads and its stats), the judge's verdicts made pairs
// that DPO trained on, and the held-out measurements exist.
func TestSelfRewardCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a tiny checkpoint and two self-rewarding iterations")
	}
	ckpt, task := tinyVerifyCheckpoint(t)
	out := filepath.Join(t.TempDir(), "sr")
	args := append([]string{"--init", ckpt, "--out", out, "--iterations", "2", "--prompts", "12", "--samples", "4",
		"--judge-samples", "2", "--pref-problems", "12", "--pref-samples", "4", "--eval-k", "2",
		"--max-new-tokens", "64", "--eval-max-new-tokens", "64", "--judge-max-new-tokens", "80",
		"--dpo-batch-pairs", "4", "--length-margin", "0.5"}, task...)
	var stdout bytes.Buffer
	if err := selfRewardCmd(context.Background(), args, &stdout, io.Discard); err != nil {
		t.Fatalf("rltrain self-reward: %v\n%s", err, stdout.String())
	}
	if !strings.Contains(stdout.String(), selfimprove.TableHeader) || !strings.Contains(stdout.String(), "\n| 2 | ") {
		t.Errorf("no per-iteration table:\n%s", stdout.String())
	}
	t.Log(stdout.String())
	var sum selfRewardSummary
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil || json.Unmarshal(b, &sum) != nil {
		t.Fatalf("summary.json: %v\n%s", err, b)
	}
	if len(sum.Iterations) != 3 {
		t.Fatalf("%d iterations reported, want 3 (start + 2)", len(sum.Iterations))
	}
	pairs := 0
	for i, st := range sum.Iterations {
		if st.Iteration != i || st.Eval.N != 12 || st.Eval.K != 2 {
			t.Errorf("iteration %d: %+v", i, st)
		}
		if i == 0 {
			continue
		}
		pairs += st.Pairs
		if st.Responses != 48 || st.Pairs+st.Ties+st.Unscored+st.Identical != 12 {
			t.Errorf("iteration %d: %d responses, pairs %d + skipped %d/%d/%d ≠ 12 prompts", i, st.Responses, st.Pairs, st.Ties, st.Unscored, st.Identical)
		}
		dir := filepath.Join(out, "iter-"+string(rune('0'+i)))
		if _, err := loadCheckpoint(dir); err != nil {
			t.Errorf("%s: %v", dir, err)
		}
		if _, err := os.Stat(filepath.Join(dir, "stats.json")); err != nil {
			t.Error(err)
		}
	}
	if pairs == 0 {
		t.Fatalf("the judge made no pair in two iterations:\n%s", stdout.String())
	}
	m, _ := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	if !strings.Contains(string(m), `"iteration"`) || !strings.Contains(string(m), `"rewards/margins"`) {
		t.Errorf("metrics.jsonl lacks the DPO steps:\n%s", m)
	}
	if code, msg := runInProcess(t, []string{"self-reward", "--iterations", "1"}); code != 2 || !strings.Contains(msg, "--init is required") {
		t.Errorf("no --init: exit %d: %s", code, msg)
	}
	if code, msg := runInProcess(t, []string{"self-reward", "--init", ckpt, "--samples", "1"}); code != 2 || !strings.Contains(msg, "samples = 1") {
		t.Errorf("--samples 1: exit %d: %s", code, msg)
	}
}
