package main

// Stopping a run cleanly: SIGINT (Ctrl-C) and SIGTERM (what Slurm and
// Kubernetes send) both let the current step finish, save a checkpoint,
// write a summary marked interrupted (no evaluation of a half-trained model
// as "after"), print how to continue, and exit 130 or 143 as a shell reports
// a process ended by those signals.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
)

// exitError is an error with the process exit code main should use.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }
func (e exitError) ExitCode() int { return e.code }

// interrupts is a context canceled by SIGINT or SIGTERM, and which of them came.
type interrupts struct {
	ctx  context.Context
	mu   sync.Mutex
	sig  os.Signal
	stop func()
}

func notifyInterrupts() *interrupts {
	ctx, cancel := context.WithCancel(context.Background())
	in := &interrupts{ctx: ctx}
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch) // a second Ctrl-C ends the process at once
			in.mu.Lock()
			in.sig = s
			in.mu.Unlock()
			cancel()
		case <-done:
		}
	}()
	in.stop = func() { signal.Stop(ch); close(done); cancel() }
	return in
}

// code is the exit code of the signal that came (130 by default: another
// rank of the job was interrupted).
func (in *interrupts) code() int {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.sig == syscall.SIGTERM {
		return 143
	}
	return 130
}

// refuseFinishedRun refuses an --out folder that holds a finished run.
func refuseFinishedRun(cfg runConfig) error {
	if cfg.Out.Overwrite {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(cfg.Out.Out, "summary.json"))
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return badInput(fmt.Errorf("--out %s: %w", cfg.Out.Out, err))
	case bytes.Contains(b, []byte(`"interrupted"`)):
		return badInput(fmt.Errorf("--out %s holds an interrupted run: continue it with --init from its last checkpoint-N into another --out, or add --overwrite to replace it", cfg.Out.Out))
	}
	return badInput(fmt.Errorf("--out %s already holds a finished run (summary.json): choose another --out, or add --overwrite to replace it", cfg.Out.Out))
}

// badInput marks an error in the user's input (flags, files, data): exit
// code 2, as flag parsing errors have.
func badInput(err error) error {
	if err == nil {
		return nil
	}
	return exitError{code: 2, msg: err.Error()}
}

// interrupted ends a stopped run: the message says what was saved and how
// to go on, and the error carries the signal's exit code.
func interrupted(in *interrupts, steps, total int, ckpt string) error {
	msg := fmt.Sprintf("interrupted after step %d of %d; weights saved in %s; continue from them with --init %s --steps %d (a fresh optimiser and data order)",
		steps, total, ckpt, ckpt, total-steps)
	if ckpt == "" {
		msg = fmt.Sprintf("interrupted before training began (step %d of %d): nothing to save", steps, total)
	}
	return exitError{code: in.code(), msg: msg}
}
