package main

// `rltrain bench train` and `rltrain bench generate`: training-step and
// KV-cache generation tokens/s and peak RSS (the transformer issue's speed
// and memory goals). The harness is package bench; this file binds its
// ModelConfig onto flags and gives it this binary to re-execute for the
// isolated measurements. scripts/bench-model-compare.sh runs both beside the
// PyTorch and C peers in bench/torch and bench/c. `rltrain bench grpo` is in
// bench_grpo.go.

import (
	"fmt"
	"io"
	"os"

	"github.com/rltrain/rltrain/bench"
)

func init() {
	register("bench train", "training step (fwd+bwd+AdamW) tok/s and peak RSS, configs S/M, 1 and 2 threads", runBenchTrain)
	register("bench generate", "KV-cache generation tok/s (batch 16 and 1) and peak RSS, configs S/M", runBenchGenerate)
}

// benchModelHelp is the usage text of the flags of bench.ModelConfig.
var benchModelHelp = map[string]string{
	"configs":    "comma-separated model configs: S, M, T (tiny)",
	"threads":    "comma-separated thread counts",
	"batches":    "comma-separated batch sizes (train: empty = 8 for S, 4 for M)",
	"seq":        "training sequence length (0 = the config's max)",
	"prompt-len": "generation: random prompt tokens per row",
	"new-tokens": "generation: new tokens per row (no stop tokens)",
	"greedy":     "generation: argmax decoding instead of sampling at T=1",
	"min-time":   "minimum timed duration of each measurement",
	"min-reps":   "minimum timed repetitions of each measurement (after one warm-up)",
	"isolate":    "run each measurement in a fresh child process (own peak RSS)",
	"format":     "text or tsv",
	"seed":       "seed of the random weights and tokens",
	"one":        "internal: run the single measurement CONFIG,THREADS,BATCH here",
}

func runBenchTrain(args []string) error {
	return runBenchModel(os.Stdout, bench.DefaultTrainConfig(), args)
}

func runBenchGenerate(args []string) error {
	return runBenchModel(os.Stdout, bench.DefaultGenerateConfig(), args)
}

// runBenchModel binds args onto cfg (the defaults of its Kind) and runs it,
// printing to w.
func runBenchModel(w io.Writer, cfg bench.ModelConfig, args []string) error {
	fs := newFlagSet("bench " + cfg.Kind)
	bindStruct(fs, &cfg, "", "bench.ModelConfig", benchModelHelp, "Kind")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	var reexec []string
	if cfg.Isolate && cfg.One == "" {
		var err error
		if reexec, err = benchReexec(cfg.Kind); err != nil {
			return err
		}
	}
	return bench.RunModel(w, cfg, reexec)
}

// benchReexec is the command that runs one measurement of `bench kind` in a
// child process: this binary with the same subcommand (tests replace it).
var benchReexec = func(kind string) ([]string, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("bench %s: finding this binary to run a child: %w", kind, err)
	}
	return []string{exe, "bench", kind}, nil
}
