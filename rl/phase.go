package rl

import (
	"context"
	"runtime/pprof"

	"github.com/rltrain/rltrain/tensor"
)

// The phases of a run, as CPU-profile labels: every part of a run that
// takes time runs under the pprof label "phase" = one of these, so that
// `rltrain profile cpu.pprof` (package prof) splits a profile by them and
// little is left unlabelled.
const (
	PhaseLabel = "phase"

	PhaseTokenizer  = "tokenizer"  // warm start: BPE training
	PhaseSFT        = "sft"        // warm start: supervised fine-tuning
	PhaseRollout    = "rollout"    // sampling the training completions
	PhaseScore      = "score"      // rewards (and the label-free honesty monitor)
	PhaseTrain      = "train"      // reference/old scores, advantages, backward, all-reduce, optimiser
	PhaseEval       = "eval"       // held-out evaluation, its sampling and scoring included
	PhaseCheckpoint = "checkpoint" // writing checkpoints and the final model
	PhaseLog        = "log"        // the run folder's plots
)

// Phase runs f under the profiling label phase = name, the tensor worker
// pool's helpers included (tensor.Do). When ctx already carries a phase,
// that outer phase keeps the time: evaluation samples and scores, and all of
// it counts as eval, not as rollout and score.
func Phase(ctx context.Context, name string, f func(context.Context)) {
	if _, ok := pprof.Label(ctx, PhaseLabel); ok {
		f(ctx)
		return
	}
	tensor.Do(ctx, pprof.Labels(PhaseLabel, name), f)
}
