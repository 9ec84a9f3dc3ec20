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
// Threading: the t workers split C into t column ranges (or row ranges when
// C is taller than wide), each a multiple of NR (MR) wide, and each worker
// runs the whole serial loop nest on its range with its own packing
// buffers. The duplicated packing (A per worker when splitting columns) is
// the smaller operand's, and there is no barrier inside a product. Every
// element of C is summed in the same order (KC blocks ascending, p ascending
// inside, C added once per block) whatever the split, so the parallel result
// equals the serial one bitwise.

const (
	// minParallelFlops: products below this many FLOPs (≈ 50 µs on one
	// core) run on the calling goroutine; handing out work costs a few µs.
	minParallelFlops = 4 << 20
)

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
	if 2*float64(m)*float64(n)*float64(k) < minParallelFlops {
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
	ws.pb = grow(ws.pb, kc*((nc+blk.nr-1)/blk.nr*blk.nr))
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

	for jc := n0; jc < n1; jc += ncStep {
		nc := min(ncStep, n1-jc)
		for pc := 0; pc < g.k; pc += blk.kc {
			kc := min(blk.kc, g.k-pc)
			accum := g.acc || pc > 0
			if g.pre == nil && !inPlaceB {
				packB(ws.pb, g.b, pc, kc, jc, nc, blk.nr)
			}
			for ic := m0; ic < m1; ic += blk.mc {
				mc := min(blk.mc, m1-ic)
				packA(ws.pa, g.a, ic, mc, pc, kc, blk.mr)
				g.macro(ws, ic, mc, jc, nc, pc, kc, accum, inPlaceB)
			}
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
		bp, ldb := ws.pb[jr*kc:], nr
		switch {
		case g.pre != nil:
			// Panel q of a PackedB holds all K rows: the KC block starts pc rows in.
			q := (jc + jr) / nr
			bp = g.pre.data[q*nr*g.k+pc*nr:]
		case inPlaceB && jr < full:
			bp, ldb = g.b.d[pc*g.b.ld+jc+jr:], g.b.ld
		case inPlaceB:
			packB(ws.pb, g.b, pc, kc, jc+jr, w, nr)
			bp = ws.pb
		}
		for ir := 0; ir < mc; ir += g.blk.mr {
			h := min(g.blk.mr, mc-ir)
			ap := ws.pa[ir*kc:]
			co := (ic+ir)*ldc + jc + jr
			if w == nr {
				mk.Run(h, kc, ap, bp, g.c[co:], ldb, ldc, accum)
				continue
			}
			// Ragged right edge: full tile into the scratch tile, then the
			// valid columns into C (same rounding as a direct store).
			mk.Run(h, kc, ap, bp, ws.tile, ldb, nr, false)
			for i := 0; i < h; i++ {
				crow := g.c[co+i*ldc : co+i*ldc+w]
				trow := ws.tile[i*nr : i*nr+w]
				if accum {
					for j, v := range trow {
						crow[j] += v
					}
				} else {
					copy(crow, trow)
				}
			}
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
