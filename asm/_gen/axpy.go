//go:generate go run . -kernel axpy -out ../axpy_amd64.s

package main

// axpy: y[i] += alpha·x[i] (one FMA per vector); scale: x[i] *= alpha.
// Both stream the rows once, four vectors per iteration.

import (
	. "github.com/mmcloughlin/avo/build"
)

func init() { register("axpy", genAxpy) }

func genAxpy() {
	rowKernel("axpy", func(a *rowISA) {
		alpha := a.broadcast("alpha")
		px := Load(Param("x").Base(), GP64())
		py := Load(Param("y").Base(), GP64())
		n := Load(Param("x").Len(), GP64())
		a.loop(n, 4, func(s rowStep) {
			y := s.load(py)
			VFMADD231PS(s.src(px), alpha, y) // y += alpha·x
			s.store(y, py)
		})
	})
	rowKernel("scale", func(a *rowISA) {
		alpha := a.broadcast("alpha")
		px := Load(Param("x").Base(), GP64())
		n := Load(Param("x").Len(), GP64())
		a.loop(n, 4, func(s rowStep) {
			x := s.load(px)
			VMULPS(alpha, x, x) // x *= alpha
			s.store(x, px)
		})
	})
}
