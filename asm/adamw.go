package asm

import "math"

// AdamWScalars are the per-step constants of AdamW (see nn.AdamW.Update):
// the moment decays B1, B2, the stepsize Step = lr/(1−β1^t), ISB =
// 1/√(1−β2^t), the denominator's Eps and the decoupled decay factor Keep =
// 1−lr·λ (1 for tensors that are not decayed).
type AdamWScalars struct {
	B1, B2, Step, ISB, Eps, Keep float32
}

// AdamW applies one AdamW update elementwise to parameters p given the
// gradients g and the moments m, v (updated in place):
//
//	m[i] = B1·m[i] + (1−B1)·g[i]
//	v[i] = B2·v[i] + (1−B2)·g[i]²
//	p[i] = Keep·p[i] − Step·m[i] / (√v[i]·ISB + Eps)
//
// All four slices have the same length. The SIMD paths fuse some products
// into FMAs, so they may differ from the generic code in the last bits.
func AdamW(p, g, m, v []float32, s AdamWScalars) {
	if len(g) != len(p) || len(m) != len(p) || len(v) != len(p) {
		panic(errLengths)
	}
	adamw(p, g, m, v, s.B1, 1-s.B1, s.B2, 1-s.B2, s.ISB, s.Eps, s.Keep, s.Step)
}

func adamwGeneric(p, g, m, v []float32, b1, c1, b2, c2, isb, eps, keep, step float32) {
	g, m, v = g[:len(p)], m[:len(p)], v[:len(p)]
	for i, gi := range g {
		mi := b1*m[i] + c1*gi
		vi := b2*v[i] + c2*gi*gi
		m[i], v[i] = mi, vi
		d := float32(math.Sqrt(float64(vi)))*isb + eps
		p[i] = p[i]*keep - step*(mi/d)
	}
}
