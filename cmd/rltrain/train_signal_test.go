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
	err := interrupted(in, 3, 10, "runs/x/checkpoint-3", "runs/x")
	var ee exitError
	if !errors.As(err, &ee) || ee.ExitCode() != 143 || !strings.Contains(err.Error(), "rltrain --resume runs/x") {
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
	cfg.Out.Out = done
	_, err := findResume(cfg, false, io.Discard)
	var ee exitError
	if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(err.Error(), "already holds a finished run") || !strings.Contains(err.Error(), "--overwrite") {
		t.Errorf("%s: %v", done, err)
	}
	cfg.Out.Overwrite = true
	if rp, err := findResume(cfg, false, io.Discard); err != nil || rp.dir != "" {
		t.Errorf("--overwrite: %v %v", rp, err)
	}
	cfg.Out.Overwrite = false
	// An interrupted run without a config or checkpoint: --resume says why it cannot.
	cfg.Out.Out = stopped
	if _, err := findResume(cfg, true, io.Discard); err == nil || !strings.Contains(err.Error(), "no config.json") {
		t.Errorf("--resume without a run: %v", err)
	}
	os.WriteFile(filepath.Join(stopped, "config.json"), []byte(`{}`), 0o644)
	if _, err := findResume(cfg, true, io.Discard); err == nil || !strings.Contains(err.Error(), "no complete checkpoint") {
		t.Errorf("--resume without a checkpoint: %v", err)
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
	cfg, err = parseRunConfig([]string{"--data", train, "--eval-data", empty, "--reward", "accuracy"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, _, err := taskData(cfg); err == nil || !strings.Contains(err.Error(), "--eval-data "+empty+" holds none") {
		t.Errorf("empty --eval-data: %v", err)
	}
}
