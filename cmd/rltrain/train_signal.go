package main

// Stopping a run cleanly: SIGINT (Ctrl-C) and SIGTERM (what Slurm and
// Kubernetes send) both let the current step finish, save a checkpoint,
// write a summary marked interrupted (no evaluation of a half-trained model
// as "after"), print how to continue, and exit 130 or 143 as a shell reports
// a process ended by those signals.

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
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
	// phase, when set, names a phase with nothing to save (the warm
	// start's SFT, which runs for minutes and writes its cache atomically):
	// a signal then ends the process at once instead of after it.
	phase atomic.Pointer[string]
}

// exitDuring makes a signal end the process at once while phase runs; the
// returned func restores the usual stop-after-the-step behaviour.
func (in *interrupts) exitDuring(phase string) func() {
	in.phase.Store(&phase)
	return func() { in.phase.Store(nil) }
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
			if p := in.phase.Load(); p != nil {
				fmt.Fprintf(os.Stderr, "interrupted during %s: nothing to save; run the same command again to start over\n", *p)
				os.Exit(in.code())
			}
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
func interrupted(in *interrupts, steps, total int, ckpt, runDir string) error {
	msg := fmt.Sprintf("interrupted after step %d of %d; saved %s; resume with: rltrain --resume %s",
		steps, total, ckpt, runDir)
	if ckpt == "" {
		msg = fmt.Sprintf("interrupted before training began (step %d of %d): nothing to save", steps, total)
	}
	return exitError{code: in.code(), msg: msg}
}
