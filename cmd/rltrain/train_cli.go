package main

// runTrain: the process around a training run — flags, threads, profiles,
// the MPI communicator, signals — and the exit code.

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/rltrain/rltrain/dist"
	"github.com/rltrain/rltrain/prof"
	"github.com/rltrain/rltrain/tensor"
)

func runTrain(args []string) error {
	cfg, err := parseRunConfig(args, os.Stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return badInput(err)
	}
	if cfg.Out.Threads > 0 {
		tensor.SetThreads(cfg.Out.Threads)
	}
	if cfg.Out.Out == "" {
		cfg.Out.Out = filepath.Join("runs", time.Now().Format("20060102-150405"))
	}
	if cfg.Warm.Cache == "" && !cfg.Warm.NoCache {
		if d, err := os.UserCacheDir(); err == nil {
			cfg.Warm.Cache = filepath.Join(d, "rltrain")
		}
	}
	if cfg.Warm.NoCache {
		cfg.Warm.Cache = ""
	}
	if cfg.Out.PprofAddr != "" {
		go func() {
			if err := http.ListenAndServe(cfg.Out.PprofAddr, nil); err != nil {
				fmt.Fprintf(os.Stderr, "pprof server: %v\n", err)
			}
		}()
	}
	if cfg.Out.CPUProfile != "" {
		f, err := os.Create(cfg.Out.CPUProfile)
		if err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	comm, err := dist.Open()
	if err != nil {
		return err
	}
	defer comm.Close()
	defer dist.Guard(comm)
	intr := notifyInterrupts()
	defer intr.stop()
	var stdout io.Writer = os.Stdout
	if comm.Rank() != 0 {
		stdout = io.Discard // rank 0 speaks and writes for the job
	}
	err = train(intr, cfg, comm, stdout)
	if cfg.Out.CPUProfile != "" && err == nil {
		pprof.StopCPUProfile()
		printPhaseShares(cfg.Out.CPUProfile, stdout)
	}
	var ee exitError
	if err != nil && comm.Size() > 1 && !errors.As(err, &ee) {
		// The other ranks may be waiting in a collective: end the job.
		fmt.Fprintf(os.Stderr, "rltrain: rank %d of %d: %v\n", comm.Rank(), comm.Size(), err)
		comm.Abort(1)
	}
	if cfg.Out.MemProfile != "" {
		f, ferr := os.Create(cfg.Out.MemProfile)
		if ferr != nil {
			return errors.Join(err, fmt.Errorf("--memprofile: %w", ferr))
		}
		runtime.GC()
		pprof.WriteHeapProfile(f)
		f.Close()
	}
	return err
}

// printPhaseShares prints the share of each phase in the run's CPU profile
// (the table of `rltrain profile`, on one line); a profile it cannot read
// is reported and otherwise ignored: the run itself succeeded.
func printPhaseShares(path string, stdout io.Writer) {
	f, err := os.Open(path)
	if err == nil {
		defer f.Close()
		var s prof.Summary
		if s, err = prof.Summarize(f, 0); err == nil {
			s.WriteShares(stdout)
			fmt.Fprintf(stdout, "  (top functions per phase: rltrain profile %s)\n", path)
			return
		}
	}
	fmt.Fprintf(os.Stderr, "--cpuprofile %s: %v\n", path, err)
}
