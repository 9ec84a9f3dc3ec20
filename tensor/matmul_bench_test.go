package tensor

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/rltrain/rltrain/asm"
)

// benchDirectA overrides the blocking's directAPanels in the benchmarks (-1 keeps
// it), to compare reading A in place with packing it:
//
//	go test ./tensor -run '^$' -bench MatMulModel -directa 0
var benchDirectA = flag.Int("directa", -1, "override directAPanels in benchmarks (0: always pack A)")

// benchSetup makes the benchmark use -cpu's GOMAXPROCS as the thread count
// and applies -directa; the returned func restores both.
func benchSetup() func() {
	prevT := SetThreads(runtime.GOMAXPROCS(0))
	path := asm.GemmKernel().Path
	prevB := blockings[path]
	if *benchDirectA >= 0 {
		b := prevB
		b.directAPanels = *benchDirectA
		b.directATPanels = *benchDirectA
		blockings[path] = b
	}
	return func() { SetThreads(prevT); blockings[path] = prevB }
}

// BenchmarkMatMul runs the shapes in the NN and NT layouts on the
// current thread count and reports GFLOP/s (and GB/s for decode shapes).
func BenchmarkMatMul(b *testing.B) {
	defer benchSetup()()
	r := rand.New(rand.NewPCG(1, 1))
	for _, s := range BenchShapes() {
		for _, l := range []layout{nn, nt, tn} {
			b.Run(fmt.Sprintf("%v/%dx%dx%d", l, s.M, s.N, s.K), func(b *testing.B) {
				a, bm, c := randSlice(r, s.M*s.K), randSlice(r, s.K*s.N), make([]float32, s.M*s.N)
				l.run(c, a, bm, s.M, s.N, s.K, false)
				b.ResetTimer()
				for b.Loop() {
					l.run(c, a, bm, s.M, s.N, s.K, false)
				}
				sec := b.Elapsed().Seconds() / float64(b.N)
				b.ReportMetric(s.FLOPs()/sec/1e9, "GFLOP/s")
				if s.IsDecode() {
					b.ReportMetric(s.Bytes()/sec/1e9, "GB/s")
				}
			})
		}
	}
}

// modelCase is one product of SFT/RL training of the default model (hidden
// 128, SwiGLU 352, ≈2048 packed tokens per step).
type modelCase struct {
	l       layout
	m, n, k int
}

// modelCases are the matmuls of one training step of the default model:
// forward y = x·Wᵀ (NT, K = 128 or 352), input gradients dx = dy·W (NN) and
// weight gradients dW = dyᵀ·x (TN, K = tokens), plus a shorter sequence.
var modelCases = []modelCase{
	{nt, 2048, 384, 128}, {nt, 2048, 128, 128}, {nt, 2048, 704, 128}, {nt, 2048, 128, 352}, {nt, 256, 384, 128},
	{nn, 2048, 128, 384}, {nn, 2048, 128, 128}, {nn, 2048, 128, 704}, {nn, 2048, 352, 128}, {nn, 256, 128, 384},
	{tn, 384, 128, 2048}, {tn, 128, 128, 2048}, {tn, 704, 128, 2048}, {tn, 128, 352, 2048}, {tn, 384, 128, 256},
}

// BenchmarkMatMulModel runs the training-step shapes of the default model on
// the current thread count and reports GFLOP/s.
func BenchmarkMatMulModel(b *testing.B) {
	defer benchSetup()()
	r := rand.New(rand.NewPCG(1, 2))
	for _, mc := range modelCases {
		b.Run(fmt.Sprintf("%v/%dx%dx%d", mc.l, mc.m, mc.n, mc.k), func(b *testing.B) {
			a, bm, c := randSlice(r, mc.m*mc.k), randSlice(r, mc.k*mc.n), make([]float32, mc.m*mc.n)
			mc.l.run(c, a, bm, mc.m, mc.n, mc.k, false)
			b.ResetTimer()
			for b.Loop() {
				mc.l.run(c, a, bm, mc.m, mc.n, mc.k, false)
			}
			b.ReportMetric(2*float64(mc.m)*float64(mc.n)*float64(mc.k)/(b.Elapsed().Seconds()/float64(b.N))/1e9, "GFLOP/s")
		})
	}
}
