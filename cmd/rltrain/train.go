package main

// `rltrain --algo grpo` — the main job: task data, a warm-start policy
// (checkpoint, SFT on the user's demonstrations, or the built-in cached SFT),
// held-out evaluation, RL, evaluation again, and a run folder with
// summary.json, metrics.jsonl, samples.jsonl, checkpoints and plots.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	_ "net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/tensor"
	"github.com/rltrain/rltrain/tokenizer"
)

func init() {
	register("train", "the main job (also the default): warm start, RL with --algo, held-out eval before and after", runTrain)
}

// taskConfig says where the examples and the reward come from.
type taskConfig struct {
	// Task is the built-in task (countdown, arithmetic, linear, word) used
	// when Data is empty. Default countdown.
	Task string `json:"task"`
	// TrainN is the number of generated training problems. Default 20000.
	TrainN int `json:"train_n"`
	// EvalN is the number of held-out problems evaluated. Default 400.
	EvalN int `json:"eval_n"`
	// DataSeed seeds the built-in generator. Default 1.
	DataSeed uint64 `json:"data_seed"`
	// Data is a JSONL file of training examples (prompt, answer[, solution]).
	Data string `json:"data"`
	// EvalData is a JSONL file of held-out examples; without it EvalFrac of
	// Data is split off by ID hash.
	EvalData string `json:"eval_data"`
	// EvalFrac is the held-out fraction when EvalData is empty. Default 0.1.
	EvalFrac float64 `json:"eval_frac"`
	// Reward names the rewards and weights, e.g. "countdown:1,format:0.1".
	// Known: countdown, accuracy (math answers), format, overlong. Default
	// for a built-in task: its accuracy reward alone (countdown, or accuracy
	// for the math tasks) — the SFT warm start already writes the format, so
	// a format bonus only adds noise to std-scaled group advantages
	// (measured: see README). Default for --data: rewards.ForTask of the
	// examples' task.
	Reward string `json:"reward"`
	// JSONL maps the keys of Data/EvalData/SFTData.
	JSONL data.JSONLConfig `json:"jsonl"`
	// Gen holds the difficulty knobs of the built-in tasks.
	Gen data.GenConfig `json:"gen"`
}

// warmConfig says where the starting policy comes from.
type warmConfig struct {
	// Init is a checkpoint folder (model.safetensors + config.json +
	// tokenizer.json) to start RL from; it skips SFT.
	Init string `json:"init"`
	// SFTData is a JSONL file of demonstrations (prompt + solution) for the
	// warm start of a task rltrain has never seen. Default: the training
	// examples' own solutions (built-in tasks have them).
	SFTData string `json:"sft_data"`
	// Cache is the folder warm starts are cached in. Default
	// $XDG_CACHE_HOME/rltrain (~/.cache/rltrain).
	Cache string `json:"cache"`
	// NoCache trains the warm start afresh and does not save it.
	NoCache bool `json:"no_cache"`
	// Build is the architecture, tokenizer and SFT schedule of a warm start.
	Build rl.WarmStartConfig `json:"build"`
}

// outputConfig says where results go and how the run is observed.
type outputConfig struct {
	// Out is the run folder. Default runs/<timestamp>.
	Out string `json:"out"`
	// EvalEvery evaluates on the held-out set every so many steps (0: only
	// before and after). Default 0.
	EvalEvery int `json:"eval_every"`
	// SaveEvery writes a checkpoint every so many steps (0: only at the end).
	SaveEvery int `json:"save_every"`
	// Threads is the number of worker threads (0: GOMAXPROCS).
	Threads int `json:"threads"`
	// CPUProfile / MemProfile write pprof profiles to these files.
	CPUProfile string `json:"cpuprofile"`
	MemProfile string `json:"memprofile"`
	// PprofAddr serves net/http/pprof on this address (e.g. localhost:6060).
	PprofAddr string `json:"pprof_addr"`
}

// runConfig is everything `rltrain --algo X` reads. Precedence: the
// algorithm's preset and the defaults, then --config file.json, then flags.
type runConfig struct {
	Algo  rl.Config      `json:"algorithm"`
	Train rl.TrainConfig `json:"train"`
	Eval  rl.EvalConfig  `json:"eval"`
	Task  taskConfig     `json:"task"`
	Warm  warmConfig     `json:"warm_start"`
	Out   outputConfig   `json:"output"`
}

func defaultRunConfig(algo string) (runConfig, error) {
	a, err := rl.Preset(algo)
	if err != nil {
		return runConfig{}, err
	}
	pc := a.Policy()
	// Built-in tasks have short answers: cap completions well below the
	// 256 default so rollouts stay fast; PPO samples one completion per
	// prompt, so it sees as many completions per step as GRPO with G = 8.
	pc.MaxCompletionLen = 96
	tc := rl.DefaultTrainConfig()
	if pc.GroupSize == 1 {
		tc.PromptsPerStep = 128
	}
	if a.PPO != nil {
		// Measured on the built-in task (cached warm start, 2 cores): TRL's
		// μ = 4 and β = 0.05 gave +8.1 pass@1 points in 120 steps and
		// +5.5 in 150; μ = 2, β = 0.01 and 200 steps gave +13.1 in 6 min.
		a.PPO.NumIterations = 2
		a.PPO.Beta = 0.01
		tc.Steps = 200
	}
	if a.NFT != nil {
		// Measured on the built-in task (2 cores): the preset's dynamic
		// sampling took 2.15 generation rounds per step and 11m15s from an
		// empty cache for +12.2 pass@1 points; without it, +11.7 in 7m14s
		// from the cached warm start (on a loaded machine). Without dynamic
		// sampling, on-policy NFT is Dr. GRPO's gradient (ALGORITHMS.md §3).
		a.NFT.DynamicSampling = false
	}
	ec := rl.DefaultEvalConfig()
	ec.MaxNewTokens = pc.MaxCompletionLen
	// The built-in countdown task gives three numbers: with four, the
	// ~1M-parameter warm start is right too rarely (pass@1 ≈ 0.02) for RL to
	// find a signal in a few minutes; with three it starts at pass@1 ≈ 0.24
	// and pass@8 ≈ 0.8, which leaves RL room to sharpen.
	gen := data.DefaultGenConfig()
	gen.Countdown.MinNumbers, gen.Countdown.MaxNumbers = 3, 3
	return runConfig{
		Algo:  a,
		Train: tc,
		Eval:  ec,
		Task: taskConfig{Task: "countdown", TrainN: 20000, EvalN: 400, DataSeed: 1, EvalFrac: 0.1,
			JSONL: data.DefaultJSONLConfig(), Gen: gen},
		Warm: warmConfig{Build: rl.DefaultWarmStartConfig()},
	}, nil
}

// flagHelp holds the usage text of the most used flags; every other flag
// names the config field it sets.
var flagHelp = map[string]string{
	"algo":                  "algorithm: grpo, dr_grpo, dapo, ppo, rloo, reinforce_pp, nft",
	"config":                "JSON file with any part of the run config (applied before flags)",
	"task":                  "built-in task: countdown, arithmetic, linear, word",
	"data":                  "training examples (JSONL) instead of a built-in task",
	"eval-data":             "held-out examples (JSONL)",
	"reward":                "rewards and weights, e.g. countdown:1,format:0.1 (default: the task's)",
	"init":                  "start RL from this checkpoint folder instead of a warm start",
	"sft-data":              "demonstrations (JSONL prompt+solution) for the warm start",
	"out":                   "run folder (default runs/<timestamp>)",
	"steps":                 "rollout batches (each followed by num-iterations updates)",
	"prompts-per-step":      "prompts per rollout batch (P); the batch has P·G completions",
	"group-size":            "completions per prompt (G)",
	"lr":                    "peak learning rate",
	"beta":                  "KL coefficient to the reference model (0: no reference model)",
	"max-completion-length": "generation cap in tokens",
	"eval-k":                "samples per held-out problem for pass@1/pass@k/maj@k",
	"eval-n":                "held-out problems",
	"cpuprofile":            "write a CPU profile (phases labelled rollout/score/train)",
	"memprofile":            "write a heap profile at the end",
	"pprof-addr":            "serve net/http/pprof here, e.g. localhost:6060",
	"threads":               "worker threads (0: all cores)",
}

// scanFlag finds the value of -name/--name in args without parsing them.
func scanFlag(args []string, name string) (string, bool) {
	for i, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		a = strings.TrimLeft(a, "-")
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
		if a == name && i+1 < len(args) {
			return args[i+1], true
		}
	}
	return "", false
}

// bindRunFlags binds every field of cfg to fs.
func bindRunFlags(fs *flag.FlagSet, cfg *runConfig) {
	switch {
	case cfg.Algo.GRPO != nil:
		bindStruct(fs, cfg.Algo.GRPO, "", "rl.GRPOConfig", flagHelp)
	case cfg.Algo.PPO != nil:
		bindStruct(fs, cfg.Algo.PPO, "", "rl.PPOConfig", flagHelp)
	case cfg.Algo.NFT != nil:
		bindStruct(fs, cfg.Algo.NFT, "", "rl.NFTConfig", flagHelp)
	}
	bindStruct(fs, &cfg.Train, "", "rl.TrainConfig", flagHelp)
	bindStruct(fs, &cfg.Eval, "eval-", "rl.EvalConfig", flagHelp)
	bindStruct(fs, &cfg.Task, "", "taskConfig", flagHelp, "JSONL", "Gen")
	bindGenConfig(fs, &cfg.Task.Gen)
	bindStruct(fs, &cfg.Task.JSONL, "jsonl-", "data.JSONLConfig", flagHelp)
	bindStruct(fs, &cfg.Warm, "", "warmConfig", flagHelp, "Build")
	bindStruct(fs, &cfg.Warm.Build, "warm-", "rl.WarmStartConfig", flagHelp, "Model", "SFT")
	bindStruct(fs, &cfg.Warm.Build.Model, "model-", "nn.Config", flagHelp, "VocabSize")
	bindStruct(fs, &cfg.Warm.Build.SFT, "sft-", "nn.SFTConfig", flagHelp)
	bindStruct(fs, &cfg.Out, "", "outputConfig", flagHelp)
}

// parseRunConfig resolves defaults → --config → flags.
func parseRunConfig(args []string, stderr io.Writer) (runConfig, error) {
	algo, _ := scanFlag(args, "algo")
	if algo == "" {
		algo = "grpo"
	}
	cfg, err := defaultRunConfig(algo)
	if err != nil {
		return cfg, fmt.Errorf("--algo: %w", err)
	}
	if path, ok := scanFlag(args, "config"); ok {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("--config: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return cfg, fmt.Errorf("--config %s: %w (keys follow the JSON of the resolved config printed at start)", path, err)
		}
		if string(cfg.Algo.Algo) != algo {
			return cfg, fmt.Errorf("--config %s sets algorithm %q but --algo is %q: make them agree", path, cfg.Algo.Algo, algo)
		}
	}
	fs := newFlagSet("train")
	fs.SetOutput(stderr)
	fs.String("algo", algo, flagHelp["algo"])
	fs.String("config", "", flagHelp["config"])
	bindRunFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	if err := cfg.Algo.Validate(); err != nil {
		return cfg, err
	}
	if err := cfg.Train.Validate(); err != nil {
		return cfg, err
	}
	if err := cfg.Eval.Validate(); err != nil {
		return cfg, err
	}
	if pc := cfg.Algo.Policy(); cfg.Train.MicroBatch > 0 && pc.GroupSize > 0 && cfg.Train.PromptsPerStep*pc.GroupSize < 1 {
		return cfg, errors.New("empty batch")
	}
	return cfg, nil
}

func runTrain(args []string) error {
	cfg, err := parseRunConfig(args, os.Stderr)
	if err != nil {
		return err
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
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err = train(ctx, cfg, os.Stdout)
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

// taskData returns training and held-out examples and the reward.
func taskData(cfg runConfig) (trainEx, evalEx []data.Example, reward *rewards.Weighted, name string, err error) {
	tc := cfg.Task
	pc := cfg.Algo.Policy()
	if tc.Data == "" {
		name = tc.Task
		all, err := data.Generate(tc.Task, tc.TrainN+tc.EvalN*2, tc.DataSeed, tc.Gen)
		if err != nil {
			return nil, nil, nil, name, fmt.Errorf("--task: %w", err)
		}
		// Split by ID hash so that no held-out problem is ever trained on.
		tr, te, err := data.Split(all, float64(tc.EvalN*2)/float64(len(all)), "rltrain-eval")
		if err != nil {
			return nil, nil, nil, name, err
		}
		trainEx, evalEx = tr, te
		if len(evalEx) > tc.EvalN {
			evalEx = evalEx[:tc.EvalN]
		}
	} else {
		name = filepath.Base(tc.Data)
		var st data.Stats
		trainEx, st, err = data.LoadJSONL(tc.Data, tc.JSONL)
		if err != nil {
			return nil, nil, nil, name, fmt.Errorf("--data: %w", err)
		}
		_ = st
		if tc.EvalData != "" {
			evalEx, _, err = data.LoadJSONL(tc.EvalData, tc.JSONL)
			if err != nil {
				return nil, nil, nil, name, fmt.Errorf("--eval-data: %w", err)
			}
		} else {
			trainEx, evalEx, err = data.Split(trainEx, tc.EvalFrac, "rltrain-eval")
			if err != nil {
				return nil, nil, nil, name, fmt.Errorf("--eval-frac: %w", err)
			}
		}
		if len(evalEx) > tc.EvalN {
			evalEx = evalEx[:tc.EvalN]
		}
		if len(trainEx) == 0 {
			return nil, nil, nil, name, fmt.Errorf("--data %s: no training examples left after the held-out split", tc.Data)
		}
	}
	switch {
	case tc.Reward != "":
		reward, err = parseReward(tc.Reward, pc.MaxCompletionLen)
		if err != nil {
			return nil, nil, nil, name, fmt.Errorf("--reward: %w", err)
		}
	case tc.Data == "":
		acc := "accuracy:1"
		if tc.Task == "countdown" {
			acc = "countdown:1"
		}
		reward, err = parseReward(acc, pc.MaxCompletionLen)
	default:
		task := ""
		if len(trainEx) > 0 {
			task = trainEx[0].Task
		}
		reward, err = rewards.ForTask(task)
		if err != nil {
			err = fmt.Errorf("--data %s: no built-in reward for task %q: name the rewards with --reward (e.g. accuracy:1,format:0.1)", tc.Data, task)
		}
	}
	return trainEx, evalEx, reward, name, err
}

// parseReward reads "name:weight,name:weight".
func parseReward(spec string, maxLen int) (*rewards.Weighted, error) {
	var rs []rewards.Reward
	var ws []float64
	for _, part := range strings.Split(spec, ",") {
		name, wstr, hasW := strings.Cut(strings.TrimSpace(part), ":")
		w := 1.0
		if hasW {
			var err error
			if w, err = strconv.ParseFloat(wstr, 64); err != nil {
				return nil, fmt.Errorf("weight of %q: %w", name, err)
			}
		}
		var r rewards.Reward
		switch name {
		case "countdown":
			r = &rewards.Countdown{Cfg: rewards.DefaultCountdownConfig()}
		case "accuracy", "math":
			r = &rewards.Math{Cfg: rewards.DefaultMathConfig()}
		case "format":
			r = &rewards.Format{Cfg: rewards.DefaultFormatConfig()}
		case "overlong":
			oc := rewards.DefaultOverlongConfig()
			oc.MaxLen, oc.Cache = maxLen, max(1, maxLen/4)
			r = &rewards.Overlong{Cfg: oc}
		default:
			return nil, fmt.Errorf("unknown reward %q: choose from countdown, accuracy, format, overlong", name)
		}
		rs = append(rs, r)
		ws = append(ws, w)
	}
	return rewards.NewWeighted(rs, ws, rewards.MissingStrict)
}

// withValueHead returns a copy of m with a zero-initialised value head (PPO's
// critic shares the policy's trunk).
func withValueHead(m *nn.Model) (*nn.Model, error) {
	if m.Cfg.ValueHead {
		return m, nil
	}
	c := m.Cfg
	c.ValueHead = true
	v, err := nn.NewModel(c)
	if err != nil {
		return nil, err
	}
	src := map[string][]float32{}
	for _, t := range m.P.Named() {
		src[t.Name] = t.Data
	}
	for _, t := range v.P.Named() {
		if d, ok := src[t.Name]; ok {
			copy(t.Data, d)
		}
	}
	return v, nil
}

func train(ctx context.Context, cfg runConfig, stdout io.Writer) error {
	start := time.Now()
	resolved, _ := json.MarshalIndent(cfg, "", "  ")
	fmt.Fprintf(stdout, "rltrain %s: resolved config\n%s\n", cfg.Algo.Algo, resolved)
	trainEx, evalEx, reward, taskName, err := taskData(cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "task %s: %d training problems, %d held-out; rewards %v; %d threads, kernels %s\n",
		taskName, len(trainEx), len(evalEx), reward.Names(), tensor.Threads(), kernelPath())

	// The starting policy.
	var model *nn.Model
	var tok *tokenizer.Tokenizer
	switch {
	case cfg.Warm.Init != "":
		if model, tok, err = rl.LoadCheckpoint(cfg.Warm.Init); err != nil {
			return fmt.Errorf("--init: %w", err)
		}
	default:
		demos := trainEx
		if cfg.Warm.SFTData != "" {
			if demos, _, err = data.LoadJSONL(cfg.Warm.SFTData, cfg.Task.JSONL); err != nil {
				return fmt.Errorf("--sft-data: %w", err)
			}
		}
		var withSol []data.Example
		for _, d := range demos {
			if d.Solution != "" {
				withSol = append(withSol, d)
			}
		}
		if len(withSol) == 0 {
			return errors.New("no demonstrations for the warm start: give --init CHECKPOINT, or --sft-data demos.jsonl with a solution field")
		}
		ws, err := rl.BuildWarmStart(cfg.Warm.Build, withSol, evalEx, cfg.Warm.Cache, stdout)
		if err != nil {
			return err
		}
		model, tok = ws.Model, ws.Tok
	}
	if cfg.Algo.PPO != nil {
		if model, err = withValueHead(model); err != nil {
			return err
		}
	}
	eos, ok := tok.SpecialID(tokenizer.EndOfText)
	if !ok {
		return fmt.Errorf("tokenizer has no %s token to end completions", tokenizer.EndOfText)
	}
	pol := &rl.Policy{Model: model, Codec: tok, EOS: eos}
	var ref *nn.Model
	if cfg.Algo.Policy().Beta > 0 {
		ref = model.Clone()
	}
	tr, err := rl.NewTrainer(cfg.Train, cfg.Algo, pol, ref, reward, trainEx)
	if err != nil {
		return err
	}
	log, err := rl.OpenRunLog(cfg.Out.Out)
	if err != nil {
		return err
	}
	defer log.Close()
	if err := os.WriteFile(filepath.Join(cfg.Out.Out, "config.json"), append(resolved, '\n'), 0o644); err != nil {
		return err
	}
	evalRng := func(step int) *rngT { return newRngT(cfg.Train.Seed, uint64(step)) }

	evaluate := func(step int) (rl.EvalResult, error) {
		t0 := time.Now()
		r, err := pol.Evaluate(ctx, evalEx, reward, cfg.Eval, evalRng(step))
		if err != nil {
			return r, err
		}
		log.Evals = append(log.Evals, rl.StepEval{Step: step, Eval: r})
		fmt.Fprintf(stdout, "eval @ step %d: %s  [%.1fs]\n", step, r, time.Since(t0).Seconds())
		return r, nil
	}
	before, err := evaluate(0)
	if err != nil {
		return err
	}
	prog := rl.NewProgress(stdout, cfg.Train.Steps)
	after := before
	saveCkpt := func(name string) error { return rl.SaveCheckpoint(filepath.Join(cfg.Out.Out, name), model, tok) }
	steps := 0
	for s := 1; s <= cfg.Train.Steps; s++ {
		if ctx.Err() != nil {
			fmt.Fprintln(stdout, "interrupted: saving what was done")
			break
		}
		res, err := tr.Step(ctx)
		if err != nil {
			return err
		}
		steps = s
		if err := log.Step(s, res.Metrics); err != nil {
			return err
		}
		if err := log.Samples(s, res, reward.Names(), cfg.Train.LogSamples); err != nil {
			return err
		}
		prog.Step(s, res.Metrics)
		if cfg.Out.EvalEvery > 0 && s%cfg.Out.EvalEvery == 0 && s < cfg.Train.Steps {
			if _, err := evaluate(s); err != nil {
				return err
			}
			if err := log.Plot(); err != nil {
				return err
			}
		}
		if cfg.Out.SaveEvery > 0 && s%cfg.Out.SaveEvery == 0 {
			if err := saveCkpt(fmt.Sprintf("checkpoint-%d", s)); err != nil {
				return fmt.Errorf("checkpoint at step %d: %w", s, err)
			}
		}
	}
	if after, err = evaluate(steps); err != nil {
		return err
	}
	if err := log.Plot(); err != nil {
		return err
	}
	if err := saveCkpt("final"); err != nil {
		return fmt.Errorf("final checkpoint: %w", err)
	}
	sum := rl.Summary{Algo: string(cfg.Algo.Algo), Task: taskName, Steps: steps, WallSeconds: time.Since(start).Seconds(),
		EvalBefore: before, EvalAfter: after, Gain: after.Pass1 - before.Pass1, Config: cfg}
	if err := log.WriteSummary(sum); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nheld-out %s, %d problems, k=%d (T=%g):\n  before: %s\n  after:  %s\n  pass@1 gain: %+.1f points   wall time %s   run folder %s\n",
		taskName, after.N, after.K, cfg.Eval.Temperature, before, after, 100*(after.Pass1-before.Pass1),
		time.Since(start).Round(time.Second), cfg.Out.Out)
	if math.IsNaN(after.Pass1) {
		return errors.New("evaluation produced no score")
	}
	return nil
}
