package asm

// Attention of one decode query against one head's cached keys and values
// (the generator's inner loop): the scores of all keys in one call, then the
// probability-weighted sum of the values in one call, instead of a Dot and
// an Axpy per key on head-sized vectors, where the call overhead is as large
// as the arithmetic.

// AttnScores sets s[j] = scale·Σ_c q[c]·k[j·hs+c] for j < len(s), hs =
// len(q): the scaled scores of query q against len(s) keys stored as
// contiguous rows of hs floats. It panics when len(k) < len(s)·hs.
//
// The SIMD path (hs a multiple of 8) sums each key's products in 8 lanes
// and adds the lanes at the end, so results differ from a left-to-right sum
// by rounding only.
func AttnScores(s, q, k []float32, scale float32) {
	hs := len(q)
	if len(k) < len(s)*hs {
		panic(errAttnShort)
	}
	if len(s) == 0 {
		return
	}
	attnScores(s, q, k[:len(s)*hs], scale)
}

// AttnAccum sets out[c] = Σ_j p[j]·v[j·ldv+c] for c < len(out), j <
// len(p): the p-weighted sum of len(p) value rows ldv floats apart. It
// panics when ldv < len(out) or v is shorter than the last row.
func AttnAccum(out, p, v []float32, ldv int) {
	w := len(out)
	if ldv < w || (len(p) > 0 && len(v) < (len(p)-1)*ldv+w) {
		panic(errAttnShort)
	}
	if len(p) == 0 {
		clear(out)
		return
	}
	attnAccum(out, p, v, ldv)
}

const errAttnShort = "asm: AttnScores/AttnAccum: k or v shorter than the rows, or ldv < len(out)"

// attnScoresGeneric is the reference: per key, eight partial sums (one per
// SIMD lane) added at the end.
func attnScoresGeneric(s, q, k []float32, scale float32) {
	hs := len(q)
	for j := range s {
		s[j] = dotGeneric(q, k[j*hs:j*hs+hs]) * scale
	}
}

// attnAccumGeneric is the reference: one pass over the value rows.
func attnAccumGeneric(out, p, v []float32, ldv int) {
	clear(out)
	w := len(out)
	for j, pj := range p {
		row := v[j*ldv : j*ldv+w]
		for c, x := range row {
			out[c] += pj * x
		}
	}
}
