//go:generate go run . -kernel gemvpanel -out ../gemvpanel_amd64.s

package main

// gemvpanel: one row times pre-packed B panels (the decode product with a
// single sequence), AVX2+FMA. Panel q holds b[q·16k + p·16 + j], p < k,
// j < 16. Two panels at a time, so four FMA chains overlap (the 6×16
// micro-kernel with one row has two, and waits on the FMA latency); each
// column is still one chain in p order, summed per KC block and added to C
// once per block, exactly as the micro-kernel sums it:
//
//	for each pair of panels (then a last single panel):
//	  for each KC block [p0, p1) of k:
//	    acc[0..3] = 0
//	    for p in [p0, p1): acc[2i+h] += a[p] · b[q+i][p][8h : 8h+8]
//	    c[16(q+i) : …+16] = acc (first block, acc false) or += acc

import (
	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

func init() { register("gemvpanel", genGemvPanel) }

func genGemvPanel() {
	Implement("gemvPanelsAVX2")
	Attributes(NOSPLIT)
	pc := Load(Param("c").Base(), GP64())
	np := Load(Param("c").Len(), GP64())
	pa := Load(Param("a").Base(), GP64())
	pb := Load(Param("b").Base(), GP64())
	k := Load(Param("k"), GP64())
	kc := Load(Param("kc"), GP64())
	accArg := Load(Param("acc"), GP8())
	SHRQ(operand.U8(4), np) // panels
	ps := GP64()            // panel stride in bytes, 64·k
	MOVQ(k, ps)
	SHLQ(operand.U8(6), ps)

	for _, pair := range []bool{true, false} {
		top, blk, inner, store, next, end := "pairs", "pblock", "pinner", "pstore", "pnext", "one"
		need := 2
		if !pair {
			top, blk, inner, store, next, end = "one", "oblock", "oinner", "ostore", "onext", "done"
			need = 1
		}
		nacc := 2 * need
		Label(top)
		CMPQ(np, operand.U32(need))
		JB(operand.LabelRef(end))
		accum := GP8()
		MOVB(accArg, accum)
		ap, rem := GP64(), GP64()
		MOVQ(pa, ap)
		MOVQ(k, rem)
		Label(blk)
		TESTQ(rem, rem)
		JZ(operand.LabelRef(next))
		n := GP64()
		MOVQ(kc, n)
		CMPQ(rem, kc)
		CMOVQLT(rem, n) // n = min(kc, rem)
		SUBQ(n, rem)
		acc := make([]reg.VecVirtual, nacc)
		for i := range acc {
			acc[i] = YMM()
			VXORPS(acc[i], acc[i], acc[i])
		}
		Label(inner)
		x := YMM()
		VBROADCASTSS(operand.Mem{Base: ap}, x)
		VFMADD231PS(operand.Mem{Base: pb}, x, acc[0])
		VFMADD231PS(operand.Mem{Base: pb, Disp: 32}, x, acc[1])
		if pair {
			VFMADD231PS(operand.Mem{Base: pb, Index: ps, Scale: 1}, x, acc[2])
			VFMADD231PS(operand.Mem{Base: pb, Index: ps, Scale: 1, Disp: 32}, x, acc[3])
		}
		ADDQ(operand.U32(4), ap)
		ADDQ(operand.U32(64), pb)
		DECQ(n)
		JNZ(operand.LabelRef(inner))
		TESTB(accum, accum)
		JZ(operand.LabelRef(store))
		for i := range acc {
			VADDPS(operand.Mem{Base: pc, Disp: 32 * i}, acc[i], acc[i])
		}
		Label(store)
		for i := range acc {
			VMOVUPS(acc[i], operand.Mem{Base: pc, Disp: 32 * i})
		}
		MOVB(operand.U8(1), accum)
		JMP(operand.LabelRef(blk))
		Label(next)
		// pb walked panel q; skip the other panel of the pair.
		if pair {
			ADDQ(ps, pb)
		}
		ADDQ(operand.U32(64*need), pc)
		SUBQ(operand.U32(need), np)
		JMP(operand.LabelRef(top))
	}
	Label("done")
	VZEROUPPER()
	RET()
}
