//go:generate go run . -kernel swiglu -out ../swiglu_amd64.s

package main

// SwiGLU forward and backward, with e = e^−g from rowISA.exp:
//
//	swiglu:         dst[i] = g / (1 + e) · up[i]
//	swigluBackward: s = 1 / (1 + e)
//	                dup[i]   += dout[i]·(g·s)
//	                dgate[i] += (dout[i]·up[i]·s)·(1 + g·(1 − s))
//
// For g < −89 e^−g is +Inf, so σ = 0 and silu = −0 (the exact value is a
// subnormal); g = −Inf gives NaN as −Inf·0 does in the reference.

import (
	. "github.com/mmcloughlin/avo/build"
)

func init() { register("swiglu", genSwiGLU) }

func genSwiGLU() {
	rowKernel("swiglu", func(a *rowISA) {
		c := a.expSetup()
		pd := Load(Param("dst").Base(), GP64())
		pg := Load(Param("gate").Base(), GP64())
		pu := Load(Param("up").Base(), GP64())
		n := Load(Param("gate").Len(), GP64())
		a.loop(n, 2, func(s rowStep) {
			g := s.load(pg)
			e := a.vec()
			a.neg(g, e)
			e = a.exp(c, e)
			VADDPS(rowConstF("rowOne", 1), e, e) // e = 1 + e^−g
			VDIVPS(e, g, g)                      // g = g / (1 + e^−g)
			VMULPS(s.src(pu), g, g)              // g·σ(g)·up
			s.store(g, pd)
		})
	})
	rowKernel("swigluBackward", func(a *rowISA) {
		c := a.expSetup()
		one := a.constant(rowConstF("rowOne", 1))
		pdg := Load(Param("dgate").Base(), GP64())
		pdu := Load(Param("dup").Base(), GP64())
		pdo := Load(Param("dout").Base(), GP64())
		pg := Load(Param("gate").Base(), GP64())
		pu := Load(Param("up").Base(), GP64())
		n := Load(Param("gate").Len(), GP64())
		a.loop(n, 2, func(s rowStep) {
			g := s.load(pg)
			e := a.vec()
			a.neg(g, e)
			e = a.exp(c, e)
			VADDPS(one, e, e) // e = 1 + e^−g
			sg := a.vec()
			VDIVPS(e, one, sg) // sg = σ(g) = 1 / (1 + e^−g)
			dout := s.load(pdo)
			t := a.vec()
			VMULPS(sg, g, t) // t = g·σ
			du := s.load(pdu)
			VFMADD231PS(t, dout, du) // dup += dout·g·σ
			s.store(du, pdu)
			VSUBPS(sg, one, t)     // t = 1 − σ
			VFMADD213PS(one, g, t) // t = 1 + g·(1 − σ)
			u := a.vec()
			VMULPS(s.src(pu), dout, u) // u = dout·up
			VMULPS(sg, u, u)           // u = dout·up·σ
			dg := s.load(pdg)
			VFMADD231PS(t, u, dg) // dgate += u·(1 + g·(1 − σ))
			s.store(dg, pdg)
		})
	})
}
