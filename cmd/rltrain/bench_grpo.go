package main

// `rltrain bench grpo`: one GRPO step split into its phases (rollout, score,
// train), compared with the same shapes run standalone and with the shapes
// of `rltrain bench generate` and `rltrain bench train`. The measuring loop
// is benchGRPOThreads in bench_grpo_threads.go; the helpers (TimeReps,
// Median, LMTrainer, …) are package bench's.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/bench"
	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/tokenizer"
)

func init() {
	register("bench grpo", "one GRPO step's rollout/score/train split vs. the standalone generate and train", runBenchGRPO)
}

// BenchGRPOConfig configures `rltrain bench grpo`.
type BenchGRPOConfig struct {
	// Model is the model configuration: S (the issue's) or T (tiny, for
	// smoke tests). Its vocabulary is the BPE tokenizer's. Default "S".
	Model string
	// Vocab is the BPE vocabulary asked for when training the tokenizer on
	// the countdown demonstrations, and the model's vocabulary size (the
	// tokenizer may learn fewer tokens; the rest are padding ids). Default
	// 512, ≥ 260.
	Vocab int
	// Threads is a comma-separated list of worker counts, one full run each
	// (default "1,2").
	Threads string
	// Prompts P per step (default 16, ≥ 1).
	Prompts int
	// Group G completions per prompt (default 8, ≥ 2).
	Group int
	// MaxCompletion caps each completion (default 128, ≥ 1).
	MaxCompletion int
	// MicroBatch is the sequences per forward/backward pass of the train
	// phase (rl.TrainConfig.MicroBatch; default 64, ≥ 1).
	MicroBatch int
	// Warmup steps run untimed first (default 1, ≥ 0): they allocate the
	// generator and activation buffers.
	Warmup int
	// Steps are timed; each phase reports its median (default 2, ≥ 1).
	Steps int
	// ForceLength samples past the end-of-text token (rl.TrainConfig.IgnoreEOS),
	// so that every row generates exactly MaxCompletion tokens (default true).
	ForceLength bool
	// Format is "text" or "tsv" (default "text").
	Format string
	// Seed seeds the data, the tokenizer corpus, the weights and sampling
	// (default 1).
	Seed uint64
}

// DefaultBenchGRPOConfig returns the documented defaults.
func DefaultBenchGRPOConfig() BenchGRPOConfig {
	return BenchGRPOConfig{Model: "S", Vocab: 512, Threads: "1,2", Prompts: 16, Group: 8, MaxCompletion: 128,
		MicroBatch: 64, Warmup: 1, Steps: 2, ForceLength: true, Format: "text", Seed: 1}
}

// Validate checks the fields and says how to fix a bad one.
func (c BenchGRPOConfig) Validate() error {
	var errs []error
	mc, ok := bench.ModelByName(c.Model)
	if !ok {
		errs = append(errs, fmt.Errorf("-model %q: want S or T", c.Model))
	}
	if _, err := bench.ParseInts("threads", c.Threads); err != nil {
		errs = append(errs, err)
	}
	if c.Vocab < 256+len(tokenizer.DefaultSpecials()) {
		errs = append(errs, fmt.Errorf("-vocab %d: must be ≥ %d (bytes and special tokens)", c.Vocab, 256+len(tokenizer.DefaultSpecials())))
	}
	if c.Prompts < 1 || c.Group < 2 || c.MaxCompletion < 1 || c.MicroBatch < 1 || c.Steps < 1 || c.Warmup < 0 {
		errs = append(errs, fmt.Errorf("-prompts %d, -group %d, -max-completion %d, -micro-batch %d, -steps %d, -warmup %d: need prompts ≥ 1, group ≥ 2, max-completion ≥ 1, micro-batch ≥ 1, steps ≥ 1, warmup ≥ 0",
			c.Prompts, c.Group, c.MaxCompletion, c.MicroBatch, c.Steps, c.Warmup))
	}
	if ok && c.MaxCompletion >= mc.MaxSeqLen {
		errs = append(errs, fmt.Errorf("-max-completion %d leaves no room for a prompt in config %s's %d positions", c.MaxCompletion, c.Model, mc.MaxSeqLen))
	}
	if c.Format != "text" && c.Format != "tsv" {
		errs = append(errs, fmt.Errorf("-format %q: want text or tsv", c.Format))
	}
	return errors.Join(errs...)
}

func runBenchGRPO(args []string) error {
	cfg := DefaultBenchGRPOConfig()
	fs := newFlagSet("bench grpo")
	fs.StringVar(&cfg.Model, "model", cfg.Model, "model config: S or T (tiny)")
	fs.IntVar(&cfg.Vocab, "vocab", cfg.Vocab, "BPE vocabulary trained on countdown demonstrations")
	fs.StringVar(&cfg.Threads, "threads", cfg.Threads, "comma-separated thread counts")
	fs.IntVar(&cfg.Prompts, "prompts", cfg.Prompts, "prompts P per step")
	fs.IntVar(&cfg.Group, "group", cfg.Group, "completions G per prompt")
	fs.IntVar(&cfg.MaxCompletion, "max-completion", cfg.MaxCompletion, "completion cap (tokens)")
	fs.IntVar(&cfg.MicroBatch, "micro-batch", cfg.MicroBatch, "sequences per forward/backward pass")
	fs.IntVar(&cfg.Warmup, "warmup", cfg.Warmup, "untimed steps first")
	fs.IntVar(&cfg.Steps, "steps", cfg.Steps, "timed steps (median per phase)")
	fs.BoolVar(&cfg.ForceLength, "force-length", cfg.ForceLength, "make end-of-text unsampleable so every row generates max-completion tokens")
	fs.StringVar(&cfg.Format, "format", cfg.Format, "text or tsv")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of data, tokenizer corpus, weights and sampling")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	return benchGRPO(context.Background(), os.Stdout, cfg)
}

// grpoPhase is one phase's median time and token rate.
type grpoPhase struct {
	secs, tokens float64
}

func (p grpoPhase) rate() float64 {
	if p.secs <= 0 {
		return 0
	}
	return p.tokens / p.secs
}

// grpoResult is what bench grpo measured at one thread count.
type grpoResult struct {
	threads                int
	rollout, score, train  grpoPhase
	step                   float64 // median total step wall time
	meanLen                float64 // mean completion length
	soloGen, soloTrain     float64 // tok/s of the same shapes outside the trainer
	benchGen16, benchTrain float64 // tok/s of the bench generate (b16) and bench train shapes
}

func benchGRPO(ctx context.Context, w io.Writer, cfg BenchGRPOConfig) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	threads, _ := bench.ParseInts("threads", cfg.Threads)
	mc, _ := bench.ModelByName(cfg.Model)
	name := strings.ToUpper(cfg.Model)

	exs, err := data.Generate("countdown", 2000, cfg.Seed, data.DefaultGenConfig())
	if err != nil {
		return fmt.Errorf("bench grpo: countdown data: %w", err)
	}
	texts := make([]string, len(exs))
	for i, ex := range exs {
		texts[i] = rl.PromptText(ex.Prompt) + ex.Solution
	}
	tcfg := tokenizer.DefaultTrainConfig()
	tcfg.VocabSize = cfg.Vocab
	tok, err := tokenizer.Train(texts, tcfg)
	if err != nil {
		return fmt.Errorf("bench grpo: tokenizer: %w", err)
	}
	eos, ok := tok.SpecialID(tokenizer.EndOfText)
	if !ok {
		return fmt.Errorf("bench grpo: tokenizer has no %s token", tokenizer.EndOfText)
	}
	// Countdown text has few distinct words, so BPE runs out of pairs to
	// merge (≈300 tokens); the model keeps Vocab ids, the unused ones
	// padding (as Qwen pads its vocabulary), so the LM head costs what the
	// S config's does. Decode turns the padding ids into U+FFFD.
	mc.VocabSize = max(tok.VocabSize(), cfg.Vocab)
	reward, err := rewards.ForTask("countdown")
	if err != nil {
		return fmt.Errorf("bench grpo: %w", err)
	}

	tsv := cfg.Format == "tsv"
	if tsv {
		fmt.Fprintf(w, "# bench grpo path=%s cpu=%q model=%s vocab=%d P=%d G=%d max_completion=%d\n", asm.Path(), asm.CPUName(), name, mc.VocabSize, cfg.Prompts, cfg.Group, cfg.MaxCompletion)
		fmt.Fprintln(w, "threads\tstep_s\trollout_s\tscore_s\ttrain_s\trollout_tok_s\tscore_tok_s\ttrain_tok_s\tmean_len\tsolo_gen_tok_s\tsolo_train_tok_s\tbench_gen16_tok_s\tbench_train_tok_s")
	} else {
		fmt.Fprintf(w, "rltrain bench grpo — kernels %s on %s\n", asm.Path(), asm.CPUName())
		fmt.Fprintf(w, "config %s (vocab %d; BPE of %d tokens on countdown demos), random init, P=%d prompts × G=%d, max completion %d, T=1, force-length=%v; %d warm-up + median of %d steps\n",
			name, mc.VocabSize, tok.VocabSize(), cfg.Prompts, cfg.Group, cfg.MaxCompletion, cfg.ForceLength, cfg.Warmup, cfg.Steps)
	}
	for _, t := range threads {
		r, err := benchGRPOThreads(ctx, cfg, mc, tok, eos, reward, exs, t)
		if err != nil {
			return err
		}
		if tsv {
			fmt.Fprintf(w, "%d\t%.6f\t%.6f\t%.6f\t%.6f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\n", t, r.step,
				r.rollout.secs, r.score.secs, r.train.secs, r.rollout.rate(), r.score.rate(), r.train.rate(), r.meanLen,
				r.soloGen, r.soloTrain, r.benchGen16, r.benchTrain)
			continue
		}
		fmt.Fprintf(w, "\nthreads %d: step %.2fs, mean completion %.1f tokens\n", t, r.step, r.meanLen)
		fmt.Fprintf(w, "  %-8s %8s %6s %12s   %s\n", "phase", "wall s", "share", "tok/s", "vs. standalone (same shape; bench shape)")
		share := func(p grpoPhase) float64 { return 100 * p.secs / r.step }
		fmt.Fprintf(w, "  %-8s %8.2f %5.1f%% %12.1f   %s\n", "rollout", r.rollout.secs, share(r.rollout), r.rollout.rate(),
			phaseVerdict(r.rollout.rate(), r.soloGen, r.benchGen16, "generate b16"))
		fmt.Fprintf(w, "  %-8s %8.3f %5.1f%% %12.1f   (rewards on generated tokens)\n", "score", r.score.secs, share(r.score), r.score.rate())
		fmt.Fprintf(w, "  %-8s %8.2f %5.1f%% %12.1f   %s\n", "train", r.train.secs, share(r.train), r.train.rate(),
			phaseVerdict(r.train.rate(), r.soloTrain, r.benchTrain, fmt.Sprintf("train %d×%d", bench.DefaultTrainBatch(name), mc.MaxSeqLen)))
	}
	return nil
}

// phaseVerdict compares a phase's rate with the standalone rates; the goal
// is within 20% (ratio ≥ 0.8) of the same-shape standalone part.
func phaseVerdict(rate, solo, bench float64, benchName string) string {
	ok := "ok"
	if rate < 0.8*solo {
		ok = "SLOWER than the 20% goal"
	}
	return fmt.Sprintf("%.2f× of %.1f (%s); %.2f× of bench %s %.1f", rate/solo, solo, ok, rate/bench, benchName, bench)
}
