//go:generate go run . -kernel add -out ../add_amd64.s

package main

// add: dst[i] = x[i] + y[i]; mul: dst[i] = x[i]·y[i]. Each step loads x,
// combines it with y straight from memory and stores, so dst may be x or y.

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
)

func init() { register("add", genAdd) }

func genAdd() {
	for _, k := range []struct {
		name string
		op   func(...operand.Op)
	}{{"add", VADDPS}, {"mul", VMULPS}} {
		rowKernel(k.name, func(a *rowISA) {
			pd := Load(Param("dst").Base(), GP64())
			px := Load(Param("x").Base(), GP64())
			py := Load(Param("y").Base(), GP64())
			n := Load(Param("x").Len(), GP64())
			a.loop(n, 4, func(s rowStep) {
				x := s.load(px)
				k.op(s.src(py), x, x) // x = x op y
				s.store(x, pd)
			})
		})
	}
}
