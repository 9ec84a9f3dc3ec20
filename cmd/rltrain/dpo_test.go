package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rl"
)

// writePairs writes JSONL preference pairs (the gold solution chosen, the
// same worked solution with a wrong final answer rejected) to path.
func writePairs(t *testing.T, path string, exs []data.Example) {
	t.Helper()
	var b strings.Builder
	for _, ex := range exs {
		wrong := strings.Replace(ex.Solution, "<answer>"+ex.Answer+"</answer>", "<answer>"+ex.Answer+"1</answer>", 1)
		line, _ := json.Marshal(map[string]string{"prompt": ex.Prompt, "chosen": ex.Solution, "rejected": wrong})
		b.Write(append(line, '\n'))
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestDPOCommand trains a tiny checkpoint by `rltrain dpo` on seeded pairs:
// the held-out margin and accuracy rise, final/ loads as --init, and
// metrics.jsonl has a line per step with TRL's DPO names.
func TestDPOCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a tiny checkpoint")
	}
	ckpt, _, all := tinyCheckpoint(t)
	dir := t.TempDir()
	train, eval := filepath.Join(dir, "pairs.jsonl"), filepath.Join(dir, "eval.jsonl")
	writePairs(t, train, all[:48])
	writePairs(t, eval, all[600:624])
	out := filepath.Join(dir, "out")
	var stdout bytes.Buffer
	args := []string{"--init", ckpt, "--data", train, "--eval-data", eval, "--out", out,
		"--epochs", "3", "--batch-pairs", "8", "--lr", "1e-3", "--beta", "0.5"}
	if err := dpoCmd(args, &stdout, io.Discard); err != nil {
		t.Fatalf("rltrain dpo: %v\n%s", err, stdout.String())
	}
	var sum struct {
		Steps      int         `json:"steps"`
		EvalBefore rl.DPOStats `json:"eval_before"`
		EvalAfter  rl.DPOStats `json:"eval_after"`
	}
	b, err := os.ReadFile(filepath.Join(out, "summary.json"))
	if err != nil || json.Unmarshal(b, &sum) != nil {
		t.Fatalf("summary.json: %v %s", err, b)
	}
	if sum.Steps != 18 || sum.EvalBefore.Margin != 0 || !(sum.EvalAfter.Margin > 0.5) || !(sum.EvalAfter.Accuracy > sum.EvalBefore.Accuracy) {
		t.Fatalf("steps %d, held-out before %+v, after %+v", sum.Steps, sum.EvalBefore, sum.EvalAfter)
	}
	m, err := os.ReadFile(filepath.Join(out, "metrics.jsonl"))
	if n := strings.Count(string(m), "\n"); err != nil || n != 18 || !strings.Contains(string(m), `"rewards/margins"`) {
		t.Fatalf("metrics.jsonl: %d lines, %v", n, err)
	}
	if _, err := loadCheckpoint(filepath.Join(out, "final")); err != nil {
		t.Fatalf("final/ does not load as --init: %v", err)
	}

	// Bad pairs files are refused with exit 2, naming file:line and the field.
	long := strings.Repeat("9+", 200) + "1"
	for _, c := range []struct{ name, body, want string }{
		{"missing", `{"prompt":"a","chosen":"b","rejected":"c"}` + "\n" + `{"prompt":"a","chosen":"b"}`, `:2: field "rejected": missing`},
		{"empty", `{"prompt":"","chosen":"b","rejected":"c"}`, `:1: field "prompt": empty`},
		{"identical", `{"prompt":"a","chosen":"b","rejected":"b"}`, `:1: field "rejected": identical to chosen`},
		{"not json", `{"prompt":`, `:1: not a JSON object`},
		{"overlong", fmt.Sprintf(`{"prompt":"x","chosen":"b","rejected":"c"}`+"\n"+`{"prompt":%q,"chosen":"b","rejected":"c"}`, long), ":2: prompt + completion is"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "bad.jsonl")
			os.WriteFile(p, []byte(c.body), 0o644)
			code, msg := runInProcess(t, []string{"dpo", "--init", ckpt, "--data", p, "--out", filepath.Join(t.TempDir(), "o")})
			if code != 2 || !strings.Contains(msg, p+c.want) {
				t.Fatalf("exit %d, want 2 with %q:\n%s", code, p+c.want, msg)
			}
		})
	}
	for _, c := range []struct{ args, want string }{
		{"--data x.jsonl", "--init is required"},
		{"--init " + ckpt, "--data is required"},
		{"--init " + ckpt + " --data " + train + " --beta 0", "beta"},
		{"--init " + ckpt + " --data " + train + " --label-smoothing 0.5", "label-smoothing"},
	} {
		if code, msg := runInProcess(t, append([]string{"dpo"}, strings.Fields(c.args)...)); code != 2 || !strings.Contains(msg, c.want) {
			t.Errorf("%s: exit %d, want 2 naming %q: %s", c.args, code, c.want, msg)
		}
	}
}
