//go:build mpi || mpich

package dist

// The checks of rank order, broadcasts, Gather, Barrier and bad arguments.

import (
	"errors"
	"fmt"
	"math"
	"os"
	"time"
)

func checkRanks(c Comm) error {
	var errs []error
	if l, ok := detectLaunch(os.Getenv); ok && ((l.size > 0 && l.size != c.Size()) || (l.rank >= 0 && l.rank != c.Rank())) {
		errs = append(errs, fmt.Errorf("MPI says rank %d of %d, %s says rank %d of %d", c.Rank(), c.Size(), l.launcher, l.rank, l.size))
	}
	got, err := c.Gather([]float64{float64(c.Rank()), -float64(c.Rank())}, 0)
	errs = append(errs, err)
	if c.Rank() == 0 {
		for r := range c.Size() {
			if len(got) != 2*c.Size() || got[2*r] != float64(r) || got[2*r+1] != -float64(r) {
				errs = append(errs, fmt.Errorf("Gather to 0 = %v, not rank order", got))
				break
			}
		}
	} else if got != nil {
		errs = append(errs, fmt.Errorf("Gather gave rank %d %v, want nil", c.Rank(), got))
	}
	return errors.Join(errs...)
}

func checkBroadcasts(c Comm) error {
	var errs []error
	for root := range c.Size() {
		f32 := make([]float32, 1001)
		f64 := make([]float64, 1001)
		b := make([]byte, 1001)
		for i := range f32 {
			if c.Rank() == root {
				f32[i], f64[i], b[i] = float32(i*root)+0.25, float64(i)/3+float64(root), byte(i+root)
			} else {
				f32[i], f64[i], b[i] = float32(math.NaN()), math.Inf(1), 0xff
			}
		}
		errs = append(errs, c.Broadcast(f32, root), c.Broadcast64(f64, root), c.BroadcastBytes(b, root),
			c.Broadcast(nil, root), c.BroadcastBytes(nil, root))
		for i := range f32 {
			if f32[i] != float32(i*root)+0.25 || f64[i] != float64(i)/3+float64(root) || b[i] != byte(i+root) {
				errs = append(errs, fmt.Errorf("from root %d: element %d is %v, %v, %v", root, i, f32[i], f64[i], b[i]))
				break
			}
		}
	}
	return errors.Join(errs...)
}

func checkGatherLastRoot(c Comm) error {
	root := c.Size() - 1
	send := make([]float64, 5)
	for j := range send {
		send[j] = float64(100*c.Rank() + j)
	}
	got, err := c.Gather(send, root)
	empty, err2 := c.Gather(nil, root)
	errs := []error{err, err2}
	if c.Rank() != root {
		if got != nil || empty != nil {
			errs = append(errs, fmt.Errorf("rank %d is not root but got %v and %v", c.Rank(), got, empty))
		}
		return errors.Join(errs...)
	}
	if len(got) != 5*c.Size() || empty == nil || len(empty) != 0 {
		return errors.Join(append(errs, fmt.Errorf("root got %d values and %#v, want %d and an empty slice", len(got), empty, 5*c.Size()))...)
	}
	for r := range c.Size() {
		for j := range 5 {
			if got[5*r+j] != float64(100*r+j) {
				return errors.Join(append(errs, fmt.Errorf("Gather = %v, not in rank order", got))...)
			}
		}
	}
	return errors.Join(errs...)
}

// checkBarrier: the last rank arrives 300 ms late, so rank 0 must wait.
func checkBarrier(c Comm) error {
	const late = 300 * time.Millisecond
	if err := c.Barrier(); err != nil {
		return err
	}
	if c.Rank() == c.Size()-1 {
		time.Sleep(late)
	}
	start := time.Now()
	err := c.Barrier()
	if waited := time.Since(start); c.Rank() == 0 && c.Size() > 1 && waited < late/2 {
		return errors.Join(err, fmt.Errorf("rank 0 left the barrier after %v, before the last rank arrived", waited))
	}
	return err
}

func checkBadRoot(c Comm) error {
	var errs []error
	for _, root := range []int{-1, c.Size()} {
		if c.Broadcast([]float32{1}, root) == nil || c.BroadcastBytes([]byte{1}, root) == nil {
			errs = append(errs, fmt.Errorf("Broadcast to root %d: no error", root))
		}
		if _, err := c.Gather([]float64{1}, root); err == nil {
			errs = append(errs, fmt.Errorf("Gather to root %d: no error", root))
		}
	}
	return errors.Join(append(errs, c.Barrier())...)
}
