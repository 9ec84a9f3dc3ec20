package nn

import (
	"math"

	"github.com/rltrain/rltrain/asm"
)

// ClipGradNorm scales grads in place so that their global L2 norm is at most
// maxNorm (torch.nn.utils.clip_grad_norm_: factor maxNorm/(norm+1e-6) when it
// is < 1) and returns the norm before clipping. maxNorm <= 0 only measures.
//
// A non-finite norm (a NaN or Inf gradient somewhere) is returned as is and
// grads are left untouched: the caller should report it and skip the step
// (math.IsNaN(norm) || math.IsInf(norm, 0)) rather than apply garbage.
//
// The sum of squares is accumulated in float64 in slab order, in four
// interleaved partial sums (element i goes to sum i mod 4, which breaks the
// add-latency chain), so the result is the same for every thread count.
func ClipGradNorm(grads []float32, maxNorm float64) (norm float64) {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(grads); i += 4 {
		g := grads[i : i+4 : i+4]
		a, b, c, d := float64(g[0]), float64(g[1]), float64(g[2]), float64(g[3])
		s0 += a * a
		s1 += b * b
		s2 += c * c
		s3 += d * d
	}
	for j, g := range grads[i:] {
		switch j {
		case 0:
			s0 += float64(g) * float64(g)
		case 1:
			s1 += float64(g) * float64(g)
		default:
			s2 += float64(g) * float64(g)
		}
	}
	norm = math.Sqrt((s0 + s1) + (s2 + s3))
	if math.IsNaN(norm) || math.IsInf(norm, 0) || maxNorm <= 0 {
		return norm
	}
	if f := maxNorm / (norm + 1e-6); f < 1 {
		asm.Scale(float32(f), grads)
	}
	return norm
}
