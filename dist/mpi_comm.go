//go:build mpi || mpich

package dist

import (
	"math"
	"os"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// maxCount is the most elements one MPI call moves: MPI counts are C ints,
// so longer buffers go in pieces. Tests lower it to exercise the splitting.
var maxCount = math.MaxInt32

// Abort waits this long for the MPI thread to take MPI_Abort, then for
// MPI_Abort to end the process.
const (
	abortHandoff = 2 * time.Second
	abortWait    = 30 * time.Second
)

// mpiComm is MPI_COMM_WORLD. Its calls run on th, one at a time, in the
// order they are made.
type mpiComm struct {
	rank, size int
	th         *mpiThread
	mu         sync.Mutex // held for the whole of each call and Close
	closed     atomic.Bool
}

func (c *mpiComm) Rank() int { return c.rank }
func (c *mpiComm) Size() int { return c.size }

// call runs the MPI call f on the MPI thread and turns its code into an
// error naming name.
func (c *mpiComm) call(name string, f func() int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return ErrClosed
	}
	return c.th.do(func() error { return mpiErr(name, f()) })
}

// skip is the result of a call with nothing to move: every rank passes the
// same length, so every rank skips MPI alike.
func (c *mpiComm) skip() error {
	if c.closed.Load() {
		return ErrClosed
	}
	return nil
}

// pieces calls f on consecutive pieces of buf of at most maxCount elements,
// stopping at the first nonzero MPI code.
func pieces[T any](buf []T, f func(p unsafe.Pointer, n int) int) int {
	for len(buf) > 0 {
		n := min(len(buf), maxCount)
		if rc := f(unsafe.Pointer(&buf[0]), n); rc != 0 {
			return rc
		}
		buf = buf[n:]
	}
	return 0
}

func (c *mpiComm) AllReduceSum(buf []float32) error { return allReduce(c, buf, typeFloat) }

func (c *mpiComm) AllReduceSum64(buf []float64) error { return allReduce(c, buf, typeDouble) }

// allReduce sums in place with MPI_Allreduce. The MPI standard does not
// promise every rank bitwise the same result, which Comm does; Open MPI's
// algorithms give it (each element is summed once and copied, or summed by
// symmetric pairs, and a+b == b+a), and scripts/test-mpi.sh checks it on 2,
// 3 and 4 ranks with sums that depend on the order of summation.
func allReduce[T any](c *mpiComm, buf []T, t int) error {
	if len(buf) == 0 {
		return c.skip()
	}
	return c.call("MPI_Allreduce", func() int {
		return pieces(buf, func(p unsafe.Pointer, n int) int { return cAllreduceSum(p, n, t) })
	})
}

func (c *mpiComm) Broadcast(buf []float32, root int) error   { return bcast(c, buf, typeFloat, root) }
func (c *mpiComm) Broadcast64(buf []float64, root int) error { return bcast(c, buf, typeDouble, root) }
func (c *mpiComm) BroadcastBytes(buf []byte, root int) error { return bcast(c, buf, typeByte, root) }

func bcast[T any](c *mpiComm, buf []T, t, root int) error {
	if err := checkRoot(root, c.size); err != nil {
		return err
	}
	if len(buf) == 0 {
		return c.skip()
	}
	return c.call("MPI_Bcast", func() int {
		return pieces(buf, func(p unsafe.Pointer, n int) int { return cBcast(p, n, t, root) })
	})
}

// Gather receives straight into the result when one call can carry send;
// longer sends go piece by piece through a buffer of one piece per rank.
func (c *mpiComm) Gather(send []float64, root int) ([]float64, error) {
	if err := checkRoot(root, c.size); err != nil {
		return nil, err
	}
	var out []float64
	if c.rank == root {
		out = make([]float64, c.size*len(send))
	}
	if len(send) == 0 {
		return out, c.skip()
	}
	err := c.call("MPI_Gather", func() int {
		if len(send) <= maxCount {
			return cGather(unsafe.Pointer(&send[0]), dataOf(out), len(send), typeDouble, root)
		}
		var tmp []float64
		if c.rank == root {
			tmp = make([]float64, c.size*maxCount)
		}
		for off := 0; off < len(send); off += maxCount {
			n := min(maxCount, len(send)-off)
			if rc := cGather(unsafe.Pointer(&send[off]), dataOf(tmp), n, typeDouble, root); rc != 0 {
				return rc
			}
			if c.rank != root {
				continue
			}
			for r := range c.size {
				copy(out[r*len(send)+off:r*len(send)+off+n], tmp[r*n:(r+1)*n])
			}
		}
		return 0
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// dataOf is the address of buf's first element, nil for an empty buf.
func dataOf(buf []float64) unsafe.Pointer {
	if len(buf) == 0 {
		return nil
	}
	return unsafe.Pointer(&buf[0])
}

func (c *mpiComm) Barrier() error { return c.call("MPI_Barrier", cBarrier) }

// Abort hands MPI_Abort to the MPI thread. When that thread is blocked in a
// collective (waiting for ranks that will never come) it calls MPI_Abort
// from the current thread instead: MPI_THREAD_FUNNELED forbids that, but the
// process is ending, Open MPI and MPICH abort from any thread, and hanging
// is worse. If MPI_Abort returns, or the communicator is closed, the
// process exits alone.
func (c *mpiComm) Abort(code int) {
	if !c.closed.Load() {
		done := make(chan struct{})
		if c.th.try(func() { cAbort(code); close(done) }, abortHandoff) {
			select {
			case <-done:
			case <-time.After(abortWait):
			}
		} else {
			cAbort(code)
		}
	}
	os.Exit(code)
}

func (c *mpiComm) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return nil
	}
	err := c.th.do(func() error { return mpiErr("MPI_Finalize", cFinalize()) })
	c.closed.Store(true)
	c.th.stop()
	return err
}
