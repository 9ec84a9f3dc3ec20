package rewards

// The format reward: does the completion follow <think>…</think><answer>…</answer>?
// The check is plain string scanning (no regular expressions): the think
// block opens the completion, each tag appears exactly once and in order, the
// answer block follows the think block after optional whitespace and holds
// something, and nothing but whitespace trails it. With AnswerOpen empty it is
// TRL's think_format_reward: one leading think block, then anything.

import (
	"context"
	"errors"
	"strings"

	"github.com/rltrain/rltrain/data"
)

// FormatConfig configures the format reward.
type FormatConfig struct {
	// ThinkOpen and ThinkClose delimit the reasoning. Defaults "<think>", "</think>".
	ThinkOpen, ThinkClose string
	// AnswerOpen and AnswerClose delimit the answer. Defaults "<answer>",
	// "</answer>"; both empty checks the think block only.
	AnswerOpen, AnswerClose string
	// AllowTrailing accepts text after the answer block. Default false: a
	// policy that keeps writing after its answer has not learned to stop.
	AllowTrailing bool
	// Partial gives 0.25 of Score for each tag pair that is present exactly
	// once and in order when the whole format fails (GRPO-Zero style
	// partial credit). Default false.
	Partial bool
	// Score is the reward of a well-formed completion. Default 1.
	Score float64
}

// DefaultFormatConfig returns the defaults documented on FormatConfig.
func DefaultFormatConfig() FormatConfig {
	return FormatConfig{ThinkOpen: "<think>", ThinkClose: "</think>", AnswerOpen: "<answer>", AnswerClose: "</answer>", Score: 1}
}

// Validate checks the configuration.
func (c FormatConfig) Validate() error {
	if c.ThinkOpen == "" || c.ThinkClose == "" {
		return errors.New("rewards: FormatConfig: ThinkOpen and ThinkClose must be set")
	}
	if (c.AnswerOpen == "") != (c.AnswerClose == "") {
		return errors.New("rewards: FormatConfig: set both AnswerOpen and AnswerClose, or neither")
	}
	return nil
}

// CheckFormat returns the fraction of FormatConfig.Score earned (1 for a
// well-formed completion) and a short reason.
func CheckFormat(s string, c FormatConfig) (float64, string) {
	ok, why := wellFormed(s, c)
	if ok {
		return 1, "ok"
	}
	if !c.Partial {
		return 0, why
	}
	part := 0.0
	if pairOnce(s, c.ThinkOpen, c.ThinkClose) {
		part += 0.25
	}
	if c.AnswerOpen != "" && pairOnce(s, c.AnswerOpen, c.AnswerClose) {
		part += 0.25
	}
	return part, why
}

func wellFormed(s string, c FormatConfig) (bool, string) {
	t := strings.TrimLeft(s, " \t\r\n")
	if !strings.HasPrefix(t, c.ThinkOpen) {
		return false, "does not start with " + c.ThinkOpen
	}
	if !pairOnce(s, c.ThinkOpen, c.ThinkClose) {
		return false, "think tags not exactly once, in order"
	}
	rest := t[strings.Index(t, c.ThinkClose)+len(c.ThinkClose):]
	if c.AnswerOpen == "" {
		return true, "ok"
	}
	rest = strings.TrimLeft(rest, " \t\r\n")
	if !strings.HasPrefix(rest, c.AnswerOpen) {
		return false, "no " + c.AnswerOpen + " right after " + c.ThinkClose
	}
	if !pairOnce(s, c.AnswerOpen, c.AnswerClose) {
		return false, "answer tags not exactly once, in order"
	}
	rest = rest[len(c.AnswerOpen):]
	end := strings.Index(rest, c.AnswerClose)
	if strings.TrimSpace(rest[:end]) == "" {
		return false, "empty answer"
	}
	if tail := rest[end+len(c.AnswerClose):]; !c.AllowTrailing && strings.TrimSpace(tail) != "" {
		return false, "text after " + c.AnswerClose
	}
	return true, "ok"
}

// pairOnce reports whether open and close each occur exactly once in s, open first.
func pairOnce(s, open, close string) bool {
	if strings.Count(s, open) != 1 || strings.Count(s, close) != 1 {
		return false
	}
	return strings.Index(s, open) < strings.Index(s, close)
}

// Format is the format reward.
type Format struct{ Cfg FormatConfig }

// NewFormat returns a Format reward after validating cfg.
func NewFormat(cfg FormatConfig) (*Format, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Format{Cfg: cfg}, nil
}

// Name returns "format".
func (f *Format) Name() string { return "format" }

// Score implements Reward.
func (f *Format) Score(ctx context.Context, _ data.Example, c Completion) Result {
	if err := ctx.Err(); err != nil {
		return ctxResult(err)
	}
	frac, why := CheckFormat(c.Text, f.Cfg)
	return Scored(frac*f.Cfg.Score, why)
}
