package tensor

import (
	"runtime"
	"sync"
	"time"
)

// The worker pool: GOMAXPROCS-1 persistent goroutines plus the calling
// goroutine. Parallel hands each worker one chunk over its own channel and
// waits on its own done channel, so a call allocates nothing and costs two
// channel operations per helper instead of a goroutine start.
//
// Both channels hold one item, and both sides poll them for a while
// (spinFor) before blocking: waking a parked goroutine is slow (see
// spinFor), and a decode step has ~20 parallel regions per token.
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
	labels *labelled // the submitter's profiling labels (labels.go)
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

// spinFor is how long a waiting side polls its channel before it blocks on
// it. On the 2-vCPU VMs this was measured on, a helper that had parked
// started its chunk of a 1024³ product 160–200 µs late (the idle vCPU
// halts, and waking it goes through the hypervisor), and a decode step with
// ~20 parallel regions per token paid the wake on every one of them.
// Polling bridges the serial gaps between regions (and a chunk finishing
// earlier than its sibling) instead. OpenMP runtimes do the same: libgomp
// spins 300,000 polls (GOMP_SPINCOUNT) before sleeping. The cost is at
// most spinFor of the idle core's time after each region.
const spinFor = time.Millisecond

// spinCheck is how many polls run between clock reads and yields
// (runtime.Gosched, so that other goroutines — the GC's workers among
// them — still get the processor while a helper waits).
const spinCheck = 256

func (h *poolHelper) loop() {
	var labels *labelled
	for {
		t, ok := recvSpin(h.work)
		if !ok {
			return
		}
		if t.labels != labels {
			labels = applyLabels(t.labels)
		}
		t.fn(t.lo, t.hi)
		h.done <- struct{}{}
	}
}

// recvSpin receives from c, polling it for about spinFor before blocking.
func recvSpin[T any](c chan T) (T, bool) {
	var start time.Time
	for i := 1; ; i++ {
		select {
		case v, ok := <-c:
			return v, ok
		default:
		}
		if i%spinCheck == 0 {
			if start.IsZero() {
				start = time.Now()
			} else if time.Since(start) > spinFor {
				break
			}
			runtime.Gosched()
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
	labels := poolLabels.Load()
	for w := 1; w < t; w++ {
		hs[w-1].work <- poolTask{fn: fn, lo: w * n / t, hi: (w + 1) * n / t, labels: labels}
	}
	fn(0, n/t)
	for _, h := range hs {
		recvSpin(h.done)
	}
}
