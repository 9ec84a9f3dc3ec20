package nn

// Per-layer gradient checks. Each test runs the float32 layer forward and
// compares it with the float64 reference, then runs its Backward on a random
// dout and compares the result with central differences of the "fake loss"
// L = Σ out·dout computed on the float64 reference (so dL/dinput is exactly
// the vector-Jacobian product Backward must return).

import (
	"math"
	"math/rand/v2"
	"testing"
)

const fdEps = 1e-6

func TestLinearGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	n, in, out := 5, 7, 6
	x, x64 := randVec(rng, n*in, 1)
	w, w64 := randVec(rng, out*in, 0.5)
	b, b64 := randVec(rng, out, 0.5)
	dy, dy64 := randVec(rng, n*out, 1)
	y := make([]float32, n*out)
	linearForward(y, x, w, b, n, in, out)
	checkClose(t, "y", y, refLinear(x64, w64, b64, n, in, out), 1e-5, 1e-6)

	// accumulate on top of nonzero grads to check "+="
	dx, dw, db := make([]float32, n*in), make([]float32, out*in), make([]float32, out)
	for i := range dw {
		dw[i] = 1
	}
	for i := range dx {
		dx[i] = 7 // overwritten (accX false)
	}
	linearBackward(dx, dw, db, dy, x, w, n, in, out, false)
	for i := range dw {
		dw[i]--
	}
	// accX true adds the same dx on top of what is there
	dx2 := make([]float32, n*in)
	for i := range dx2 {
		dx2[i] = 1
	}
	linearBackward(dx2, make([]float32, out*in), nil, dy, x, w, n, in, out, true)
	for i := range dx2 {
		if d := dx2[i] - 1 - dx[i]; d > 1e-5 || d < -1e-5 {
			t.Fatalf("accumulating dx[%d] = %g, want 1 + %g", i, dx2[i], dx[i])
		}
	}
	L := func() float64 {
		y := refLinear(x64, w64, b64, n, in, out)
		s := 0.0
		for i := range y {
			s += y[i] * dy64[i]
		}
		return s
	}
	checkClose(t, "dx", dx, numGrad(L, x64, fdEps), 1e-4, 1e-5)
	checkClose(t, "dw", dw, numGrad(L, w64, fdEps), 1e-4, 1e-5)
	checkClose(t, "db", db, numGrad(L, b64, fdEps), 1e-4, 1e-5)
}

func TestRMSNormGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	n, c := 4, 9
	eps := 1e-5
	x, x64 := randVec(rng, n*c, 1)
	w, w64 := randVec(rng, c, 1)
	dy, dy64 := randVec(rng, n*c, 1)
	y, rstd := make([]float32, n*c), make([]float32, n)
	rmsnormForward(y, rstd, x, w, n, c, float32(eps))
	checkClose(t, "y", y, refRMSNorm(x64, w64, n, c, eps), 1e-5, 1e-6)
	dx, dw := make([]float32, n*c), make([]float32, c)
	rmsnormBackward(dx, dw, dy, x, w, rstd, n, c)
	L := func() float64 {
		y := refRMSNorm(x64, w64, n, c, eps)
		s := 0.0
		for i := range y {
			s += y[i] * dy64[i]
		}
		return s
	}
	checkClose(t, "dx", dx, numGrad(L, x64, fdEps), 1e-4, 1e-5)
	checkClose(t, "dw", dw, numGrad(L, w64, fdEps), 1e-4, 1e-5)
}

func TestRoPEConvention(t *testing.T) {
	// rotate_half: element 0 pairs with element HS/2, not with element 1.
	r := newRopeTable(4, 10000, 2)
	x := []float32{1, 0, 0, 0}
	y := make([]float32, 4)
	r.rotate(y, x, 1)
	want := []float64{math.Cos(1), 0, math.Sin(1), 0}
	checkClose(t, "rotate([1 0 0 0], pos 1)", y, want, 1e-6, 1e-7)
	// second frequency: θ_1 = 10000^(-2/4) = 0.01
	x = []float32{0, 1, 0, 0}
	r.rotate(y, x, 1)
	checkClose(t, "rotate([0 1 0 0], pos 1)", y, []float64{0, math.Cos(0.01), 0, math.Sin(0.01)}, 1e-6, 1e-7)
}

func TestRoPEGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	hs, theta := 8, 500.0
	r := newRopeTable(hs, theta, 4)
	r.grow(40) // growing keeps earlier rows and adds new ones
	for _, pos := range []int{0, 3, 37} {
		x, x64 := randVec(rng, hs, 1)
		dy, dy64 := randVec(rng, hs, 1)
		y := make([]float32, hs)
		r.rotate(y, x, pos)
		checkClose(t, "rope", y, refRoPE(x64, pos, theta), 1e-5, 1e-6)
		dx := filled(hs, 9) // overwritten
		r.rotateBack(dx, dy, pos)
		L := func() float64 {
			y := refRoPE(x64, pos, theta)
			s := 0.0
			for i := range y {
				s += y[i] * dy64[i]
			}
			return s
		}
		checkClose(t, "rope dx", dx, numGrad(L, x64, fdEps), 1e-4, 1e-5)
	}
}

// TestAttentionGrad packs two sequences of different lengths with GQA and
// checks the forward against the reference run on each sequence alone (so
// any attention across sequences would show) and dq, dk, dv by finite
// differences.
func TestAttentionGrad(t *testing.T) {
	t.Run("gqa-short", func(t *testing.T) {
		testAttentionGrad(t, attnDims{nh: 4, nkv: 2, hs: 4}, []seqSpan{{off: 0, t: 3}, {off: 3, t: 5}, {off: 8, t: 1}})
	})
	// longer than attnBlock: several query blocks, the last one ragged
	t.Run("blocks", func(t *testing.T) {
		testAttentionGrad(t, attnDims{nh: 2, nkv: 1, hs: 4}, []seqSpan{{off: 0, t: 2}, {off: 2, t: attnBlock + 7}})
	})
}

func testAttentionGrad(t *testing.T, d attnDims, seqs []seqSpan) {
	rng := rand.New(rand.NewPCG(1, 4))
	last := seqs[len(seqs)-1]
	n := last.off + last.t
	// head-major inputs
	q, q64 := randVec(rng, d.nh*n*d.hs, 1)
	k, k64 := randVec(rng, d.nkv*n*d.hs, 1)
	v, v64 := randVec(rng, d.nkv*n*d.hs, 1)
	dout, dout64 := randVec(rng, n*d.qDim(), 1)
	out, lse := make([]float32, n*d.qDim()), make([]float32, d.nh*n)
	var wb workerBufs
	attentionForward(out, lse, q, k, v, seqs, d, &wb)

	// reference: per sequence, token-major
	ref := func() []float64 {
		all := make([]float64, n*d.qDim())
		for _, s := range seqs {
			tq := make([]float64, s.t*d.qDim())
			tk := make([]float64, s.t*d.kvDim())
			tv := make([]float64, s.t*d.kvDim())
			for i := 0; i < s.t; i++ {
				for h := 0; h < d.nh; h++ {
					copy(tq[i*d.qDim()+h*d.hs:][:d.hs], q64[(h*n+s.off+i)*d.hs:])
				}
				for h := 0; h < d.nkv; h++ {
					copy(tk[i*d.kvDim()+h*d.hs:][:d.hs], k64[(h*n+s.off+i)*d.hs:])
					copy(tv[i*d.kvDim()+h*d.hs:][:d.hs], v64[(h*n+s.off+i)*d.hs:])
				}
			}
			copy(all[s.off*d.qDim():], refAttention(tq, tk, tv, s.t, d.nh, d.nkv, d.hs))
		}
		return all
	}
	checkClose(t, "attention out", out, ref(), 1e-5, 1e-6)

	// attendRow, the generator's row kernel, computes the same rows
	scores := make([]float32, n)
	row := make([]float32, d.hs)
	for _, s := range seqs {
		for h := 0; h < d.nh; h++ {
			kh := h / (d.nh / d.nkv)
			for i := 0; i < s.t; i++ {
				r := s.off + i
				rl := attendRow(row, q[(h*n+r)*d.hs:(h*n+r+1)*d.hs], k[(kh*n+s.off)*d.hs:], v[(kh*n+s.off)*d.hs:],
					scores, i+1, attnScale(d.hs))
				checkClose(t, "attendRow", row, to64(out[r*d.qDim()+h*d.hs:r*d.qDim()+(h+1)*d.hs]), 1e-5, 1e-6)
				if math.Abs(float64(rl-lse[h*n+r])) > 1e-5 {
					t.Fatalf("attendRow lse %v, attentionForward %v", rl, lse[h*n+r])
				}
			}
		}
	}

	// garbage in the outputs: attentionBackward overwrites them
	dq, dk, dv := filled(len(q), 3), filled(len(k), -2), filled(len(v), 5)
	attentionBackward(dq, dk, dv, dout, q, k, v, out, lse, seqs, d, &wb)
	L := func() float64 {
		o := ref()
		s := 0.0
		for i := range o {
			s += o[i] * dout64[i]
		}
		return s
	}
	checkClose(t, "dq", dq, numGrad(L, q64, fdEps), 1e-4, 1e-5)
	checkClose(t, "dk", dk, numGrad(L, k64, fdEps), 1e-4, 1e-5)
	checkClose(t, "dv", dv, numGrad(L, v64, fdEps), 1e-4, 1e-5)
}

func TestQKVSplitGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 5))
	d := attnDims{nh: 4, nkv: 2, hs: 4}
	pos := []int32{0, 1, 2, 0, 1}
	n := len(pos)
	rope := newRopeTable(d.hs, 10000, 8)
	qkv, qkv64 := randVec(rng, n*d.qkvDim(), 1)
	q, k, v := make([]float32, d.nh*n*d.hs), make([]float32, d.nkv*n*d.hs), make([]float32, d.nkv*n*d.hs)
	qkvSplit(q, k, v, qkv, pos, d, rope)
	dq, dq64 := randVec(rng, len(q), 1)
	dk, dk64 := randVec(rng, len(k), 1)
	dv, dv64 := randVec(rng, len(v), 1)
	L := func() float64 {
		s := 0.0
		w := d.qkvDim()
		for r := 0; r < n; r++ {
			row := qkv64[r*w : r*w+w]
			for h := 0; h < d.nh; h++ {
				y := refRoPE(row[h*d.hs:h*d.hs+d.hs], int(pos[r]), 10000)
				for e := range y {
					s += y[e] * dq64[(h*n+r)*d.hs+e]
				}
			}
			for h := 0; h < d.nkv; h++ {
				y := refRoPE(row[d.qDim()+h*d.hs:d.qDim()+h*d.hs+d.hs], int(pos[r]), 10000)
				for e := range y {
					s += y[e]*dk64[(h*n+r)*d.hs+e] + row[d.qDim()+d.kvDim()+h*d.hs+e]*dv64[(h*n+r)*d.hs+e]
				}
			}
		}
		return s
	}
	// forward check through the fake loss value itself
	got := dot64(dq64, q) + dot64(dk64, k) + dot64(dv64, v)
	if want := L(); math.Abs(got-want) > 1e-5*math.Max(1, math.Abs(want)) {
		t.Fatalf("qkvSplit forward: Σ out·dout = %g, want %g", got, want)
	}
	dqkv := filled(len(qkv), -4) // overwritten
	qkvSplitBackward(dqkv, dq, dk, dv, pos, d, rope)
	checkClose(t, "dqkv", dqkv, numGrad(L, qkv64, fdEps), 1e-4, 1e-5)
}

func TestMLPGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 6))
	n, c, f := 4, 6, 10
	x, x64 := randVec(rng, n*c, 1)
	wgu, wgu64 := randVec(rng, 2*f*c, 0.5)
	wd, wd64 := randVec(rng, c*f, 0.5)
	dout, dout64 := randVec(rng, n*c, 1)
	out := make([]float32, n*c)
	gu, h := make([]float32, n*2*f), make([]float32, n*f)
	mlpForward(out, gu, h, x, wgu, wd, n, c, f)
	ref := func() []float64 { return refMLP(x64, wgu64[:f*c], wgu64[f*c:], wd64, n, c, f) }
	checkClose(t, "mlp out", out, ref(), 1e-5, 1e-6)
	dx, dwgu, dwd := filled(n*c, 6), make([]float32, 2*f*c), make([]float32, c*f) // dx overwritten
	mlpBackward(dx, dwgu, dwd, filled(n*2*f, 2), filled(n*f, 3), dout, x, gu, h, wgu, wd, n, c, f)
	L := func() float64 {
		o := ref()
		s := 0.0
		for i := range o {
			s += o[i] * dout64[i]
		}
		return s
	}
	checkClose(t, "dx", dx, numGrad(L, x64, fdEps), 1e-4, 1e-5)
	checkClose(t, "dwgu", dwgu, numGrad(L, wgu64, fdEps), 1e-4, 1e-5)
	checkClose(t, "dwdown", dwd, numGrad(L, wd64, fdEps), 1e-4, 1e-5)
}

func TestEmbeddingGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 7))
	v, c := 5, 3
	tokens := []int32{2, 0, 2, 4}
	emb, emb64 := randVec(rng, v*c, 1)
	dout, dout64 := randVec(rng, len(tokens)*c, 1)
	out := make([]float32, len(tokens)*c)
	embeddingForward(out, tokens, emb, c)
	L := func() float64 {
		s := 0.0
		for r, tk := range tokens {
			for i := 0; i < c; i++ {
				s += emb64[int(tk)*c+i] * dout64[r*c+i]
			}
		}
		return s
	}
	if got, want := dot64(dout64, out), L(); math.Abs(got-want) > 1e-6 {
		t.Fatalf("embedding forward: %g, want %g", got, want)
	}
	demb := make([]float32, v*c)
	embeddingBackward(demb, dout, tokens, c)
	checkClose(t, "dembed", demb, numGrad(L, emb64, fdEps), 1e-5, 1e-6)
}

// TestLMHeadGrad checks the chunked log-softmax at a temperature, the
// entropy and their gradients, with chunks of 2 rows over 5 rows.
func TestLMHeadGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 8))
	m, c, v := 5, 4, 7
	temp := 0.7
	xf, xf64 := randVec(rng, m*c, 1)
	w, w64 := randVec(rng, v*c, 1)
	targets := []int32{3, 0, 6, 6, 1}
	g, g64 := randVec(rng, m, 1)
	e, e64 := randVec(rng, m, 1)
	ref := func() (lp, ent []float64) {
		z := refLinear(xf64, w64, nil, m, c, v)
		for r := 0; r < m; r++ {
			a, b := refLogSoftmax(z[r*v:r*v+v], int(targets[r]), temp)
			lp, ent = append(lp, a), append(ent, b)
		}
		return
	}
	var logits []float32
	var wb workerBufs
	for _, rows := range []int{2, 100} {
		logp, ent := make([]float32, m), make([]float32, m)
		lmHeadForward(logp, ent, xf, w, targets, m, c, v, float32(1/temp), rows, &logits, &wb)
		wlp, went := ref()
		checkClose(t, "logp", logp, wlp, 1e-5, 1e-6)
		checkClose(t, "entropy", ent, went, 1e-5, 1e-6)
		if len(logits) > rows*v {
			t.Fatalf("logits buffer holds %d values, want ≤ %d (one chunk)", len(logits), rows*v)
		}
		for _, withEnt := range []bool{false, true} {
			L := func() float64 {
				lp, ent := ref()
				s := 0.0
				for i := range lp {
					s += g64[i] * lp[i]
					if withEnt {
						s += e64[i] * ent[i]
					}
				}
				return s
			}
			dxf, dw := make([]float32, m*c), make([]float32, v*c)
			var dent []float32
			if withEnt {
				dent = e
			}
			lmHeadBackward(dxf, dw, g, dent, xf, w, targets, m, c, v, float32(1/temp), rows, &logits, &wb, false)
			checkClose(t, "dxf", dxf, numGrad(L, xf64, fdEps), 1e-4, 1e-5)
			checkClose(t, "dw", dw, numGrad(L, w64, fdEps), 1e-4, 1e-5)
			if rows < m {
				continue
			}
			// one chunk: the logits the forward left in the buffer are reused
			// (rerun the forward, the backward above overwrote them with dz)
			lmHeadForward(logp, ent, xf, w, targets, m, c, v, float32(1/temp), rows, &logits, &wb)
			dxk, dwk := make([]float32, m*c), make([]float32, v*c)
			lmHeadBackward(dxk, dwk, g, dent, xf, w, targets, m, c, v, float32(1/temp), rows, &logits, &wb, true)
			checkClose(t, "dxf (kept logits)", dxk, to64(dxf), 0, 0)
			checkClose(t, "dw (kept logits)", dwk, to64(dw), 0, 0)
		}
	}
}

func TestValueHeadGrad(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 9))
	m, c := 3, 5
	xf, xf64 := randVec(rng, m*c, 1)
	w, w64 := randVec(rng, c, 1)
	b, b64 := randVec(rng, 1, 1)
	dv, dv64 := randVec(rng, m, 1)
	ref := func() []float64 { return refLinear(xf64, w64, b64, m, c, 1) }
	vals := make([]float32, m)
	valueForward(vals, xf, w, b, c)
	checkClose(t, "values", vals, ref(), 1e-5, 1e-6)
	dxf, dw, db := make([]float32, m*c), make([]float32, c), make([]float32, 1)
	valueBackward(dxf, dw, db, dv, xf, w, c)
	L := func() float64 {
		s := 0.0
		for i, v := range ref() {
			s += v * dv64[i]
		}
		return s
	}
	checkClose(t, "dxf", dxf, numGrad(L, xf64, fdEps), 1e-4, 1e-5)
	checkClose(t, "dw", dw, numGrad(L, w64, fdEps), 1e-4, 1e-5)
	checkClose(t, "db", db, numGrad(L, b64, fdEps), 1e-4, 1e-5)
}

// filled returns n copies of v: an output buffer holding garbage, for
// kernels that must overwrite rather than accumulate.
func filled(n int, v float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = v
	}
	return x
}
