package rl

// Per-token returns, REINFORCE++ and whitening. REINFORCE++: Hu, arXiv
// 2501.03262; OpenRLHF experience_maker.py get_cumulative_returns; verl
// core_algos.py compute_reinforce_plus_plus_outcome_advantage and
// ..._baseline_outcome_advantage. docs/algorithms.md §1.8, §2.
//
// Masked positions (m = 0: tool/environment tokens inside a completion) are
// skipped: they get return and advantage 0 and the recursion carries across
// them undiscounted, as verl's GAE does, so an observation inserted between
// two model tokens does not change the model tokens' returns.

import "math"

// whitenEps is added to the variance before the inverse square root, as in
// TRL's whiten and verl's masked_whiten.
const whitenEps = 1e-8

// checkRagged panics unless every a[n] has the length of mask[n].
func checkRagged(mask [][]float32, rows ...[][]float32) {
	for _, a := range rows {
		if a == nil {
			continue
		}
		if len(a) != len(mask) {
			panic(errRows)
		}
		for n := range a {
			if len(a[n]) != len(mask[n]) {
				panic(errRagged)
			}
		}
	}
}

// TokenRewards builds per-token rewards for KL-in-reward estimators:
// r[n,t] = pen[n][t]·m[n,t] (pen is typically KLRewardPenalty's −β·k; nil
// means none) plus score_n on the last valid token (EOS if present). A
// sequence with a NaN score or no valid token gets no score.
func TokenRewards(scores []float32, pen, mask [][]float32) [][]float32 {
	if len(scores) != len(mask) {
		panic(errRows)
	}
	checkRagged(mask, pen)
	out := make([][]float32, len(mask))
	for n, m := range mask {
		out[n] = make([]float32, len(m))
		last := -1
		for t, w := range m {
			if w == 0 {
				continue
			}
			last = t
			if pen != nil {
				out[n][t] = pen[n][t] * w
			}
		}
		if last >= 0 && !math.IsNaN(float64(scores[n])) {
			out[n][last] += scores[n]
		}
	}
	return out
}

// DiscountedReturns returns G[n,t] = Σ_{s≥t, m[s]>0} γ^{#valid between} r[n,s]
// over the valid tokens of each sequence (reset per sequence), 0 at masked positions.
func DiscountedReturns(rewards, mask [][]float32, gamma float64) [][]float32 {
	checkRagged(mask, rewards)
	out := make([][]float32, len(mask))
	for n, m := range mask {
		out[n] = make([]float32, len(m))
		g := 0.0
		for t := len(m) - 1; t >= 0; t-- {
			if m[t] == 0 {
				continue
			}
			g = float64(rewards[n][t]) + gamma*g
			out[n][t] = float32(g)
		}
	}
	return out
}

// Whiten returns (x − mean)/sqrt(var + 1e-8) with mean and variance taken
// over the positions where mask > 0 across the whole batch; masked positions
// are 0. The variance is unbiased (n−1), as TRL's whiten and verl's
// masked_whiten; with fewer than two valid positions the result is all 0.
// shiftMean = false keeps the mean (TRL whiten_rewards).
func Whiten(x, mask [][]float32, shiftMean bool) [][]float32 {
	out, _ := WhitenAcross(x, mask, shiftMean, nil)
	return out
}

// Reducer sums each value over the ranks of a data-parallel run, in place,
// so that a batch-wide statistic covers every rank's rows (nil: one process).
type Reducer func(xs ...*float64) error

// WhitenAcross is Whiten with its sums taken across the ranks by reduce, so
// every rank whitens by the statistics of the whole batch.
func WhitenAcross(x, mask [][]float32, shiftMean bool, reduce Reducer) ([][]float32, error) {
	checkRagged(mask, x)
	var sum, cnt float64
	for n, m := range mask {
		for t, w := range m {
			if w > 0 {
				sum += float64(x[n][t])
				cnt++
			}
		}
	}
	if reduce != nil {
		if err := reduce(&sum, &cnt); err != nil {
			return nil, err
		}
	}
	out := make([][]float32, len(mask))
	for n := range mask {
		out[n] = make([]float32, len(mask[n]))
	}
	if cnt < 2 {
		return out, nil
	}
	mean := sum / cnt
	var ss float64
	for n, m := range mask {
		for t, w := range m {
			if w > 0 {
				d := float64(x[n][t]) - mean
				ss += d * d
			}
		}
	}
	if reduce != nil {
		if err := reduce(&ss); err != nil {
			return nil, err
		}
	}
	inv := 1 / math.Sqrt(ss/(cnt-1)+whitenEps)
	for n, m := range mask {
		for t, w := range m {
			if w > 0 {
				v := (float64(x[n][t]) - mean) * inv
				if !shiftMean {
					v += mean
				}
				out[n][t] = float32(v)
			}
		}
	}
	return out, nil
}

// ReinforcePPAdvantages returns REINFORCE++ per-token advantages:
// per-token rewards r_t = pen_t (+ score on the last valid token), returns
// G_t = Σ_{s≥t} γ^{s−t} r_s, then A = Whiten(G) over all valid tokens of
// the batch. With baseline groups (REINFORCE++-baseline) each score first
// has its group's mean subtracted; nil means no baseline.
// Sequences with a NaN score get advantage 0 and are left out of the
// whitening statistics.
func ReinforcePPAdvantages(scores []float32, pen, mask [][]float32, gamma float64, baseline []Span) [][]float32 {
	adv, _ := reinforcePP(scores, pen, mask, gamma, baseline, nil)
	return adv
}

func reinforcePP(scores []float32, pen, mask [][]float32, gamma float64, baseline []Span, reduce Reducer) ([][]float32, error) {
	if len(scores) != len(mask) {
		panic(errRows)
	}
	s := scores
	if baseline != nil {
		s = make([]float32, len(scores))
		for _, sp := range baseline {
			mean, _, _, _ := groupMoments(scores[sp.Lo:sp.Hi])
			for g := sp.Lo; g < sp.Hi; g++ {
				s[g] = float32(float64(scores[g]) - mean) // NaN stays NaN
			}
		}
	}
	eff := make([][]float32, len(mask))
	for n := range mask {
		if math.IsNaN(float64(s[n])) {
			eff[n] = make([]float32, len(mask[n]))
		} else {
			eff[n] = mask[n]
		}
	}
	ret := DiscountedReturns(TokenRewards(s, pen, eff), eff, gamma)
	return WhitenAcross(ret, eff, true, reduce)
}

// GAE returns generalised advantage estimates and value targets (Schulman et
// al., arXiv 1506.02438; TRL ppo_trainer.py, verl compute_gae_advantage_return),
// backwards over the valid tokens of each sequence with V after the last
// valid token = 0:
//
//	δ_t = r_t + γ·V_{t+1} − V_t
//	Â_t = δ_t + γλ·Â_{t+1}
//	R_t = Â_t + V_t
//
// Â and R are not whitened; call Whiten(adv, mask, true) for PPO's
// advantage whitening. Masked positions get 0 and are skipped.
func GAE(rewards, values, mask [][]float32, gamma, lambda float64) (adv, returns [][]float32) {
	checkRagged(mask, rewards, values)
	adv = make([][]float32, len(mask))
	returns = make([][]float32, len(mask))
	for n, m := range mask {
		adv[n] = make([]float32, len(m))
		returns[n] = make([]float32, len(m))
		nextV, lastA := 0.0, 0.0
		for t := len(m) - 1; t >= 0; t-- {
			if m[t] == 0 {
				continue
			}
			v := float64(values[n][t])
			delta := float64(rewards[n][t]) + gamma*nextV - v
			lastA = delta + gamma*lambda*lastA
			adv[n][t] = float32(lastA)
			returns[n][t] = float32(lastA + v)
			nextV = v
		}
	}
	return adv, returns
}

// ExplainedVariance returns 1 − Var(R − V)/Var(R) over valid tokens (verl
// critic/vf_explained_var); NaN when Var(R) = 0.
func ExplainedVariance(values, returns, mask [][]float32) float64 {
	checkRagged(mask, values, returns)
	var n, sr, sr2, sd, sd2 float64
	for i, m := range mask {
		for t, w := range m {
			if w > 0 {
				r := float64(returns[i][t])
				d := r - float64(values[i][t])
				n++
				sr += r
				sr2 += r * r
				sd += d
				sd2 += d * d
			}
		}
	}
	if n == 0 {
		return math.NaN()
	}
	varR := sr2/n - (sr/n)*(sr/n)
	varD := sd2/n - (sd/n)*(sd/n)
	if varR <= 0 {
		return math.NaN()
	}
	return 1 - varD/varR
}
