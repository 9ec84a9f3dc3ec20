package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/selfimprove"
)

func TestModelRewardFlags(t *testing.T) {
	cfg, err := parseRunConfig([]string{"--reward", "judge", "--judge", "frozen", "--judge-samples", "2", "--judge-format", "rubric",
		"--judge-temperature", "0.7", "--judge-rubric-max", "10", "--self-verify-check", "none", "--self-verify-max-new-tokens", "40"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	j, sv := cfg.ModelReward.Judge, cfg.ModelReward.SelfVerify
	if j.Source != "frozen" || j.Samples != 2 || j.Format != selfimprove.JudgeRubric || j.Temperature != 0.7 || j.RubricMax != 10 ||
		sv.Check != selfimprove.CheckNone || sv.MaxNewTokens != 40 {
		t.Fatalf("judge %+v, self-verify %+v", j, sv)
	}
	// Every field has its flag: --judge for the source, --judge-* and --self-verify-* for the rest.
	fs := newFlagSet("x")
	bindRunFlags(fs, &cfg)
	want := map[string]bool{"judge": true}
	collectFlags(t, reflect.ValueOf(cfg.ModelReward.Judge), "judge-", map[string]bool{"Source": true}, want)
	collectFlags(t, reflect.ValueOf(cfg.ModelReward.SelfVerify), "self-verify-", nil, want)
	if len(want) != 10 {
		t.Errorf("%d model-reward flags collected: %v", len(want), want)
	}
	for name := range want {
		if fs.Lookup(name) == nil {
			t.Errorf("config field without a flag: --%s", name)
		}
	}
	for _, c := range []struct{ args, want string }{
		{"--judge-samples 0", "--judge-samples"},
		{"--judge-format stars", "--judge-format"},
		{"--judge-temperature 0", "greedy"},
		{"--self-verify-check maybe", "--self-verify-check"},
		{"--judge-template nothing", "{problem}"},
	} {
		if _, err := parseRunConfig(strings.Fields(c.args), io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error naming %s", c.args, err, c.want)
		}
	}
	// Both are label-free spec entries, on any task but refused with --turns 2.
	w, err := rewards.ParseSpec("judge,self-verify:0.5", specOptions(cfg, cfg.SelfReward))
	if err != nil || w.NeedsLabel() || len(selfimprove.ModelRewards(w)) != 2 {
		t.Fatalf("spec %v: %v", w, err)
	}
	if _, _, err := bindModelRewards(cfg, w, nil, nil, true, io.Discard); err == nil || !strings.Contains(err.Error(), "--turns 2") {
		t.Errorf("two turns: %v", err)
	}
	if _, err := judgeModel(filepath.Join(t.TempDir(), "nowhere"), nil); err == nil || !strings.Contains(err.Error(), "--judge ") || !strings.Contains(err.Error(), "policy, frozen") {
		t.Errorf("missing judge checkpoint: %v", err)
	}
}

// TestModelRewardRuns trains a few seeded steps with each model reward on
// unlabelled data from a tiny checkpoint, end to end through the CLI's
// train: the judge makes exactly one batched generation per generation
// round, the monitor logs the honesty metrics, summary.json holds the
// completion-length trend (and, for the dense self-verify reward, the
// agreement with the truth), and held-out evaluation uses the task's
// verifier.
func TestModelRewardRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a tiny checkpoint and two short runs")
	}
	ckpt, task, _ := tinyCheckpoint(t)
	base := append([]string{"--init", ckpt, "--unlabeled", "--steps", "2", "--prompts-per-step", "4", "--group-size", "4",
		"--max-completion-length", "24", "--eval-k", "2", "--eval-max-new-tokens", "24", "--seed", "3", "--threads", "2"}, task...)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"judge", []string{"--reward", "judge", "--judge-samples", "2", "--judge-max-new-tokens", "16"}},
		{"self-verify", []string{"--reward", "self-verify", "--self-verify-check", "none"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			cfg, err := parseRunConfig(append(append(append([]string{}, base...), c.args...), "--out", out), io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			var stdout bytes.Buffer
			if err := train(&interrupts{ctx: context.Background()}, cfg, dist.Local(), &stdout); err != nil {
				t.Fatalf("%v\n%s", err, stdout.String())
			}
			steps := readMetrics(t, filepath.Join(out, "metrics.jsonl"))
			if len(steps) != 2 {
				t.Fatalf("%d steps logged", len(steps))
			}
			for i, m := range steps {
				if c.name == "judge" && m["judge/calls"] != m["gen_rounds"] {
					t.Errorf("step %d: %v judge generations in %v rounds, want one per round", i+1, m["judge/calls"], m["gen_rounds"])
				}
				if _, ok := m["self_reward/true_accuracy"]; !ok {
					t.Errorf("step %d lacks the monitor's metrics: %v", i+1, m)
				}
			}
			var sum struct {
				Kernels string         `json:"kernels"`
				Extra   map[string]any `json:"extra"`
			}
			b, err := os.ReadFile(filepath.Join(out, "summary.json"))
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(b, &sum); err != nil {
				t.Fatal(err)
			}
			if sum.Kernels != asm.Path() {
				t.Errorf("summary kernels %q, want %q", sum.Kernels, asm.Path())
			}
			if sum.Extra["unlabeled"] != true || sum.Extra["completion_length_first"] == nil || sum.Extra["completion_length_last"] == nil {
				t.Errorf("summary extra %v", sum.Extra)
			}
			if c.name == "self-verify" {
				// A dense reward always scores: every step has agreement and a Brier score.
				a, ok := sum.Extra["self_reward_agreement"].(float64)
				if !ok || a < 0 || a > 1 {
					t.Errorf("self_reward_agreement %v", sum.Extra["self_reward_agreement"])
				}
				for i, m := range steps {
					if r := m["rewards/self-verify/mean"]; !(r > 0 && r < 1) || math.IsNaN(m["self_reward/brier"]) {
						t.Errorf("step %d: self-verify mean %v, brier %v", i+1, r, m["self_reward/brier"])
					}
				}
			}
			if !strings.Contains(stdout.String(), "label-free") {
				t.Errorf("no label-free line:\n%s", stdout.String())
			}
		})
	}
}

func readMetrics(t *testing.T, path string) []map[string]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []map[string]float64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		fm := map[string]float64{}
		for k, v := range m {
			if f, ok := v.(float64); ok {
				fm[k] = f
			}
		}
		out = append(out, fm)
	}
	return out
}
