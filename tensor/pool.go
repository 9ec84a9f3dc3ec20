package tensor

import (
	"runtime"
	"sync"
)

// threads is the number of workers Parallel splits work over. It defaults to
// GOMAXPROCS and is changed with SetThreads.
var threads = runtime.GOMAXPROCS(0)

// SetThreads sets how many workers Parallel uses (n < 1 means GOMAXPROCS) and
// returns the previous value.
func SetThreads(n int) int {
	prev := threads
	if n < 1 {
		n = runtime.GOMAXPROCS(0)
	}
	threads = n
	return prev
}

// Threads returns the number of workers Parallel uses.
func Threads() int { return threads }

// Parallel splits [0, n) into at most Threads() contiguous chunks and runs
// fn(lo, hi) on each, concurrently, returning when all are done. Chunks are
// fixed by n and the thread count alone, so results that depend only on each
// chunk's range are deterministic.
func Parallel(n int, fn func(lo, hi int)) {
	t := threads
	if t > n {
		t = n
	}
	if t <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	var wg sync.WaitGroup
	wg.Add(t - 1)
	for w := 1; w < t; w++ {
		lo, hi := w*n/t, (w+1)*n/t
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	fn(0, n/t)
	wg.Wait()
}
