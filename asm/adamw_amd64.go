//go:build !purego

package asm

// adamwAVX512 is one AdamW update (see AdamW); all slices have len(p).
//
//	m = b1·m + c1·g;  v = b2·v + (c2·g)·g;  p = keep·p − step·(m / (√v·isb + eps))
//
//go:noescape
func adamwAVX512(p, g, m, v []float32, b1, c1, b2, c2, isb, eps, keep, step float32)

// adamwAVX2 is adamwAVX512 on ymm registers.
//
//go:noescape
func adamwAVX2(p, g, m, v []float32, b1, c1, b2, c2, isb, eps, keep, step float32)

func adamw(p, g, m, v []float32, b1, c1, b2, c2, isb, eps, keep, step float32) {
	switch {
	case useAVX512:
		adamwAVX512(p, g, m, v, b1, c1, b2, c2, isb, eps, keep, step)
	case useAVX2:
		adamwAVX2(p, g, m, v, b1, c1, b2, c2, isb, eps, keep, step)
	default:
		adamwGeneric(p, g, m, v, b1, c1, b2, c2, isb, eps, keep, step)
	}
}
