package nn

import "github.com/rltrain/rltrain/asm"

// attendCached is the generator's attention for one query row and head: the
// same causal attention as attendRow (attention.go), with the scores of all
// n cached keys computed in one kernel call and the value sum in another
// (asm.AttnScores, asm.AttnAccum) instead of a Dot and an Axpy per key.
//
//	q: (HS); k, v: (≥ n, HS) contiguous rows; out: (HS); scores: scratch ≥ n
//	s[j] = scale·q·k[j];  p = softmax(s);  out = Σ_j p[j]·v[j]
func attendCached(out, q, k, v, scores []float32, n int, scale float32) {
	hs := len(q)
	s := scores[:n]
	asm.AttnScores(s, q, k[:n*hs], scale)
	asm.Softmax(s, s)
	asm.AttnAccum(out[:hs], s, v[:n*hs], hs)
}
