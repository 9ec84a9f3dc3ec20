package main

// --rise: self-verification in the RL update (selfimprove.RISE). The warm
// start of the built-in task also learns to verify from generated
// demonstrations; evaluations add the verification metrics.

import (
	"context"
	"flag"
	"fmt"
	"io"
	"reflect"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
)

// riseConfig turns on self-verification and says how it is taught.
type riseConfig struct {
	// Enable verifies some of every step's solutions with the policy itself
	// and trains on the verifications in the same update (--rise).
	Enable bool `json:"enable"`
	// Stage configures the verification in RL (flags --rise-*).
	Stage selfimprove.RISEConfig `json:"stage"`
	// Demos configures the verification demonstrations of the built-in
	// task's warm start (flags --verify-demos-*).
	Demos selfimprove.DemoConfig `json:"demos"`
}

func bindRiseFlags(fs *flag.FlagSet, c *riseConfig) {
	fs.Var(fieldValue{reflect.ValueOf(&c.Enable).Elem()}, "rise", "verify some of each step's own solutions and train on the verifications too (RISE)")
	bindStruct(fs, &c.Stage, "rise-", "selfimprove.RISEConfig", flagHelp)
	bindStruct(fs, &c.Demos, "verify-demos-", "selfimprove.DemoConfig", flagHelp)
}

// riseDemos adds verification demonstrations to the warm start's demos:
// generated ones for a built-in task, or a warning when the user's demos
// hold none.
func riseDemos(cfg runConfig, demos []data.Example, stdout io.Writer) ([]data.Example, error) {
	if !cfg.Rise.Enable {
		return demos, nil
	}
	if cfg.Task.Data == "" && cfg.Warm.SFTData == "" {
		vd, err := selfimprove.VerifyDemos(demos, cfg.Rise.Demos, cfg.Rise.Stage.Template, cfg.Rise.Stage.Scale())
		if err != nil {
			return nil, fmt.Errorf("--rise: %w", err)
		}
		fmt.Fprintf(stdout, "rise: %d verification demonstrations beside %d solutions\n", len(vd), len(demos))
		return append(demos, vd...), nil
	}
	n := 0
	for _, d := range demos {
		if d.Task == "verify" {
			n++
		}
	}
	if n == 0 {
		fmt.Fprintln(stdout, "warning: --rise with demonstrations that hold no verification (task \"verify\") examples: the warm start has not seen the verification format")
	}
	return demos, nil
}

// riseStage returns the RISE stage, or nil without --rise.
func riseStage(cfg runConfig) (*selfimprove.RISE, error) {
	if !cfg.Rise.Enable {
		return nil, nil
	}
	return selfimprove.NewRISE(cfg.Rise.Stage, cfg.Train.CorrectThreshold)
}

// riseEval adds the held-out verification metrics to r.
func riseEval(ctx context.Context, rise *selfimprove.RISE, pol *rl.Policy, evalEx []data.Example, cfg runConfig, solve *rewards.Weighted, step int, r *rl.EvalResult, stdout io.Writer) error {
	if rise == nil {
		return nil
	}
	m, err := selfimprove.EvalVerify(ctx, pol, rise, evalEx, solve, cfg.Eval, rl.Streams{Seed: cfg.Train.Seed, Step: step})
	if err != nil {
		return err
	}
	r.Extra = m
	fmt.Fprintf(stdout, "  verify: acc %.3f  balanced %.3f  format %.3f  self_verify@%d %.3f  maj@%d %.3f (same samples, paired se %.3f)\n",
		m["verify_acc"], m["verify_balanced_acc"], m["verify_format_rate"], int(m["self_verify/k"]), m["self_verify@k"],
		int(m["self_verify/k"]), m["self_verify/maj@k"], m["self_verify/diff_se"])
	return nil
}
