package main

import (
	"context"
	"fmt"
	"io"

	"github.com/rltrain/rltrain/data"
	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
)

// evalSelfVerify runs the RISE verification evaluation: k solutions per
// problem rated by the model, self_verify@k beside pass@1 and maj@k of the
// same samples, and the verifier's accuracy against the true outcomes.
func evalSelfVerify(ctx context.Context, cfg evalConfig, pol *rl.Policy, exs []data.Example, reward *rewards.Weighted, stdout io.Writer) (map[string]float64, error) {
	rise, err := selfimprove.NewRISE(cfg.Rise, cfg.Eval.CorrectThreshold)
	if err != nil {
		return nil, fmt.Errorf("--self-verify: %w", err)
	}
	m, err := selfimprove.EvalVerify(ctx, pol, rise, exs, reward, cfg.Eval, rl.Streams{Seed: cfg.Seed, Step: cfg.Step})
	if err != nil {
		return nil, fmt.Errorf("--self-verify: %w", err)
	}
	k := int(m["self_verify/k"])
	fmt.Fprintf(stdout, "self-verify@%d %.3f   pass@1 %.3f   maj@%d %.3f   (same %d samples per problem; self-verify − maj paired se %.3f)\n",
		k, m["self_verify@k"], m["self_verify/pass@1"], k, m["self_verify/maj@k"], k, m["self_verify/diff_se"])
	fmt.Fprintf(stdout, "verifier: acc %.3f  balanced %.3f  format %.3f  on %d solutions\n",
		m["verify_acc"], m["verify_balanced_acc"], m["verify_format_rate"], int(m["verify_n"]))
	return m, nil
}
