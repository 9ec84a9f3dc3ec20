package main

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/nn"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
)

// evalSample is one line of samples.jsonl: one sampled first attempt, or
// with --turns 2 one turn of a two-turn episode (the first attempt, then
// the second with the prompt it saw, on adjacent lines).
type evalSample struct {
	ExampleID string `json:"example_id"`
	// Turn is 1 or 2 with --turns 2, else omitted.
	Turn       int                 `json:"turn,omitempty"`
	Prompt     string              `json:"prompt"`
	Answer     string              `json:"answer"`
	Completion string              `json:"completion"`
	Reward     *float64            `json:"reward"` // null when unscorable
	Rewards    map[string]*float64 `json:"rewards"`
	Correct    *bool               `json:"correct"` // null when unscorable
	Truncated  bool                `json:"truncated"`
}

// writeEvalSamples writes the sampled completions pass@1 was computed from:
// it repeats Evaluate's sampled pass with the same generator and stream.
// twoTurn, when not nil, is --turns 2's episodes: both turns of each are
// written instead.
func writeEvalSamples(ctx context.Context, cfg evalConfig, pol *rl.Policy, exs []data.Example, reward *rewards.Weighted, twoTurn *rl.Batch) error {
	b := twoTurn
	if b == nil {
		rc := rl.RolloutConfig{GroupSize: cfg.Eval.K, MaxBatch: cfg.Eval.MaxBatch, RewardTimeout: cfg.Eval.RewardTimeout,
			Sample: nn.SampleConfig{Temperature: cfg.Eval.Temperature, MaxNewTokens: cfg.Eval.MaxNewTokens}}
		var err error
		if b, err = (rl.SingleTurn{Reward: reward}).Build(ctx, pol, rl.BuildInput{Examples: exs, Rollout: rc,
			Keys: &rl.KeySource{}, Streams: rl.Streams{Seed: cfg.Seed, Step: cfg.Step, Purpose: rl.StreamEval}}); err != nil {
			return err
		}
	}
	f, err := os.Create(filepath.Join(cfg.Out, "samples.jsonl"))
	if err != nil {
		return err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // completions are full of <think> and <answer>
	names := reward.Names()
	for _, ep := range b.Episodes {
		turns := ep.Turns
		if twoTurn == nil {
			turns = []rl.Turn{*ep.Final()}
		}
		for j := range turns {
			tu := &turns[j]
			s := evalSample{ExampleID: ep.Example.ID, Prompt: ep.Example.Prompt, Answer: ep.Example.Answer,
				Completion: tu.Text, Reward: optFloat(tu.Total.Value()), Rewards: map[string]*float64{}, Truncated: tu.Truncated}
			if twoTurn != nil {
				s.Turn = j + 1
			}
			if tu.PromptText != "" {
				s.Prompt = tu.PromptText
			}
			for k, name := range names {
				if k < len(tu.Parts) {
					s.Rewards[name] = optFloat(tu.Parts[k].Value())
				}
			}
			if c := tu.Correct(cfg.Eval.CorrectThreshold); !math.IsNaN(float64(c)) {
				ok := c == 1
				s.Correct = &ok
			}
			if err := enc.Encode(s); err != nil {
				return err
			}
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// optFloat is v, or nil (JSON null) when it is not finite.
func optFloat(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}
