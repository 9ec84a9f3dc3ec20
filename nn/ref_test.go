package nn

// A float64 reference of every layer and of the whole model, written as
// plainly as possible (one sequence at a time, no packing, no fusing, no
// chunking), used as the oracle of the gradient checks: the float32 layers
// are compared to it, and its own gradients come from central differences
// in float64.

import (
	"math"
	"math/rand/v2"
	"testing"
)

func refLinear(x, w, b []float64, n, in, out int) []float64 {
	y := make([]float64, n*out)
	for r := 0; r < n; r++ {
		for o := 0; o < out; o++ {
			s := 0.0
			if b != nil {
				s = b[o]
			}
			for i := 0; i < in; i++ {
				s += x[r*in+i] * w[o*in+i]
			}
			y[r*out+o] = s
		}
	}
	return y
}

func refRMSNorm(x, w []float64, n, c int, eps float64) []float64 {
	y := make([]float64, n*c)
	for r := 0; r < n; r++ {
		ss := 0.0
		for i := 0; i < c; i++ {
			ss += x[r*c+i] * x[r*c+i]
		}
		rstd := 1 / math.Sqrt(ss/float64(c)+eps)
		for i := 0; i < c; i++ {
			y[r*c+i] = x[r*c+i] * rstd * w[i]
		}
	}
	return y
}

// refRoPE rotates one head vector (rotate_half convention) at pos.
func refRoPE(x []float64, pos int, theta float64) []float64 {
	hs := len(x)
	h := hs / 2
	y := make([]float64, hs)
	for i := 0; i < h; i++ {
		a := float64(pos) * math.Pow(theta, -float64(2*i)/float64(hs))
		c, s := math.Cos(a), math.Sin(a)
		y[i] = x[i]*c - x[i+h]*s
		y[i+h] = x[i+h]*c + x[i]*s
	}
	return y
}

// refAttention: q (T, NH·HS), k, v (T, NKV·HS) token-major, already rotated;
// returns (T, NH·HS).
func refAttention(q, k, v []float64, t, nh, nkv, hs int) []float64 {
	out := make([]float64, t*nh*hs)
	g := nh / nkv
	for h := 0; h < nh; h++ {
		kh := h / g
		for i := 0; i < t; i++ {
			s := make([]float64, i+1)
			mx := math.Inf(-1)
			for j := 0; j <= i; j++ {
				d := 0.0
				for e := 0; e < hs; e++ {
					d += q[i*nh*hs+h*hs+e] * k[j*nkv*hs+kh*hs+e]
				}
				s[j] = d / math.Sqrt(float64(hs))
				mx = math.Max(mx, s[j])
			}
			sum := 0.0
			for j := range s {
				s[j] = math.Exp(s[j] - mx)
				sum += s[j]
			}
			for j := range s {
				for e := 0; e < hs; e++ {
					out[i*nh*hs+h*hs+e] += s[j] / sum * v[j*nkv*hs+kh*hs+e]
				}
			}
		}
	}
	return out
}

func refSiLU(g float64) float64 { return g / (1 + math.Exp(-g)) }

// refMLP returns silu(x·wgᵀ)⊙(x·wuᵀ)·wdᵀ.
func refMLP(x, wg, wu, wd []float64, n, c, f int) []float64 {
	g := refLinear(x, wg, nil, n, c, f)
	u := refLinear(x, wu, nil, n, c, f)
	for i := range g {
		g[i] = refSiLU(g[i]) * u[i]
	}
	return refLinear(g, wd, nil, n, f, c)
}

// refLogSoftmax returns logp of target and the entropy of softmax(z/τ).
func refLogSoftmax(z []float64, target int, temp float64) (logp, ent float64) {
	mx := math.Inf(-1)
	for _, v := range z {
		mx = math.Max(mx, v/temp)
	}
	sum := 0.0
	for _, v := range z {
		sum += math.Exp(v/temp - mx)
	}
	lz := mx + math.Log(sum)
	for _, v := range z {
		lp := v/temp - lz
		ent -= math.Exp(lp) * lp
	}
	return z[target]/temp - lz, ent
}

// refParams are float64 views of a float64 copy of a Params slab.
type refParams struct {
	data                                 []float64
	embed, finalNorm, lmHead, valW, valB []float64
	attnNorm, wq, wk, wv, bq, bk, bv, wo [][]float64
	qNorm, kNorm                         [][]float64
	mlpNorm, wgate, wup, wdown           [][]float64
}

func newRefParams(p *Params) *refParams {
	d := make([]float64, len(p.Data))
	for i, v := range p.Data {
		d[i] = float64(v)
	}
	view := func(x []float32) []float64 {
		if x == nil {
			return nil
		}
		o := offsetIn(p.Data, x)
		return d[o : o+len(x)]
	}
	r := &refParams{data: d, embed: view(p.Embed), finalNorm: view(p.FinalNorm), lmHead: view(p.LMHead),
		valW: view(p.ValueW), valB: view(p.ValueB)}
	for _, lp := range p.Layers {
		r.attnNorm = append(r.attnNorm, view(lp.AttnNorm))
		r.wq = append(r.wq, view(lp.Wq))
		r.wk = append(r.wk, view(lp.Wk))
		r.wv = append(r.wv, view(lp.Wv))
		r.bq = append(r.bq, view(lp.Bq))
		r.bk = append(r.bk, view(lp.Bk))
		r.bv = append(r.bv, view(lp.Bv))
		r.wo = append(r.wo, view(lp.Wo))
		r.qNorm = append(r.qNorm, view(lp.QNorm))
		r.kNorm = append(r.kNorm, view(lp.KNorm))
		r.mlpNorm = append(r.mlpNorm, view(lp.MLPNorm))
		r.wgate = append(r.wgate, view(lp.WGate))
		r.wup = append(r.wup, view(lp.WUp))
		r.wdown = append(r.wdown, view(lp.WDown))
	}
	return r
}

// refScore scores one sequence with the reference model.
func refScore(cfg Config, p *refParams, s Seq, temp float64) (logp, ent, vals []float64) {
	C, F, nh, nkv, hs := cfg.Dim, cfg.FFNDim, cfg.NHeads, cfg.NKVHeads, cfg.HeadSize()
	T := len(s.Tokens) - 1
	x := make([]float64, T*C)
	for t := 0; t < T; t++ {
		copy(x[t*C:], p.embed[int(s.Tokens[t])*C:int(s.Tokens[t])*C+C])
	}
	for l := 0; l < cfg.NLayers; l++ {
		h := refRMSNorm(x, p.attnNorm[l], T, C, cfg.NormEps)
		q := refLinear(h, p.wq[l], p.bq[l], T, C, nh*hs)
		k := refLinear(h, p.wk[l], p.bk[l], T, C, nkv*hs)
		v := refLinear(h, p.wv[l], p.bv[l], T, C, nkv*hs)
		if cfg.QKNorm { // per-head RMSNorm of q and k (Qwen3)
			q = refRMSNorm(q, p.qNorm[l], T*nh, hs, cfg.NormEps)
			k = refRMSNorm(k, p.kNorm[l], T*nkv, hs, cfg.NormEps)
		}
		for t := 0; t < T; t++ {
			for hh := 0; hh < nh; hh++ {
				copy(q[t*nh*hs+hh*hs:], refRoPE(q[t*nh*hs+hh*hs:t*nh*hs+hh*hs+hs], t, cfg.RopeTheta))
			}
			for hh := 0; hh < nkv; hh++ {
				copy(k[t*nkv*hs+hh*hs:], refRoPE(k[t*nkv*hs+hh*hs:t*nkv*hs+hh*hs+hs], t, cfg.RopeTheta))
			}
		}
		a := refAttention(q, k, v, T, nh, nkv, hs)
		o := refLinear(a, p.wo[l], nil, T, nh*hs, C)
		for i := range x {
			x[i] += o[i]
		}
		h2 := refRMSNorm(x, p.mlpNorm[l], T, C, cfg.NormEps)
		mo := refMLP(h2, p.wgate[l], p.wup[l], p.wdown[l], T, C, F)
		for i := range x {
			x[i] += mo[i]
		}
	}
	for t := s.Start - 1; t < T; t++ {
		xf := refRMSNorm(x[t*C:t*C+C], p.finalNorm, 1, C, cfg.NormEps)
		z := refLinear(xf, p.lmHead, nil, 1, C, cfg.VocabSize)
		lp, h := refLogSoftmax(z, int(s.Tokens[t+1]), temp)
		logp = append(logp, lp)
		ent = append(ent, h)
		if p.valW != nil {
			vv := p.valB[0]
			for i := 0; i < C; i++ {
				vv += xf[i] * p.valW[i]
			}
			vals = append(vals, vv)
		}
	}
	return logp, ent, vals
}

// numGrad returns the central-difference gradient of f with respect to x
// (perturbed in place and restored).
func numGrad(f func() float64, x []float64, eps float64) []float64 {
	g := make([]float64, len(x))
	for i := range x {
		old := x[i]
		x[i] = old + eps
		fp := f()
		x[i] = old - eps
		fm := f()
		x[i] = old
		g[i] = (fp - fm) / (2 * eps)
	}
	return g
}

// randVec returns n values ~ N(0, std²) as float32 and their float64 copy.
func randVec(rng *rand.Rand, n int, std float64) ([]float32, []float64) {
	a, b := make([]float32, n), make([]float64, n)
	for i := range a {
		a[i] = float32(std * rng.NormFloat64())
		b[i] = float64(a[i])
	}
	return a, b
}

func to64(x []float32) []float64 {
	y := make([]float64, len(x))
	for i, v := range x {
		y[i] = float64(v)
	}
	return y
}

func dot64(a []float64, b []float32) float64 {
	s := 0.0
	for i := range a {
		s += a[i] * float64(b[i])
	}
	return s
}

// checkClose fails if got and want differ by more than
// atol·max|want| + rtol·|want_i| anywhere.
func checkClose(t *testing.T, what string, got []float32, want []float64, rtol, atol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: len %d, want %d", what, len(got), len(want))
	}
	scale := 0.0
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	bad := 0
	for i := range got {
		d := math.Abs(float64(got[i]) - want[i])
		if !(d <= atol*scale+rtol*math.Abs(want[i])) {
			if bad < 5 {
				t.Errorf("%s[%d] = %.8g, want %.8g (|diff| %.3g, scale %.3g)", what, i, got[i], want[i], d, scale)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Fatalf("%s: %d of %d values out of tolerance", what, bad, len(got))
	}
}
