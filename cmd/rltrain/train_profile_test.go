package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/rltrain/rltrain/prof"
	"github.com/rltrain/rltrain/rl"
)

// A profiled tiny run, warm start included, with two worker threads: its
// CPU time is labelled by phase, the pool helpers' share included, and
// little is left as "other".
func TestTinyRunProfileIsLabelled(t *testing.T) {
	if testing.Short() {
		t.Skip("a short training run")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "cpu.pprof")
	err := runTrain([]string{"--algo", "grpo", "--task", "arithmetic", "--train-n", "200", "--sft-steps", "40", "--steps", "2",
		"--prompts-per-step", "4", "--eval-n", "8", "--eval-k", "2", "--threads", "2", "--no-cache",
		"--model-hidden-size", "64", "--model-num-hidden-layers", "2", "--model-intermediate-size", "128",
		"--model-num-attention-heads", "2", "--model-num-key-value-heads", "2", "--model-head-dim", "32",
		"--out", filepath.Join(dir, "run"), "--cpuprofile", path})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := prof.Summarize(f, 5)
	if err != nil {
		t.Fatal(err)
	}
	if s.Samples < 50 {
		t.Skipf("only %d profile samples: too few to judge the shares", s.Samples)
	}
	known := map[string]bool{prof.Other: true}
	for _, p := range []string{rl.PhaseTokenizer, rl.PhaseSFT, rl.PhaseRollout, rl.PhaseScore, rl.PhaseTrain, rl.PhaseEval, rl.PhaseCheckpoint, rl.PhaseLog} {
		known[p] = true
	}
	for _, p := range s.Phases {
		if !known[p.Name] {
			t.Errorf("unknown phase %q (%.1f%%)", p.Name, 100*p.Share)
		}
	}
	// The phases big enough to be sampled in any tiny run.
	for _, name := range []string{rl.PhaseSFT, rl.PhaseRollout, rl.PhaseTrain, rl.PhaseEval} {
		if _, ok := s.Phase(name); !ok {
			t.Errorf("no samples labelled %s in %d", name, s.Samples)
		}
	}
	if o, _ := s.Phase(prof.Other); o.Share > 0.10 {
		t.Errorf("%.1f%% of the CPU time is unlabelled (want < 10%%); its top functions: %+v", 100*o.Share, o.ByCum)
	}
}
