package asm

// RoPE rotates the pairs (x1[i], x2[i]) by the angles whose cosines and
// sines are c[i], s[i] (the two halves of a head vector in the Hugging Face
// "rotate_half" convention):
//
//	d1[i] = x1[i]·c[i] − x2[i]·s[i]
//	d2[i] = x2[i]·c[i] + x1[i]·s[i]
//
// All slices have length len(c). d1, d2 may be x1, x2 themselves (in-place
// rotation) but must not otherwise overlap them. Every path rounds the two
// products and the sum separately (no FMA), so all paths agree bitwise. The
// inverse rotation is RoPE(d2, d1, x2, x1, c, s).
func RoPE(d1, d2, x1, x2, c, s []float32) {
	n := len(c)
	if len(s) != n || len(x1) != n || len(x2) != n || len(d1) != n || len(d2) != n {
		panic(errLengths)
	}
	rope(d1, d2, x1, x2, c, s)
}

func ropeGeneric(d1, d2, x1, x2, c, s []float32) {
	s, x1, x2, d1, d2 = s[:len(c)], x1[:len(c)], x2[:len(c)], d1[:len(c)], d2[:len(c)]
	for i, ci := range c {
		a, b, si := x1[i], x2[i], s[i]
		// float32(…) rounds each product: the spec then forbids fusing
		// them into an FMA on any architecture.
		d1[i] = float32(a*ci) - float32(b*si)
		d2[i] = float32(b*ci) + float32(a*si)
	}
}
