package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SIGTERM (what Slurm and Kubernetes send) cancels the run's context and
// maps to exit code 143; the error of an interrupted run carries it.
func TestInterruptsSIGTERM(t *testing.T) {
	in := notifyInterrupts()
	defer in.stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-in.ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
	err := interrupted(in, 3, 10, "runs/x/checkpoint-3")
	var ee exitError
	if !errors.As(err, &ee) || ee.ExitCode() != 143 || !strings.Contains(err.Error(), "--init runs/x/checkpoint-3 --steps 7") {
		t.Fatalf("%v (code %d)", err, ee.code)
	}
}

// Bad input exits 2 with the flag and the fix named, and nothing is overwritten.
func TestTrainBadInput(t *testing.T) {
	dir := t.TempDir()
	done := filepath.Join(dir, "done")
	os.MkdirAll(done, 0o755)
	os.WriteFile(filepath.Join(done, "summary.json"), []byte(`{"steps": 3}`), 0o644)
	stopped := filepath.Join(dir, "stopped")
	os.MkdirAll(stopped, 0o755)
	os.WriteFile(filepath.Join(stopped, "summary.json"), []byte(`{"steps": 3, "interrupted": "exit 130"}`), 0o644)
	cfg, _ := defaultRunConfig("grpo")
	for out, want := range map[string]string{done: "already holds a finished run", stopped: "holds an interrupted run"} {
		cfg.Out.Out = out
		err := refuseFinishedRun(cfg)
		var ee exitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--overwrite") {
			t.Errorf("%s: %v", out, err)
		}
		cfg.Out.Overwrite = true
		if err := refuseFinishedRun(cfg); err != nil {
			t.Errorf("--overwrite: %v", err)
		}
		cfg.Out.Overwrite = false
	}
	if b, _ := os.ReadFile(filepath.Join(done, "summary.json")); string(b) != `{"steps": 3}` {
		t.Fatal("summary.json changed")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--init", "ckpt", "--model-hidden-size", "64"}, "--model-hidden-size: the model comes from --init ckpt"},
		{[]string{"--init", "ckpt", "--sft-lr", "0.1"}, "--sft-lr"},
	} {
		if _, err := parseRunConfig(c.args, io.Discard); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	empty := filepath.Join(dir, "empty.jsonl")
	os.WriteFile(empty, nil, 0o644)
	train := filepath.Join(dir, "train.jsonl")
	os.WriteFile(train, []byte(`{"prompt": "1+1", "answer": "2"}`+"\n"), 0o644)
	cfg, err := parseRunConfig([]string{"--data", train, "--eval-data", empty, "--reward", "accuracy"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, _, err := taskData(cfg); err == nil || !strings.Contains(err.Error(), "--eval-data "+empty+" holds none") {
		t.Errorf("empty --eval-data: %v", err)
	}
}
