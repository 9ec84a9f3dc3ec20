// Package tensor provides rltrain's float32 matrix products and the worker
// pool they run on. Matrices are row-major slices with the leading dimension
// equal to the row length.
//
// The products are blocked, packed and threaded in the GotoBLAS/BLIS way
// (gemm.go) on the SGEMM micro-kernels of package asm; the results do not
// depend on the thread count.
package tensor

// MatMulNN computes C = A·B (or C += A·B when acc), with A: (M,K), B: (K,N),
// C: (M,N).
func MatMulNN(c, a, b []float32, m, n, k int, acc bool) {
	checkMatMul(c, a, b, m, n, k)
	gemm(c, aView{d: a, ld: k}, bView{d: b, ld: n}, m, n, k, acc)
}

// MatMulNT computes C = A·Bᵀ (or C += A·Bᵀ when acc), with A: (M,K),
// B: (N,K), C: (M,N). This is y = x·Wᵀ for a PyTorch-layout weight W (out,in).
func MatMulNT(c, a, b []float32, m, n, k int, acc bool) {
	checkMatMul(c, a, b, m, n, k)
	gemm(c, aView{d: a, ld: k}, bView{d: b, ld: k, t: true}, m, n, k, acc)
}

// MatMulTN computes C = Aᵀ·B (or C += Aᵀ·B when acc), with A: (K,M),
// B: (K,N), C: (M,N). This is the weight gradient dW = dYᵀ·X.
func MatMulTN(c, a, b []float32, m, n, k int, acc bool) {
	checkMatMul(c, a, b, m, n, k)
	gemm(c, aView{d: a, ld: m, t: true}, bView{d: b, ld: n}, m, n, k, acc)
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
