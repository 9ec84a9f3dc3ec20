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
// and, when A is read in place (few column panels per worker, see gemm.go):
//
//	for jc in steps of NC':      B block KC×NC' packed once, lives in L2
//	  for pc in steps of KC:
//	    for ir in steps of MR:   A rows MR×KC read in place, stay in L1
//	      for jr in steps of NR: B micro-panel streams from L2
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

	// directAMaxPanels is the widest column range (in NR panels) of one
	// worker for which a row-major A (NN, NT) is read in place by the
	// micro-kernel instead of packed. Packing an MR×KC micro-panel of A is
	// a transposition that costs about as much as a few micro-kernel calls
	// on it, so it pays only when many panels of B reuse it; reading A in
	// place costs nothing up front but re-reads A once per L2-sized B block.
	// Measured on Zen 3 (thread CPU time, interleaved): at 44-48 panels
	// (512×768×3072, 2048×704×128) packing A is 3-10% faster than 48
	// allowed, at 8 panels reading in place is 15% faster.
	directAMaxPanels = 32
	// directAMaxColStride bounds the row length (floats) of a column-major
	// A (TN) read in place. The micro-kernel reads one k step of its MR
	// rows per A row, so KC steps touch KC lines lda·4 bytes apart: from
	// 4 KiB on each is a new page (DTLB misses) and power-of-two strides
	// pile into a few L1 sets. Measured on Zen 3 (TN, K = 128): packing A
	// is 1.4-1.7× faster at M = 1024 and 2048, reading in place equal or
	// 1.1-1.2× faster at M = 128…704.
	directAMaxColStride = 1024
	// directATMaxPanels replaces directAMaxPanels for a column-major A
	// (TN). Its in-place reads touch one line per k step, KC lines lda·4
	// bytes apart that share few L1 sets, while packing it is a plain
	// strided copy (asm.CopyBlocks6, no transposition). Measured on Zen 3
	// (TN, K = 1024-2048, thread CPU time): in place 1.1-1.15× faster at
	// N = 128 (8 panels), packing 1.1-1.15× faster at N = 256 (16 panels).
	directATMaxPanels = 12
)

// blocking is the block sizes for one micro-kernel.
type blocking struct {
	mr, nr         int
	kc, mc, nc     int
	ncSmall        int // NC when all of M fits one MC block: B block sized for L2
	directAPanels  int // read A in place when a worker's columns span at most this many NR panels (0: never)
	directATPanels int // the same for a column-major A (TN)
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
	b.directAPanels = directAMaxPanels
	b.directATPanels = directATMaxPanels
	return b
}

// blockings caches blockingFor per path (paths are few and fixed).
var blockings = map[string]blocking{}

func init() {
	for _, mk := range asm.GemmKernels() {
		blockings[mk.Path] = blockingFor(mk)
	}
}
