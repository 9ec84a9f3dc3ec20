package tensor

import (
	"sync"

	"github.com/rltrain/rltrain/asm"
)

// The blocked, packed, threaded SGEMM driver behind MatMulNN/NT/TN
// (GotoBLAS, "Anatomy of High-Performance Matrix Multiplication", Goto & van
// de Geijn 2008; BLIS, Van Zee & van de Geijn 2015). Loop nest and block
// sizes: blocking.go. Packed layouts: pack.go. Micro-kernels: package asm.
//
// Two loop nests share the KC blocking: the classic one packs A into MC×KC
// blocks (worker), and the direct-A one (directALoops) lets the micro-kernel
// read A in place, row-major for NN/NT and column-major for TN, when a
// worker's columns are too few (≤ directAMaxPanels panels, directATMaxPanels
// for TN) to amortize packing A: the transformer's small-K, tall-M
// products, where packing A took about 40% of the time.
//
// Threading: the t workers split C into t column ranges (or row ranges when
// C is taller than wide), each a multiple of NR (MR) wide, and each worker
// runs the whole serial loop nest on its range with its own packing
// buffers. The duplicated packing (A per worker when splitting columns) is
// the smaller operand's, and there is no barrier inside a product. Every
// element of C is summed in the same order (KC blocks ascending, p ascending
// inside, C added once per block) whatever the split and whichever nest a
// worker runs (packed and in-place A kernels do the same FMAs in the same
// order), so the parallel result equals the serial one bitwise.

// minParallelFlops: products below this many FLOPs (≈ 50 µs on one core)
// run on the calling goroutine; handing out work costs a few µs. A variable
// so that tests can send small products through the threaded path.
var minParallelFlops = 4 << 20

// gemmWork is one worker's packing buffers, grown on first use and reused.
type gemmWork struct {
	pa, pb, tile []float32
}

// gemmCall is the state of one product, recycled through gemmCalls so that a
// steady stream of products allocates nothing.
type gemmCall struct {
	mk      asm.Microkernel
	blk     blocking
	c       []float32
	a       aView
	b       bView
	m, n, k int
	acc     bool
	pre     *PackedB // pre-packed B, or nil
	t       int
	splitN  bool
	work    []gemmWork
	run     func(lo, hi int) // g.workers, bound once
	gemv    func(lo, hi int) // g.gemvRows, bound once
}

var gemmCalls = sync.Pool{New: func() any {
	g := &gemmCall{}
	g.run, g.gemv = g.workers, g.gemvRows
	return g
}}

// gemm computes C (+)= A·B for C: (m,n) row-major with row length n.
func gemm(c []float32, a aView, b bView, m, n, k int, acc bool) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if !acc {
			clear(c[:m*n])
		}
		return
	}
	if m == 1 {
		gemv(c, a, b, n, k, acc)
		return
	}
	mk := asm.GemmKernel()
	gemmWith(mk, blockings[mk.Path], Threads(), c, a, b, nil, m, n, k, acc)
}

// gemmWith runs the product with a given micro-kernel, blocking and thread
// count (tests use it to straddle small block sizes and to compare splits).
func gemmWith(mk asm.Microkernel, blk blocking, threads int, c []float32, a aView, b bView, pre *PackedB, m, n, k int, acc bool) {
	g := gemmCalls.Get().(*gemmCall)
	g.mk, g.blk = mk, blk
	g.c, g.a, g.b = c, a, b
	g.m, g.n, g.k, g.acc = m, n, k, acc
	g.pre = pre

	// Split the larger side of C; use as many workers as there are whole
	// panels, and one for small products.
	g.splitN = n >= m
	panels := (m + mk.MR - 1) / mk.MR
	if g.splitN {
		panels = (n + mk.NR - 1) / mk.NR
	}
	g.t = min(threads, panels)
	if 2*float64(m)*float64(n)*float64(k) < float64(minParallelFlops) {
		g.t = 1
	}
	g.t = max(g.t, 1)
	for len(g.work) < g.t {
		g.work = append(g.work, gemmWork{})
	}
	if g.t == 1 {
		g.worker(0)
	} else {
		Parallel(g.t, g.run)
	}
	g.c, g.a.d, g.b.d, g.pre = nil, nil, nil, nil
	gemmCalls.Put(g)
}

func (g *gemmCall) workers(lo, hi int) {
	for w := lo; w < hi; w++ {
		g.worker(w)
	}
}

// worker computes its share of C with the serial loop nest.
func (g *gemmCall) worker(w int) {
	m0, m1, n0, n1 := 0, g.m, 0, g.n
	if g.t > 1 {
		if g.splitN {
			q := g.blk.nr
			p := (g.n + q - 1) / q
			n0, n1 = w*p/g.t*q, min(g.n, (w+1)*p/g.t*q)
		} else {
			q := g.blk.mr
			p := (g.m + q - 1) / q
			m0, m1 = w*p/g.t*q, min(g.m, (w+1)*p/g.t*q)
		}
	}
	if m0 >= m1 || n0 >= n1 {
		return
	}
	ws := &g.work[w]
	blk := g.blk
	kc := min(blk.kc, g.k)
	mc := min(blk.mc, m1-m0)
	nc := min(max(blk.nc, blk.ncSmall), n1-n0)
	ws.pa = grow(ws.pa, mc*kc)
	ws.pb = grow(ws.pb, (nc+blk.nr-1)/blk.nr*(kc*blk.nr+bPanelPad))
	ws.tile = grow(ws.tile, blk.mr*blk.nr)

	// Packing policy for B. With a single row panel there is no reuse of
	// B at all, so an untransposed B is read in place (ldb = its row
	// length) and only a ragged last panel is packed. With a single MC
	// block (small M, e.g. decode) the packed B block is used by one sweep
	// of the ir loop only, so it is packed in L2-sized column blocks
	// (ncSmall) instead of L3-sized ones: it stays in L2 for the few row
	// panels that read it, while the source is still read row by row.
	inPlaceB := g.pre == nil && !g.b.t && m1-m0 <= blk.mr
	ncStep := blk.nc
	if m1-m0 <= blk.mc {
		ncStep = blk.ncSmall
	}
	if g.directA(n1 - n0) {
		g.directALoops(ws, m0, m1, n0, n1, inPlaceB)
		return
	}

	for jc := n0; jc < n1; jc += ncStep {
		nc := min(ncStep, n1-jc)
		for pc := 0; pc < g.k; pc += blk.kc {
			kc := min(blk.kc, g.k-pc)
			accum := g.acc || pc > 0
			if g.pre == nil && !inPlaceB {
				packB(ws.pb, g.b, pc, kc, jc, nc, blk.nr, kc*blk.nr+bPanelPad)
			}
			for ic := m0; ic < m1; ic += blk.mc {
				mc := min(blk.mc, m1-ic)
				packA(ws.pa, g.a, ic, mc, pc, kc, blk.mr)
				g.macro(ws, ic, mc, jc, nc, pc, kc, accum, inPlaceB)
			}
		}
	}
}

// directA reports whether a worker with n columns reads A in place: the
// kernel has the variants, the column range is narrow enough that packing
// A would not be amortized, and a column-major A (TN) has rows short
// enough (see directAMaxColStride).
func (g *gemmCall) directA(n int) bool {
	limit := g.blk.directAPanels
	if g.a.t {
		if g.a.ld >= directAMaxColStride {
			return false
		}
		limit = g.blk.directATPanels
	}
	return g.mk.DirectA() && (n+g.blk.nr-1)/g.blk.nr <= limit
}

// directALoops is the loop nest with A read in place (no A packing), A
// row-major (NN, NT) or column-major (TN):
//
//	for jc in steps of NC:        B block KC×NC packed once, lives in L2
//	  for pc in steps of KC:
//	    for ir in steps of MR:    A rows MR×KC read in place, stay in L1
//	      for jr in steps of NR:  B micro-panel streams from L2
//
// The KC blocks and the order of the sums are those of the packed nest, so
// the result is the same bitwise.
func (g *gemmCall) directALoops(ws *gemmWork, m0, m1, n0, n1 int, inPlaceB bool) {
	blk, mk := g.blk, g.mk
	nr, ldc := blk.nr, g.n
	// A element (i,p) is a.d[i*rsa+p*csa].
	rsa, csa := g.a.ld, 1
	if g.a.t {
		rsa, csa = 1, g.a.ld
	}
	// The B block is sized for L2 like ncSmall, but for the KC in use: a
	// short K (128 in a transformer layer) fits twice as many columns.
	kc0 := min(blk.kc, g.k)
	ncStep := min(max(blk.ncSmall*blk.kc/kc0/nr*nr, nr), max(blk.nc, blk.ncSmall))
	for jc := n0; jc < n1; jc += ncStep {
		nc := min(ncStep, n1-jc)
		full := nc / nr * nr
		for pc := 0; pc < g.k; pc += blk.kc {
			kc := min(blk.kc, g.k-pc)
			accum := g.acc || pc > 0
			if g.pre == nil && !inPlaceB {
				packB(ws.pb, g.b, pc, kc, jc, nc, nr, kc*nr+bPanelPad)
			} else if inPlaceB && full < nc {
				// The ragged last panel, packed once for all row panels.
				packB(ws.pb[full/nr*(kc*nr+bPanelPad):], g.b, pc, kc, jc+full, nc-full, nr, kc*nr+bPanelPad)
			}
			for ir := m0; ir < m1; ir += blk.mr {
				h := min(blk.mr, m1-ir)
				ap := g.a.d[ir*rsa+pc*csa:]
				for jr := 0; jr < nc; jr += nr {
					w := min(nr, nc-jr)
					bp, ldb := g.bPanel(ws, jc, jr, full, pc, kc, inPlaceB)
					co := ir*ldc + jc + jr
					if w == nr {
						mk.RunA(h, kc, ap, rsa, csa, bp, g.c[co:], ldb, ldc, accum)
						continue
					}
					mk.RunA(h, kc, ap, rsa, csa, bp, ws.tile, ldb, nr, false)
					g.edge(ws.tile, co, h, w, accum)
				}
			}
		}
	}
}

// bPanel returns the KC×NR micro-panel of B at column jc+jr of the current
// B block (rows pc…pc+kc) and its row stride: from a PackedB, in place, or
// from the packing buffer (where a ragged last in-place panel was packed
// in the slot after the block's full panels, full being their columns).
func (g *gemmCall) bPanel(ws *gemmWork, jc, jr, full, pc, kc int, inPlaceB bool) ([]float32, int) {
	nr := g.blk.nr
	switch {
	case g.pre != nil:
		// Panel q of a PackedB holds all K rows: the KC block starts pc rows in.
		q := (jc + jr) / nr
		return g.pre.data[q*nr*g.k+pc*nr:], nr
	case inPlaceB && jr < full:
		return g.b.d[pc*g.b.ld+jc+jr:], g.b.ld
	}
	return ws.pb[jr/nr*(kc*nr+bPanelPad):], nr
}

// bPanelPad pads the panel stride of the packed B block by a cache line:
// with KC·NR·4 bytes a multiple of 4 KiB (KC = 256, NR = 16 gives 16 KiB),
// packing a row of B would otherwise store into every panel at addresses
// that share their L1 set and alias the loads (4K aliasing).
const bPanelPad = 16

// edge adds (accum) or copies the valid h×w corner of a scratch tile into C
// at offset co: the ragged right edge, with the rounding of a direct store.
func (g *gemmCall) edge(tile []float32, co, h, w int, accum bool) {
	storeEdge(g.c, tile, g.n, g.blk.nr, co, h, w, accum)
}

// storeEdge adds (accum) or copies the valid h×w corner of an h×nr tile
// into c (row stride ldc) at offset co.
func storeEdge(c, tile []float32, ldc, nr, co, h, w int, accum bool) {
	for i := 0; i < h; i++ {
		crow := c[co+i*ldc : co+i*ldc+w]
		trow := tile[i*nr : i*nr+w]
		if accum {
			for j, v := range trow {
				crow[j] += v
			}
		} else {
			copy(crow, trow)
		}
	}
}

// macro runs the micro-kernel over one packed MC×KC A block and KC×NC B
// block: C[ic:ic+mc, jc:jc+nc] (+)= Ã·B̃.
func (g *gemmCall) macro(ws *gemmWork, ic, mc, jc, nc, pc, kc int, accum, inPlaceB bool) {
	mk, nr, ldc := g.mk, g.blk.nr, g.n
	full := nc / nr * nr
	for jr := 0; jr < nc; jr += nr {
		w := min(nr, nc-jr)
		if inPlaceB && jr >= full {
			packB(ws.pb[full/nr*(kc*nr+bPanelPad):], g.b, pc, kc, jc+jr, w, nr, kc*nr+bPanelPad)
		}
		bp, ldb := g.bPanel(ws, jc, jr, full, pc, kc, inPlaceB)
		for ir := 0; ir < mc; ir += g.blk.mr {
			h := min(g.blk.mr, mc-ir)
			ap := ws.pa[ir*kc:]
			co := (ic+ir)*ldc + jc + jr
			if w == nr {
				mk.Run(h, kc, ap, bp, g.c[co:], ldb, ldc, accum)
				continue
			}
			mk.Run(h, kc, ap, bp, ws.tile, ldb, nr, false)
			g.edge(ws.tile, co, h, w, accum)
		}
	}
}

// gemv is the M=1 product, memory-bound on B, split over the workers by
// columns of C. For C = a·Bᵀ it is one dot product per row of B; for
// C = a·B it is one axpy per row of B (c += a[p]·B[p,:]), so B streams
// through row by row either way and is read once.
func gemv(c []float32, a aView, b bView, n, k int, acc bool) {
	g := gemmCalls.Get().(*gemmCall)
	g.c, g.a, g.b, g.n, g.k, g.acc = c, a, b, n, k, acc
	if 2*n*k < minParallelFlops {
		g.gemvRows(0, n)
	} else {
		Parallel(n, g.gemv)
	}
	g.c, g.a.d, g.b.d = nil, nil, nil
	gemmCalls.Put(g)
}

// gemvRows computes c[j] (+)= Σ_p a[p]·B[p,j] for j in [lo, hi).
func (g *gemmCall) gemvRows(lo, hi int) {
	b, k := g.b, g.k
	if !b.t {
		// a is one row (NN) or one column (TN) of length k; a.ld is 1 for
		// TN (M=1) and k for NN, and element p is at p·stride.
		stride := 1
		if g.a.t {
			stride = g.a.ld
		}
		c := g.c[lo:hi]
		if !g.acc {
			clear(c)
		}
		for p := 0; p < k; p++ {
			asm.Axpy(g.a.d[p*stride], b.d[p*b.ld+lo:p*b.ld+hi], c)
		}
		return
	}
	x := g.a.d[:k]
	for j := lo; j < hi; j++ {
		d := asm.Dot(x, b.d[j*b.ld:j*b.ld+k])
		if g.acc {
			g.c[j] += d
		} else {
			g.c[j] = d
		}
	}
}

// grow returns s with length n, reallocating only when its capacity is short.
func grow(s []float32, n int) []float32 {
	if cap(s) < n {
		return make([]float32, n)
	}
	return s[:n]
}
