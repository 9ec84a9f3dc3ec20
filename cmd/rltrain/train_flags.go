package main

import (
	"encoding/json"
	"os"
	"strings"
)

// flagHelp holds the usage text of the most used flags; every other flag
// names the config field it sets.
var flagHelp = map[string]string{
	"algo":                  "algorithm: grpo, dr_grpo, dapo, ppo, rloo, reinforce_pp, nft",
	"config":                "JSON file with any part of the run config (applied before flags)",
	"resume":                "continue the run in this folder from its last complete checkpoint (its config.json, then flags)",
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
	"judge-samples":         "judge reward: judgments per completion (J), averaged over those that parse",
	"judge-format":          "judge reward: verdict (RISE's verification format, binary) or rubric (Score: N/M)",
	"self-verify-check":     "self-verify reward: greedy (score the verdicts after the model's own check) or none",
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

// configAlgo reads the algorithm named in a config file ("" if none).
func configAlgo(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var c struct {
		Algorithm struct {
			Algo string `json:"algo"`
		} `json:"algorithm"`
	}
	json.Unmarshal(b, &c)
	return c.Algorithm.Algo
}
