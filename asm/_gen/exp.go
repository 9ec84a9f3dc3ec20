//go:generate go run . -kernel exp -out ../exp_amd64.s

package main

// exp: dst[i] = e^x[i], two vectors per iteration; the body is rowISA.exp
// (range reduction to |r| ≤ ln2/2, degree-6 polynomial, scaling by 2^n in
// two factors), which softmax and swiglu reuse.

import (
	. "github.com/mmcloughlin/avo/build"
)

func init() { register("exp", genExp) }

func genExp() {
	rowKernel("exp", func(a *rowISA) {
		c := a.expSetup()
		pd := Load(Param("dst").Base(), GP64())
		px := Load(Param("x").Base(), GP64())
		n := Load(Param("x").Len(), GP64())
		a.loop(n, 2, func(s rowStep) {
			s.store(a.exp(c, s.load(px)), pd)
		})
	})
}
