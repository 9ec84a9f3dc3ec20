package main

// `rltrain --algo grpo` — the main job: task data, a warm-start policy
// (checkpoint, SFT on the user's demonstrations, or the built-in cached SFT),
// held-out evaluation, RL, evaluation again, and a run folder with
// summary.json, metrics.jsonl, samples.jsonl, checkpoints and plots.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
	"github.com/rltrain/rltrain/warmstart"
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
	// Known: countdown, accuracy (math answers), format, overlong, consensus (label-free majority vote),
	// judge and self-verify (label-free: the model grades its own completions). Default
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
	// Programs are the user's reward programs and servers (--reward-cmd,
	// --reward-http), named in Reward like built-in rewards.
	Programs programsConfig `json:"programs"`
	// running are the started programs (startPrograms); nil before.
	running *rewardPrograms
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
	Build warmstart.Config `json:"build"`
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
	// Overwrite lets --out name a folder that holds a finished run
	// (summary.json); without it such a folder is refused, and a folder
	// holding an unfinished run is resumed from its last checkpoint.
	Overwrite bool `json:"overwrite"`
	// Keep is how many training checkpoints (checkpoint-N) to keep, the
	// newest; 0 keeps all. Default 0.
	Keep int `json:"keep"`
	// Resume is the run folder --resume continues (set by the flag only).
	Resume string `json:"-"`
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
	Rise  riseConfig     `json:"rise"`
	Score scoreConfig    `json:"score"`
	// SelfReward: --unlabeled and the consensus reward's --consensus-min.
	SelfReward unlabeledConfig `json:"self_reward"`
	// Chat is the prompt format: --chat-template and --system-prompt.
	Chat chatConfig `json:"chat"`
	// ModelReward: the judge and self-verify rewards (--judge, --judge-*, --self-verify-*).
	ModelReward modelRewardConfig `json:"model_reward"`
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
	a.Settings.BuiltinTaskDefaults(&tc)
	ec := rl.DefaultEvalConfig()
	ec.MaxNewTokens = pc.MaxCompletionLen
	// The built-in countdown task gives three numbers: with four, the
	// ~1M-parameter warm start is right too rarely for RL to find a signal
	// in a few minutes (README); with three, RL has room to sharpen.
	gen := data.DefaultGenConfig()
	gen.Countdown.MinNumbers, gen.Countdown.MaxNumbers = 3, 3
	return runConfig{
		Algo:  a,
		Train: tc,
		Eval:  ec,
		Task: taskConfig{Task: "countdown", TrainN: 20000, EvalN: 400, DataSeed: 1, EvalFrac: 0.1,
			JSONL: data.DefaultJSONLConfig(), Gen: gen, Programs: defaultProgramsConfig()},
		Warm:        warmConfig{Build: warmstart.DefaultConfig()},
		Rise:        riseConfig{Stage: selfimprove.DefaultRISEConfig(), Demos: selfimprove.DefaultDemoConfig()},
		Score:       defaultScoreConfig(),
		SelfReward:  defaultUnlabeledConfig(),
		ModelReward: defaultModelRewardConfig(),
		Chat:        chatConfig{ChatTemplate: "none"},
	}, nil
}

// bindRunFlags binds every field of cfg to fs.
func bindRunFlags(fs *flag.FlagSet, cfg *runConfig) {
	bindStruct(fs, cfg.Algo.Settings, "", fmt.Sprintf("%T", cfg.Algo.Settings)[1:], flagHelp)
	bindStruct(fs, &cfg.Train, "", "rl.TrainConfig", flagHelp)
	if cfg.Algo.Algo == rl.AlgoNFT {
		// The nft preset had its own verdict threshold; it is now the one
		// definition of correct (rl.TrainConfig.CorrectThreshold).
		fs.Var(fieldValue{reflect.ValueOf(&cfg.Train.CorrectThreshold).Elem()}, "correct-threshold", "alias of --accuracy-threshold")
	}
	bindStruct(fs, &cfg.Eval, "eval-", "rl.EvalConfig", flagHelp)
	bindTaskFlags(fs, &cfg.Task, flagHelp)
	bindProgramFlags(fs, &cfg.Task.Programs)
	bindStruct(fs, &cfg.Warm, "", "warmConfig", flagHelp, "Build")
	bindStruct(fs, &cfg.Warm.Build, "warm-", "warmstart.Config", flagHelp, "Model", "SFT", "ChatTemplate", "SystemPrompt")
	bindStruct(fs, &cfg.Chat, "", "chatConfig", chatFlagHelp)
	bindStruct(fs, &cfg.Warm.Build.Model, "model-", "nn.Config", flagHelp, "VocabSize")
	bindStruct(fs, &cfg.Warm.Build.SFT, "sft-", "nn.SFTConfig", flagHelp)
	bindStruct(fs, &cfg.Out, "", "outputConfig", flagHelp)
	bindRiseFlags(fs, &cfg.Rise)
	bindScoreFlags(fs, &cfg.Score)
	bindUnlabeledFlags(fs, &cfg.SelfReward)
	bindModelRewardFlags(fs, &cfg.ModelReward)
}

// parseRunConfig resolves defaults → --config → flags.
func parseRunConfig(args []string, stderr io.Writer) (runConfig, error) {
	// --resume RUN_DIR: the run's own config.json is the base, as --config.
	resume, resuming := scanFlag(args, "resume")
	if resuming {
		if _, given := scanFlag(args, "config"); given {
			return runConfig{}, errors.New("--resume takes the run's own config.json: drop --config")
		}
		args = append([]string{"--config", filepath.Join(resume, "config.json"), "--out", resume}, args...)
	}
	algo, _ := scanFlag(args, "algo")
	if path, ok := scanFlag(args, "config"); ok && algo == "" {
		algo = configAlgo(path)
	}
	if algo == "" {
		algo = "grpo"
	}
	cfg, err := defaultRunConfig(algo)
	if err != nil {
		return cfg, fmt.Errorf("--algo: %w", err)
	}
	scoreDefaults(args, &cfg)
	if path, ok := scanFlag(args, "config"); ok {
		b, err := os.ReadFile(path)
		if err != nil {
			return cfg, fmt.Errorf("--config: %w", err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&cfg); err != nil {
			return cfg, configError(path, b, err)
		}
		if string(cfg.Algo.Algo) != algo {
			return cfg, fmt.Errorf("--config %s sets algorithm %q but --algo is %q: make them agree", path, cfg.Algo.Algo, algo)
		}
	}
	fs := newFlagSet("train")
	fs.SetOutput(stderr)
	fs.String("algo", algo, flagHelp["algo"])
	fs.String("config", "", flagHelp["config"])
	fs.StringVar(&cfg.Out.Resume, "resume", "", flagHelp["resume"])
	bindRunFlags(fs, &cfg)
	if err := parseSubcmdFlags(fs, args); err != nil {
		return cfg, err
	}
	if cfg.Warm.Init != "" {
		// The checkpoint fixes the model: shape flags would be recorded in
		// config.json without taking effect.
		var shape []string
		fs.Visit(func(f *flag.Flag) {
			if strings.HasPrefix(f.Name, "model-") || strings.HasPrefix(f.Name, "warm-") || strings.HasPrefix(f.Name, "sft-") {
				shape = append(shape, "--"+f.Name)
			}
		})
		if len(shape) > 0 {
			return cfg, fmt.Errorf("%s: the model comes from --init %s, so warm-start and model-shape flags do not apply; drop them or drop --init", strings.Join(shape, ", "), cfg.Warm.Init)
		}
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
	if cfg.Rise.Enable {
		if err := cfg.Rise.Stage.Validate(); err != nil {
			return cfg, fmt.Errorf("--rise: %w", err)
		}
		if err := cfg.Rise.Demos.Validate(); err != nil {
			return cfg, fmt.Errorf("--verify-demos: %w", err)
		}
	}
	if err := cfg.Score.validate(cfg.Algo, cfg.Rise.Enable); err != nil {
		return cfg, err
	}
	if err := cfg.Chat.resolve(&cfg); err != nil {
		return cfg, err
	}
	if err := cfg.SelfReward.validate(cfg); err != nil {
		return cfg, err
	}
	if err := cfg.Task.Programs.validate(cfg); err != nil {
		return cfg, err
	}
	if err := cfg.ModelReward.validate(); err != nil {
		return cfg, err
	}
	if pc := cfg.Algo.Policy(); cfg.Train.MicroBatch > 0 && pc.GroupSize > 0 && cfg.Train.PromptsPerStep*pc.GroupSize < 1 {
		return cfg, errors.New("empty batch")
	}
	return cfg, nil
}
