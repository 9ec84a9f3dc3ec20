package tensor

import (
	"os"
	"runtime"
	"time"

	"github.com/rltrain/rltrain/asm"
)

// Shape is one matrix-product size: C (M,N) = A (M,K) · B (K,N).
type Shape struct{ M, N, K int }

// FLOPs is the multiply-add count of the product, times two.
func (s Shape) FLOPs() float64 { return 2 * float64(s.M) * float64(s.N) * float64(s.K) }

// Bytes is the float32 traffic of one product if every operand is touched
// once: A, B and C (read and written). For decode shapes (small M) this is
// dominated by B, the weight.
func (s Shape) Bytes() float64 {
	return 4 * (float64(s.M)*float64(s.K) + float64(s.K)*float64(s.N) + 2*float64(s.M)*float64(s.N))
}

// BenchShapes are the shapes of the kernel benchmark and the OpenBLAS
// comparison: square sizes, transformer projections at 512
// tokens, and two decode-time shapes (a batch of 16 rollouts, and batch 1).
func BenchShapes() []Shape {
	return []Shape{
		{64, 256, 256}, {256, 256, 256}, {512, 512, 512}, {1024, 1024, 1024}, {2048, 2048, 2048},
		{512, 1024, 256}, {512, 256, 1024}, {512, 3072, 768}, {512, 768, 3072},
		{16, 2048, 512}, {1, 2048, 512},
	}
}

// IsDecode reports whether the shape is a decode-time (matrix-vector-like)
// product, judged in GB/s rather than GFLOP/s.
func (s Shape) IsDecode() bool { return s.M <= 16 }

// MeasureFMAPeak times the current path's register-only FMA loop on the
// calling goroutine (one core) for about d and returns GFLOP/s. It is the
// yardstick for "% of peak"; it assumes nothing about clocks or ports. It
// follows BenchClockEnv like TimeProduct.
func MeasureFMAPeak(d time.Duration) float64 {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	now, unlock := benchClock(true)
	defer unlock()
	asm.FMAPeakLoop(1 << 14) // warm up the vector units and the clock
	best := 0.0
	for range 5 {
		flops := 0
		start := now()
		for now()-start < (d / 5).Seconds() {
			flops += asm.FMAPeakLoop(1 << 14)
		}
		best = max(best, float64(flops)/(now()-start)/1e9)
	}
	return best
}

// MeasureReadBandwidth streams a buffer of the given size (pick one well
// past the last-level cache) through asm.Dot and returns the best of a few
// passes in GB/s, on one core: the bound a memory-bound decode product can
// reach.
func MeasureReadBandwidth(bytes int, passes int) float64 {
	x := make([]float32, bytes/4)
	for i := range x {
		x[i] = 1
	}
	best := 0.0
	var sink float32
	for range max(passes, 1) {
		start := time.Now()
		sink += asm.Dot(x[:len(x)/2], x[len(x)/2:])
		best = max(best, float64(len(x)*4)/time.Since(start).Seconds()/1e9)
	}
	benchSink = sink
	return best
}

var benchSink float32

// TimeProduct runs f (one product) repeatedly for at least minTime per
// batch and returns the best batch's seconds per call, after one warm-up
// call. Best-of-batches filters out the machine's other load.
//
// With RLTRAIN_BENCH_CLOCK=thread in the environment and one thread
// (Threads() == 1, so f runs on the calling goroutine), time is the calling
// OS thread's CPU time instead of the wall clock: on a machine shared with
// other CPU-bound work, time-slicing then no longer counts against the
// product (cache refills after a switch still do). Other values, more than
// one thread, or an OS without the clock keep the wall clock.
func TimeProduct(f func(), minTime time.Duration, batches int) float64 {
	now, unlock := benchClock(Threads() == 1)
	defer unlock()
	f()
	best := 0.0
	for b := 0; b < max(batches, 1); b++ {
		n := 0
		start := now()
		for n == 0 || now()-start < minTime.Seconds() {
			f()
			n++
		}
		per := (now() - start) / float64(n)
		if best == 0 || per < best {
			best = per
		}
	}
	return best
}

// BenchClockEnv names the environment variable that selects the benchmark
// clock: "thread" (the calling thread's CPU time, single-threaded timings
// only) or anything else (wall clock).
const BenchClockEnv = "RLTRAIN_BENCH_CLOCK"

// benchClock returns the clock in seconds TimeProduct and MeasureFMAPeak
// use, and a func to call when done: the thread CPU clock (with the
// goroutine locked to its thread) when asked for by BenchClockEnv, the
// work runs on the calling goroutine (single) and the OS has the clock,
// else the wall clock.
func benchClock(single bool) (now func() float64, done func()) {
	if _, ok := threadCPUSeconds(); ok && single && os.Getenv(BenchClockEnv) == "thread" {
		runtime.LockOSThread()
		return func() float64 { s, _ := threadCPUSeconds(); return s }, runtime.UnlockOSThread
	}
	t0 := time.Now()
	return func() float64 { return time.Since(t0).Seconds() }, func() {}
}
