//go:generate go run . -kernel rope -out ../rope_amd64.s

package main

// rope: the rotation of RoPE on the two halves of a head vector,
//
//	d1[i] = x1[i]·c[i] − x2[i]·s[i]
//	d2[i] = x2[i]·c[i] + x1[i]·s[i]
//
// with separate products and one add/sub (no FMA), so that the result is
// bitwise the generic code's. Each step loads x1 and x2 before storing, so
// the destination may be the source itself.

import (
	. "github.com/mmcloughlin/avo/build"
)

func init() { register("rope", genRoPE) }

func genRoPE() {
	rowKernel("rope", func(a *rowISA) {
		pd1 := Load(Param("d1").Base(), GP64())
		pd2 := Load(Param("d2").Base(), GP64())
		px1 := Load(Param("x1").Base(), GP64())
		px2 := Load(Param("x2").Base(), GP64())
		pc := Load(Param("c").Base(), GP64())
		ps := Load(Param("s").Base(), GP64())
		n := Load(Param("c").Len(), GP64())
		a.loop(n, 2, func(st rowStep) {
			x1 := st.load(px1)
			x2 := st.load(px2)
			c := st.load(pc)
			s := st.load(ps)
			t1, t2 := a.vec(), a.vec()
			VMULPS(c, x1, t1) // x1·c
			VMULPS(s, x2, t2) // x2·s
			VSUBPS(t2, t1, t1)
			VMULPS(c, x2, x2) // x2·c
			VMULPS(s, x1, x1) // x1·s
			VADDPS(x1, x2, x2)
			st.store(t1, pd1)
			st.store(x2, pd2)
		})
	})
}
