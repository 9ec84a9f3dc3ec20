package nn

import (
	"errors"
	"fmt"
	"math"

	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/tensor"
)

// AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay
// Regularization"), as torch.optim.AdamW computes it:
//
//	θ ← θ − lr·λ·θ                         (matrices only: every 2-D tensor)
//	m ← β1·m + (1−β1)·g
//	v ← β2·v + (1−β2)·g²
//	θ ← θ − (lr/(1−β1^t)) · m / (√v/√(1−β2^t) + ε)
//
// Norm weights and biases (1-D tensors) are not decayed, as in nanoGPT and
// most LLM recipes.

// AdamWConfig holds the optimiser's hyper-parameters.
type AdamWConfig struct {
	// LR is the peak learning rate; the trainer multiplies it by a Schedule
	// factor and passes the result to Update. Default 3e-4; range (0, 1).
	LR float64
	// Beta1 is the first-moment decay. Default 0.9; range [0, 1).
	Beta1 float64
	// Beta2 is the second-moment decay. Default 0.95 (LLM pre-training;
	// PyTorch's default is 0.999); range [0, 1).
	Beta2 float64
	// Eps is added to √v̂ in the denominator. Default 1e-8; range > 0.
	Eps float64
	// WeightDecay λ is the decoupled decay rate applied to matrices.
	// Default 0.1; range ≥ 0 (0 turns it off).
	WeightDecay float64
}

// DefaultAdamWConfig returns the defaults documented on AdamWConfig.
func DefaultAdamWConfig() AdamWConfig {
	return AdamWConfig{LR: 3e-4, Beta1: 0.9, Beta2: 0.95, Eps: 1e-8, WeightDecay: 0.1}
}

// Validate checks the ranges documented on AdamWConfig.
func (c AdamWConfig) Validate() error {
	var errs []error
	if !(c.LR > 0 && c.LR < 1) {
		errs = append(errs, fmt.Errorf("adamw lr = %g: must be in (0, 1), e.g. 3e-4 for SFT or 1e-6 for RL", c.LR))
	}
	if !(c.Beta1 >= 0 && c.Beta1 < 1) {
		errs = append(errs, fmt.Errorf("adamw beta1 = %g: must be in [0, 1) (0.9 is usual)", c.Beta1))
	}
	if !(c.Beta2 >= 0 && c.Beta2 < 1) {
		errs = append(errs, fmt.Errorf("adamw beta2 = %g: must be in [0, 1) (0.95 or 0.999 are usual)", c.Beta2))
	}
	if !(c.Eps > 0) {
		errs = append(errs, fmt.Errorf("adamw eps = %g: must be > 0 (1e-8 is usual)", c.Eps))
	}
	if !(c.WeightDecay >= 0) {
		errs = append(errs, fmt.Errorf("adamw weight decay = %g: must be >= 0 (0.1 is usual, 0 disables it)", c.WeightDecay))
	}
	return errors.Join(errs...)
}

// AdamW is the optimiser state: the moments M and V in the parameter slab's
// layout, and the number of steps taken.
type AdamW struct {
	Cfg  AdamWConfig
	M, V []float32 // first and second moments, len = model's Params.Len()
	Step int       // updates applied so far (the t of the bias correction is Step after the increment)

	decay []bool // per slab span: decayed?
	spans []int  // span boundaries in the slab, len(decay)+1 entries
}

// NewAdamW allocates zeroed moments for m's parameter slab. cfg is assumed
// valid (check it with Validate where it is read from the user).
func NewAdamW(cfg AdamWConfig, m *Model) *AdamW {
	o := &AdamW{Cfg: cfg, M: make([]float32, m.P.Len()), V: make([]float32, m.P.Len())}
	// Named tensors tile the slab in order (a tied LM head is not listed), so
	// the spans are checked to start at 0 and follow each other.
	o.spans = []int{0}
	for _, t := range m.P.Named() {
		off := offsetIn(m.P.Data, t.Data)
		if len(o.spans) == 0 || o.spans[len(o.spans)-1] != off {
			panic(errNotContiguous)
		}
		o.decay = append(o.decay, len(t.Shape) == 2)
		o.spans = append(o.spans, off+len(t.Data))
	}
	return o
}

// Update applies one AdamW step to m.P using the gradients in m.G at the
// learning rate lr (usually Cfg.LR·Schedule.Factor(step)). The slab is split
// across threads and each piece runs the vector kernel asm.AdamW; every
// element is independent, so the result does not depend on the thread count.
func (o *AdamW) Update(m *Model, lr float64) {
	p, g := m.P.Data, m.G.Data
	if len(p) != len(o.M) || len(g) != len(o.M) || len(o.V) != len(o.M) {
		panic(errModelLayout)
	}
	o.Step++
	c := o.Cfg
	t := float64(o.Step)
	bc1 := 1 - math.Pow(c.Beta1, t)
	bc2 := 1 - math.Pow(c.Beta2, t)
	sc := asm.AdamWScalars{
		B1: float32(c.Beta1), B2: float32(c.Beta2),
		Step: float32(lr / bc1), ISB: float32(1 / math.Sqrt(bc2)), Eps: float32(c.Eps),
	}
	keep := float32(1 - lr*c.WeightDecay)
	// One parallel pass over the whole slab; each chunk walks the decay
	// spans it overlaps (one vector kernel call per piece).
	tensor.Parallel(len(p), func(a, b int) {
		for s, dec := range o.decay {
			lo, hi := max(o.spans[s], a), min(o.spans[s+1], b)
			if lo >= hi {
				continue
			}
			k := sc
			k.Keep = 1
			if dec {
				k.Keep = keep
			}
			asm.AdamW(p[lo:hi], g[lo:hi], o.M[lo:hi], o.V[lo:hi], k)
		}
	})
}
