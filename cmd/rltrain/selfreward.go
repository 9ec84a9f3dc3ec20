package main

// `rltrain self-reward --init DIR --iterations N` — the Self-Rewarding loop
// (docs/algorithms.md §6.2): each iteration the model samples responses to
// new training prompts, judges them itself in the RISE verification
// format, and is trained by DPO on its best- vs worst-judged responses;
// iter-N/ keeps each iteration's checkpoint and stats.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/run"
	"github.com/rltrain/rltrain/selfimprove"
	"github.com/rltrain/rltrain/tensor"
	"github.com/rltrain/rltrain/tokenizer"
)

func init() {
	register("self-reward", "iterative Self-Rewarding: sample, judge with the model itself, DPO on best vs worst, repeat", runSelfReward)
}

// selfRewardCmdConfig is everything `rltrain self-reward` reads; it is
// summary.json's "config".
type selfRewardCmdConfig struct {
	// Init is the starting checkpoint; it must already write the RISE
	// verification format (a warm start built with --rise). Required.
	Init string `json:"init"`
	// Out is the output folder. Default runs/self-reward-<timestamp>.
	Out string `json:"out"`
	// Threads is the number of worker threads (0: GOMAXPROCS).
	Threads int `json:"threads"`
	// Loop is the loop, its judge and its DPO.
	Loop selfimprove.SelfRewardConfig `json:"self_reward"`
	// Rise holds the verification format the judge prompts with.
	Rise selfimprove.RISEConfig `json:"rise"`
	// Eval is the held-out pass@1 evaluation, as training's --eval-* flags.
	Eval rl.EvalConfig `json:"eval"`
	// Task says where the prompts and the verifier come from, as in training.
	Task taskConfig `json:"task"`
}

var selfRewardFlagHelp = map[string]string{
	"init":          "starting checkpoint that writes the RISE verification format (e.g. runs/W/final of rltrain --algo grpo --rise --steps 0)",
	"out":           "output folder (default runs/self-reward-<timestamp>): iter-N/, metrics.jsonl, summary.json",
	"iterations":    "sample → judge → DPO rounds",
	"prompts":       "new training prompts per iteration",
	"samples":       "responses sampled per prompt (K)",
	"length-margin": "≥ 0: Meta-Rewarding length control, the shortest response within this judge-score margin of the best is chosen; < 0 off",
	"pref-problems": "held-out problems sampled once for the preference pairs (one correct, one incorrect response)",
	"judge-samples": "judgments sampled per response and averaged (J)",
	"beta":          "DPO β: scale of the implicit reward β·(log π − log π_ref)",
	"seed":          "seed of the prompt order and of every sampled stream",
}

const selfRewardUsage = `usage: rltrain self-reward --init DIR [--iterations N] [--task NAME | --data FILE] [--out DIR] [flags]

Self-Rewarding (docs/algorithms.md §6.2). Each iteration: K responses to each of --prompts new
training prompts, J judgments of each by the model itself in the RISE verification format (score =
share of "correct" verdicts), chosen = best-judged, rejected = worst (ties skipped), DPO from the
current model against a frozen copy of it. The task's verifier only measures: judge agreement on
the training responses, held-out pass@1, and held-out preference accuracy.

The starting checkpoint must know the verification format, e.g.:
  rltrain --algo grpo --rise --sft-steps 4500 --steps 0 --out runs/warm   (then --init runs/warm/final)

flags:
`

func runSelfReward(args []string) error { return runInterruptible(args, selfRewardCmd) }

func parseSelfRewardConfig(args []string, stderr io.Writer) (selfRewardCmdConfig, error) {
	def, err := defaultRunConfig("grpo")
	if err != nil {
		return selfRewardCmdConfig{}, err
	}
	cfg := selfRewardCmdConfig{Loop: selfimprove.DefaultSelfRewardConfig(), Rise: def.Rise.Stage, Eval: def.Eval, Task: def.Task}
	cfg.Loop.MaxNewTokens = def.Eval.MaxNewTokens
	fs, help := subcmdFlagSet("self-reward", selfRewardUsage, selfRewardFlagHelp, stderr)
	bindStruct(fs, &cfg, "", "selfRewardCmdConfig", help)
	bindStruct(fs, &cfg.Loop, "", "selfimprove.SelfRewardConfig", help)
	bindStruct(fs, &cfg.Loop.Judge, "judge-", "selfimprove.JudgeConfig", help, "Source")
	bindStruct(fs, &cfg.Loop.DPO, "", "rl.DPOConfig", help)
	bindStruct(fs, &cfg.Loop.Train, "dpo-", "rl.DPOTrainConfig", help)
	bindStruct(fs, &cfg.Rise, "rise-", "selfimprove.RISEConfig", help, "Verify", "Samples", "Selection", "LossWeight", "MaxNewTokens", "EvalSamples")
	bindStruct(fs, &cfg.Eval, "eval-", "rl.EvalConfig", help)
	bindTaskFlags(fs, &cfg.Task, help)
	if err := parseSubcmdFlags(fs, args); err != nil {
		return cfg, err
	}
	if cfg.Init == "" {
		return cfg, errors.New("--init is required: a checkpoint that writes the RISE verification format (build one with `rltrain --algo grpo --rise --sft-steps 4500 --steps 0 --out runs/warm`, then --init runs/warm/final)")
	}
	return cfg, errors.Join(cfg.Loop.Validate(), cfg.Rise.Validate(), cfg.Eval.Validate())
}

// selfRewardSummary is summary.json.
type selfRewardSummary struct {
	Init        string                  `json:"init"`
	Task        string                  `json:"task"`
	Iterations  []selfimprove.IterStats `json:"iterations"`
	WallSeconds float64                 `json:"wall_time_s"`
	Config      selfRewardCmdConfig     `json:"config"`
}

func selfRewardCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	cfg, err := parseSelfRewardConfig(args, stderr)
	if err != nil {
		return inputErr(err)
	}
	if cfg.Threads > 0 {
		defer tensor.SetThreads(tensor.SetThreads(cfg.Threads))
	}
	pol, err := loadCheckpoint(cfg.Init)
	if err != nil {
		return badInput(err)
	}
	tok, ok := pol.Codec.(*tokenizer.Tokenizer)
	if !ok {
		return errors.New("self-reward: the checkpoint's tokenizer cannot be saved")
	}
	rc, _ := defaultRunConfig("grpo")
	rc.Task = cfg.Task
	rc.Algo.Policy().MaxCompletionLen = cfg.Loop.MaxNewTokens
	trainEx, heldOut, reward, name, err := taskData(rc)
	if err != nil {
		return badInput(err)
	}
	if cfg.Out == "" {
		cfg.Out = filepath.Join("runs", "self-reward-"+time.Now().Format("20060102-150405"))
	}
	log, err := run.OpenRunLog(cfg.Out)
	if err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	defer log.Close()
	fmt.Fprintf(stdout, "self-reward %s: task %s, %d training prompts, %d held-out; %d iterations of %d prompts × %d responses × %d judgments; %d threads, kernels %s\n",
		cfg.Init, name, len(trainEx), len(heldOut), cfg.Loop.Iterations, cfg.Loop.Prompts, cfg.Loop.Samples, cfg.Loop.Judge.Samples, tensor.Threads(), kernelPath())
	sum := selfRewardSummary{Init: cfg.Init, Task: name, Config: cfg}
	write := func() error {
		sum.WallSeconds = time.Since(start).Seconds()
		return writeJSON(filepath.Join(cfg.Out, "summary.json"), sum)
	}
	step := 0
	var logErr error
	sr := &selfimprove.SelfReward{Cfg: cfg.Loop, Eval: cfg.Eval, Solve: reward, VerifyTemplate: cfg.Rise.Template, Scale: cfg.Rise.Scale(),
		Log: func(format string, a ...any) { fmt.Fprintf(stdout, "  "+format+"\n", a...) },
		DPOStep: func(it int, p rl.DPOProgress) {
			step++
			m := p.Metrics()
			m["iteration"] = float64(it)
			if err := log.Step(step, m); err != nil && logErr == nil {
				logErr = err
			}
		},
		Iteration: func(st selfimprove.IterStats, pol *rl.Policy) error {
			if st.Iteration == 0 {
				fmt.Fprintln(stdout, selfimprove.TableHeader)
			}
			fmt.Fprintln(stdout, st.Row())
			sum.Iterations = append(sum.Iterations, st)
			if st.Iteration > 0 {
				dir := filepath.Join(cfg.Out, fmt.Sprintf("iter-%d", st.Iteration))
				if err := run.SaveCheckpoint(dir, pol.Model, tok); err != nil {
					return err
				}
				if err := writeJSON(filepath.Join(dir, "stats.json"), st); err != nil {
					return err
				}
			}
			return write()
		},
	}
	if _, err := sr.Run(ctx, pol, trainEx, heldOut); err != nil {
		return err
	}
	if logErr != nil {
		return fmt.Errorf("metrics.jsonl: %w", logErr)
	}
	fmt.Fprintf(stdout, "\n%s\n", selfimprove.TableHeader)
	for _, st := range sum.Iterations {
		fmt.Fprintln(stdout, st.Row())
	}
	fmt.Fprintf(stdout, "wrote %s (iter-N/ checkpoints, summary.json) in %.0fs\n", cfg.Out, time.Since(start).Seconds())
	return nil
}

// writeJSON writes v indented to path atomically.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return nn.WriteFileAtomic(path, func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err })
}
