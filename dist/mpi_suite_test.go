//go:build mpi || mpich

package dist

import (
	"errors"
	"fmt"
)

// mpiCheck is one collective test: run is called on every rank, in list
// order, and must make the same collective calls on every rank whatever it
// finds, so that one failing rank cannot desynchronise the next check.
type mpiCheck struct {
	name string
	run  func(c Comm) error
}

// mpiChecks is the suite TestMain runs under a launcher.
var mpiChecks = buildChecks()

// Sizes of the reduced buffers: empty, one, round, and a ragged size that
// is no multiple of the ranks, of SIMD widths or of MPI's segments.
var checkSizes = []int{0, 1, 1000, 100_003}

func buildChecks() []mpiCheck {
	cs := []mpiCheck{{"rank and size match the launcher; Gather in rank order", checkRanks}}
	for _, n := range checkSizes {
		cs = append(cs,
			mpiCheck{fmt.Sprintf("AllReduceSum float32 n=%d", n), func(c Comm) error { return checkSum32(c, n) }},
			mpiCheck{fmt.Sprintf("AllReduceSum64 float64 n=%d", n), func(c Comm) error { return checkSum64(c, n) }})
	}
	return append(cs,
		mpiCheck{"AllReduceSum in pieces of 7 (n=1001)", withMaxCount(7, func(c Comm) error {
			return errors.Join(checkSum32(c, 1001), checkSum64(c, 1001))
		})},
		mpiCheck{"Broadcast float32, float64, bytes from every root", checkBroadcasts},
		mpiCheck{"Broadcast in pieces of 5", withMaxCount(5, checkBroadcasts)},
		mpiCheck{"Gather to the last rank; empty Gather", checkGatherLastRoot},
		mpiCheck{"Gather in pieces of 2", withMaxCount(2, checkGatherLastRoot)},
		mpiCheck{"Barrier waits for the slowest rank", checkBarrier},
		mpiCheck{"AllReduceSum float32 n=1000003 bitwise identical on all ranks and repeatable", checkIdentical},
		mpiCheck{"bad root is an error on every rank, not a hang", checkBadRoot},
		mpiCheck{"collectives from another goroutine on another OS thread", checkOtherThread},
		mpiCheck{"nil dereference is still a recoverable Go panic after MPI_Init", checkSignals},
		mpiCheck{"Open again returns the same Comm", checkOpenAgain},
	)
}

// withMaxCount runs f with MPI calls limited to n elements, so small buffers
// exercise the splitting of buffers longer than a C int.
func withMaxCount(n int, f func(Comm) error) func(Comm) error {
	return func(c Comm) error {
		defer func(old int) { maxCount = old }(maxCount)
		maxCount = n
		return f(c)
	}
}
