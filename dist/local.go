package dist

import "os"

// Local returns the Comm of a job with one rank: rank 0 of 1. Its
// reductions and broadcasts leave buffers as they are (the sum over one rank
// is the rank's own value), so code written for N ranks runs unchanged, and
// at no cost, as a single process.
func Local() Comm { return local{} }

// local is the one-rank Comm. It has no state, so Close does nothing and the
// value stays usable afterwards.
type local struct{}

func (local) Rank() int { return 0 }
func (local) Size() int { return 1 }

func (local) AllReduceSum([]float32) error   { return nil }
func (local) AllReduceSum64([]float64) error { return nil }

func (local) Broadcast(_ []float32, root int) error   { return checkRoot(root, 1) }
func (local) Broadcast64(_ []float64, root int) error { return checkRoot(root, 1) }
func (local) BroadcastBytes(_ []byte, root int) error { return checkRoot(root, 1) }

// Gather returns a copy, not send itself, as an MPI Gather would: callers may
// reuse send while holding the result.
func (local) Gather(send []float64, root int) ([]float64, error) {
	if err := checkRoot(root, 1); err != nil {
		return nil, err
	}
	return append(make([]float64, 0, len(send)), send...), nil
}

func (local) Barrier() error { return nil }

// Abort exits the process: there are no other ranks to stop.
func (local) Abort(code int) { os.Exit(code) }

func (local) Close() error { return nil }
