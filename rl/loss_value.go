package rl

// Clipped value loss for PPO's critic (TRL ppo_trainer.py, verl core_algos.py
// compute_value_loss). docs/algorithms.md §2.

// ValueInput is one micro-batch for ValueLoss, ragged [n][t] like PolicyInput.
type ValueInput struct {
	Values    [][]float32 // V, the value head's current outputs
	OldValues [][]float32 // V_old from rollout time; nil disables clipping
	Returns   [][]float32 // R, the GAE value targets
	Mask      [][]float32 // m
}

// ValueOutput is the result of ValueLoss.
type ValueOutput struct {
	Loss    float64     // coef·½·Agg(max((V−R)², (V_clip−R)²))
	DValues [][]float32 // dLoss/dV, for nn.Model.Backward's dValues
	Stats   Stats       // ValueClipped, ValueTokens, ValueLossSum
}

// ValueLoss returns coef·½·Σ_n c_n Σ_t m·max((V − R)², (V_clip − R)²) with
// V_clip = V_old + clip(V − V_old, −ε_v, ε_v) and c_n from z. clipRange ≤ 0
// or OldValues = nil disables clipping. The derivative follows the larger
// branch (the unclipped one on ties); the clipped branch has derivative 0
// once V leaves V_old ± ε_v.
func ValueLoss(in ValueInput, clipRange, coef float64, z Normalizer) ValueOutput {
	mask := in.Mask
	checkRagged(mask, in.Values, in.OldValues, in.Returns)
	if in.Values == nil || in.Returns == nil {
		panic(errRows)
	}
	out := ValueOutput{DValues: make([][]float32, len(mask))}
	for n, c := range z.Weights(mask) {
		out.DValues[n] = make([]float32, len(mask[n]))
		for t, w := range mask[n] {
			if w == 0 {
				continue
			}
			v, ret := float64(in.Values[n][t]), float64(in.Returns[n][t])
			u := v - ret
			l, d := u*u, 2*u
			if in.OldValues != nil && clipRange > 0 {
				vo := float64(in.OldValues[n][t])
				vc, dvc := v, 1.0
				if v > vo+clipRange {
					vc, dvc = vo+clipRange, 0
				} else if v < vo-clipRange {
					vc, dvc = vo-clipRange, 0
				}
				uc := vc - ret
				if uc*uc > l {
					l, d = uc*uc, 2*uc*dvc
					out.Stats.ValueClipped += float64(w)
				}
			}
			out.Stats.ValueTokens += float64(w)
			out.Stats.ValueLossSum += float64(w) * 0.5 * l
			out.Loss += coef * c * float64(w) * 0.5 * l
			out.DValues[n][t] = float32(coef * c * float64(w) * 0.5 * d)
		}
	}
	return out
}
