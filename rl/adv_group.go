package rl

// Group-relative advantages: GRPO (DeepSeekMath, arXiv 2402.03300; TRL
// grpo_trainer.py _generate_and_score_completions; verl core_algos.py
// compute_grpo_outcome_advantage) and RLOO (Ahmadian et al., arXiv
// 2402.14740; verl compute_rloo_outcome_advantage). docs/algorithms.md §1.1, §1.8.
//
// Corner cases, decided here once:
//   - An unscorable sample (reward NaN: verifier error, unparsable gold) is
//     left out of the group's mean and std, and its advantage is 0. It must
//     not count as a wrong answer.
//   - A group with fewer than two scorable samples (in particular G = 1) has
//     no baseline: every advantage is 0 (TRL; verl's mean-0/std-1 fallback
//     would train on the raw score).
//   - A group whose scorable rewards are all equal has advantage exactly 0,
//     whatever ε: the check is explicit, because r − mean(r) need not round
//     to 0 in floating point. Such groups give no policy gradient.

import "math"

// GroupNorm holds the options of GroupAdvantages.
type GroupNorm struct {
	// Scale: group (divide by the group std), batch (by the std of all
	// scorable rewards in the batch) or none.
	Scale ScaleRewards
	// Std: unbiased (n−1) or population (n) estimator.
	Std StdKind
	// Eps is added to the std: A = (r − μ)/(σ + ε).
	Eps float64
}

// groupMoments returns the mean and the sum of squared deviations of the
// scorable (non-NaN) rewards, their count, and whether they are all equal.
func groupMoments(r []float32) (mean, ss float64, k int, equal bool) {
	equal = true
	first := math.NaN()
	for _, v := range r {
		x := float64(v)
		if math.IsNaN(x) {
			continue
		}
		if k == 0 {
			first = x
		} else if x != first {
			equal = false
		}
		mean += x
		k++
	}
	if k == 0 {
		return 0, 0, 0, true
	}
	mean /= float64(k)
	for _, v := range r {
		if x := float64(v); !math.IsNaN(x) {
			ss += (x - mean) * (x - mean)
		}
	}
	return mean, ss, k, equal
}

// stdFrom turns a sum of squared deviations of k values into a std.
func stdFrom(ss float64, k int, kind StdKind) float64 {
	switch kind {
	case StdPopulation:
		if k < 1 {
			return 0
		}
		return math.Sqrt(ss / float64(k))
	case StdUnbiased:
		if k < 2 {
			return 0
		}
		return math.Sqrt(ss / float64(k-1))
	}
	panic(errMode)
}

func checkGroups(n, groupSize int) {
	if groupSize < 1 || n%groupSize != 0 {
		panic(errGroupSize)
	}
}

// GroupAdvantages returns one advantage per sequence from rewards stored
// group-contiguously (row n = p·G + g, G = groupSize); see GroupAdvantagesBy.
// It panics if len(rewards) is not a multiple of groupSize.
func GroupAdvantages(rewards []float32, groupSize int, opt GroupNorm) []float32 {
	return GroupAdvantagesBy(rewards, FixedSpans(len(rewards), groupSize), opt)
}

// GroupAdvantagesBy returns one advantage per sequence, each group being a
// span of adjacent rows (groups may differ in size):
//
//	A_g = (r_g − μ_p) / (σ + ε)   σ = group std (ScaleGroup) or batch std (ScaleBatch)
//	A_g =  r_g − μ_p              (ScaleNone, Dr. GRPO)
//
// NaN rewards are unscorable (see the file comment).
func GroupAdvantagesBy(rewards []float32, groups []Span, opt GroupNorm) []float32 {
	adv, _ := groupAdvantages(rewards, groups, opt, nil)
	return adv
}

// groupAdvantages is GroupAdvantagesBy with the batch std (ScaleBatch)
// taken across the ranks by reduce.
func groupAdvantages(rewards []float32, groups []Span, opt GroupNorm, reduce Reducer) ([]float32, error) {
	adv := make([]float32, len(rewards))
	batchStd := 0.0
	if opt.Scale == ScaleBatch {
		_, ss, k, _ := groupMoments(rewards)
		if reduce != nil {
			var err error
			if batchStd, err = batchStdAcross(rewards, opt.Std, reduce); err != nil {
				return nil, err
			}
		} else {
			batchStd = stdFrom(ss, k, opt.Std)
		}
	}
	for _, sp := range groups {
		r := rewards[sp.Lo:sp.Hi]
		mean, ss, k, equal := groupMoments(r)
		if k < 2 || equal {
			continue // no baseline or no signal: exactly 0
		}
		div := 1.0
		switch opt.Scale {
		case ScaleGroup:
			div = stdFrom(ss, k, opt.Std) + opt.Eps
		case ScaleBatch:
			div = batchStd + opt.Eps
		case ScaleNone:
		default:
			panic(errMode)
		}
		for g, v := range r {
			if x := float64(v); !math.IsNaN(x) {
				adv[sp.Lo+g] = float32((x - mean) / div)
			}
		}
	}
	return adv, nil
}

// RLOOAdvantages is RLOOAdvantagesBy over groups of groupSize adjacent rows.
func RLOOAdvantages(rewards []float32, groupSize int) []float32 {
	return RLOOAdvantagesBy(rewards, FixedSpans(len(rewards), groupSize))
}

// RLOOAdvantagesBy returns the leave-one-out advantages
//
//	A_g = r_g − mean_{j≠g} r_j = k/(k−1)·(r_g − μ_p)
//
// over the k scorable samples of each group (TRL computes the baseline over
// scorable siblings only). Unscorable samples and groups with k < 2 get 0.
func RLOOAdvantagesBy(rewards []float32, groups []Span) []float32 {
	adv := make([]float32, len(rewards))
	for _, sp := range groups {
		r := rewards[sp.Lo:sp.Hi]
		mean, _, k, equal := groupMoments(r)
		if k < 2 || equal {
			continue
		}
		scale := float64(k) / float64(k-1)
		for g, v := range r {
			if x := float64(v); !math.IsNaN(x) {
				adv[sp.Lo+g] = float32(scale * (x - mean))
			}
		}
	}
	return adv
}

// Broadcast spreads one advantage per sequence over its tokens:
// A[n,t] = A_n · m[n,t]. The rows have the lengths of mask.
func Broadcast(adv []float32, mask [][]float32) [][]float32 {
	if len(adv) != len(mask) {
		panic(errRows)
	}
	out := make([][]float32, len(mask))
	for n, m := range mask {
		out[n] = make([]float32, len(m))
		for t, w := range m {
			out[n][t] = adv[n] * w
		}
	}
	return out
}

// RewardStats summarises a batch of group rewards under TRL's metric names.
type RewardStats struct {
	Mean           float64 // "reward": mean of scorable rewards
	Std            float64 // "reward_std": mean over groups of the group std (unbiased)
	FracZeroStd    float64 // "frac_reward_zero_std": groups whose scorable rewards are all equal
	FracUnscorable float64 // samples with a NaN reward
}

// GroupRewardStats computes RewardStats for group-contiguous rewards.
func GroupRewardStats(rewards []float32, groupSize int) RewardStats {
	checkGroups(len(rewards), groupSize)
	var s RewardStats
	if len(rewards) == 0 {
		return s
	}
	mean, _, k, _ := groupMoments(rewards)
	s.Mean = mean
	s.FracUnscorable = float64(len(rewards)-k) / float64(len(rewards))
	groups := len(rewards) / groupSize
	for p := 0; p < len(rewards); p += groupSize {
		_, ss, k, equal := groupMoments(rewards[p : p+groupSize])
		s.Std += stdFrom(ss, k, StdUnbiased) / float64(groups)
		if equal {
			s.FracZeroStd += 1 / float64(groups)
		}
	}
	return s
}

// batchStdAcross is the std of the scorable rewards of every rank.
func batchStdAcross(rewards []float32, kind StdKind, reduce Reducer) (float64, error) {
	var sum, k float64
	for _, v := range rewards {
		if x := float64(v); !math.IsNaN(x) {
			sum += x
			k++
		}
	}
	if err := reduce(&sum, &k); err != nil || k == 0 {
		return 0, err
	}
	mean := sum / k
	var ss float64
	for _, v := range rewards {
		if x := float64(v); !math.IsNaN(x) {
			ss += (x - mean) * (x - mean)
		}
	}
	if err := reduce(&ss); err != nil {
		return 0, err
	}
	return stdFrom(ss, int(k), kind), nil
}
