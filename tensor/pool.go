package tensor

import (
	"runtime"
	"sync"
)

// The worker pool: GOMAXPROCS-1 persistent goroutines plus the calling
// goroutine. Parallel hands each worker one chunk over its own channel and
// waits on its own done channel, so a call allocates nothing and costs two
// channel operations per helper instead of a goroutine start.
//
// Both channels hold one item, and both sides poll them for a short while
// (spinPolls) before blocking: waking a parked goroutine costs several
// microseconds, which a decode step with ~20 parallel regions per token
// paid on every one of them (2-thread batch-1 generation was slower than
// 1-thread).
//
// One Parallel call owns the pool at a time (busy). A call that finds the
// pool busy — a Parallel nested inside another's chunk, or two goroutines
// calling at once — runs its chunks one after another on its own goroutine.
// The chunk boundaries are the same either way, so results that depend only
// on each chunk's range do not change.

// threads is the number of chunks Parallel splits work into. It defaults to
// GOMAXPROCS and is changed with SetThreads.
var threads = runtime.GOMAXPROCS(0)

// SetThreads sets how many workers Parallel uses (n < 1 means GOMAXPROCS) and
// returns the previous value. It is not safe to call while Parallel runs.
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

// poolTask is one chunk handed to a helper goroutine.
type poolTask struct {
	fn     func(lo, hi int)
	lo, hi int
}

type poolHelper struct {
	work chan poolTask
	done chan struct{}
}

var pool struct {
	busy    sync.Mutex
	grow    sync.Mutex
	helpers []*poolHelper
}

// helpersFor returns at least n helpers, starting goroutines on first need.
func helpersFor(n int) []*poolHelper {
	pool.grow.Lock()
	defer pool.grow.Unlock()
	for len(pool.helpers) < n {
		h := &poolHelper{work: make(chan poolTask, 1), done: make(chan struct{}, 1)}
		go h.loop()
		pool.helpers = append(pool.helpers, h)
	}
	return pool.helpers[:n]
}

// spinPolls is how many times a waiting side polls its channel before it
// blocks on it: about 20–50 µs, longer than the gap between the parallel
// regions of a decode step and far shorter than a scheduler tick.
const spinPolls = 10000

func (h *poolHelper) loop() {
	for {
		t, ok := recvSpin(h.work)
		if !ok {
			return
		}
		t.fn(t.lo, t.hi)
		h.done <- struct{}{}
	}
}

// recvSpin receives from c, polling it spinPolls times before blocking.
func recvSpin[T any](c chan T) (T, bool) {
	for range spinPolls {
		select {
		case v, ok := <-c:
			return v, ok
		default:
		}
	}
	v, ok := <-c
	return v, ok
}

// Parallel splits [0, n) into at most Threads() contiguous chunks and runs
// fn(lo, hi) on each, concurrently, returning when all are done. Chunk w is
// [w·n/t, (w+1)·n/t): fixed by n and the thread count alone, so results that
// depend only on each chunk's range are deterministic.
func Parallel(n int, fn func(lo, hi int)) {
	t := min(threads, n)
	if t <= 1 {
		if n > 0 {
			fn(0, n)
		}
		return
	}
	if !pool.busy.TryLock() {
		for w := 0; w < t; w++ {
			fn(w*n/t, (w+1)*n/t)
		}
		return
	}
	defer pool.busy.Unlock()
	hs := helpersFor(t - 1)
	for w := 1; w < t; w++ {
		hs[w-1].work <- poolTask{fn: fn, lo: w * n / t, hi: (w + 1) * n / t}
	}
	fn(0, n/t)
	for _, h := range hs {
		recvSpin(h.done)
	}
}
