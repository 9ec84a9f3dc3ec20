//go:generate go run . -kernel dot -out ../dot_amd64.s

package main

// dot: s = Σ x[i]·y[i].
//
//	acc[0..3] = 0                        four vector accumulators
//	for each vector step u: acc[u] += x[i:i+W]·y[i:i+W]   (FMA; tail lanes load as 0)
//	s = horizontal sum of (acc0+acc1) + (acc2+acc3)

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/reg"
)

func init() { register("dot", genDot) }

const dotUnroll = 4

func genDot() {
	rowKernel("dot", func(a *rowISA) {
		px := Load(Param("x").Base(), GP64())
		py := Load(Param("y").Base(), GP64())
		n := Load(Param("x").Len(), GP64())
		acc := make([]reg.VecVirtual, dotUnroll)
		for u := range acc {
			acc[u] = a.vec()
			VXORPS(acc[u], acc[u], acc[u])
		}
		a.loop(n, dotUnroll, func(s rowStep) {
			x := s.load(px)
			VFMADD231PS(s.src(py), x, acc[s.u]) // acc += x·y
		})
		VADDPS(acc[1], acc[0], acc[0])
		VADDPS(acc[3], acc[2], acc[2])
		VADDPS(acc[2], acc[0], acc[0])
		rowReturn(a.reduce(acc[0], VADDPS))
	})
}
