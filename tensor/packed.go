package tensor

import (
	"sync"

	"github.com/rltrain/rltrain/asm"
)

// PackedFormat is the element format of a PackedB's panels. Only float32
// exists today; a bf16 format for an AMX path can be added beside it without
// changing callers, who only build a PackedB and pass it to MatMulPacked.
type PackedFormat int

const (
	// PackedF32 stores float32 panels in the active micro-kernel's width.
	PackedF32 PackedFormat = iota
)

// PackedB is a right-hand operand packed once into micro-kernel panels and
// reused across products: for a weight W used as x·Wᵀ (or x·W) in every
// step, it saves re-packing W on each call, which dominates small-M
// (decode) products. It is tied to the micro-kernel path active when it was
// built; MatMulPacked repacks-free only on that path and falls back to the
// plain product otherwise.
//
// Layout: N/NR column panels (the last zero-padded to NR), each holding all
// K rows, b[p*NR+j]; a KC block of a panel is then a contiguous slice.
type PackedB struct {
	format PackedFormat
	path   string
	nr     int
	n, k   int
	trans  bool      // built from B stored (N,K) (the NT case)
	src    []float32 // the source, for the fallback path
	data   []float32
}

// NewPackedB packs B for products C = A·op(B) with op(B) of shape (K,N):
// trans means B is stored (N,K) and used transposed (x·Wᵀ with W (out,in)),
// otherwise B is stored (K,N). The source must not change while the
// PackedB is in use (the fallback path reads it); call Repack after an
// update of the weights.
func NewPackedB(b []float32, n, k int, trans bool) *PackedB {
	if n < 0 || k < 0 {
		panic(errNegativeDim)
	}
	if len(b) < n*k {
		panic(errShortB)
	}
	p := &PackedB{format: PackedF32, n: n, k: k, trans: trans}
	p.Repack(b)
	return p
}

// Repack packs b (same shape and layout as at construction) again, reusing
// the buffer.
func (p *PackedB) Repack(b []float32) {
	if len(b) < p.n*p.k {
		panic(errShortB)
	}
	mk := asm.GemmKernel()
	p.path, p.nr, p.src = mk.Path, mk.NR, b
	panels := (p.n + p.nr - 1) / p.nr
	p.data = grow(p.data, panels*p.nr*p.k)
	if p.k == 0 || p.n == 0 {
		return
	}
	ld := p.n
	if p.trans {
		ld = p.k
	}
	// One K-tall block: panel q lands at q·NR·K.
	packB(p.data, bView{d: b, ld: ld, t: p.trans}, 0, p.k, 0, p.n, p.nr, p.nr*p.k)
}

// Format returns the panels' element format.
func (p *PackedB) Format() PackedFormat { return p.format }

// MatMulPacked computes C = A·op(B) (or C += … when acc) with A: (M,K) and
// C: (M,N) for a pre-packed B. Results equal MatMulNN/MatMulNT bitwise on
// the same path, except for M=1 where those take a matrix-vector route.
func MatMulPacked(c, a []float32, b *PackedB, m int, acc bool) {
	n, k := b.n, b.k
	if m < 0 {
		panic(errNegativeDim)
	}
	if len(a) < m*k {
		panic(errShortA)
	}
	if len(c) < m*n {
		panic(errShortC)
	}
	if m == 0 || n == 0 {
		return
	}
	mk := asm.GemmKernel()
	av := aView{d: a, ld: k}
	if k == 0 || mk.Path != b.path {
		ld := n
		if b.trans {
			ld = k
		}
		gemm(c, av, bView{d: b.src, ld: ld, t: b.trans}, m, n, k, acc)
		return
	}
	if m <= packedSmallRows {
		packedSmall(mk, blockings[mk.Path], Threads(), c, a, b, m, acc)
		return
	}
	gemmWith(mk, blockings[mk.Path], Threads(), c, av, bView{}, b, m, n, k, acc)
}

// The few-row product (decode steps: M = the number of sequences, 1…32).
// The general driver blocks C for reuse of B, but with few rows there is
// no reuse to block for: every weight is used by M rows once per step, and
// the product is bound by streaming the packed weights from memory. So
// packedSmall packs all of A once (M×K, small enough for L2), then walks
// the column panels of the PackedB in storage order, each panel once:
//
//	for q in column panels:        panel q (K×NR, contiguous) streams in
//	  for pc in steps of KC:       its KC×NR block stays in L1 …
//	    for ir in steps of MR:     … for the ⌈M/MR⌉ micro-kernel calls on it
//
// The KC blocks and the micro-kernel are those of the general driver and
// every element of C is summed in the same order (KC blocks ascending, C
// added once per block), so the result equals it bitwise; one row goes
// through asm.GemvPanels, which sums in the same order. Workers split
// the panels; a product that reads more than packedParallelFloats of B is
// split even when its FLOPs are few, since streaming B is what costs.
const (
	packedSmallRows      = 32
	packedParallelFloats = 1 << 16
)

// packedScratch is the state of one packedSmall call (the packed copy of
// A, the workers' edge tiles, the operands), pooled so that a steady stream
// of products allocates nothing.
type packedScratch struct {
	pa   []float32
	tile []float32
	// The product the workers run (bound once in run).
	mk   asm.Microkernel
	kc   int
	c, a []float32
	b    *PackedB
	m    int
	acc  bool
	t    int
	run  func(lo, hi int)
}

var packedScratches = sync.Pool{New: func() any {
	s := &packedScratch{}
	s.run = s.workers
	return s
}}

// packedSmall computes C (+)= A·op(B) for m ≤ packedSmallRows rows with
// A row-major (M,K), with micro-kernel mk and blk's KC, on up to threads
// workers (see above).
func packedSmall(mk asm.Microkernel, blk blocking, threads int, c, a []float32, b *PackedB, m int, acc bool) {
	s := packedScratches.Get().(*packedScratch)
	k := b.k
	s.mk, s.kc, s.c, s.b, s.m, s.acc = mk, min(blk.kc, k), c, b, m, acc
	if m == 1 {
		// A one-row panel is the row itself.
		s.a = a
	} else {
		// KC block pc holds its row panels at pc·m + ir·kc.
		s.pa = grow(s.pa, m*k)
		av := aView{d: a, ld: k}
		for pc := 0; pc < k; pc += blk.kc {
			kc := min(blk.kc, k-pc)
			packA(s.pa[pc*m:], av, 0, m, pc, kc, mk.MR)
		}
		s.a = s.pa
	}
	panels := (b.n + b.nr - 1) / b.nr
	s.t = 1
	if 2*m*b.n*k >= minParallelFlops || b.n*k >= packedParallelFloats {
		s.t = max(1, min(threads, panels))
	}
	s.tile = grow(s.tile, s.t*mk.MR*b.nr)
	if s.t == 1 {
		s.panels(0, panels, s.tile)
	} else {
		Parallel(s.t, s.run)
	}
	s.c, s.a, s.b = nil, nil, nil
	packedScratches.Put(s)
}

// workers runs workers [lo, hi) of a split product: worker w takes panels
// [w·P/t, (w+1)·P/t).
func (s *packedScratch) workers(lo, hi int) {
	panels := (s.b.n + s.b.nr - 1) / s.b.nr
	for w := lo; w < hi; w++ {
		sz := s.mk.MR * s.b.nr
		s.panels(w*panels/s.t, (w+1)*panels/s.t, s.tile[w*sz:(w+1)*sz])
	}
}

// panels computes the columns of panels [q0, q1) for all rows.
// tile is the worker's scratch for the ragged last panel (MR×NR).
func (s *packedScratch) panels(q0, q1 int, tile []float32) {
	mk, b, m := s.mk, s.b, s.m
	nr, k, n := b.nr, b.k, b.n
	if m == 1 && nr == 16 {
		// One row: the whole panels in one call of the panel GEMV (the
		// micro-kernel's sums, bitwise, with twice the FMA chains in
		// flight); a ragged last panel goes through the tile below.
		qf := min(q1, n/nr)
		if qf > q0 {
			asm.GemvPanels(s.c[q0*nr:qf*nr], s.a, b.data[q0*nr*k:qf*nr*k], k, s.kc, s.acc)
			q0 = qf
		}
	}
	for q := q0; q < q1; q++ {
		panel := b.data[q*nr*k : (q+1)*nr*k]
		w := min(nr, n-q*nr)
		for pc := 0; pc < k; pc += s.kc {
			kc := min(s.kc, k-pc)
			accum := s.acc || pc > 0
			bp := panel[pc*nr:]
			for ir := 0; ir < m; ir += mk.MR {
				h := min(mk.MR, m-ir)
				ap := s.a[pc*m+ir*kc:]
				if m == 1 {
					ap = s.a[pc:]
				}
				co := ir*n + q*nr
				if w == nr {
					mk.Run(h, kc, ap, bp, s.c[co:], nr, n, accum)
					continue
				}
				// Ragged last panel: the tile, then the valid columns.
				mk.Run(h, kc, ap, bp, tile, nr, nr, false)
				storeEdge(s.c, tile, n, nr, co, h, w, accum)
			}
		}
	}
}
