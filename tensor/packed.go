package tensor

import "github.com/rltrain/rltrain/asm"

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
	gemmWith(mk, blockings[mk.Path], Threads(), c, av, bView{}, b, m, n, k, acc)
}
