package tensor

// Packing copies blocks of A and B into the panel layouts the micro-kernel
// reads with unit stride (see asm.Microkernel):
//
//	A block MC×KC → row panels of height MR (the last one of height mc%MR,
//	                no padding): panel r holds a[p*h+i] for p < kc, i < h,
//	                and starts at r·MR·kc.
//	B block KC×NC → column panels of width NR, zero-padded to NR: panel q
//	                holds b[p*NR+j] for p < kc, j < NR, and starts at q·NR·kc.

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
	for ir := 0; ir < mc; ir += mr {
		h := min(mr, mc-ir)
		d := dst[ir*kc : ir*kc+h*kc]
		if a.t {
			for p := 0; p < kc; p++ {
				o := (p0+p)*a.ld + i0 + ir
				copy(d[p*h:p*h+h], a.d[o:o+h])
			}
			continue
		}
		for i := 0; i < h; i++ {
			o := (i0+ir+i)*a.ld + p0
			row := a.d[o : o+kc]
			for p, v := range row {
				d[p*h+i] = v
			}
		}
	}
}

// packB packs rows [p0, p0+kc) and columns [j0, j0+nc) of B into dst,
// zero-padding the last panel to nr columns.
func packB(dst []float32, b bView, p0, kc, j0, nc, nr int) {
	for jr := 0; jr < nc; jr += nr {
		w := min(nr, nc-jr)
		d := dst[jr*kc : jr*kc+kc*nr]
		if !b.t {
			packBRows(d, b, p0, kc, j0+jr, w, nr)
			continue
		}
		if w < nr {
			clear(d)
		}
		packBT(d, b, p0, kc, j0+jr, w, nr)
	}
}

// packBT packs one panel of a transposed B: d[p*nr+j] = b.d[(j0+j)*ld+p0+p].
// Four source rows are read together so each destination line is written
// four floats at a time.
func packBT(d []float32, b bView, p0, kc, j0, w, nr int) {
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

// packBRows packs one panel of an untransposed B: d[p*nr+j] = b.d[(p0+p)*ld+j0+j].
// Full panels of the two SIMD widths copy fixed-size arrays, which the
// compiler inlines as vector moves instead of a memmove call per row.
func packBRows(d []float32, b bView, p0, kc, j0, w, nr int) {
	switch {
	case w == 16 && nr == 16:
		for p := 0; p < kc; p++ {
			o := (p0+p)*b.ld + j0
			*(*[16]float32)(d[p*16:]) = *(*[16]float32)(b.d[o:])
		}
	case w == 32 && nr == 32:
		for p := 0; p < kc; p++ {
			o := (p0+p)*b.ld + j0
			*(*[32]float32)(d[p*32:]) = *(*[32]float32)(b.d[o:])
		}
	default:
		for p := 0; p < kc; p++ {
			o := (p0+p)*b.ld + j0
			dp := d[p*nr : p*nr+nr]
			copy(dp, b.d[o:o+w])
			clear(dp[w:])
		}
	}
}
