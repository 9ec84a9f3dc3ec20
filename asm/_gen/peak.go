package main

//go:generate go run . -kernel peak -out ../peak_amd64.s

// FMA-throughput probes: n iterations of `chains` independent FMA chains on
// registers only (no memory traffic), so the loop runs at the core's FMA
// issue rate. The chain count exceeds ports × latency (2 × 4–5 cycles) so
// no chain ever waits on its own previous result.
//
//	for it := 0; it < n; it++ {
//	    for c := 0; c < chains; c++ { acc[c] = acc[c]*x + y }
//	}

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

func init() { register("peak", genPeak) }

func genPeak() {
	genPeakKernel("fmaPeakAVX2", false, 12)
	genPeakKernel("fmaPeakAVX512", true, 24)
}

func genPeakKernel(name string, zmm bool, chains int) {
	TEXT(name, NOSPLIT, "func(n int)")
	Doc(fmt.Sprintf("%s runs n iterations of %d independent vector FMAs.", name, chains))
	regs := func(i int) reg.VecPhysical {
		if zmm {
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
	x, y := regs(chains), regs(chains+1)
	for c := 0; c < chains+2; c++ {
		VXORPS(regs(c), regs(c), regs(c))
	}
	n := Load(Param("n"), GP64())
	Label("loop")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	for c := 0; c < chains; c++ {
		VFMADD213PS(y, x, regs(c)) // acc = acc*x + y
	}
	DECQ(n)
	JMP(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}
