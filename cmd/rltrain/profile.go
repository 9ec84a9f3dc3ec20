package main

// `rltrain profile cpu.pprof` — the share of each phase of a run (the pprof
// label "phase", rl.Phase*: tokenizer, sft, rollout, score, train, eval,
// checkpoint, log; unlabelled samples are "other") in a CPU profile written
// by --cpuprofile, and each phase's top functions.

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/rltrain/rltrain/prof"
)

func init() {
	register("profile", "split a --cpuprofile CPU profile by phase (sft/rollout/score/train/eval/…/other), top functions of each", runProfile)
}

func runProfile(args []string) error { return profileCmd(args, os.Stdout, os.Stderr) }

const profileUsage = `usage: rltrain profile [--top N] cpu.pprof

Reads a CPU profile written by --cpuprofile and prints the share of each
phase (the pprof label "phase": tokenizer and sft for the warm start,
rollout, score, train, eval, checkpoint, log; samples without it are
"other"), then each phase's top N functions by flat time (running) and by
cumulative time (on the stack). The tensor worker pool's threads carry the
label of the phase they work for. A training run given --cpuprofile prints
the shares itself at its end.
For anything deeper: go tool pprof -tagfocus phase=rollout cpu.pprof

flags:
`

func profileCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("profile")
	fs.SetOutput(stderr)
	top := fs.Int("top", 10, "functions listed per phase in each ordering, flat and cum (0: all)")
	fs.Usage = func() {
		fmt.Fprint(stderr, profileUsage)
		fs.PrintDefaults()
	}
	// The file may come before or after the flags.
	var files []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	switch {
	case len(files) == 0:
		fs.Usage()
		return errors.New("name the CPU profile to read, e.g. rltrain profile cpu.pprof")
	case len(files) > 1:
		return fmt.Errorf("one profile at a time (got %d: %v)", len(files), files)
	case *top < 0:
		return fmt.Errorf("--top %d: must be ≥ 0", *top)
	}
	f, err := os.Open(files[0])
	if err != nil {
		return err
	}
	defer f.Close()
	s, err := prof.Summarize(f, *top)
	if err != nil {
		return fmt.Errorf("%s: %w", files[0], err)
	}
	return s.Write(stdout)
}
