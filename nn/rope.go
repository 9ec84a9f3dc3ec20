package nn

import (
	"math"

	"github.com/rltrain/rltrain/asm"
)

// RoPE (Su et al. 2021, "RoFormer") in the Hugging Face Llama/Qwen2
// "rotate_half" convention: a head vector x of size HS is split into halves
// x[:HS/2] and x[HS/2:], and element i of the first half is rotated together
// with element i of the second half (not adjacent pairs, as in the original
// paper and llama2.c). This is the layout HF checkpoints are trained in.
//
//	out[i]      = x[i]·cos(θ_i·pos) − x[i+HS/2]·sin(θ_i·pos)
//	out[i+HS/2] = x[i+HS/2]·cos(θ_i·pos) + x[i]·sin(θ_i·pos)
//	θ_i = theta^(−2i/HS),  i < HS/2
//
// ropeTable caches cos/sin per (position, i). It is shared by the training
// forward (Score) and the KV-cache generator: both must rotate with the same
// table so that sampled and scored log-probs agree.
type ropeTable struct {
	half     int       // HS/2
	theta    float64   // base frequency
	cos, sin []float32 // (positions, HS/2)
}

// newRopeTable builds the table for head size hs and positions [0, n).
func newRopeTable(hs int, theta float64, n int) *ropeTable {
	r := &ropeTable{half: hs / 2, theta: theta}
	r.grow(n)
	return r
}

// positions is how many positions the table covers.
func (r *ropeTable) positions() int { return len(r.cos) / max(r.half, 1) }

// grow extends the table to cover positions [0, n). It is not safe to call
// while other goroutines read the table; callers grow before going parallel.
//
// The angles are computed the way transformers' LlamaRotaryEmbedding does in
// float32 (inv_freq = 1/theta^(2i/HS) in float32, angle = float32(pos)·inv_freq
// rounded to float32, then cos/sin of that float32 angle), so that tables
// agree with PyTorch to an ulp even at large positions, where computing the
// angle in float64 would differ by ~pos·2⁻²⁴.
func (r *ropeTable) grow(n int) {
	have := r.positions()
	if n <= have {
		return
	}
	h := r.half
	cos := make([]float32, n*h)
	sin := make([]float32, n*h)
	copy(cos, r.cos)
	copy(sin, r.sin)
	inv := make([]float32, h)
	for i := range inv {
		e := float32(2*i) / float32(2*h)
		inv[i] = 1 / float32(math.Pow(r.theta, float64(e)))
	}
	for p := have; p < n; p++ {
		for i, f := range inv {
			a := float64(float32(p) * f)
			cos[p*h+i] = float32(math.Cos(a))
			sin[p*h+i] = float32(math.Sin(a))
		}
	}
	r.cos, r.sin = cos, sin
}

// rotate applies RoPE at position pos to one head vector (the vector
// kernel asm.RoPE; its paths agree bitwise):
//
//	x: (HS); dst: (HS); dst may alias x
func (r *ropeTable) rotate(dst, x []float32, pos int) {
	h := r.half
	asm.RoPE(dst[:h], dst[h:2*h], x[:h], x[h:2*h], r.cos[pos*h:pos*h+h], r.sin[pos*h:pos*h+h])
}

// rotateBack is the backward of rotate, the transposed (inverse) rotation,
// written (not accumulated) into dx:
//
//	in the forward pass this was: out1 = x1·cos − x2·sin; out2 = x2·cos + x1·sin
//	dx1 = dout1·cos + dout2·sin
//	dx2 = dout2·cos − dout1·sin
//
// which is the forward rotation with the halves swapped.
func (r *ropeTable) rotateBack(dx, dout []float32, pos int) {
	h := r.half
	asm.RoPE(dx[h:2*h], dx[:h], dout[h:2*h], dout[:h], r.cos[pos*h:pos*h+h], r.sin[pos*h:pos*h+h])
}
