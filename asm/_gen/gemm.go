package main

//go:generate go run . -kernel gemm -out ../gemm_amd64.s

// SGEMM micro-kernels (GotoBLAS/BLIS scheme). One TEXT block per
// instruction-set path; each handles every tile height 1…MR through a
// compare chain at the top, so the Go side has one stub per path and ragged M
// tails cost no wasted FLOPs.
//
// Algorithm (register-blocked outer products on packed panels):
//
//	// a: packed A micro-panel, mr rows, a[p*mr+i]
//	// b: B micro-panel, NR columns, b[p*ldb+j] (ldb = NR when packed)
//	for i < mr, j < NR:  acc[i][j] = 0
//	for p < k:
//	    bv[0..NV) = b[p*ldb : p*ldb+NR]          // NV vector loads
//	    for i < mr: acc[i][:] += broadcast(a[p*mr+i]) * bv[:]
//	for i < mr:  c[i*ldc : i*ldc+NR] = acc[i] (+ c[…] when acc)
//
// The sum starts at zero and C is added once at the end, so an element's
// rounding does not depend on whether the caller stores straight into C or
// into a temporary edge tile: tensor's parallel and serial paths agree bitwise.
//
// Register blocking:
//   - AVX2 (16 ymm): 6×16 → 12 accumulators + 2 B vectors + 1 broadcast = 15
//     registers; 12 FMAs per k against 2 loads + 6 broadcasts, enough
//     independent chains (12 ≥ 2 ports × 4-5 cycles latency) to keep both
//     FMA ports busy.
//   - AVX-512 (32 zmm): 14×32 → 28 accumulators + 2 B vectors = 30 registers;
//     the A element comes in through the FMA's embedded {1to16} broadcast
//     memory operand, so no broadcast register is needed. 28 FMAs per k against
//     16 loads keeps loads below one per FMA (two 512-bit load ports).

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

func init() { register("gemm", genGemm) }

// gemmSpec describes one micro-kernel family.
type gemmSpec struct {
	name   string
	maxMR  int  // tallest tile
	nvec   int  // vectors per row (NR = nvec·width)
	width  int  // float32 lanes per vector
	zmm    bool // AVX-512 registers and embedded broadcast
	unroll int  // k-loop unroll factor
}

func genGemm() {
	genGemmKernel(gemmSpec{name: "gemmAVX2", maxMR: 6, nvec: 2, width: 8, unroll: 4})
	genGemmKernel(gemmSpec{name: "gemmAVX512", maxMR: 14, nvec: 2, width: 16, zmm: true, unroll: 4})
}

func vecReg(s gemmSpec, i int) reg.VecPhysical {
	if s.zmm {
		return []reg.VecPhysical{
			reg.Z0, reg.Z1, reg.Z2, reg.Z3, reg.Z4, reg.Z5, reg.Z6, reg.Z7,
			reg.Z8, reg.Z9, reg.Z10, reg.Z11, reg.Z12, reg.Z13, reg.Z14, reg.Z15,
			reg.Z16, reg.Z17, reg.Z18, reg.Z19, reg.Z20, reg.Z21, reg.Z22, reg.Z23,
			reg.Z24, reg.Z25, reg.Z26, reg.Z27, reg.Z28, reg.Z29, reg.Z30, reg.Z31,
		}[i]
	}
	return []reg.VecPhysical{
		reg.Y0, reg.Y1, reg.Y2, reg.Y3, reg.Y4, reg.Y5, reg.Y6, reg.Y7,
		reg.Y8, reg.Y9, reg.Y10, reg.Y11, reg.Y12, reg.Y13, reg.Y14, reg.Y15,
	}[i]
}

func genGemmKernel(s gemmSpec) {
	TEXT(s.name, NOSPLIT, "func(mr, k int, a, b, c *float32, ldb, ldc int, acc bool)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s computes one tile of at most %d rows × %d columns; see gemm.go.", s.name, s.maxMR, s.nvec*s.width))

	mr := Load(Param("mr"), GP64())
	for m := s.maxMR; m >= 1; m-- {
		CMPQ(mr, Imm(uint64(m)))
		JEQ(LabelRef(fmt.Sprintf("mr%d", m)))
	}
	RET()
	for m := s.maxMR; m >= 1; m-- {
		genGemmBody(s, m)
	}
}

// genGemmBody emits the code for tile height m.
func genGemmBody(s gemmSpec, m int) {
	l := func(x string) string { return fmt.Sprintf("%s_mr%d", x, m) }
	Label(fmt.Sprintf("mr%d", m))
	Comment(fmt.Sprintf("tile %d×%d", m, s.nvec*s.width))
	vbytes := 4 * s.width
	accR := func(i, v int) reg.VecPhysical { return vecReg(s, i*s.nvec+v) }
	bR := func(v int) reg.VecPhysical { return vecReg(s, m*s.nvec+v) }
	bc := vecReg(s, m*s.nvec+s.nvec) // broadcast register (AVX2 only)

	for i := 0; i < m; i++ {
		for v := 0; v < s.nvec; v++ {
			VXORPS(accR(i, v), accR(i, v), accR(i, v))
		}
	}
	ap := Load(Param("a"), GP64())
	bp := Load(Param("b"), GP64())
	k := Load(Param("k"), GP64())
	ldb := Load(Param("ldb"), GP64())
	SHLQ(Imm(2), ldb) // ldb in bytes

	// step emits one k iteration reading A at byte offset aoff.
	step := func(aoff int) {
		for v := 0; v < s.nvec; v++ {
			VMOVUPS(Mem{Base: bp, Disp: v * vbytes}, bR(v))
		}
		for i := 0; i < m; i++ {
			am := Mem{Base: ap, Disp: aoff + 4*i}
			if s.zmm {
				for v := 0; v < s.nvec; v++ {
					VFMADD231PS_BCST(am, bR(v), accR(i, v))
				}
			} else {
				VBROADCASTSS(am, bc)
				for v := 0; v < s.nvec; v++ {
					VFMADD231PS(bc, bR(v), accR(i, v))
				}
			}
		}
		ADDQ(ldb, bp)
	}

	Comment("unrolled k loop")
	Label(l("loop4"))
	CMPQ(k, Imm(uint64(s.unroll)))
	JL(LabelRef(l("tail")))
	for u := 0; u < s.unroll; u++ {
		step(u * 4 * m)
	}
	ADDQ(Imm(uint64(s.unroll*4*m)), ap)
	SUBQ(Imm(uint64(s.unroll)), k)
	JMP(LabelRef(l("loop4")))

	Label(l("tail"))
	TESTQ(k, k)
	JZ(LabelRef(l("store")))
	step(0)
	ADDQ(Imm(uint64(4*m)), ap)
	DECQ(k)
	JMP(LabelRef(l("tail")))

	Label(l("store"))
	accFlag := Load(Param("acc"), GP64()) // MOVBQZX: whole register, no partial-register aliasing
	cp := Load(Param("c"), GP64())
	ldc := Load(Param("ldc"), GP64())
	SHLQ(Imm(2), ldc)
	TESTQ(accFlag, accFlag)
	JZ(LabelRef(l("plain")))
	Comment("C += tile")
	for i := 0; i < m; i++ {
		for v := 0; v < s.nvec; v++ {
			VADDPS(Mem{Base: cp, Disp: v * vbytes}, accR(i, v), accR(i, v))
			VMOVUPS(accR(i, v), Mem{Base: cp, Disp: v * vbytes})
		}
		if i+1 < m {
			ADDQ(ldc, cp)
		}
	}
	VZEROUPPER()
	RET()
	Label(l("plain"))
	Comment("C = tile")
	for i := 0; i < m; i++ {
		for v := 0; v < s.nvec; v++ {
			VMOVUPS(accR(i, v), Mem{Base: cp, Disp: v * vbytes})
		}
		if i+1 < m {
			ADDQ(ldc, cp)
		}
	}
	VZEROUPPER()
	RET()
}
