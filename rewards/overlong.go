package rewards

// DAPO overlong reward shaping (arXiv 2503.14476; verl
// reward_manager/dapo.py; docs/algorithms.md §1.7d): a soft length penalty that
// ramps from 0 to −1 over the last Cache tokens before MaxLen:
//
//	R_len(n) = 0                          if n ≤ MaxLen − Cache
//	         = ((MaxLen − Cache) − n)/Cache if MaxLen − Cache < n ≤ MaxLen
//	         = −1                         if n > MaxLen
//	R ← R + Factor·R_len

import (
	"context"
	"fmt"

	"github.com/rltrain/rltrain/data"
)

// OverlongConfig configures the overlong length penalty; lengths are in tokens.
type OverlongConfig struct {
	// MaxLen is L_max, the expected maximum completion length (normally the
	// generation cap). Default 128, range >= 1.
	MaxLen int
	// Cache is L_c, the width of the ramp before MaxLen. Default 32, range
	// 0..MaxLen (0: a step from 0 to −1 past MaxLen).
	Cache int
	// Factor is φ, verl's penalty_factor. Default 1, range >= 0.
	Factor float64
}

// DefaultOverlongConfig returns the defaults documented on OverlongConfig.
func DefaultOverlongConfig() OverlongConfig { return OverlongConfig{MaxLen: 128, Cache: 32, Factor: 1} }

// Validate checks the ranges documented on OverlongConfig.
func (c OverlongConfig) Validate() error {
	if c.MaxLen < 1 || c.Cache < 0 || c.Cache > c.MaxLen || !(c.Factor >= 0) {
		return fmt.Errorf("rewards: OverlongConfig{MaxLen: %d, Cache: %d, Factor: %v}: want MaxLen >= 1, 0 <= Cache <= MaxLen, Factor >= 0", c.MaxLen, c.Cache, c.Factor)
	}
	return nil
}

// Penalty returns Factor·R_len(n) for a completion of n tokens (0 or negative).
func (c OverlongConfig) Penalty(n int) float64 {
	start := c.MaxLen - c.Cache
	switch {
	case n <= start:
		return 0
	case n <= c.MaxLen:
		return c.Factor * float64(start-n) / float64(c.Cache)
	}
	return -c.Factor
}

// Overlong is the length penalty as a Reward, to be added to the others in a
// Weighted sum with weight 1. It needs Completion.Tokens.
type Overlong struct{ Cfg OverlongConfig }

// NewOverlong returns an Overlong reward after validating cfg.
func NewOverlong(cfg OverlongConfig) (*Overlong, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Overlong{Cfg: cfg}, nil
}

// Name returns "overlong".
func (o *Overlong) Name() string { return "overlong" }

// Score implements Reward.
func (o *Overlong) Score(ctx context.Context, _ data.Example, c Completion) Result {
	if err := ctx.Err(); err != nil {
		return ctxResult(err)
	}
	if c.Tokens < 0 || (c.Tokens == 0 && c.Text != "") {
		return NoScore("token count missing")
	}
	p := o.Cfg.Penalty(c.Tokens)
	return Scored(p, fmt.Sprintf("%d tokens", c.Tokens))
}
