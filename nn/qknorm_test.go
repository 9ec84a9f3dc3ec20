package nn

import (
	"math/rand/v2"
	"testing"
)

// TestQKNormGrad checks qkNormForward against the float64 RMSNorm applied
// to every q and k head (v untouched), and qkNormBackward's input gradient
// (q and k parts; v passes through) and both weight gradients against
// central differences of L = Σ out·dout.
func TestQKNormGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	d := attnDims{nh: 4, nkv: 2, hs: 6}
	n, w, eps := 5, d.qkvDim(), 1e-6
	qkv, qkv64 := randVec(rng, n*w, 1.5)
	qw, qw64 := randVec(rng, d.hs, 1)
	kw, kw64 := randVec(rng, d.hs, 1)
	for i := range qw {
		qw[i] += 1
		qw64[i] += 1
	}
	dout, dout64 := randVec(rng, n*w, 1)
	fwd := func(x []float64) []float64 {
		y := append([]float64(nil), x...)
		for r := 0; r < n; r++ {
			row := y[r*w : r*w+w]
			copy(row, refRMSNorm(row[:d.qDim()], qw64, d.nh, d.hs, eps))
			copy(row[d.qDim():], refRMSNorm(row[d.qDim():d.qDim()+d.kvDim()], kw64, d.nkv, d.hs, eps))
		}
		return y
	}
	out := append([]float32(nil), qkv...)
	raw := filled(n*(d.qDim()+d.kvDim()), -3)
	rstd := filled(n*(d.nh+d.nkv), -3)
	qkNormForward(out, raw, rstd, qw, kw, n, d, float32(eps))
	checkClose(t, "out", out, fwd(qkv64), 1e-5, 1e-6)

	L := func() float64 {
		y := fwd(qkv64)
		s := 0.0
		for i := range y {
			s += y[i] * dout64[i]
		}
		return s
	}
	dx := append([]float32(nil), dout...)
	dqw, dkw := make([]float32, d.hs), make([]float32, d.hs)
	qkNormBackward(dx, dqw, dkw, raw, rstd, qw, kw, make([]float32, d.hs), n, d)
	checkClose(t, "dqkv", dx, numGrad(L, qkv64, fdEps), 1e-4, 1e-5)
	checkClose(t, "dq_norm", dqw, numGrad(L, qw64, fdEps), 1e-4, 1e-5)
	checkClose(t, "dk_norm", dkw, numGrad(L, kw64, fdEps), 1e-4, 1e-5)
}
