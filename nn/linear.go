package nn

import (
	"github.com/rltrain/rltrain/asm"
	"github.com/rltrain/rltrain/tensor"
)

// linearForward is a fully connected layer over all N rows of the batch in
// one GEMM, with PyTorch's weight layout (out, in):
//
//	x: (N, IN); w: (OUT, IN); b: (OUT) or nil; y: (N, OUT)
//	y = x·Wᵀ + b
func linearForward(y, x, w, b []float32, n, in, out int) {
	tensor.MatMulNT(y, x, w, n, out, in, false)
	if b != nil {
		tensor.Parallel(n, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				asm.Add(y[r*out:r*out+out], y[r*out:r*out+out], b)
			}
		})
	}
}

// linearBackward accumulates the parameter gradients of linearForward and
// writes (accX false) or accumulates (accX true) the input gradient:
//
//	in the forward pass this was: y = x·Wᵀ + b
//	dx (+)= dy·W     (N,OUT)·(OUT,IN)
//	dw += dyᵀ·x      (OUT,N)·(N,IN)
//	db += Σ_rows dy  (skipped when db is nil)
//
// Overwriting dx saves the callers a clear of a fresh scratch buffer. dx may
// be nil when the input gradient is not needed (e.g. the input is a token
// embedding lookup handled elsewhere).
func linearBackward(dx, dw, db, dy, x, w []float32, n, in, out int, accX bool) {
	if dx != nil {
		tensor.MatMulNN(dx, dy, w, n, in, out, accX)
	}
	tensor.MatMulTN(dw, dy, x, out, in, n, true)
	if db != nil {
		biasBackward(db, dy, n, out)
	}
}

// biasBackward adds the column sums of dy (N, OUT) to db (OUT). Columns are
// split across workers and each column is summed in row order, so the result
// does not depend on the thread count.
func biasBackward(db, dy []float32, n, out int) {
	tensor.Parallel(out, func(lo, hi int) {
		for r := 0; r < n; r++ {
			asm.Add(db[lo:hi], db[lo:hi], dy[r*out+lo:r*out+hi])
		}
	})
}
