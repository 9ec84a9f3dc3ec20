package tensor

import "github.com/rltrain/rltrain/asm"

// Packing copies blocks of A and B into the panel layouts the micro-kernel
// reads with unit stride (see asm.Microkernel):
//
//	A block MC×KC → row panels of height MR (the last one of height mc%MR,
//	                no padding): panel r holds a[p*h+i] for p < kc, i < h,
//	                and starts at r·MR·kc.
//	B block KC×NC → column panels of width NR, zero-padded to NR: panel q
//	                holds b[p*NR+j] for p < kc, j < NR, and starts at q·ps,
//	                ps ≥ NR·kc the panel stride (the driver pads it by a
//	                cache line, see bPanelPad).

// aView is the M×K left operand: element (i,p) is d[i*ld+p], or d[p*ld+i]
// when t (A stored as (K,M), the MatMulTN case).
type aView struct {
	d  []float32
	ld int
	t  bool
}

// bView is the K×N right operand: element (p,j) is d[p*ld+j], or d[j*ld+p]
// when t (B stored as (N,K), the MatMulNT case).
type bView struct {
	d  []float32
	ld int
	t  bool
}

// packA packs rows [i0, i0+mc) and columns [p0, p0+kc) of A into dst.
func packA(dst []float32, a aView, i0, mc, p0, kc, mr int) {
	if a.t {
		packAT(dst, a, i0, mc, p0, kc, mr)
		return
	}
	for ir := 0; ir < mc; ir += mr {
		h := min(mr, mc-ir)
		packARows(dst[ir*kc:ir*kc+h*kc], a, i0+ir, h, p0, kc)
	}
}

// packAT packs a block of a transposed A (stored (K,M), the MatMulTN
// case): source row p0+p holds, for every micro-panel r, the h = MR
// consecutive floats of its k step p, d[r*MR*kc + p*h + i]. The block is
// walked one source row at a time, so the source streams sequentially; the
// 6-float steps of the AVX2 panels of one row are copied by one
// asm.CopyBlocks6 call (a 24-byte Go copy would be a memmove call each, and
// element-wise copies cost a quarter of a TN product's time).
func packAT(dst []float32, a aView, i0, mc, p0, kc, mr int) {
	full := mc / mr * mr
	for p := 0; p < kc; p++ {
		src := a.d[(p0+p)*a.ld+i0 : (p0+p)*a.ld+i0+mc]
		if mr == 6 {
			if full > 0 {
				asm.CopyBlocks6(dst[p*6:], src, full/6, 6*kc, 6)
			}
		} else {
			for ir := 0; ir < full; ir += mr {
				copy(dst[ir*kc+p*mr:ir*kc+p*mr+mr], src[ir:ir+mr])
			}
		}
		if h := mc - full; h > 0 {
			copy(dst[full*kc+p*h:full*kc+p*h+h], src[full:])
		}
	}
}

// packARows packs one micro-panel of a row-major A (a transposition):
// d[p*h+i] = a.d[(i0+i)*ld+p0+p]. Full 6-row panels (the AVX2 tile) go
// through asm.TransposePanel6 (8×8 register transposes, eight k steps at a
// time); an element-wise Go loop cost 5% of a 1024³ product.
func packARows(d []float32, a aView, i0, h, p0, kc int) {
	o := i0*a.ld + p0
	if h == 6 {
		asm.TransposePanel6(d, a.d[o:], a.ld, kc)
		return
	}
	for i := 0; i < h; i++ {
		o := (i0+i)*a.ld + p0
		for p, v := range a.d[o : o+kc] {
			d[p*h+i] = v
		}
	}
}

// packB packs rows [p0, p0+kc) and columns [j0, j0+nc) of B into dst, in
// panels ps floats apart, zero-padding the last panel to nr columns.
func packB(dst []float32, b bView, p0, kc, j0, nc, nr, ps int) {
	if !b.t {
		packBRows(dst, b, p0, kc, j0, nc, nr, ps)
		return
	}
	for jr := 0; jr < nc; jr += nr {
		w := min(nr, nc-jr)
		d := dst[jr/nr*ps : jr/nr*ps+kc*nr]
		if w < nr {
			clear(d)
		}
		packBT(d, b, p0, kc, j0+jr, w, nr)
	}
}

// packBT packs one panel of a transposed B: d[p*nr+j] = b.d[(j0+j)*ld+p0+p].
// Four source rows are read together so each destination line is written
// four floats at a time.
//
// A full 16-wide panel (the AVX2 tile) goes through asm.TransposePanel16,
// 8×8 register transposes.
func packBT(d []float32, b bView, p0, kc, j0, w, nr int) {
	if w == 16 && nr == 16 {
		asm.TransposePanel16(d, b.d[j0*b.ld+p0:], b.ld, kc)
		return
	}
	j := 0
	for ; j+4 <= w; j += 4 {
		o := (j0+j)*b.ld + p0
		r0 := b.d[o : o+kc]
		r1 := b.d[o+b.ld : o+b.ld+kc]
		r2 := b.d[o+2*b.ld : o+2*b.ld+kc]
		r3 := b.d[o+3*b.ld : o+3*b.ld+kc]
		for p := range r0 {
			dp := d[p*nr+j : p*nr+j+4]
			dp[0], dp[1], dp[2], dp[3] = r0[p], r1[p], r2[p], r3[p]
		}
	}
	for ; j < w; j++ {
		o := (j0+j)*b.ld + p0
		for p, v := range b.d[o : o+kc] {
			d[p*nr+j] = v
		}
	}
}

// packBRows packs a block of an untransposed B (stored (K,N)) into its
// panels: d[q*ps + p*nr + j] = b.d[(p0+p)*ld + j0 + q*nr + j]. The block
// is walked one source row at a time, so B streams through sequentially
// (walking it panel by panel would read 64 bytes per row at the row
// stride, kilobytes apart for wide B, defeating the prefetchers and
// colliding in the same L1 sets). Full panels are copied 16 floats at a
// time by asm.CopyBlocks16 (a Go array copy would be a memmove call each).
func packBRows(dst []float32, b bView, p0, kc, j0, nc, nr, ps int) {
	full := nc / nr * nr
	last := full / nr * ps // start of the ragged panel
	for p := 0; p < kc; p++ {
		src := b.d[(p0+p)*b.ld+j0 : (p0+p)*b.ld+j0+nc]
		switch {
		case full == 0:
		case nr%16 == 0:
			// Block h of each panel: panel stride nr·kc in dst, nr in src.
			for h := 0; h < nr; h += 16 {
				asm.CopyBlocks16(dst[p*nr+h:], src[h:], full/nr, ps, nr)
			}
		default:
			for jr := 0; jr < full; jr += nr {
				o := jr/nr*ps + p*nr
				copy(dst[o:o+nr], src[jr:jr+nr])
			}
		}
		if full < nc {
			dp := dst[last+p*nr : last+p*nr+nr]
			copy(dp, src[full:])
			clear(dp[nc-full:])
		}
	}
}
