package nn

import (
	"sync/atomic"

	"github.com/rltrain/rltrain/tensor"
)

// grow returns buf resized to n elements, reallocating only when the
// capacity is too small, so that steady-state calls do not allocate. The
// contents are not cleared.
func grow(buf *[]float32, n int) []float32 {
	if cap(*buf) < n {
		*buf = make([]float32, n)
	}
	*buf = (*buf)[:n]
	return *buf
}

// workerBufs hands each worker of parallelFor its own scratch row.
type workerBufs struct{ bufs [][]float32 }

// get makes sure there are nw buffers of at least size elements each. Call it
// before going parallel.
func (wb *workerBufs) get(nw, size int) [][]float32 {
	for len(wb.bufs) < nw {
		wb.bufs = append(wb.bufs, nil)
	}
	for w := 0; w < nw; w++ {
		grow(&wb.bufs[w], size)
	}
	return wb.bufs[:nw]
}

// numWorkers is the number of workers parallelFor uses for n items.
func numWorkers(n int) int { return max(1, min(tensor.Threads(), n)) }

// parallelFor splits [0, n) into numWorkers(n) contiguous chunks and runs
// fn(w, lo, hi) for each, concurrently; w in [0, numWorkers(n)) indexes the
// worker's scratch. Chunks depend only on n and the thread count, so the
// work each item sees is deterministic.
func parallelFor(n int, fn func(w, lo, hi int)) {
	nw := numWorkers(n)
	if n <= 0 {
		return
	}
	tensor.Parallel(nw, func(wlo, whi int) {
		for w := wlo; w < whi; w++ {
			fn(w, w*n/nw, (w+1)*n/nw)
		}
	})
}

// parallelClaim runs fn(w, i) for every i in [0, n) on numWorkers(n)
// workers that claim items one at a time from a shared counter, so that a
// worker on a slower (shared) core hands items to the faster one instead
// of finishing last. Which worker runs an item varies from call to call:
// use it only where each item's results do not depend on the worker (w
// indexes scratch only).
func parallelClaim(n int, fn func(w, i int)) {
	nw := numWorkers(n)
	if n <= 0 {
		return
	}
	var next atomic.Int64
	tensor.Parallel(nw, func(wlo, whi int) {
		for w := wlo; w < whi; w++ {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					break
				}
				fn(w, i)
			}
		}
	})
}
