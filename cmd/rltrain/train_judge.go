package main

// --reward judge / --reward self-verify: label-free rewards that ask a
// model (selfimprove.Judge, selfimprove.SelfVerifyReward; docs/algorithms.md
// §6). They join the reward spec through rewards.SpecOptions.Extra before
// the policy exists, and are bound to their model once it does
// (bindModelRewards).

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"reflect"

	"github.com/rltrain/rltrain/rewards"
	"github.com/rltrain/rltrain/rl"
	"github.com/rltrain/rltrain/selfimprove"
	"github.com/rltrain/rltrain/tokenizer"
	"github.com/rltrain/rltrain/warmstart"
)

// modelRewardConfig configures the rewards that ask a model.
type modelRewardConfig struct {
	// Judge configures --reward judge (flags --judge, --judge-*).
	Judge selfimprove.JudgeConfig `json:"judge"`
	// SelfVerify configures --reward self-verify (flags --self-verify-*).
	SelfVerify selfimprove.SelfVerifyConfig `json:"self_verify"`
}

func defaultModelRewardConfig() modelRewardConfig {
	return modelRewardConfig{Judge: selfimprove.DefaultJudgeConfig(), SelfVerify: selfimprove.DefaultSelfVerifyConfig()}
}

func bindModelRewardFlags(fs *flag.FlagSet, c *modelRewardConfig) {
	fs.Var(fieldValue{reflect.ValueOf(&c.Judge.Source).Elem()}, "judge",
		"judge reward's model: policy (the current policy), frozen (the starting policy) or a checkpoint folder")
	bindStruct(fs, &c.Judge, "judge-", "selfimprove.JudgeConfig", flagHelp, "Source")
	bindStruct(fs, &c.SelfVerify, "self-verify-", "selfimprove.SelfVerifyConfig", flagHelp)
}

func (c modelRewardConfig) validate() error {
	if err := c.Judge.Validate(); err != nil {
		return fmt.Errorf("--%w", err)
	}
	if err := c.SelfVerify.Validate(); err != nil {
		return fmt.Errorf("--%w", err)
	}
	return nil
}

// modelRewards are the spec entries "judge" and "self-verify", unbound;
// both speak the verification format of --rise-template and its scale.
func modelRewards(cfg runConfig) map[string]rewards.Reward {
	tpl, scale := cfg.Rise.Stage.Template, cfg.Rise.Stage.Scale()
	return map[string]rewards.Reward{
		"judge":       selfimprove.NewJudge(cfg.ModelReward.Judge, tpl, scale),
		"self-verify": selfimprove.NewSelfVerifyReward(cfg.ModelReward.SelfVerify, tpl, scale),
	}
}

// bindModelRewards binds the model rewards among reward's components to
// their model — pol itself (trained in place, so always the current
// policy), a frozen copy of it, or a checkpoint — and returns the builder
// wrapped so they learn each round's rows, with the stages that log their
// metrics. Without model rewards it returns builder as is. The frozen copy
// is taken now: on --resume it is the policy resumed from.
func bindModelRewards(cfg runConfig, reward *rewards.Weighted, pol *rl.Policy, builder rl.EpisodeBuilder, twoTurn bool, stdout io.Writer) (rl.EpisodeBuilder, []rl.Stage, error) {
	ms := selfimprove.ModelRewards(reward)
	if len(ms) == 0 {
		return builder, nil, nil
	}
	if twoTurn {
		return nil, nil, badInput(errors.New("--reward judge/self-verify with --turns 2: model rewards score single-turn rollouts only"))
	}
	var stages []rl.Stage
	for _, m := range ms {
		p := pol
		if j, ok := m.(*selfimprove.Judge); ok {
			var err error
			if p, err = judgeModel(j.Cfg.Source, pol); err != nil {
				return nil, nil, badInput(err)
			}
			fmt.Fprintf(stdout, "judge: %s, %d judgment(s) per completion in the %s format, T = %g\n", j.Cfg.Source, j.Cfg.Samples, j.Cfg.Format, j.Cfg.Temperature)
			stages = append(stages, j)
		}
		m.Bind(p)
	}
	return selfimprove.WithModelRewards(builder, reward), stages, nil
}

// judgeModel is the judge's model for --judge source.
func judgeModel(source string, pol *rl.Policy) (*rl.Policy, error) {
	switch source {
	case selfimprove.JudgePolicy:
		return pol, nil
	case selfimprove.JudgeFrozen:
		return &rl.Policy{Model: pol.Model.Clone(), Codec: pol.Codec, EOS: pol.EOS, MoreStops: pol.MoreStops}, nil
	}
	m, tok, err := warmstart.Load(source)
	if err != nil {
		return nil, fmt.Errorf("--judge %s: %w (want policy, frozen or a checkpoint folder)", source, err)
	}
	eos, ok := warmstart.EndToken(tok, m)
	if !ok {
		return nil, fmt.Errorf("--judge %s: its tokenizer has no %s token and no eos_token_id is given to end judgments", source, tokenizer.EndOfText)
	}
	return &rl.Policy{Model: m, Codec: tok, EOS: eos, MoreStops: m.Origin.Generation.StopTokens()}, nil
}
