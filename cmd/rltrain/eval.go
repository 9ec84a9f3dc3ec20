package main

// `rltrain eval --init DIR` — evaluates any checkpoint folder on held-out
// problems (pass@1, greedy, pass@k, maj@k) with the task and sampling flags
// of training, and writes summary.json (and samples.jsonl) to a new folder.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
	"github.com/rltrain/rltrain/tensor"
	"github.com/rltrain/rltrain/tokenizer"
	"github.com/rltrain/rltrain/warmstart"
)

func init() {
	register("eval", "evaluate a checkpoint folder on held-out problems: pass@1, greedy, pass@k, maj@k", runEval)
}

// evalConfig is everything `rltrain eval` reads; it is summary.json's "config".
type evalConfig struct {
	// Init is the checkpoint folder to evaluate. Required.
	Init string `json:"init"`
	// Out is the folder written. Default evals/<timestamp>.
	Out string `json:"out"`
	// Samples writes every sampled completion to samples.jsonl.
	Samples bool `json:"samples"`
	// Config is a run's config.json; its task, eval settings and seed apply before the flags.
	Config string `json:"config"`
	// Seed and Step pick the sampling stream: a run evaluates after step s with its
	// train seed and stream s (eval_before: 0, eval_after: its steps). Default 1 and 0.
	Seed uint64 `json:"seed"`
	Step int    `json:"step"`
	// Threads is the number of worker threads (0: GOMAXPROCS).
	Threads int `json:"threads"`
	// SelfVerify k > 0 also samples k solutions per problem, has the model
	// rate each in the RISE verification format (--rise-template and the
	// verdict scale as in training), and answers with the best-rated one.
	SelfVerify int `json:"self_verify"`
	// Rise holds the verification format; its EvalSamples is set from SelfVerify.
	Rise selfimprove.RISEConfig `json:"rise"`
	// Turns 2 also samples a second attempt of every first attempt and
	// reports self-correction (acc_t1, acc_t2, delta_t1_t2, delta_i2c,
	// delta_c2i, edit_ratio; docs/algorithms.md §5). Default 1; a --config
	// of a --turns 2 run sets 2.
	Turns int `json:"turns"`
	// Score holds the second turn's format (--score-template,
	// --score-max-new-tokens), as in training.
	Score selfimprove.SCoReConfig `json:"score"`
	// Eval is the sampling of the evaluation, as training's --eval-* flags.
	Eval rl.EvalConfig `json:"eval"`
	// Task says where the examples and the reward come from, as in training.
	Task taskConfig `json:"task"`
	// Chat is the prompt format (--chat-template, --system-prompt), as in training.
	Chat chatConfig `json:"chat"`
}

var evalFlagHelp = map[string]string{
	"init":    "checkpoint folder to evaluate (model.safetensors + config.json + tokenizer.json), e.g. runs/X/final",
	"out":     "folder for summary.json and samples.jsonl (default evals/<timestamp>)",
	"samples": "also write every sampled completion to samples.jsonl",
	"config":  "a run's config.json: use its task, eval settings and seed (flags still override)",
	"seed":    "sampling seed (a run's --seed)",
	"step":    "sampling stream: a run's eval after N steps used N (eval_before 0)",
	"train-n": "training problems generated beside the held-out ones (the built-in split depends on it)",
	"data":    "examples (JSONL): the held-out split training would make, or all of --eval-data",
	"turns":   "2: also a second attempt of each sample (the --score-template correction turn) and the self-correction metrics",
}

const evalUsage = `usage: rltrain eval --init DIR [--task NAME | --data FILE [--eval-data FILE]] [--out DIR] [--samples] [flags]

Evaluates a checkpoint on held-out problems: pass@1 (mean accuracy of --eval-k samples at
--eval-temperature), greedy, pass@k and maj@k. --task: the built-in held-out problems of
training; --data: the held-out split training makes of it (--eval-frac), or --eval-data.
--config runs/X/config.json --step N repeats a run's evaluation after N steps.

flags:
`

func runEval(args []string) error { return runInterruptible(args, evalCmd) }

// parseEvalConfig resolves the training defaults → --config → flags.
func parseEvalConfig(args []string, stderr io.Writer) (evalConfig, error) {
	def, err := defaultRunConfig("grpo")
	if err != nil {
		return evalConfig{}, err
	}
	cfg := evalConfig{Seed: def.Train.Seed, Eval: def.Eval, Task: def.Task, Rise: def.Rise.Stage, Turns: def.Score.Turns, Score: def.Score.RL}
	if path, ok := scanFlag(args, "config"); ok {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("--config: %w", err)
		}
		rc := struct { // only what an evaluation depends on; the rest is ignored
			Train struct{ Seed *uint64 } `json:"train"`
			Eval  *rl.EvalConfig         `json:"eval"`
			Task  *taskConfig            `json:"task"`
			Score *scoreConfig           `json:"score"`
			Chat  *chatConfig            `json:"chat"`
		}{Eval: &cfg.Eval, Task: &cfg.Task, Score: &def.Score, Chat: &cfg.Chat}
		rc.Train.Seed = &cfg.Seed
		if err := json.Unmarshal(b, &rc); err != nil {
			return cfg, fmt.Errorf("--config %s: %w (give a run folder's config.json)", path, err)
		}
		cfg.Turns, cfg.Score = def.Score.Turns, def.Score.RL
	}
	fs, help := subcmdFlagSet("eval", evalUsage, evalFlagHelp, stderr)
	bindStruct(fs, &cfg, "", "evalConfig", help)
	bindStruct(fs, &cfg.Eval, "eval-", "rl.EvalConfig", help)
	bindStruct(fs, &cfg.Chat, "", "chatConfig", chatFlagHelp)
	bindTaskFlags(fs, &cfg.Task, help)
	bindProgramFlags(fs, &cfg.Task.Programs)
	bindStruct(fs, &cfg.Rise, "rise-", "selfimprove.RISEConfig", help, "EvalSamples", "Verify", "Samples", "Selection", "LossWeight")
	bindStruct(fs, &cfg.Score, "score-", "selfimprove.SCoReConfig", help, "Stage", "Schedule", "Alpha", "Beta2")
	if err := parseSubcmdFlags(fs, args); err != nil {
		return cfg, err
	}
	_, taskSet := scanFlag(args, "task")
	switch {
	case cfg.Init == "":
		return cfg, errors.New("--init is required: the checkpoint folder to evaluate (model.safetensors + config.json + tokenizer.json, e.g. runs/X/final)")
	case taskSet && cfg.Task.Data != "":
		return cfg, fmt.Errorf("--task %s and --data %s both name the examples: give one (--data '' clears one set by --config)", cfg.Task.Task, cfg.Task.Data)
	case cfg.Step < 0:
		return cfg, fmt.Errorf("--step %d: must be ≥ 0", cfg.Step)
	case cfg.Task.EvalN < 1:
		return cfg, fmt.Errorf("--eval-n %d: must be ≥ 1", cfg.Task.EvalN)
	case cfg.SelfVerify < 0:
		return cfg, fmt.Errorf("--self-verify %d: must be ≥ 0 (0: off)", cfg.SelfVerify)
	}
	if err := checkTurns(cfg); err != nil {
		return cfg, err
	}
	if cfg.SelfVerify > 0 {
		cfg.Rise.EvalSamples = cfg.SelfVerify
		if err := cfg.Rise.Validate(); err != nil {
			return cfg, fmt.Errorf("--self-verify: %w", err)
		}
	}
	return cfg, cfg.Eval.Validate()
}

// evalTaskData adapts taskData: the held-out examples and reward training
// would use. --eval-data alone evaluates that whole file.
func evalTaskData(cfg evalConfig) ([]data.Example, *rewards.Weighted, string, error) {
	rc, _ := defaultRunConfig("grpo") // parseEvalConfig checked this call
	rc.Task = cfg.Task
	if rc.Task.Data == "" && rc.Task.EvalData != "" {
		rc.Task.Data = rc.Task.EvalData
	}
	rc.Algo.Policy().MaxCompletionLen = cfg.Eval.MaxNewTokens // the overlong reward's cap
	_, evalEx, reward, name, err := taskData(rc)
	if err != nil {
		return nil, nil, name, err
	}
	if reward, err = heldOutReward(rc, evalEx, reward); err != nil { // a self-rewarded run is evaluated by the verifier
		return nil, nil, name, err
	}
	if len(evalEx) == 0 {
		if rc.Task.EvalData == "" && rc.Task.Data != "" {
			return nil, nil, name, fmt.Errorf("no held-out examples: --eval-frac %g of %s held out none; raise it or give --eval-data", rc.Task.EvalFrac, rc.Task.Data)
		}
		return nil, nil, name, errors.New("no held-out examples to evaluate")
	}
	return evalEx, reward, name, nil
}

// loadCheckpoint loads --init, naming the files a checkpoint folder lacks.
func loadCheckpoint(dir string) (*rl.Policy, error) {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return nil, fmt.Errorf("--init %s: no such checkpoint folder (it needs model.safetensors, config.json and tokenizer.json)", dir)
	}
	has := func(f string) bool { _, err := os.Stat(filepath.Join(dir, f)); return err == nil }
	var missing []string
	for _, f := range []string{nn.ModelFile, nn.ConfigFile, "tokenizer.json"} {
		if !has(f) && (f != nn.ModelFile || !has(nn.ModelIndexFile)) {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("--init %s: checkpoint folder has no %s (it needs model.safetensors, config.json and tokenizer.json, as a run's final/ has)", dir, strings.Join(missing, ", "))
	}
	model, tok, err := warmstart.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("--init %s: %w", dir, err)
	}
	eos, ok := warmstart.EndToken(tok, model)
	if !ok {
		return nil, fmt.Errorf("--init %s: tokenizer.json has no %s token and no eos_token_id is given to end completions", dir, tokenizer.EndOfText)
	}
	return &rl.Policy{Model: model, Codec: tok, EOS: eos, MoreStops: model.Origin.Generation.StopTokens()}, nil
}

// evalSummary is summary.json; "eval" has the keys of a run's eval_after.
type evalSummary struct {
	Eval        rl.EvalResult `json:"eval"`
	Init        string        `json:"init"`
	Task        string        `json:"task"`
	WallSeconds float64       `json:"wall_time_s"`
	Config      evalConfig    `json:"config"`
}

func evalCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	cfg, err := parseEvalConfig(args, stderr)
	if err != nil {
		return inputErr(err)
	}
	if cfg.Threads > 0 {
		defer tensor.SetThreads(tensor.SetThreads(cfg.Threads)) // restored for tests
	}
	pol, err := loadCheckpoint(cfg.Init)
	if err != nil {
		return badInput(err)
	}
	progs, err := startEvalPrograms(&cfg, stderr)
	defer progs.Close()
	if err != nil {
		return err
	}
	exs, reward, name, err := evalTaskData(cfg)
	if err != nil {
		return badInput(err)
	}
	if err := applyChat(pol, cfg.Chat, cfg.Init, exs); err != nil {
		return badInput(err)
	}
	if cfg.Out == "" {
		cfg.Out = filepath.Join("evals", time.Now().Format("20060102-150405"))
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	fmt.Fprintf(stdout, "eval %s: task %s, %d held-out problems, k=%d (T=%g); rewards %v; %d threads, kernels %s\n",
		cfg.Init, name, len(exs), cfg.Eval.K, cfg.Eval.Temperature, reward.Names(), tensor.Threads(), kernelPath())
	res, err := pol.Evaluate(ctx, exs, reward, cfg.Eval, rl.Streams{Seed: cfg.Seed, Step: cfg.Step})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "eval @ step %d: %s  [%.1fs]\n", cfg.Step, res, time.Since(start).Seconds())
	if cfg.SelfVerify > 0 {
		if res.Extra, err = evalSelfVerify(ctx, cfg, pol, exs, reward, stdout); err != nil {
			return err
		}
	}
	twoTurn, err := evalCorrect(ctx, cfg, pol, exs, reward, &res, stdout)
	if err != nil {
		return err
	}
	if cfg.Samples {
		if err := writeEvalSamples(ctx, cfg, pol, exs, reward, twoTurn); err != nil {
			return fmt.Errorf("samples.jsonl: %w", err)
		}
	}
	sum := evalSummary{Eval: res, Init: cfg.Init, Task: name, WallSeconds: time.Since(start).Seconds(), Config: cfg}
	b, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	write := func(w io.Writer) error { _, err := w.Write(append(b, '\n')); return err }
	if err := nn.WriteFileAtomic(filepath.Join(cfg.Out, "summary.json"), write); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "wrote %s\n", cfg.Out)
	return err
}
