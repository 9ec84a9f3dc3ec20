// Package tensor provides rltrain's float32 matrix products and the worker
// pool they run on. Matrices are row-major slices with the leading dimension
// equal to the row length.
package tensor

import "github.com/rltrain/rltrain/asm"

// MatMulNN computes C = A·B (or C += A·B when acc), with A: (M,K), B: (K,N),
// C: (M,N).
func MatMulNN(c, a, b []float32, m, n, k int, acc bool) {
	checkMatMul(c, a, b, m, n, k)
	Parallel(m, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ci := c[i*n : i*n+n]
			if !acc {
				clear(ci)
			}
			for p := 0; p < k; p++ {
				asm.Axpy(a[i*k+p], b[p*n:p*n+n], ci)
			}
		}
	})
}

// MatMulNT computes C = A·Bᵀ (or C += A·Bᵀ when acc), with A: (M,K),
// B: (N,K), C: (M,N). This is y = x·Wᵀ for a PyTorch-layout weight W (out,in).
func MatMulNT(c, a, b []float32, m, n, k int, acc bool) {
	checkMatMul(c, a, b, m, n, k)
	Parallel(m, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ai := a[i*k : i*k+k]
			for j := 0; j < n; j++ {
				d := asm.Dot(ai, b[j*k:j*k+k])
				if acc {
					c[i*n+j] += d
				} else {
					c[i*n+j] = d
				}
			}
		}
	})
}

// MatMulTN computes C = Aᵀ·B (or C += Aᵀ·B when acc), with A: (K,M),
// B: (K,N), C: (M,N). This is the weight gradient dW = dYᵀ·X.
func MatMulTN(c, a, b []float32, m, n, k int, acc bool) {
	checkMatMul(c, a, b, m, n, k)
	Parallel(m, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			ci := c[i*n : i*n+n]
			if !acc {
				clear(ci)
			}
			for p := 0; p < k; p++ {
				asm.Axpy(a[p*m+i], b[p*n:p*n+n], ci)
			}
		}
	})
}

func checkMatMul(c, a, b []float32, m, n, k int) {
	if m < 0 || n < 0 || k < 0 {
		panic(errNegativeDim)
	}
	if len(a) < m*k {
		panic(errShortA)
	}
	if len(b) < k*n {
		panic(errShortB)
	}
	if len(c) < m*n {
		panic(errShortC)
	}
}
