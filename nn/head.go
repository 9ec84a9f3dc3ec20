package nn

import "github.com/rltrain/rltrain/asm"

// The model's head: the final RMSNorm, applied only to the rows whose next
// token is scored, and the optional scalar value head on the normed state
// (the "last hidden state" of Hugging Face models, which TRL's value heads
// read). The LM head and log-softmax are in loss.go.

// headGather copies the scored rows out of the residual stream:
//
//	x: (N, C); rows: (M) row indices; out: (M, C)
func headGather(out, x []float32, rows []int32, c int) {
	for i, r := range rows {
		copy(out[i*c:i*c+c], x[int(r)*c:int(r)*c+c])
	}
}

// headNormBackward is the backward of the final norm on the gathered rows,
// accumulated straight into the residual gradient's rows:
//
//	in the forward pass this was: xf[i] = rmsnorm(x[rows[i]])
//	dx[rows[i]] += rmsnormᵀ(dxf[i]);  dw += …
func headNormBackward(dx, dw, dxf, xg, w, rstd []float32, rows []int32, c int) {
	for i, r := range rows {
		asm.RMSNormBackward(dx[int(r)*c:int(r)*c+c], dw[:c], dxf[i*c:i*c+c], xg[i*c:i*c+c], w[:c], rstd[i])
	}
}

// valueForward is the value head, a Linear(C, 1) with bias:
//
//	xf: (M, C); w: (C); b: (1); vals: (M)
//	vals[i] = xf[i]·w + b
func valueForward(vals, xf, w, b []float32, c int) {
	for i := range vals {
		vals[i] = asm.Dot(xf[i*c:i*c+c], w[:c]) + b[0]
	}
}

// valueBackward accumulates the value head's gradients:
//
//	in the forward pass this was: vals[i] = xf[i]·w + b
//	dxf[i] += dvals[i]·w;  dw += Σ_i dvals[i]·xf[i];  db += Σ_i dvals[i]
func valueBackward(dxf, dw, db, dvals, xf, w []float32, c int) {
	for i, g := range dvals {
		if g == 0 {
			continue
		}
		asm.Axpy(g, w[:c], dxf[i*c:i*c+c])
		asm.Axpy(g, xf[i*c:i*c+c], dw[:c])
		db[0] += g
	}
}
