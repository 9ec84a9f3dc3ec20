//go:generate go run . -kernel adamw -out ../adamw_amd64.s

package main

// adamw: one AdamW update of a run of parameters, one pass over p, g, m, v:
//
//	m = b1·m + c1·g
//	v = b2·v + c2·g·g
//	p = keep·p − step · m / (√v · isb + eps)
//
// Memory-bound (28 bytes per element), so one vector per iteration.

import (
	. "github.com/mmcloughlin/avo/build"
)

func init() { register("adamw", genAdamW) }

func genAdamW() {
	rowKernel("adamw", func(a *rowISA) {
		b1, c1 := a.broadcast("b1"), a.broadcast("c1")
		b2, c2 := a.broadcast("b2"), a.broadcast("c2")
		isb, eps := a.broadcast("isb"), a.broadcast("eps")
		keep, step := a.broadcast("keep"), a.broadcast("step")
		pp := Load(Param("p").Base(), GP64())
		pg := Load(Param("g").Base(), GP64())
		pm := Load(Param("m").Base(), GP64())
		pv := Load(Param("v").Base(), GP64())
		n := Load(Param("p").Len(), GP64())
		a.loop(n, 1, func(s rowStep) {
			g := s.load(pg)
			m := s.load(pm)
			VMULPS(b1, m, m)
			VFMADD231PS(g, c1, m) // m = b1·m + c1·g
			s.store(m, pm)
			v := s.load(pv)
			VMULPS(b2, v, v)
			VMULPS(c2, g, g)
			VFMADD231PS(s.src(pg), g, v) // v = b2·v + (c2·g)·g
			s.store(v, pv)
			d := a.vec()
			VSQRTPS(v, d)
			VFMADD213PS(eps, isb, d) // d = √v·isb + eps
			VDIVPS(d, m, m)          // m = m / d
			p := s.load(pp)
			VMULPS(keep, p, p)
			VFNMADD231PS(m, step, p) // p = keep·p − step·m/d
			s.store(p, pp)
		})
	})
}
