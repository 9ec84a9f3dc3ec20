package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// A signal during the warm start (minutes of SFT, nothing to save) ends the
// process at once with 143, instead of after SFT has run to its end.
func TestSignalDuringWarmStartExitsAtOnce(t *testing.T) {
	if os.Getenv("RLTRAIN_WARM_CHILD") != "" {
		err := runTrain([]string{"--train-n", "300", "--eval-n", "10", "--sft-steps", "1000000", "--steps", "1",
			"--no-cache", "--threads", "1", "--out", os.Getenv("RLTRAIN_WARM_CHILD")})
		t.Fatalf("the warm start ended: %v", err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignalDuringWarmStartExitsAtOnce$")
	cmd.Env = append(os.Environ(), "RLTRAIN_WARM_CHILD="+t.TempDir()+"/run")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "warm start") {
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	go func() {
		for sc.Scan() {
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("SIGTERM during the warm start did not end the process within 30 s")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 143 {
		t.Fatalf("exit %v, want 143; stderr: %s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "interrupted during the warm start") {
		t.Errorf("stderr %q does not say what was interrupted", stderr.String())
	}
	t.Logf("ended %v after SIGTERM", time.Since(sent).Round(time.Millisecond))
}
