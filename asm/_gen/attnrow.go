//go:generate go run . -kernel attnrow -out ../attnrow_amd64.s

package main

// attnrow: one decode query against a head's cached keys and values
// (AVX2+FMA; the machines with AVX-512 run these ymm kernels too).
//
// attnScoresAVX2: s[j] = scale·Σ_c q[c]·k[j·hs+c], hs = len(q) a multiple of 8:
//
//	for 8 keys at a time:
//	  acc[0..7] = 0
//	  for each 8-float chunk c of the head: acc[r] += q[c:c+8]·k[r][c:c+8]
//	  s[j:j+8] = scale · (horizontal sums of acc[0..7], transposed by
//	             VHADDPS twice and one 128-bit lane swap)
//	for each remaining key: one accumulator, a scalar horizontal sum
//
// attnAccum{32,64}AVX2: out[c] = Σ_j p[j]·v[j·ldv+c] for c < W, the
// accumulators in registers (W=64: 8 ymm; W=32: 4 ymm for even and 4 for
// odd keys, added at the end, so two FMA chains per column overlap).

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

func init() { register("attnrow", genAttnRow) }

func genAttnRow() {
	genAttnScores()
	genAttnAccum(64)
	genAttnAccum(32)
}

func genAttnScores() {
	Implement("attnScoresAVX2")
	Attributes(NOSPLIT)
	ps := Load(Param("s").Base(), GP64())
	n := Load(Param("s").Len(), GP64())
	pq := Load(Param("q").Base(), GP64())
	hs := Load(Param("q").Len(), GP64())
	pk := Load(Param("k").Base(), GP64())
	scale := YMM()
	VBROADCASTSS(rowArg(Param("scale")), scale)

	hsB := GP64() // row stride in bytes
	MOVQ(hs, hsB)
	SHLQ(operand.U8(2), hsB)
	h3 := GP64() // 3 rows
	LEAQ(operand.Mem{Base: hsB, Index: hsB, Scale: 2}, h3)
	chunks := GP64()
	MOVQ(hs, chunks)
	SHRQ(operand.U8(3), chunks)

	Label("keys8")
	CMPQ(n, operand.U32(8))
	JB(operand.LabelRef("keys1"))
	{
		acc := make([]reg.VecVirtual, 8)
		for r := range acc {
			acc[r] = YMM()
			VXORPS(acc[r], acc[r], acc[r])
		}
		p0, p4, qq, cnt := GP64(), GP64(), GP64(), GP64()
		MOVQ(pk, p0)
		LEAQ(operand.Mem{Base: pk, Index: hsB, Scale: 4}, p4)
		MOVQ(pq, qq)
		MOVQ(chunks, cnt)
		Label("chunk8")
		qv := YMM()
		VMOVUPS(operand.Mem{Base: qq}, qv)
		for r := 0; r < 8; r++ {
			base := p0
			if r >= 4 {
				base = p4
			}
			var m operand.Mem
			switch r % 4 {
			case 0:
				m = operand.Mem{Base: base}
			case 1:
				m = operand.Mem{Base: base, Index: hsB, Scale: 1}
			case 2:
				m = operand.Mem{Base: base, Index: hsB, Scale: 2}
			case 3:
				m = operand.Mem{Base: base, Index: h3, Scale: 1}
			}
			VFMADD231PS(m, qv, acc[r])
		}
		ADDQ(operand.U32(32), p0)
		ADDQ(operand.U32(32), p4)
		ADDQ(operand.U32(32), qq)
		DECQ(cnt)
		JNZ(operand.LabelRef("chunk8"))
		// Transpose-and-add: x = [s0 s1 s2 s3 | s0' s1' s2' s3'] (lane
		// halves), y the same for keys 4..7; s = low lanes + high lanes.
		VHADDPS(acc[1], acc[0], acc[0])
		VHADDPS(acc[3], acc[2], acc[2])
		VHADDPS(acc[5], acc[4], acc[4])
		VHADDPS(acc[7], acc[6], acc[6])
		VHADDPS(acc[2], acc[0], acc[0])
		VHADDPS(acc[6], acc[4], acc[4])
		VPERM2F128(operand.U8(0x20), acc[4], acc[0], acc[1])
		VPERM2F128(operand.U8(0x31), acc[4], acc[0], acc[3])
		VADDPS(acc[3], acc[1], acc[1])
		VMULPS(scale, acc[1], acc[1])
		VMOVUPS(acc[1], operand.Mem{Base: ps})
		ADDQ(operand.U32(32), ps)
		LEAQ(operand.Mem{Base: pk, Index: hsB, Scale: 8}, pk)
		SUBQ(operand.U32(8), n)
		JMP(operand.LabelRef("keys8"))
	}

	Label("keys1")
	TESTQ(n, n)
	JZ(operand.LabelRef("done"))
	{
		acc := YMM()
		VXORPS(acc, acc, acc)
		p0, qq, cnt := GP64(), GP64(), GP64()
		MOVQ(pk, p0)
		MOVQ(pq, qq)
		MOVQ(chunks, cnt)
		Label("chunk1")
		qv := YMM()
		VMOVUPS(operand.Mem{Base: qq}, qv)
		VFMADD231PS(operand.Mem{Base: p0}, qv, acc)
		ADDQ(operand.U32(32), p0)
		ADDQ(operand.U32(32), qq)
		DECQ(cnt)
		JNZ(operand.LabelRef("chunk1"))
		x := XMM()
		VEXTRACTF128(operand.U8(1), acc, x)
		VADDPS(x, acc.AsX(), x)
		VHADDPS(x, x, x)
		VHADDPS(x, x, x)
		VMULPS(scale.AsX(), x, x)
		VMOVSS(x, operand.Mem{Base: ps})
		ADDQ(operand.U32(4), ps)
		ADDQ(hsB, pk)
		DECQ(n)
		JMP(operand.LabelRef("keys1"))
	}
	Label("done")
	VZEROUPPER()
	RET()
}

// genAttnAccum emits attnAccum{w}AVX2(out, p, v []float32, ldv int).
func genAttnAccum(w int) {
	name := fmt.Sprintf("attnAccum%dAVX2", w)
	Implement(name)
	Attributes(NOSPLIT)
	po := Load(Param("out").Base(), GP64())
	pp := Load(Param("p").Base(), GP64())
	n := Load(Param("p").Len(), GP64())
	pv := Load(Param("v").Base(), GP64())
	ld := Load(Param("ldv"), GP64())
	SHLQ(operand.U8(2), ld)
	vecs := w / 8
	streams := 64 / w // keys per iteration, each with its own accumulators
	acc := make([][]reg.VecVirtual, streams)
	for s := range acc {
		acc[s] = make([]reg.VecVirtual, vecs)
		for c := range acc[s] {
			acc[s][c] = YMM()
			VXORPS(acc[s][c], acc[s][c], acc[s][c])
		}
	}
	loop, one, done := name+"_loop", name+"_one", name+"_done"
	Label(loop)
	CMPQ(n, operand.U32(streams))
	JB(operand.LabelRef(one))
	for s := 0; s < streams; s++ {
		pj := YMM()
		VBROADCASTSS(operand.Mem{Base: pp, Disp: 4 * s}, pj)
		for c := 0; c < vecs; c++ {
			VFMADD231PS(operand.Mem{Base: pv, Disp: 32 * c}, pj, acc[s][c])
		}
		ADDQ(ld, pv)
	}
	ADDQ(operand.U32(4*streams), pp)
	SUBQ(operand.U32(streams), n)
	JMP(operand.LabelRef(loop))

	Label(one)
	if streams > 1 {
		TESTQ(n, n)
		JZ(operand.LabelRef(done))
		pj := YMM()
		VBROADCASTSS(operand.Mem{Base: pp}, pj)
		for c := 0; c < vecs; c++ {
			VFMADD231PS(operand.Mem{Base: pv, Disp: 32 * c}, pj, acc[0][c])
		}
		Label(done)
		for s := 1; s < streams; s++ {
			for c := 0; c < vecs; c++ {
				VADDPS(acc[s][c], acc[0][c], acc[0][c])
			}
		}
	}
	for c := 0; c < vecs; c++ {
		VMOVUPS(acc[0][c], operand.Mem{Base: po, Disp: 32 * c})
	}
	VZEROUPPER()
	RET()
}
