package nn

import (
	"errors"
	"fmt"
	"math"
)

// Schedule is a learning-rate multiplier: linear warmup, then a cosine decay
// to MinLRRatio (as in nanoGPT / Chinchilla recipes):
//
//	step < Warmup:          (step+1)/Warmup
//	Warmup ≤ step < Total:  r + (1−r)·½·(1 + cos(π·(step−Warmup)/(Total−Warmup)))
//	step ≥ Total:           r
//
// with r = MinLRRatio. Steps count from 0, so step 0 already trains (at
// 1/Warmup of the peak) and step Warmup−1 is at the peak.
type Schedule struct {
	// Warmup is the number of warmup steps. Default 0 (no warmup); range ≥ 0.
	Warmup int
	// Total is the step at which the cosine reaches MinLRRatio; 0 means a
	// constant rate after warmup. Default 0; range 0 or > Warmup.
	Total int
	// MinLRRatio is the final multiplier. Default 0.1; range [0, 1].
	MinLRRatio float64
}

// DefaultSchedule returns the defaults documented on Schedule.
func DefaultSchedule() Schedule { return Schedule{MinLRRatio: 0.1} }

// Validate checks the ranges documented on Schedule.
func (s Schedule) Validate() error {
	var errs []error
	if s.Warmup < 0 {
		errs = append(errs, fmt.Errorf("warmup steps = %d: must be >= 0", s.Warmup))
	}
	if s.Total != 0 && s.Total <= s.Warmup {
		errs = append(errs, fmt.Errorf("total steps = %d must exceed warmup steps = %d (or be 0 for a constant rate after warmup)", s.Total, s.Warmup))
	}
	if !(s.MinLRRatio >= 0 && s.MinLRRatio <= 1) {
		errs = append(errs, fmt.Errorf("min lr ratio = %g: must be in [0, 1]", s.MinLRRatio))
	}
	return errors.Join(errs...)
}

// Factor is the multiplier of the peak learning rate at step (0-based).
func (s Schedule) Factor(step int) float64 {
	if step < s.Warmup {
		return float64(step+1) / float64(s.Warmup)
	}
	if s.Total <= s.Warmup {
		return 1
	}
	if step >= s.Total {
		return s.MinLRRatio
	}
	prog := float64(step-s.Warmup) / float64(s.Total-s.Warmup)
	return s.MinLRRatio + (1-s.MinLRRatio)*0.5*(1+math.Cos(math.Pi*prog))
}
