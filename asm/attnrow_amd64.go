//go:build !purego

package asm

// attnScoresAVX2 is attnScoresGeneric for len(q) a positive multiple of 8
// and len(k) ≥ len(s)·len(q); it reads q and k only.
//
//go:noescape
func attnScoresAVX2(s, q, k []float32, scale float32)

// attnAccum64AVX2 is attnAccumGeneric for len(out) = 64 and len(p) ≥ 1.
//
//go:noescape
func attnAccum64AVX2(out, p, v []float32, ldv int)

// attnAccum32AVX2 is attnAccumGeneric for len(out) = 32 and len(p) ≥ 1.
//
//go:noescape
func attnAccum32AVX2(out, p, v []float32, ldv int)

func attnScores(s, q, k []float32, scale float32) {
	if (useAVX2 || useAVX512) && len(q) > 0 && len(q)%8 == 0 {
		attnScoresAVX2(s, q, k, scale)
		return
	}
	attnScoresGeneric(s, q, k, scale)
}

// attnAccum splits the columns into 64- and 32-wide kernel calls; a rest
// that is not a multiple of 32 goes to the generic loop.
func attnAccum(out, p, v []float32, ldv int) {
	if !useAVX2 && !useAVX512 {
		attnAccumGeneric(out, p, v, ldv)
		return
	}
	c := 0
	for ; c+64 <= len(out); c += 64 {
		attnAccum64AVX2(out[c:c+64], p, v[c:], ldv)
	}
	if c+32 <= len(out) {
		attnAccum32AVX2(out[c:c+32], p, v[c:], ldv)
		c += 32
	}
	if c < len(out) {
		attnAccumGeneric(out[c:], p, v[c:], ldv)
	}
}
