package main

// Shared machinery of the row kernels (dot, axpy, add, exp, softmax,
// rmsnorm, swiglu): every row kernel is written once against rowISA and
// generated for AVX-512 (zmm, K-register tail masks) and AVX2+FMA (ymm,
// VMASKMOVPS tails). Only the register width, the tail masking and the
// horizontal reductions differ between the two, so the AVX2 tests also
// exercise the logic of the AVX-512 code.
//
// Loop shape of every kernel (i counts elements, W lanes per vector, U the
// unroll):
//
//	for ; rem >= U·W; i, rem = i+U·W, rem-U·W { body(u) for u < U }
//	for ; rem >= W;   i, rem = i+W, rem-W     { body(0) }
//	if rem > 0 { mask = lanes < rem; body(0) with masked loads and stores }
//
// Masked loads read zeros past the end and never fault; tail stores leave
// memory past the end untouched (a K-masked store on AVX-512, a copy of the
// live lanes through a stack slot on AVX2).

import (
	"fmt"
	"math"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// rowISA is one vector instruction set the row kernels are generated for.
type rowISA struct {
	suffix string // appended to the kernel name: "AVX512" or "AVX2"
	lanes  int    // float32 lanes per vector
	zmm    bool   // AVX-512: zmm registers, K-register masks

	ymask reg.VecVirtual    // AVX2 tail mask, set by tailMask
	kmask reg.OpmaskVirtual // AVX-512 tail mask, set by tailMask
	tailN reg.GPVirtual     // AVX2: number of elements in the tail
	buf   *operand.Mem      // AVX2: 32-byte stack slot for tail stores
}

// rowISAs lists the variants every row kernel is generated for.
func rowISAs() []*rowISA {
	return []*rowISA{
		{suffix: "AVX512", lanes: 16, zmm: true},
		{suffix: "AVX2", lanes: 8},
	}
}

// rowKernel emits name+suffix for every ISA, implementing the hand-written
// Go stub of that name; body emits the function body without the final RET.
func rowKernel(name string, body func(a *rowISA)) {
	for _, a := range rowISAs() {
		Implement(name + a.suffix)
		Attributes(NOSPLIT)
		body(a)
		VZEROUPPER()
		RET()
	}
}

// vec allocates a vector register of the ISA's width.
func (a *rowISA) vec() reg.VecVirtual {
	if a.zmm {
		return ZMM()
	}
	return YMM()
}

// broadcast copies a float32 parameter to every lane. It reads the
// argument with VBROADCASTSS rather than avo's Load (MOVSS): a legacy-SSE
// instruction after ymm/zmm writes cost ≈ 400 ns per call on this machine's
// AMD EPYC.
func (a *rowISA) broadcast(param string) reg.VecVirtual {
	v := a.vec()
	VBROADCASTSS(rowArg(Param(param)), v)
	return v
}

// rowReturn stores lane 0 of x as the float32 result, with VMOVSS (see broadcast).
func rowReturn(x reg.Register) { VMOVSS(x, rowArg(ReturnIndex(0))) }

// rowArg is the stack address of an argument or result.
func rowArg(c gotypes.Component) operand.Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// constant loads a read-only constant vector into a register.
func (a *rowISA) constant(m operand.Mem) reg.VecVirtual {
	v := a.vec()
	VMOVUPS(m, v)
	return v
}

// neg sets dst = −src by flipping the sign bit.
func (a *rowISA) neg(src, dst reg.VecVirtual) {
	sign := rowConst("rowSign", 0x80000000)
	if a.zmm {
		VPXORD(sign, src, dst)
	} else {
		VXORPS(sign, src, dst)
	}
}

var rowConsts = map[string]operand.Mem{}

// rowConst returns a 64-byte read-only vector holding 16 copies of bits,
// enough for a zmm operand (ymm code reads the first 32 bytes). It is
// emitted once per generated file.
func rowConst(name string, bits uint32) operand.Mem {
	if m, ok := rowConsts[name]; ok {
		return m
	}
	m := GLOBL(name, RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		DATA(4*i, operand.U32(bits))
	}
	rowConsts[name] = m
	return m
}

// rowConstF is rowConst for a float32 value.
func rowConstF(name string, v float32) operand.Mem { return rowConst(name, math.Float32bits(v)) }

// rowTailTable holds eight all-ones int32 lanes followed by eight zero lanes;
// the 8 lanes starting at lane 8−k form the AVX2 mask of the first k lanes.
func rowTailTable() operand.Mem {
	if m, ok := rowConsts["rowTailMask"]; ok {
		return m
	}
	m := GLOBL("rowTailMask", RODATA|NOPTR)
	for i := 0; i < 16; i++ {
		v := uint32(0)
		if i < 8 {
			v = 0xffffffff
		}
		DATA(4*i, operand.U32(v))
	}
	rowConsts["rowTailMask"] = m
	return m
}

// tailMask builds the mask of the first rem lanes, 0 < rem < lanes (rem is
// clobbered).
func (a *rowISA) tailMask(rem reg.GPVirtual) {
	if a.zmm {
		ones := GP32()
		MOVL(operand.U32(0xffffffff), ones)
		bits := GP32()
		BZHIL(rem.As32(), ones, bits) // bits = (1<<rem) − 1
		a.kmask = K()
		KMOVW(bits, a.kmask)
		return
	}
	a.tailN = GP64()
	MOVQ(rem, a.tailN)
	p := GP64()
	LEAQ(rowTailTable(), p)
	NEGQ(rem)
	a.ymask = YMM()
	VMOVDQU(operand.Mem{Base: p, Index: rem, Scale: 4, Disp: 32}, a.ymask) // table[8−rem : 16−rem]
}

var rowLabels int

// loop emits the loop over n elements (see the file comment), calling body
// for each vector step.
func (a *rowISA) loop(n reg.Register, unroll int, body func(s rowStep)) {
	rowLabels++
	big := fmt.Sprintf("blocks%d", rowLabels)
	one := fmt.Sprintf("vectors%d", rowLabels)
	tail := fmt.Sprintf("tail%d", rowLabels)
	done := fmt.Sprintf("done%d", rowLabels)
	w := a.lanes

	i := GP64()
	XORQ(i, i)
	rem := GP64()
	MOVQ(n, rem)
	if unroll > 1 {
		Label(big)
		CMPQ(rem, operand.U32(unroll*w))
		JB(operand.LabelRef(one))
		for u := 0; u < unroll; u++ {
			body(rowStep{a: a, i: i, u: u})
		}
		ADDQ(operand.U32(unroll*w), i)
		SUBQ(operand.U32(unroll*w), rem)
		JMP(operand.LabelRef(big))
	}
	Label(one)
	CMPQ(rem, operand.U32(w))
	JB(operand.LabelRef(tail))
	body(rowStep{a: a, i: i})
	ADDQ(operand.U32(w), i)
	SUBQ(operand.U32(w), rem)
	JMP(operand.LabelRef(one))

	Label(tail)
	TESTQ(rem, rem)
	JZ(operand.LabelRef(done))
	a.tailMask(rem)
	body(rowStep{a: a, i: i, tail: true})
	Label(done)
}

// rowStep addresses one vector of the rows inside loop.
type rowStep struct {
	a    *rowISA
	i    reg.GPVirtual // element index of the block
	u    int           // vector number inside the unrolled block (0 outside it)
	tail bool          // the last, partial vector: only the masked lanes are in the row
}

// at is the memory operand of this step's vector in the row starting at p.
func (s rowStep) at(p reg.Register) operand.Mem {
	return operand.Mem{Base: p, Index: s.i, Scale: 4, Disp: 4 * s.u * s.a.lanes}
}

// load reads this step's vector of the row at p; in the tail the lanes past
// the end read as zero.
func (s rowStep) load(p reg.Register) reg.VecVirtual {
	v := s.a.vec()
	switch {
	case !s.tail:
		VMOVUPS(s.at(p), v)
	case s.a.zmm:
		VMOVUPS_Z(s.at(p), s.a.kmask, v)
	default:
		VMASKMOVPS(s.at(p), s.a.ymask, v)
	}
	return v
}

// src is this step's vector of the row at p as an instruction operand: the
// memory itself in full steps, a masked load in the tail.
func (s rowStep) src(p reg.Register) operand.Op {
	if !s.tail {
		return s.at(p)
	}
	return s.load(p)
}

// store writes v to this step's vector of the row at p; in the tail only the
// lanes inside the row are written.
func (s rowStep) store(v reg.VecVirtual, p reg.Register) {
	switch {
	case !s.tail:
		VMOVUPS(v, s.at(p))
	case s.a.zmm:
		VMOVUPS(v, s.a.kmask, s.at(p))
	default:
		s.a.storeTailAVX2(v, s.at(p))
	}
}

// storeTailAVX2 writes the first tailN lanes of v to m. VMASKMOVPS could,
// but its store form is microcoded on AMD Zen (≈ 60 cycles measured here,
// slower than the generic loop for short rows), so the vector goes to a
// stack slot and the lanes are copied with 32-bit moves.
//
//	buf = v; for j := 0; j < tailN; j++ { m[j] = buf[j] }
func (a *rowISA) storeTailAVX2(v reg.VecVirtual, m operand.Mem) {
	if a.buf == nil {
		buf := AllocLocal(32)
		a.buf = &buf
	}
	VMOVUPS(v, *a.buf)
	q := GP64()
	LEAQ(m, q)
	j := GP64()
	XORQ(j, j)
	rowLabels++
	copyLoop := fmt.Sprintf("tailcopy%d", rowLabels)
	Label(copyLoop)
	t := GP32()
	MOVL(operand.Mem{Base: a.buf.Base, Disp: a.buf.Disp, Index: j, Scale: 4}, t)
	MOVL(t, operand.Mem{Base: q, Index: j, Scale: 4})
	INCQ(j)
	CMPQ(j, a.tailN)
	JB(operand.LabelRef(copyLoop))
}

// update sets acc = v in the lanes inside the row (all lanes in full steps),
// for accumulators whose tail lanes must keep their value.
func (s rowStep) update(acc, v reg.VecVirtual) {
	switch {
	case !s.tail:
		VMOVAPS(v, acc)
	case s.a.zmm:
		VMOVAPS(v, s.a.kmask, acc)
	default:
		VBLENDVPS(s.a.ymask, v, acc, acc) // acc = mask ? v : acc
	}
}

// reduce folds the lanes of v with op (VADDPS, VMAXPS) and returns an xmm
// register whose lane 0 holds the result. v is clobbered.
func (a *rowISA) reduce(v reg.VecVirtual, op func(...operand.Op)) reg.Register {
	y := v.AsY()
	if a.zmm {
		hi := YMM()
		VEXTRACTF64X4(operand.U8(1), v, hi)
		op(hi, y, y)
	}
	x := v.AsX()
	hi := XMM()
	if a.zmm {
		VEXTRACTF32X4(operand.U8(1), y, hi)
	} else {
		VEXTRACTF128(operand.U8(1), y, hi)
	}
	op(hi, x, x) // lanes 0..3
	VMOVHLPS(x, x, hi)
	op(hi, x, x) // lanes 0..1
	VMOVSHDUP(x, hi)
	op(hi, x, x) // lane 0
	return x
}

// rowExp holds the registers the exp body keeps across steps.
type rowExp struct {
	hi, lo reg.VecVirtual // input clamps
}

// Constants of the exp body. The polynomial Q makes 1 + r + r²·Q(r) match
// e^r with a relative error below 5e-9 on |r| ≤ 0.35 ⊇ [−ln2/2, ln2/2]; it
// was fitted by iteratively reweighted least squares (Lawson's algorithm)
// on the relative error, in float64, and rounded to float32.
var (
	expClampHi = float32(89)   // e^89 overflows: n = 128 and e^r > 1
	expClampLo = float32(-104) // e^−104 < 2^−150 rounds to 0
	expLog2e   = float32(math.Log2E)
	expLn2Hi   = float32(math.Ln2)                                                    // 24 bits: x − n·ln2Hi is exact
	expLn2Lo   = float32(math.Ln2 - float64(float32(math.Ln2)))                       // the rest of ln2
	expQ       = []uint32{0x3efffffe, 0x3e2aaa45, 0x3d2aac8b, 0x3c091fe9, 0x3ab50d2f} // Q(r) = Σ q_k r^k
)

// expSetup loads the clamp constants.
func (a *rowISA) expSetup() rowExp {
	return rowExp{
		hi: a.constant(rowConstF("expHi", expClampHi)),
		lo: a.constant(rowConstF("expLo", expClampLo)),
	}
}

// exp returns a register holding e^x lanewise; x is clobbered.
//
//	x = max(min(x, 89), −104)      NaN stays NaN
//	n = round(x·log₂e)             |n| ≤ 150
//	r = x − n·ln2Hi − n·ln2Lo      |r| ≤ ln2/2 (+ rounding)
//	p = 1 + r + r²·Q(r)            ≈ e^r
//	e^x = p · 2^(n>>1) · 2^(n − n>>1)
//
// Two power-of-two factors keep each in the normal range for every n, so a
// subnormal result is rounded once, by the last multiply.
func (a *rowISA) exp(c rowExp, x reg.VecVirtual) reg.VecVirtual {
	VMINPS(x, c.hi, x) // x = min(89, x); on NaN the second source (x) is returned
	VMAXPS(x, c.lo, x) // x = max(−104, x)
	t := a.vec()
	VMULPS(rowConstF("expLog2e", expLog2e), x, t) // t = x·log₂e
	n := a.vec()
	VCVTPS2DQ(t, n)                                     // n = round(t), int32 lanes
	VCVTDQ2PS(n, t)                                     // t = float(n)
	VFNMADD231PS(rowConstF("expLn2Hi", expLn2Hi), t, x) // x −= t·ln2Hi
	VFNMADD231PS(rowConstF("expLn2Lo", expLn2Lo), t, x) // r = x − t·ln2Lo
	p := a.vec()
	VMOVUPS(rowConst("expQ4", expQ[4]), p)
	for k := 3; k >= 0; k-- {
		VFMADD213PS(rowConst(fmt.Sprintf("expQ%d", k), expQ[k]), x, p) // p = p·r + q_k
	}
	VMULPS(x, x, t)                        // t = r²
	VFMADD213PS(x, t, p)                   // p = p·r² + r
	VADDPS(rowConstF("rowOne", 1), p, p)   // p = e^r
	VPSRAD(operand.U8(1), n, t)            // t = n>>1
	VPSUBD(t, n, n)                        // n = n − n>>1
	VPADDD(rowConst("expBias", 127), t, t) //
	VPSLLD(operand.U8(23), t, t)           // t = 2^(n>>1)
	VPADDD(rowConst("expBias", 127), n, n) //
	VPSLLD(operand.U8(23), n, n)           // n = 2^(n − n>>1)
	VMULPS(t, p, p)                        // exact: p·2^(n>>1) stays normal
	VMULPS(n, p, p)                        // the one rounding of a subnormal result
	return p
}
