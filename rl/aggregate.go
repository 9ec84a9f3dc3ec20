package rl

// Loss aggregation (TRL grpo_trainer.py loss_type; verl core_algos.py
// agg_loss; docs/algorithms.md §1.4). Every mode is a weighted token sum
//
//	L = Σ_n c_n Σ_t m[n,t]·ℓ[n,t]
//
// with a per-sequence weight c_n:
//
//	grpo                 c_n = 1 / (N · max(1, len_n))
//	dapo                 c_n = 1 / Σ_{n,t} m            (global token count)
//	dr_grpo              c_n = 1 / (N · L_max)
//	seq_mean_token_sum   c_n = 1 / N
//	bnpo                 c_n = 1 / (K · Σ_{micro-batch} m)   (K micro-batches)
//
// N and Σm are global over the optimiser batch (all micro-batches and all
// workers): the trainer counts them once with Count, all-reduces the two
// numbers across ranks, and builds one Normalizer that every micro-batch's
// loss call shares. Summed over micro-batches, losses and gradients then
// equal those of the whole batch in one call — except bnpo, which by
// definition normalises each micro-batch by its own token count (TRL bnpo).

import "math"

// Counts are the global sizes a Normalizer needs.
type Counts struct {
	Seqs   float64 // number of sequences N (rows, including empty ones)
	Tokens float64 // Σ m over all rows
}

// Add returns the sum of two counts (for micro-batch or rank reduction).
func (c Counts) Add(o Counts) Counts { return Counts{c.Seqs + o.Seqs, c.Tokens + o.Tokens} }

// Count returns the sequence and token counts of a batch's mask.
func Count(mask [][]float32) Counts {
	c := Counts{Seqs: float64(len(mask))}
	for _, m := range mask {
		c.Tokens += maskLen(m)
	}
	return c
}

func maskLen(m []float32) float64 {
	var s float64
	for _, w := range m {
		s += float64(w)
	}
	return s
}

// Normalizer turns a LossType and the global Counts into per-sequence weights c_n.
type Normalizer struct {
	// Mode is the aggregation mode.
	Mode LossType
	// Denom is the global denominator: N (grpo, seq_mean_token_sum),
	// max(1, Σm) (dapo), N·L_max (dr_grpo) or K, the number of micro-batches (bnpo).
	Denom float64
}

// NewNormalizer builds the Normalizer for an optimiser batch with global
// counts c, completion cap maxLen (dr_grpo) and microBatches loss calls
// (bnpo). It panics on an unknown mode (Validate the config first).
func NewNormalizer(mode LossType, c Counts, maxLen, microBatches int) Normalizer {
	z := Normalizer{Mode: mode}
	switch mode {
	case LossGRPO, LossSeqMeanTokenSum:
		z.Denom = c.Seqs
	case LossDAPO:
		z.Denom = math.Max(1, c.Tokens)
	case LossDrGRPO:
		z.Denom = c.Seqs * float64(maxLen)
	case LossBNPO:
		z.Denom = float64(max(1, microBatches))
	default:
		panic(errMode)
	}
	return z
}

// Weights returns c_n for each row of one loss call (micro-batch) with the
// given mask. A zero denominator (empty batch) gives zero weights.
func (z Normalizer) Weights(mask [][]float32) []float64 {
	w := make([]float64, len(mask))
	if z.Denom <= 0 {
		return w
	}
	local := 0.0
	if z.Mode == LossBNPO {
		for _, m := range mask {
			local += maskLen(m)
		}
		local = math.Max(1, local)
	}
	for n, m := range mask {
		switch z.Mode {
		case LossGRPO:
			w[n] = 1 / (z.Denom * math.Max(1, maskLen(m)))
		case LossDAPO, LossDrGRPO, LossSeqMeanTokenSum:
			w[n] = 1 / z.Denom
		case LossBNPO:
			w[n] = 1 / (z.Denom * local)
		default:
			panic(errMode)
		}
	}
	return w
}

// Aggregate returns Σ_n c_n Σ_t m·x for per-token values x (e.g. to report
// an aggregated quantity the way the loss aggregates it).
func (z Normalizer) Aggregate(x, mask [][]float32) float64 {
	checkRagged(mask, x)
	var s float64
	for n, c := range z.Weights(mask) {
		var row float64
		for t, w := range mask[n] {
			row += float64(w) * float64(x[n][t])
		}
		s += c * row
	}
	return s
}
