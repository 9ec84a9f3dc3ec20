package main

// `rltrain bench model --model-config config.json`: load time and one GRPO
// step's time, tokens/s and peak RSS for a Hugging Face model layout with
// random weights (package bench, bench/hfmodel.go). Published configs of
// SmolLM2-135M, Qwen2.5-0.5B and Qwen3-0.6B are in nn/testdata/hf/.

import (
	"os"

	"github.com/rltrain/rltrain/bench"
)

func init() {
	register("bench model", "an HF config.json's load time and one GRPO step (G=4, 128 tokens): tok/s and peak RSS", runBenchHF)
}

// benchHFHelp is the usage text of the flags of bench.HFModelConfig.
var benchHFHelp = map[string]string{
	"model-config": "Hugging Face config.json of the layout to measure (random weights)",
	"group":        "completions G sampled for the prompt",
	"completion":   "tokens generated per completion (no stop token)",
	"prompt-len":   "random prompt tokens",
	"warmup":       "untimed steps first",
	"steps":        "timed steps (median)",
	"seed":         "seed of weights, prompt and sampling",
	"trainer":      "run the step through rl.Trainer (grpo preset, a countdown prompt); false: the same work on nn directly",
}

func runBenchHF(args []string) error {
	cfg := bench.DefaultHFModelConfig()
	fs := newFlagSet("bench model")
	bindStruct(fs, &cfg, "", "bench.HFModelConfig", benchHFHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return badInput(err)
	}
	if _, err := bench.CheckHFModel(cfg); err != nil {
		return badInput(err)
	}
	_, err := bench.RunHFModel(os.Stdout, cfg)
	return err
}
