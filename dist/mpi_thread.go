//go:build mpi || mpich

package dist

import (
	"runtime"
	"time"
)

// mpiThread runs functions, one at a time, on a single OS thread that never
// runs anything else. Go moves goroutines between threads at will, but MPI
// initialised with MPI_THREAD_FUNNELED must be called only from the thread
// that initialised it, so every MPI call is handed to this thread's
// goroutine, which locked itself to its thread before MPI_Init_thread.
type mpiThread struct {
	calls chan func()
}

func startMPIThread() *mpiThread {
	t := &mpiThread{calls: make(chan func())}
	go t.serve()
	return t
}

// serve locks the goroutine to its thread for good: when serve returns
// (after stop), the runtime ends the thread instead of reusing it.
func (t *mpiThread) serve() {
	runtime.LockOSThread()
	for f := range t.calls {
		f()
	}
}

// do runs f on the thread and returns its error, waiting as long as f takes.
func (t *mpiThread) do(f func() error) error {
	done := make(chan error, 1)
	t.calls <- func() { done <- f() }
	return <-done
}

// try hands f to the thread if the thread takes it within wait, and reports
// whether it did. It fails when the thread is blocked in a collective.
func (t *mpiThread) try(f func(), wait time.Duration) bool {
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case t.calls <- f:
		return true
	case <-timer.C:
		return false
	}
}

// stop ends the thread once it has run the calls already handed to it.
func (t *mpiThread) stop() { close(t.calls) }
