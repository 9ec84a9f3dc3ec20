//go:generate go run . -kernel softmax -out ../softmax_amd64.s

package main

// The two passes of a softmax row that are not a plain scale (the Go code in
// asm/softmax_amd64.go strings them together and scales by 1/sum):
//
//	max:       m = max_i x[i]                      four accumulators from −Inf
//	expSubSum: dst[i] = e^(x[i]−m); return Σ dst   two accumulators
//
// In the tail only the lanes inside the row update the accumulators.

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/reg"
)

func init() { register("softmax", genSoftmax) }

func genSoftmax() {
	rowKernel("max", func(a *rowISA) {
		px := Load(Param("x").Base(), GP64())
		n := Load(Param("x").Len(), GP64())
		acc := make([]reg.VecVirtual, 4)
		for u := range acc {
			acc[u] = a.constant(rowConstF("rowNegInf", float32(math.Inf(-1))))
		}
		a.loop(n, len(acc), func(s rowStep) {
			if !s.tail {
				VMAXPS(s.at(px), acc[s.u], acc[s.u]) // acc = max(acc, x)
				return
			}
			m := s.load(px)
			VMAXPS(acc[0], m, m)
			s.update(acc[0], m)
		})
		VMAXPS(acc[1], acc[0], acc[0])
		VMAXPS(acc[3], acc[2], acc[2])
		VMAXPS(acc[2], acc[0], acc[0])
		rowReturn(a.reduce(acc[0], VMAXPS))
	})
	rowKernel("expSubSum", func(a *rowISA) {
		c := a.expSetup()
		m := a.broadcast("m")
		pd := Load(Param("dst").Base(), GP64())
		px := Load(Param("x").Base(), GP64())
		n := Load(Param("x").Len(), GP64())
		acc := []reg.VecVirtual{a.vec(), a.vec()}
		for _, r := range acc {
			VXORPS(r, r, r)
		}
		a.loop(n, len(acc), func(s rowStep) {
			x := s.load(px)
			VSUBPS(m, x, x) // x −= m
			e := a.exp(c, x)
			s.store(e, pd)
			if !s.tail {
				VADDPS(e, acc[s.u], acc[s.u])
				return
			}
			VADDPS(acc[0], e, e)
			s.update(acc[0], e)
		})
		VADDPS(acc[1], acc[0], acc[0])
		rowReturn(a.reduce(acc[0], VADDPS))
	})
}
