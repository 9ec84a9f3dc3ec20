package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/run"
	"github.com/rltrain/rltrain/warmstart"
)

func TestRewardProgramFlagsNameTheFix(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--reward-cmd", "python3 check.py"}, `want NAME=COMMAND, e.g. --reward-cmd mycheck=`},
		{[]string{"--reward-http", "http://localhost:5000"}, `want NAME=URL`},
		{[]string{"--reward-cmd", "a=true", "--reward-http", "a=http://x", "--reward", "a"}, `reward name "a" is given twice`},
		{[]string{"--reward-cmd", "countdown=true"}, `"countdown" is a built-in reward`},
		{[]string{"--reward-cmd", "judge=true", "--reward", "judge"}, `"judge" is the name of a reward rltrain defines`},
		{[]string{"--reward-cmd", "my check=true"}, `must start with a letter`},
		{[]string{"--reward-cmd", "c:1=true"}, `must start with a letter`},
		{[]string{"--reward-cmd", "mine="}, `empty COMMAND`},
		{[]string{"--reward-cmd", "mine=true", "--reward", "countdown:1"}, `does not name the reward program "mine": add mine:1`},
		{[]string{"--reward-cmd", "mine=true", "--reward-cmd-max-batch", "0", "--reward", "mine"}, `MaxBatch 0`},
		{[]string{"--reward-http", "srv=http://x", "--reward-http-timeout", "0s", "--reward", "srv"}, `Timeout 0s`},
	} {
		_, err := parseRunConfig(c.args, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: err = %v, want it to mention %q", c.args, err, c.want)
		}
	}
}

// The programs are part of the resolved config and config.json, so
// --resume (and --config) starts them again; a flag replaces the list.
func TestRewardProgramsInConfig(t *testing.T) {
	cfg, err := parseRunConfig([]string{"--reward-cmd", "a=python3 x.py --k=1", "--reward-cmd", "b=sh y.sh", "--reward", "a:1,b:0.5",
		"--reward-cmd-timeout", "5s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.MarshalIndent(cfg, "", "  ")
	if !strings.Contains(string(b), `"cmd": [`) || !strings.Contains(string(b), `"a=python3 x.py --k=1"`) || !strings.Contains(string(b), `"timeout": 5000000000`) {
		t.Fatalf("resolved config lacks the programs:\n%s", b)
	}
	path := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(path, b, 0o644)
	back, err := parseRunConfig([]string{"--config", path}, io.Discard)
	if err != nil || strings.Join(back.Task.Programs.Cmd, "|") != "a=python3 x.py --k=1|b=sh y.sh" {
		t.Fatalf("from config.json: %v %v", err, back.Task.Programs.Cmd)
	}
	over, err := parseRunConfig([]string{"--config", path, "--reward-cmd", "a=true", "--reward", "a"}, io.Discard)
	if err != nil || strings.Join(over.Task.Programs.Cmd, "|") != "a=true" {
		t.Fatalf("flag over config.json: %v %v", err, over.Task.Programs.Cmd)
	}
}

// A --data file whose examples name no task trains on accuracy when they
// carry answers (and says so), and stops with an error when some do not.
func TestDataWithAnswersDefaultsToAccuracy(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for i := 0; i < 40; i++ {
		lines = append(lines, `{"prompt": "what is `+strconv.Itoa(i)+`+1?", "answer": "`+strconv.Itoa(i+1)+`"}`)
	}
	path := filepath.Join(dir, "qa.jsonl")
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	cfg, err := parseRunConfig([]string{"--data", path}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	trainEx, _, reward, _, err := taskData(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := reward.Names(); len(got) != 1 || got[0] != "accuracy" {
		t.Errorf("rewards %v, want [accuracy]", got)
	}
	if note := rewardNote(cfg.Task, trainEx); !strings.Contains(note, "training on accuracy:1") || !strings.Contains(note, path) {
		t.Errorf("note %q", note)
	}
	// With a built-in task or an explicit --reward there is nothing to say.
	cfg.Task.Reward = "accuracy:1,format:0.1"
	if note := rewardNote(cfg.Task, trainEx); note != "" {
		t.Errorf("note with --reward: %q", note)
	}

	lines[3] = `{"prompt": "say something"}`
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	cfg, err = parseRunConfig([]string{"--data", path, "--jsonl-require-answer=false"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, _, err = taskData(cfg); err == nil || !strings.Contains(err.Error(), "not every example has an answer") || !strings.Contains(err.Error(), "--reward-cmd") {
		t.Errorf("err %v", err)
	}
}

func TestRewardProgramThatCannotStartStopsTheRun(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	cfg, err := parseRunConfig([]string{"--reward-cmd", "mine=exit 4", "--reward", "mine", "--out", out}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var stdout bytes.Buffer
	err = train(&interrupts{ctx: context.Background()}, cfg, dist.Local(), &stdout)
	if err == nil || !strings.Contains(err.Error(), "--reward-cmd mine") || !strings.Contains(err.Error(), "exit status 4") {
		t.Fatalf("err %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "metrics.jsonl")); err == nil {
		t.Error("a run started without its reward program")
	}
}

// tinyCountdownCheckpoint is a ~0.1M-parameter model SFT-trained briefly on
// two-number countdown, with the task flags of its problems.
func tinyCountdownCheckpoint(t *testing.T) (dir string, task []string) {
	t.Helper()
	task = []string{"--task", "countdown", "--countdown-min-numbers", "2", "--countdown-max-numbers", "2", "--countdown-max-value", "20",
		"--countdown-max-target", "40", "--countdown-failed-tries", "0", "--train-n", "400", "--eval-n", "16"}
	gc := data.DefaultGenConfig()
	cd := &gc.Countdown
	cd.MinNumbers, cd.MaxNumbers, cd.MaxValue, cd.MaxTarget, cd.MaxFailedTries = 2, 2, 20, 40, 0
	all, err := data.Generate("countdown", 432, 1, gc)
	if err != nil {
		t.Fatal(err)
	}
	wc := warmstart.DefaultConfig()
	wc.Model.Dim, wc.Model.NHeads, wc.Model.NKVHeads, wc.Model.FFNDim, wc.Model.NLayers = 64, 4, 2, 160, 2
	wc.Model.MaxSeqLen = 128
	wc.SFT.Steps, wc.SFT.BatchSeqs, wc.SFT.EvalEvery = 400, 16, 0
	wc.VocabSize = 280
	ws, err := warmstart.Build(wc, all, nil, "", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "ckpt")
	if err := run.SaveCheckpoint(dir, ws.Model, ws.Tok); err != nil {
		t.Fatal(err)
	}
	return dir, task
}

// TestPythonCountdownTrainsLikeBuiltin: with the same seed, a run rewarded
// by examples/reward_countdown.py logs the built-in countdown run's reward
// curve exactly, the program is gone when the run ends, and `rltrain eval`
// takes the same flags.
func TestPythonCountdownTrainsLikeBuiltin(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a tiny checkpoint and two short runs")
	}
	if _, err := exec.LookPath("python3"); err != nil {
		if os.Getenv("RLTRAIN_REQUIRE_PEERS") == "1" {
			t.Fatal("python3 unavailable")
		}
		t.Skip("python3 unavailable: the Python reward program is not run")
	}
	ckpt, task := tinyCountdownCheckpoint(t)
	script, _ := filepath.Abs("../../examples/reward_countdown.py")
	pidFile := filepath.Join(t.TempDir(), "pid")
	program := "countdown_py=echo $$ > '" + pidFile + "'; exec python3 '" + script + "'"
	base := append([]string{"--init", ckpt, "--steps", "3", "--prompts-per-step", "8", "--group-size", "4",
		"--max-completion-length", "48", "--eval-k", "1", "--eval-max-new-tokens", "48", "--seed", "5", "--threads", "2"}, task...)
	curves := map[string][]map[string]float64{}
	for name, args := range map[string][]string{
		"countdown":    {"--reward", "countdown:1"},
		"countdown_py": {"--reward-cmd", program, "--reward", "countdown_py:1"},
	} {
		out := filepath.Join(t.TempDir(), name)
		cfg, err := parseRunConfig(append(append(append([]string{}, base...), args...), "--out", out), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		var stdout bytes.Buffer
		if err := train(&interrupts{ctx: context.Background()}, cfg, dist.Local(), &stdout); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, stdout.String())
		}
		curves[name] = readMetrics(t, filepath.Join(out, "metrics.jsonl"))
	}
	a, b := curves["countdown"], curves["countdown_py"]
	if len(a) != 3 || len(b) != 3 {
		t.Fatalf("%d and %d steps logged", len(a), len(b))
	}
	for s := range a {
		for _, k := range []string{"reward", "reward_std", "loss", "completion_length"} {
			if a[s][k] != b[s][k] {
				t.Errorf("step %d %s: built-in %v, program %v", s+1, k, a[s][k], b[s][k])
			}
		}
		if a[s]["rewards/countdown/mean"] != b[s]["rewards/countdown_py/mean"] {
			t.Errorf("step %d: rewards/countdown/mean %v, rewards/countdown_py/mean %v", s+1, a[s]["rewards/countdown/mean"], b[s]["rewards/countdown_py/mean"])
		}
	}
	informative := false
	for s := range a {
		t.Logf("step %d: reward %.4f (built-in) %.4f (program), loss %.6g %.6g", s+1, a[s]["reward"], b[s]["reward"], a[s]["loss"], b[s]["loss"])
		informative = informative || (a[s]["reward"] > 0 && a[s]["reward"] < 1)
	}
	if !informative {
		t.Error("every step's reward is 0 or 1: the comparison says nothing")
	}
	pidText, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	if pid, _ := strconv.Atoi(strings.TrimSpace(string(pidText))); pid <= 0 || syscall.Kill(pid, 0) == nil {
		t.Errorf("reward program (pid %q) still running after the run", pidText)
	}
	// rltrain eval takes the same flags.
	_, res := readEval(t, append(append([]string{"--init", ckpt, "--eval-k", "1", "--eval-max-new-tokens", "48"}, task...),
		"--reward-cmd", program, "--reward", "countdown_py:1")...)
	if res.N != 16 {
		t.Errorf("eval with a reward program: %+v", res)
	}
}

// Both kinds start from their flags and join one weighted sum; Close ends
// the program.
func TestStartProgramsBothKinds(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct{ Query []string }
		json.NewDecoder(r.Body).Decode(&req)
		rs := make([]float64, len(req.Query))
		for i := range rs {
			rs[i] = 0.25
		}
		json.NewEncoder(w).Encode(map[string]any{"rewards": rs})
	}))
	defer srv.Close()
	script, _ := filepath.Abs("../../examples/reward_len.sh")
	cfg, err := parseRunConfig([]string{"--reward-cmd", "short=sh '" + script + "' 8", "--reward-http", "srv=" + srv.URL, "--reward", "short:1,srv:2"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	rp, err := startPrograms(cfg.Task.Programs, &log)
	if err != nil {
		t.Fatal(err)
	}
	defer rp.Close()
	cfg.Task.running = rp
	w, err := rewards.ParseSpec(cfg.Task.Reward, specOptions(cfg, cfg.SelfReward))
	if err != nil {
		t.Fatal(err)
	}
	items := []rewards.Item{{Example: data.Example{ID: "a", Prompt: "p"}, Completion: rewards.Completion{Text: "x", Tokens: 4}},
		{Example: data.Example{ID: "a", Prompt: "p"}, Completion: rewards.Completion{Text: "y", Tokens: 12}}}
	totals, _ := rewards.ScoreItems(context.Background(), w, items, time.Second)
	if !totals[0].OK || totals[0].Score != 1.5 || totals[1].Score != 0.5+0.5 {
		t.Errorf("totals %v, log %s", totals, log.String())
	}
	rp.Close()
	if totals, _ := rewards.ScoreItems(context.Background(), w, items[:1], time.Second); totals[0].OK {
		t.Errorf("scored after Close: %v", totals[0])
	}
}
