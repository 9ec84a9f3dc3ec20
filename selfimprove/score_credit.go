package selfimprove

import "math"

// SCoRe's credit assignment (Kumar et al., arXiv 2409.12917;
// docs/algorithms.md §5): what each turn of a two-turn episode is trained
// on, as a pure function of the two attempts' task rewards, so the table
// is tested without a model.

// SCoReCredit returns the rewards the first and second attempt are trained
// on, given their task rewards r1, r2 (the weighted reward; with the
// built-in tasks' accuracy reward the §0.1 verdict, 0 or 1; NaN =
// unscorable) and the shaping coefficient alpha.
//
// Stage I maximises r(y2) − β2·KL(turn 1) − β1·KL(turn 2): the second
// attempt earns r2 and the first attempt earns 0 whatever its quality. Zero,
// not NaN and not an untrained turn: a constant reward gives group
// estimators an advantage of exactly 0, so the first attempt learns only
// through the KL to the reference, which stays in force — for the KL in the
// reward a NaN would remove the row from the penalty, and an untrained turn
// would lose the KL altogether.
//
// Stage II maximises r(y1) + r(y2) with the bonus α·(r2 − r1) on the second
// attempt: wrong→right 1+α, right→wrong −α, right→right 1, wrong→wrong 0.
// The first attempt earns r1 alone, not the bonus: the bonus holds −α·r1,
// which would punish a correct first attempt. A NaN on either side makes
// the second attempt's reward NaN (its bonus is unknown; mixing unshaped
// and shaped rewards in one group would bias the baseline).
func SCoReCredit(stage int, r1, r2, alpha float64) (t1, t2 float64) {
	if stage == 1 {
		return 0, r2
	}
	if math.IsNaN(r1) || math.IsNaN(r2) {
		return r1, math.NaN()
	}
	return r1, r2 + alpha*(r2-r1)
}

// SCoReKLWeights returns the KL weights (rl.Turn.KLWeight) of the first and
// second attempt. The trainer multiplies the algorithm's β (β1) by them, so
// Stage I's first attempts get ratio = β2/β1 and pay β2 per unit of KL;
// everything else pays β1.
func SCoReKLWeights(stage int, ratio float64) (w1, w2 float32) {
	if stage == 1 {
		return float32(ratio), 1
	}
	return 1, 1
}
