package dist

import (
	"errors"
	"fmt"
)

// Comm is a group of ranks that run the same program and exchange buffers.
// Rank 0 is the conventional root (it logs, evaluates and writes
// checkpoints); every other method is collective unless it says otherwise.
//
// Collectives block until every rank has made the matching call, so all
// ranks must call them in the same order with the same lengths and root.
// Buffer lengths may be zero (the call then returns at once on every rank)
// and have no upper limit: the MPI binding splits buffers longer than a C
// int can count.
type Comm interface {
	// Rank is this process's index in [0, Size()). Not collective.
	Rank() int

	// Size is the number of ranks. Not collective.
	Size() int

	// AllReduceSum replaces buf on every rank with the element-wise sum of
	// buf over all ranks. Every rank gets bitwise the same sums, so ranks
	// that apply the same update to the same weights stay identical.
	AllReduceSum(buf []float32) error

	// AllReduceSum64 is AllReduceSum for float64 buffers: counts, losses and
	// statistics whose sums need more than float32's 24 bits.
	AllReduceSum64(buf []float64) error

	// Broadcast copies root's buf into buf on every other rank (weights at
	// start-up, so every rank begins from the same model).
	Broadcast(buf []float32, root int) error

	// Broadcast64 is Broadcast for float64 buffers (optimizer state,
	// statistics).
	Broadcast64(buf []float64, root int) error

	// BroadcastBytes is Broadcast for bytes: small state such as a seed, a
	// JSON config or a checkpoint. Every rank must pass the same length, so
	// broadcast the length first when only root knows it.
	BroadcastBytes(buf []byte, root int) error

	// Gather returns, on root, the send buffers of all ranks concatenated in
	// rank order (Size()*len(send) values); on other ranks it returns nil.
	// It collects per-rank statistics and checksums.
	Gather(send []float64, root int) ([]float64, error)

	// Barrier returns once every rank has called it.
	Barrier() error

	// Abort ends every rank of the job with the exit code, without waiting
	// for the others. It is the way out of an error that only some ranks
	// see: exiting alone would leave the others blocked in their next
	// collective. Not collective; it does not return.
	Abort(code int)

	// Close ends the communicator (MPI_Finalize). It is collective: a rank
	// that Closes waits for the others. Afterwards the collectives of an MPI
	// Comm return ErrClosed (Local keeps working) and Close returns nil
	// again. MPI cannot be started twice, so a closed MPI Comm cannot be
	// reopened in the same process.
	Close() error
}

// ErrClosed is returned by a collective called after Close.
var ErrClosed = errors.New("dist: communicator is closed")

// checkRoot returns an error unless root is a rank of a comm of the size.
// Every rank checks the same arguments, so all of them fail together
// instead of some waiting for a root that does not exist.
func checkRoot(root, size int) error {
	if root < 0 || root >= size {
		return fmt.Errorf("dist: root %d out of range for %d ranks", root, size)
	}
	return nil
}
