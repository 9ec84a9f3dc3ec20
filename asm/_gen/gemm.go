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
// The in-place-A variants (gemmAVX2RowA for a row-major A, a[i*lda+p], and
// gemmAVX2ColA for a column-major one, a[p*lda+i]) run the same FMAs in the
// same order and only address A differently, so they agree bitwise with the
// packed kernel and tensor may pick either per worker. Row i of a row-major
// A is base + index·scale through lda, 3·lda and 5·lda (x86 scales 1, 2, 4,
// 8 reach rows 0…5), which caps those tiles at 6 rows.
//
// Before the k loop each kernel prefetches its C tile (PREFETCHT0 of the
// first and last byte of every row), so the C lines, in L2 or L3 between
// KC blocks, are in L1 by the time the tile is stored.
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
	rowA   bool // A read in place from a row-major matrix (a[i*lda+p]) instead of a packed panel
	colA   bool // A read in place from a column-major matrix (a[p*lda+i]), the MatMulTN operand
}

func genGemm() {
	genGemmKernel(gemmSpec{name: "gemmAVX2", maxMR: 6, nvec: 2, width: 8, unroll: 4})
	genGemmKernel(gemmSpec{name: "gemmAVX512", maxMR: 14, nvec: 2, width: 16, zmm: true, unroll: 4})
	genGemmKernel(gemmSpec{name: "gemmAVX2RowA", maxMR: 6, nvec: 2, width: 8, unroll: 4, rowA: true})
	genGemmKernel(gemmSpec{name: "gemmAVX2ColA", maxMR: 6, nvec: 2, width: 8, unroll: 4, colA: true})
	genCopyBlocks16()
	genCopyBlocks6()
	genTransposePanel16()
	genTransposePanel6()
}

// genTransposePanel16 emits the packing of a transposed B panel (the
// MatMulNT operand, B stored (N,K)): 16 source rows ld floats apart become
// one NR=16 panel, dst[p*16+j] = src[j*ld+p], eight k steps at a time: each
// half of the panel (rows 0-7, 8-15) is one transpose8x8.
//
//	for kb < kblocks, h < 2: r[i] = src[(8h+i)*ld + 8kb : +8]   (i < 8)
//	                         dst[(8kb+p)*16 + 8h : +8] = (r[0][p], …, r[7][p])
func genTransposePanel16() {
	TEXT("transposePanel16AVX", NOSPLIT, "func(dst, src *float32, ld, kblocks int)")
	Pragma("noescape")
	Doc("transposePanel16AVX packs 8·kblocks k steps of a 16-row transposed B panel; see gemm.go.")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	kb := Load(Param("kblocks"), GP64())
	SHLQ(Imm(2), ld)
	ld3, ld5, ld7, src8 := GP64(), GP64(), GP64(), GP64()
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	LEAQ(Mem{Base: ld, Index: ld, Scale: 4}, ld5)
	LEAQ(Mem{Base: ld, Index: ld3, Scale: 2}, ld7)
	LEAQ(Mem{Base: src, Index: ld, Scale: 8}, src8)
	TESTQ(kb, kb)
	JZ(LabelRef("tp16_done"))
	Label("tp16_loop")
	for h, base := range []reg.Register{src, src8} {
		rows := []Mem{
			{Base: base}, {Base: base, Index: ld, Scale: 1}, {Base: base, Index: ld, Scale: 2}, {Base: base, Index: ld3, Scale: 1},
			{Base: base, Index: ld, Scale: 4}, {Base: base, Index: ld5, Scale: 1}, {Base: base, Index: ld3, Scale: 2}, {Base: base, Index: ld7, Scale: 1},
		}
		transpose8x8(rows)
		for p := 0; p < 8; p++ {
			VMOVUPS(ymm(8+p), Mem{Base: dst, Disp: 4 * (p*16 + 8*h)})
		}
	}
	ADDQ(Imm(32), src)
	ADDQ(Imm(32), src8)
	ADDQ(U32(8*16*4), dst)
	DECQ(kb)
	JNZ(LabelRef("tp16_loop"))
	VZEROUPPER()
	Label("tp16_done")
	RET()
}

// genTransposePanel6 emits the packing of a row-major A (the MatMulNN/NT
// operand) into one 6-row AVX2 micro-panel, dst[p*6+i] = src[i*ld+p], eight
// k steps at a time: the six rows and two don't-care rows go through one
// transpose8x8, and column p, (r0[p], …, r5[p], x, x), is stored as eight
// floats at dst[6p]. Stores go in ascending order, so each store's two
// don't-care lanes are overwritten by the next one; the last column of a
// block is stored as 4+2 floats so nothing is written past 48 floats.
//
//	for kb < kblocks: dst[(8kb+p)*6 + i] = src[i*ld + 8kb + p]   (i < 6, p < 8)
func genTransposePanel6() {
	TEXT("transposePanel6AVX", NOSPLIT, "func(dst, src *float32, ld, kblocks int)")
	Pragma("noescape")
	Doc("transposePanel6AVX packs 8·kblocks k steps of a 6-row A micro-panel; see gemm.go.")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	ld := Load(Param("ld"), GP64())
	kb := Load(Param("kblocks"), GP64())
	SHLQ(Imm(2), ld)
	ld3, ld5 := GP64(), GP64()
	LEAQ(Mem{Base: ld, Index: ld, Scale: 2}, ld3)
	LEAQ(Mem{Base: ld, Index: ld, Scale: 4}, ld5)
	TESTQ(kb, kb)
	JZ(LabelRef("tp6_done"))
	Label("tp6_loop")
	rows := []Mem{
		{Base: src}, {Base: src, Index: ld, Scale: 1}, {Base: src, Index: ld, Scale: 2}, {Base: src, Index: ld3, Scale: 1},
		{Base: src, Index: ld, Scale: 4}, {Base: src, Index: ld5, Scale: 1},
	}
	transpose8x8(rows)
	for p := 0; p < 7; p++ {
		VMOVUPS(ymm(8+p), Mem{Base: dst, Disp: 4 * 6 * p})
	}
	VMOVUPS(reg.X15, Mem{Base: dst, Disp: 4 * 6 * 7})
	VEXTRACTF128(Imm(1), reg.Y15, reg.X15)
	VMOVQ(reg.X15, Mem{Base: dst, Disp: 4 * (6*7 + 4)})
	ADDQ(Imm(32), src)
	ADDQ(U32(8*6*4), dst)
	DECQ(kb)
	JNZ(LabelRef("tp6_loop"))
	VZEROUPPER()
	Label("tp6_done")
	RET()
}

// ymm is AVX2 register i (Y0…Y15).
func ymm(i int) reg.VecPhysical { return vecReg(gemmSpec{}, i) }

// transpose8x8 loads up to eight rows of eight floats (rows[i] into Yi; with
// fewer rows the remaining registers are don't-care inputs) and leaves
// column p, (r0[p], …, r7[p]), in Y(8+p): unpack pairs of rows, shuffle
// pairs of pairs, swap 128-bit lanes. It uses all sixteen ymm registers.
func transpose8x8(rows []Mem) {
	for i, m := range rows {
		VMOVUPS(m, ymm(i))
	}
	// t[2q] = unpcklps(r[2q], r[2q+1]), t[2q+1] = unpckhps(…), in Y8…Y15.
	for q := 0; q < 4; q++ {
		VUNPCKLPS(ymm(2*q+1), ymm(2*q), ymm(8+2*q))
		VUNPCKHPS(ymm(2*q+1), ymm(2*q), ymm(8+2*q+1))
	}
	// u: rows 0-3 in Y0…Y3, rows 4-7 in Y4…Y7:
	// u[0] = shufps(t0,t2,0x44) u[1] = shufps(t0,t2,0xEE) u[2] = shufps(t1,t3,0x44) u[3] = shufps(t1,t3,0xEE).
	for g := 0; g < 2; g++ {
		t := 8 + 4*g
		VSHUFPS(Imm(0x44), ymm(t+2), ymm(t), ymm(4*g+0))
		VSHUFPS(Imm(0xEE), ymm(t+2), ymm(t), ymm(4*g+1))
		VSHUFPS(Imm(0x44), ymm(t+3), ymm(t+1), ymm(4*g+2))
		VSHUFPS(Imm(0xEE), ymm(t+3), ymm(t+1), ymm(4*g+3))
	}
	// k step p < 4: low lanes of u[p] and u[4+p]; p ≥ 4: high lanes.
	for p := 0; p < 8; p++ {
		imm := uint64(0x20)
		if p >= 4 {
			imm = 0x31
		}
		VPERM2F128(Imm(imm), ymm(4+p%4), ymm(p%4), ymm(8+p))
	}
}

// genCopyBlocks16 emits the packing copy of B panels: n blocks of 16 floats
// (two ymm) from src to dst with independent strides, so that packing a
// row of B into its panels costs two loads and two stores per panel instead
// of a memmove call.
//
//	for i < n: dst[i*dstStride : +16] = src[i*srcStride : +16]
func genCopyBlocks16() {
	genCopyBlocks("copyBlocks16AVX", "copy16", 16, func(dst, src reg.Register) {
		VMOVUPS(Mem{Base: src}, reg.Y0)
		VMOVUPS(Mem{Base: src, Disp: 32}, reg.Y1)
		VMOVUPS(reg.Y0, Mem{Base: dst})
		VMOVUPS(reg.Y1, Mem{Base: dst, Disp: 32})
	}, true)
}

// genCopyBlocks6 emits the packing copy of a transposed A (the MatMulTN
// operand) into 6-row AVX2 micro-panels: n blocks of 6 floats (a 16-byte
// and an 8-byte move) with independent strides, so that one source row of
// A lands in all its panels for a few instructions per panel.
//
//	for i < n: dst[i*dstStride : +6] = src[i*srcStride : +6]
func genCopyBlocks6() {
	genCopyBlocks("copyBlocks6AVX", "copy6", 6, func(dst, src reg.Register) {
		t := GP64()
		VMOVUPS(Mem{Base: src}, reg.X0)
		MOVQ(Mem{Base: src, Disp: 16}, t)
		VMOVUPS(reg.X0, Mem{Base: dst})
		MOVQ(t, Mem{Base: dst, Disp: 16})
	}, false)
}

// genCopyBlocks emits the strided block-copy loop shared by the packing
// copies: n times, move one block (emitted by block) from src to dst and
// advance each by its own stride; vzeroupper when the block used ymm.
//
//	for i < n: dst[i*dstStride : +width] = src[i*srcStride : +width]
func genCopyBlocks(name, label string, width int, block func(dst, src reg.Register), ymm bool) {
	TEXT(name, NOSPLIT, "func(dst, src *float32, n, dstStride, srcStride int)")
	Pragma("noescape")
	Doc(fmt.Sprintf("%s copies n blocks of %d floats between strided positions; see gemm.go.", name, width))
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	ds := Load(Param("dstStride"), GP64())
	ss := Load(Param("srcStride"), GP64())
	SHLQ(Imm(2), ds)
	SHLQ(Imm(2), ss)
	TESTQ(n, n)
	JZ(LabelRef(label + "_done"))
	Label(label + "_loop")
	block(dst, src)
	ADDQ(ss, src)
	ADDQ(ds, dst)
	DECQ(n)
	JNZ(LabelRef(label + "_loop"))
	if ymm {
		VZEROUPPER()
	}
	Label(label + "_done")
	RET()
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
	if s.rowA || s.colA {
		TEXT(s.name, NOSPLIT, "func(mr, k int, a, b, c *float32, lda, ldb, ldc int, acc bool)")
		Pragma("noescape")
		elem := "a[i*lda+p]"
		if s.colA {
			elem = "a[p*lda+i]"
		}
		Doc(fmt.Sprintf("%s computes one tile of at most %d rows × %d columns reading A in place (%s); see gemm.go.", s.name, s.maxMR, s.nvec*s.width, elem))
	} else {
		TEXT(s.name, NOSPLIT, "func(mr, k int, a, b, c *float32, ldb, ldc int, acc bool)")
		Pragma("noescape")
		Doc(fmt.Sprintf("%s computes one tile of at most %d rows × %d columns; see gemm.go.", s.name, s.maxMR, s.nvec*s.width))
	}

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
	if s.rowA && (m > 6 || s.zmm) {
		panic("gemm: in-place A rows are addressed through lda, 3·lda and 5·lda: at most 6 rows, AVX2 only")
	}
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

	// A element (i, p+u) of the current step: a packed panel has it at
	// byte 4·(u·m+i); a row-major A at 4·(i·lda+u), with row i addressed as
	// base + index·scale through lda, 3·lda and 5·lda (x86 scales are 1, 2, 4, 8).
	aStep := 4 * m // bytes per k step in A
	aMem := func(i, u int) Mem { return Mem{Base: ap, Disp: u*aStep + 4*i} }
	var aStepReg reg.GPVirtual // colA: the k step is lda bytes, added after each step
	if s.colA {
		aStepReg = GP64()
		Load(Param("lda"), aStepReg)
		SHLQ(Imm(2), aStepReg)
		aMem = func(i, u int) Mem { return Mem{Base: ap, Disp: 4 * i} }
	}
	if s.rowA {
		aStep = 4
		lda := Load(Param("lda"), GP64())
		SHLQ(Imm(2), lda) // lda in bytes
		var lda3, lda5 reg.GPVirtual
		if m >= 4 {
			lda3 = GP64()
			LEAQ(Mem{Base: lda, Index: lda, Scale: 2}, lda3)
		}
		if m >= 6 {
			lda5 = GP64()
			LEAQ(Mem{Base: lda, Index: lda, Scale: 4}, lda5)
		}
		aMem = func(i, u int) Mem {
			d := 4 * u
			switch i {
			case 0:
				return Mem{Base: ap, Disp: d}
			case 1:
				return Mem{Base: ap, Index: lda, Scale: 1, Disp: d}
			case 2:
				return Mem{Base: ap, Index: lda, Scale: 2, Disp: d}
			case 3:
				return Mem{Base: ap, Index: lda3, Scale: 1, Disp: d}
			case 4:
				return Mem{Base: ap, Index: lda, Scale: 4, Disp: d}
			}
			return Mem{Base: ap, Index: lda5, Scale: 1, Disp: d}
		}
	}

	// step emits k iteration u of the unrolled block.
	step := func(u int) {
		for v := 0; v < s.nvec; v++ {
			VMOVUPS(Mem{Base: bp, Disp: v * vbytes}, bR(v))
		}
		for i := 0; i < m; i++ {
			am := aMem(i, u)
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
		if s.colA {
			ADDQ(aStepReg, ap)
		}
	}

	// Prefetch the C tile (first and last byte of each row) so that its
	// lines, usually in L2 or L3 (rows ldc apart, touched once per KC
	// block), arrive while the k loop runs instead of stalling the stores.
	{
		pc := Load(Param("c"), GP64())
		pldc := Load(Param("ldc"), GP64())
		SHLQ(Imm(2), pldc)
		for i := 0; i < m; i++ {
			PREFETCHT0(Mem{Base: pc})
			PREFETCHT0(Mem{Base: pc, Disp: s.nvec*vbytes - 4})
			if i+1 < m {
				ADDQ(pldc, pc)
			}
		}
	}

	Comment("unrolled k loop")
	Label(l("loop4"))
	CMPQ(k, Imm(uint64(s.unroll)))
	JL(LabelRef(l("tail")))
	for u := 0; u < s.unroll; u++ {
		step(u)
	}
	if !s.colA {
		ADDQ(Imm(uint64(s.unroll*aStep)), ap)
	}
	SUBQ(Imm(uint64(s.unroll)), k)
	JMP(LabelRef(l("loop4")))

	Label(l("tail"))
	TESTQ(k, k)
	JZ(LabelRef(l("store")))
	step(0)
	if !s.colA {
		ADDQ(Imm(uint64(aStep)), ap)
	}
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
