//go:generate go run . -kernel rmsnorm -out ../rmsnorm_amd64.s

package main

// The row passes of RMSNorm (asm/rmsnorm_amd64.go strings them together;
// Σx² is the dot kernel):
//
//	mulScale:        dst[i] = x[i]·s·w[i]
//	dot3:            return Σ x[i]·y[i]·z[i]      four accumulators
//	rmsNormBackward: dw[i] += (dout[i]·x[i])·rstd
//	                 dx[i] += rstd·w[i]·dout[i] − c·x[i]

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/reg"
)

func init() { register("rmsnorm", genRMSNorm) }

func genRMSNorm() {
	rowKernel("mulScale", func(a *rowISA) {
		sc := a.broadcast("s")
		pd := Load(Param("dst").Base(), GP64())
		px := Load(Param("x").Base(), GP64())
		pw := Load(Param("w").Base(), GP64())
		n := Load(Param("x").Len(), GP64())
		a.loop(n, 4, func(s rowStep) {
			x := s.load(px)
			VMULPS(sc, x, x)        // x·s
			VMULPS(s.src(pw), x, x) // x·s·w
			s.store(x, pd)
		})
	})
	rowKernel("dot3", func(a *rowISA) {
		px := Load(Param("x").Base(), GP64())
		py := Load(Param("y").Base(), GP64())
		pz := Load(Param("z").Base(), GP64())
		n := Load(Param("x").Len(), GP64())
		acc := make([]reg.VecVirtual, 4)
		for u := range acc {
			acc[u] = a.vec()
			VXORPS(acc[u], acc[u], acc[u])
		}
		a.loop(n, len(acc), func(s rowStep) {
			x := s.load(px)
			VMULPS(s.src(py), x, x)             // x·y
			VFMADD231PS(s.src(pz), x, acc[s.u]) // acc += x·y·z
		})
		VADDPS(acc[1], acc[0], acc[0])
		VADDPS(acc[3], acc[2], acc[2])
		VADDPS(acc[2], acc[0], acc[0])
		rowReturn(a.reduce(acc[0], VADDPS))
	})
	rowKernel("rmsNormBackward", func(a *rowISA) {
		rstd := a.broadcast("rstd")
		c := a.broadcast("c")
		pdx := Load(Param("dx").Base(), GP64())
		pdw := Load(Param("dw").Base(), GP64())
		pdo := Load(Param("dout").Base(), GP64())
		px := Load(Param("x").Base(), GP64())
		pw := Load(Param("w").Base(), GP64())
		n := Load(Param("x").Len(), GP64())
		a.loop(n, 2, func(s rowStep) {
			dout := s.load(pdo)
			x := s.load(px)
			t := a.vec()
			VMULPS(x, dout, t) // t = dout·x
			dw := s.load(pdw)
			VFMADD231PS(rstd, t, dw) // dw += t·rstd
			s.store(dw, pdw)
			VMULPS(s.src(pw), rstd, t) // t = rstd·w
			VMULPS(dout, t, t)         // t = rstd·w·dout
			VFNMADD231PS(c, x, t)      // t −= c·x
			dx := s.load(pdx)
			VADDPS(t, dx, dx) // dx += t
			s.store(dx, pdx)
		})
	})
}
