package nn

import "math"

// ClipGradNorm scales grads in place so that their global L2 norm is at most
// maxNorm (torch.nn.utils.clip_grad_norm_: factor maxNorm/(norm+1e-6) when it
// is < 1) and returns the norm before clipping. maxNorm <= 0 only measures.
//
// A non-finite norm (a NaN or Inf gradient somewhere) is returned as is and
// grads are left untouched: the caller should report it and skip the step
// (math.IsNaN(norm) || math.IsInf(norm, 0)) rather than apply garbage.
//
// The sum of squares is accumulated in float64 in slab order, so the result
// is the same for every thread count.
func ClipGradNorm(grads []float32, maxNorm float64) (norm float64) {
	var ss float64
	for _, g := range grads {
		ss += float64(g) * float64(g)
	}
	norm = math.Sqrt(ss)
	if math.IsNaN(norm) || math.IsInf(norm, 0) || maxNorm <= 0 {
		return norm
	}
	if f := maxNorm / (norm + 1e-6); f < 1 {
		s := float32(f)
		for i := range grads {
			grads[i] *= s
		}
	}
	return norm
}
