package main

// --turns 2: two-turn self-correction training (selfimprove.SCoRe). The warm
// start of the built-in task also sees the second-turn format from
// generated demonstrations; evaluations add the correction metrics.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
)

// scoreConfig turns on two-turn self-correction and says how it is taught.
type scoreConfig struct {
	// Turns is the number of turns per episode: 1 (single-turn RLVR) or 2
	// (SCoRe: a first attempt, then a second attempt that sees it) (--turns).
	// Default 1.
	Turns int `json:"turns"`
	// RL configures the two-turn training (flags --score-*).
	RL selfimprove.SCoReConfig `json:"rl"`
	// Demos configures the correction demonstrations of the built-in task's
	// warm start (flags --correct-demos-*).
	Demos selfimprove.CorrectDemoConfig `json:"demos"`
}

// scoreBeta1 is the KL coefficient --turns 2 gives a preset whose β is 0:
// Stage I's first-attempt KL multiplies β, so it must not be 0 (β1 = 0.01
// in the paper, second-hand).
const scoreBeta1 = 0.01

func defaultScoreConfig() scoreConfig {
	return scoreConfig{Turns: 1, RL: selfimprove.DefaultSCoReConfig(), Demos: selfimprove.DefaultCorrectDemoConfig()}
}

func bindScoreFlags(fs *flag.FlagSet, c *scoreConfig) {
	fs.Var(fieldValue{reflect.ValueOf(&c.Turns).Elem()}, "turns",
		"turns per episode: 1, or 2 for SCoRe self-correction (a second attempt that sees the first; raises a preset β of 0 to 0.01)")
	bindStruct(fs, &c.RL, "score-", "selfimprove.SCoReConfig", flagHelp)
	bindStruct(fs, &c.Demos, "correct-demos-", "selfimprove.CorrectDemoConfig", flagHelp)
}

// scoreDefaults adjusts the preset when --turns 2 is on the command line,
// before --config and the other flags apply (so --beta still wins): a β of
// 0 becomes scoreBeta1, which loads a reference model for Stage I.
func scoreDefaults(args []string, cfg *runConfig) {
	if v, ok := scanFlag(args, "turns"); !ok || strings.TrimSpace(v) != "2" {
		return
	}
	if pc := cfg.Algo.Policy(); pc.Beta == 0 {
		pc.Beta = scoreBeta1
	}
}

// validate checks the two-turn settings against the algorithm.
func (c scoreConfig) validate(algo rl.Config, rise bool) error {
	switch {
	case c.Turns == 1:
		return nil
	case c.Turns != 2:
		return fmt.Errorf("--turns %d: choose 1 (single-turn RLVR) or 2 (SCoRe self-correction)", c.Turns)
	case rise:
		return fmt.Errorf("--turns 2 with --rise: verifying the first attempts of two-turn episodes is not supported yet; use one of them")
	}
	if err := c.RL.Validate(); err != nil {
		return fmt.Errorf("--turns 2: %w", err)
	}
	if err := c.RL.CheckBeta(algo.Policy().Beta); err != nil {
		return fmt.Errorf("--turns 2: %w", err)
	}
	if err := c.Demos.Validate(); err != nil {
		return fmt.Errorf("--turns 2: %w", err)
	}
	return nil
}

// scoreDemos adds correction demonstrations to the warm start's demos:
// generated ones for a built-in task, or a warning when the user's demos
// hold none.
func scoreDemos(c scoreConfig, builtinTask bool, demos []data.Example, stdout io.Writer) ([]data.Example, error) {
	if c.Turns != 2 {
		return demos, nil
	}
	if builtinTask {
		cd, err := selfimprove.CorrectionDemos(demos, c.Demos, c.RL.Template)
		if err != nil {
			return nil, fmt.Errorf("--turns 2: %w", err)
		}
		fmt.Fprintf(stdout, "score: %d correction demonstrations beside %d solutions\n", len(cd), len(demos))
		return append(demos, cd...), nil
	}
	for _, d := range demos {
		if d.Task == "correct" {
			return demos, nil
		}
	}
	fmt.Fprintln(stdout, "warning: --turns 2 with demonstrations that hold no correction (task \"correct\") examples: the warm start has not seen the second-turn format")
	return demos, nil
}

// scheduleWarning is "" unless --turns 2 follows a --score-schedule that
// covers every step, so Stage II, the stage that rewards fixing the first
// attempt, would never run: a run shorter than the schedule's default.
func (c scoreConfig) scheduleWarning(steps int) string {
	if c.Turns != 2 || c.RL.Stage != 0 || c.RL.Schedule < steps {
		return ""
	}
	return fmt.Sprintf("warning: --score-schedule %d ≥ --steps %d: every step is SCoRe Stage I and Stage II never runs; lower --score-schedule (a third of the steps is the default's ratio) or set --score-stage 2",
		c.RL.Schedule, steps)
}

// warnSchedule prints scheduleWarning's warning, if any, before the first
// step.
func (c scoreConfig) warnSchedule(w io.Writer, steps int) {
	if msg := c.scheduleWarning(steps); msg != "" {
		fmt.Fprintln(w, msg)
	}
}

// scoreBuilder returns the two-turn builder, or nil with --turns 1. Use it
// as the trainer's Builder and add it to its Stages (its step metrics).
func scoreBuilder(c scoreConfig, algo rl.Config, threshold float64, reward *rewards.Weighted) (*selfimprove.SCoRe, error) {
	if c.Turns != 2 {
		return nil, nil
	}
	s, err := selfimprove.NewSCoRe(c.RL, reward, algo.Policy().Beta, threshold)
	if err != nil {
		return nil, fmt.Errorf("--turns 2: %w", err)
	}
	return s, nil
}

// scoreEval adds the held-out correction metrics to r.Extra (merged with
// any other evaluation's), sampling from the streams of the step's
// evaluation.
func scoreEval(ctx context.Context, s *selfimprove.SCoRe, pol *rl.Policy, evalEx []data.Example, ec rl.EvalConfig, seed uint64, reward *rewards.Weighted, step int, r *rl.EvalResult, stdout io.Writer) error {
	if s == nil {
		return nil
	}
	m, err := selfimprove.EvalSCoRe(ctx, pol, s.Cfg, evalEx, reward, ec, rl.Streams{Seed: seed, Step: step})
	if err != nil {
		return fmt.Errorf("--turns 2: evaluation: %w", err)
	}
	if r.Extra == nil {
		r.Extra = map[string]float64{}
	}
	for k, v := range m {
		r.Extra[k] = v
	}
	printCorrect(stdout, m)
	return nil
}

// printCorrect prints the correction metrics of an evaluation.
func printCorrect(stdout io.Writer, m map[string]float64) {
	fmt.Fprintf(stdout, "  correct: acc@t1 %.3f  acc@t2 %.3f  Δ %+.3f (paired se %.3f)  Δi→c %.3f  Δc→i %.3f  edit ratio %.3f  skipped %d\n",
		m["acc_t1"], m["acc_t2"], m["delta_t1_t2"], m["delta_t1_t2_se"], m["delta_i2c"], m["delta_c2i"], m["edit_ratio"], int(m["skipped_overlong"]))
}
