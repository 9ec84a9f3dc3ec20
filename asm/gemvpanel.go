package asm

// GemvPanels computes c (+)= a·B for one row a (K) and a B packed in
// 16-wide column panels, panel q holding b[q·16K + p·16 + j] for p < K,
// j < 16 (the layout of a pre-packed weight for the 16-wide micro-kernel,
// e.g. tensor.PackedB), for every whole panel, len(c)/16 of them (len(c) a
// multiple of 16). Each column is summed like the micro-kernel sums a
// one-row tile with KC = kc: per block of kc steps, s = Σ a[p]·b[p][j] in
// p order (one FMA chain), then c = s for the first block unless acc, c +=
// s otherwise; on the same path it equals Microkernel.Run bitwise. This is
// the single-row (batch-1 decode) product: it streams B once and works on
// two panels at a time, keeping four FMA chains in flight where the
// micro-kernel with one row has two. It panics when len(c)%16 ≠ 0, kc < 1,
// len(a) < K or len(b) < len(c)·K.
func GemvPanels(c, a, b []float32, k, kc int, acc bool) {
	if len(c)%16 != 0 || k < 0 || kc < 1 || len(a) < k || len(b) < len(c)*k {
		panic(errGemvPanels)
	}
	if len(c) == 0 {
		return
	}
	if k == 0 {
		if !acc {
			clear(c)
		}
		return
	}
	gemvPanels(c, a[:k], b[:len(c)*k], k, kc, acc)
}

const errGemvPanels = "asm: GemvPanels: len(c) not a multiple of 16, kc < 1, or a or b too short"

// gemvPanelsGeneric is the reference, in the same order as the SIMD kernel
// (without FMA, like the generic micro-kernel).
func gemvPanelsGeneric(c, a, b []float32, k, kc int, acc bool) {
	for q := 0; q < len(c)/16; q++ {
		panel := b[q*16*k : (q+1)*16*k]
		out := c[q*16 : q*16+16]
		for p0 := 0; p0 < k; p0 += kc {
			var s [16]float32
			for p := p0; p < min(p0+kc, k); p++ {
				r := panel[p*16 : p*16+16]
				for j := range s {
					s[j] += a[p] * r[j]
				}
			}
			for j := range out {
				if acc || p0 > 0 {
					out[j] += s[j]
				} else {
					out[j] = s[j]
				}
			}
		}
	}
}
