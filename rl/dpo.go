package rl

// DPO: Direct Preference Optimization (R. Rafailov et al., arXiv
// 2305.18290), with the conservative label smoothing of E. Mitchell's note
// ("A note on DPO with noisy preferences", 2023) and optional length
// normalisation (SimPO-style mean per-token log-prob, Y. Meng et al., arXiv
// 2405.14734). docs/algorithms.md §6.1.

import (
	"errors"
	"fmt"
	"math"
)

// DPOConfig is the loss of one preference pair (chosen c, rejected r of one
// prompt) against a frozen reference.
type DPOConfig struct {
	// Beta β scales the implicit reward β·(log π(y) − log π_ref(y)); larger
	// keeps the policy closer to the reference. Default 0.1 (the paper's and
	// TRL's); range > 0.
	Beta float64 `json:"beta"`
	// LabelSmoothing ε is the assumed probability that a pair's label is
	// flipped (conservative DPO): the loss becomes
	// −(1−ε)·log σ(h) − ε·log σ(−h). Default 0; range [0, 0.5).
	LabelSmoothing float64 `json:"label_smoothing"`
	// LengthNorm uses the mean per-token log-prob of each completion
	// instead of the sum, so a pair's margin does not grow with length.
	// Default false (the paper's summed log-probs).
	LengthNorm bool `json:"length_norm"`
}

// DefaultDPOConfig returns the defaults documented on DPOConfig.
func DefaultDPOConfig() DPOConfig { return DPOConfig{Beta: 0.1} }

// Validate checks the ranges documented on DPOConfig.
func (c DPOConfig) Validate() error {
	var errs []error
	if !(c.Beta > 0) || math.IsInf(c.Beta, 0) {
		errs = append(errs, fmt.Errorf("dpo beta = %g: must be > 0 (0.1 is usual)", c.Beta))
	}
	if !(c.LabelSmoothing >= 0 && c.LabelSmoothing < 0.5) {
		errs = append(errs, fmt.Errorf("dpo label-smoothing = %g: must be in [0, 0.5) (0 is plain DPO)", c.LabelSmoothing))
	}
	return errors.Join(errs...)
}

// DPOStats are the means over a batch's pairs, under TRL's names in
// metrics.jsonl (rewards/chosen, rewards/rejected, rewards/margins,
// rewards/accuracies).
type DPOStats struct {
	Loss           float64 // mean pair loss
	RewardChosen   float64 // mean β·(s(c) − s_ref(c))
	RewardRejected float64 // mean β·(s(r) − s_ref(r))
	Margin         float64 // mean implicit-reward margin (chosen − rejected)
	Accuracy       float64 // share of pairs whose chosen reward exceeds the rejected one
	Pairs          int
}

// DPOSeqLogP is a completion's score s(y) under cfg: the sum of its
// per-token log-probs, or their mean with LengthNorm (0 for an empty one).
func DPOSeqLogP(lp []float32, cfg DPOConfig) float64 {
	var s float64
	for _, v := range lp {
		s += float64(v)
	}
	if cfg.LengthNorm && len(lp) > 0 {
		s /= float64(len(lp))
	}
	return s
}

// DPOLoss is the mean DPO loss over N pairs and its gradient. chosen[i] and
// rejected[i] are the policy's per-token log-probs of pair i's completions;
// refChosen[i] and refRejected[i] the reference's scores of them
// (DPOSeqLogP of the reference's log-probs, computed once since the
// reference is frozen). With s the DPOSeqLogP of the policy,
//
//	h_i = β·[(s(c_i) − s_ref(c_i)) − (s(r_i) − s_ref(r_i))]
//	L   = (1/N) Σ_i −(1−ε)·log σ(h_i) − ε·log σ(−h_i)
//	∂L/∂h_i = (1/N)·[−(1−ε)·σ(−h_i) + ε·σ(h_i)] = (1/N)·(σ(h_i) − (1−ε))
//	∂L/∂lp_c[i][t] = ∂L/∂h_i · β · w(c_i),  ∂L/∂lp_r[i][t] = −∂L/∂h_i · β · w(r_i)
//
// with w = 1, or 1/len with LengthNorm. log σ is computed as −softplus(−h)
// so that a large |h| neither overflows nor loses the gradient.
func DPOLoss(chosen, rejected [][]float32, refChosen, refRejected []float64, cfg DPOConfig) (dChosen, dRejected [][]float32, st DPOStats) {
	n := len(chosen)
	if len(rejected) != n || len(refChosen) != n || len(refRejected) != n {
		panic(errRows)
	}
	dChosen, dRejected = make([][]float32, n), make([][]float32, n)
	st.Pairs = n
	if n == 0 {
		return dChosen, dRejected, st
	}
	eps, beta, inv := cfg.LabelSmoothing, cfg.Beta, 1/float64(n)
	for i := range n {
		rc := beta * (DPOSeqLogP(chosen[i], cfg) - refChosen[i])
		rr := beta * (DPOSeqLogP(rejected[i], cfg) - refRejected[i])
		h := st.add(rc, rr, eps, inv)
		dh := inv * (sigmoid(h) - (1 - eps))
		dChosen[i] = fillGrad(len(chosen[i]), dh*beta, cfg.LengthNorm)
		dRejected[i] = fillGrad(len(rejected[i]), -dh*beta, cfg.LengthNorm)
	}
	return dChosen, dRejected, st
}

// add adds a pair with implicit rewards rc and rr, weighted w, to the
// means, and returns its margin h = rc − rr.
func (st *DPOStats) add(rc, rr, eps, w float64) (h float64) {
	h = rc - rr
	st.Loss += w * ((1-eps)*softplus(-h) + eps*softplus(h))
	st.RewardChosen += w * rc
	st.RewardRejected += w * rr
	st.Margin += w * h
	if h > 0 {
		st.Accuracy += w
	}
	return h
}

// fillGrad returns n copies of g (divided by n when mean is set).
func fillGrad(n int, g float64, mean bool) []float32 {
	out := make([]float32, n)
	if mean && n > 0 {
		g /= float64(n)
	}
	for t := range out {
		out[t] = float32(g)
	}
	return out
}

// softplus is log(1 + e^x) without overflow.
func softplus(x float64) float64 {
	if x > 0 {
		return x + math.Log1p(math.Exp(-x))
	}
	return math.Log1p(math.Exp(x))
}

// sigmoid is 1/(1 + e^−x) without overflow.
func sigmoid(x float64) float64 {
	if x >= 0 {
		return 1 / (1 + math.Exp(-x))
	}
	e := math.Exp(x)
	return e / (1 + e)
}
