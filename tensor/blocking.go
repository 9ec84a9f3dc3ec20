package tensor

import (
	"runtime"

	"github.com/rltrain/rltrain/asm"
)

// Cache blocking of the GotoBLAS/BLIS loop nest (see gemm.go):
//
//	for jc in steps of NC:       B block KC×NC is packed once, lives in L3
//	  for pc in steps of KC:
//	    for ic in steps of MC:   A block MC×KC is packed, lives in L2
//	      for jr in steps of NR: B micro-panel KC×NR stays in L1
//	        for ir in steps of MR: micro-kernel, MR×NR tile of C in registers
//
// The sizes follow from the caches the CPU reports (asm.CacheSizes) and the
// micro-tile of the active path; the constants below say which share of
// which cache each block may take and bound the results. For scale: the
// Sapphire Rapids target (L1D 48 KiB, L2 2 MiB per core, zmm 14×32 tile)
// gets KC=192, MC=1358, NC=4096; a Zen 3 core (L1D 32 KiB, L2 512 KiB, ymm
// 6×16 tile) gets KC=256, MC=252, NC=4096.
const (
	// l1Share of L1D holds the KC×NR B micro-panel: the A micro-panels
	// and the C tile stream through the rest.
	l1Share = 0.5
	// l2Share of L2 holds the MC×KC packed A block; B micro-panels and C
	// lines need the rest.
	l2Share = 0.5
	// l3Share of each core's part of L3 holds the KC×NC packed B block.
	l3Share = 0.5

	// Fallbacks when the CPU does not report a cache (typical of VMs).
	defaultL1D = 32 << 10
	defaultL2  = 1 << 20
	defaultL3  = 8 << 20

	minKC = 64  // below this the C tile load/store per KC block dominates
	maxKC = 512 // above this A and B micro-panels stop fitting L1 together
	maxMC = 2048
	maxNC = 4096 // beyond this packing buffers grow with no gain
)

// blocking is the block sizes for one micro-kernel.
type blocking struct {
	mr, nr     int
	kc, mc, nc int
	ncSmall    int // NC when all of M fits one MC block: B block sized for L2
}

// blockingFor derives KC, MC and NC for a micro-kernel from the cache sizes.
func blockingFor(mk asm.Microkernel) blocking {
	l1, l2, l3 := asm.CacheSizes()
	if l1 <= 0 {
		l1 = defaultL1D
	}
	if l2 <= 0 {
		l2 = defaultL2
	}
	if l3 <= 0 {
		l3 = defaultL3
	}
	cores := max(1, runtime.NumCPU())
	b := blocking{mr: mk.MR, nr: mk.NR}
	b.kc = int(float64(l1)*l1Share) / (4 * mk.NR) / 8 * 8
	b.kc = min(max(b.kc, minKC), maxKC)
	b.mc = int(float64(l2)*l2Share) / (4 * b.kc) / mk.MR * mk.MR
	b.mc = min(max(b.mc, mk.MR), maxMC/mk.MR*mk.MR)
	b.nc = int(float64(l3)/float64(cores)*l3Share) / (4 * b.kc) / mk.NR * mk.NR
	b.nc = min(max(b.nc, mk.NR), maxNC/mk.NR*mk.NR)
	b.ncSmall = int(float64(l2)*l2Share) / (4 * b.kc) / mk.NR * mk.NR
	b.ncSmall = min(max(b.ncSmall, mk.NR), b.nc)
	return b
}

// blockings caches blockingFor per path (paths are few and fixed).
var blockings = map[string]blocking{}

func init() {
	for _, mk := range asm.GemmKernels() {
		blockings[mk.Path] = blockingFor(mk)
	}
}
