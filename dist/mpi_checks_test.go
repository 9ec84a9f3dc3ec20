//go:build mpi || mpich

package dist

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"time"
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

// triangle is 1+2+…+size, the sum over ranks of rank+1.
func triangle(c Comm) int { return c.Size() * (c.Size() + 1) / 2 }

// checkSum32 reduces integers small enough that every order of summation
// gives the exact sum.
func checkSum32(c Comm, n int) error {
	buf := make([]float32, n)
	for i := range buf {
		buf[i] = float32((c.Rank() + 1) * (i%251 - 125))
	}
	if err := c.AllReduceSum(buf); err != nil {
		return err
	}
	for i, v := range buf {
		if want := float32(triangle(c) * (i%251 - 125)); v != want {
			return fmt.Errorf("element %d of %d is %v, want %v", i, n, v, want)
		}
	}
	return nil
}

// checkSum64 reduces halves and large integers, exact in float64.
func checkSum64(c Comm, n int) error {
	buf := make([]float64, n)
	for i := range buf {
		buf[i] = float64(c.Rank()+1) * (0.5 + float64(i)*1e6)
	}
	if err := c.AllReduceSum64(buf); err != nil {
		return err
	}
	for i, v := range buf {
		if want := float64(triangle(c)) * (0.5 + float64(i)*1e6); v != want {
			return fmt.Errorf("element %d of %d is %v, want %v", i, n, v, want)
		}
	}
	return nil
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

// checkIdentical reduces float32 values of wildly different magnitudes, so
// that the sums depend on the order of summation, and checks that every
// rank got bitwise the same result, twice, near the float64 sum.
func checkIdentical(c Comm) error {
	const n = 1_000_003
	data := func(rank int) []float32 {
		rng := rand.New(rand.NewPCG(uint64(rank), 42))
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(math.Exp(rng.NormFloat64()*6)) * float32(1-2*rng.IntN(2))
		}
		return x
	}
	mine := data(c.Rank())
	var sums [2][]float32
	var errs []error
	for k := range sums {
		sums[k] = append([]float32(nil), mine...)
		errs = append(errs, c.AllReduceSum(sums[k]))
	}
	h0, h1 := checksum(sums[0]), checksum(sums[1])
	if h0 != h1 {
		errs = append(errs, fmt.Errorf("two reductions of the same data differ: %016x, %016x", h0, h1))
	}
	all, err := c.Gather([]float64{float64(h0 >> 32), float64(h0 & math.MaxUint32)}, 0)
	errs = append(errs, err)
	for r := 1; c.Rank() == 0 && r < c.Size(); r++ {
		if all[2*r] != all[0] || all[2*r+1] != all[1] {
			errs = append(errs, fmt.Errorf("rank %d's sums differ from rank 0's (checksums %v)", r, all))
			break
		}
	}
	ref, mag := make([]float64, n), make([]float64, n)
	for r := range c.Size() {
		for i, v := range data(r) {
			ref[i] += float64(v)
			mag[i] += math.Abs(float64(v))
		}
	}
	for i, v := range sums[0] {
		if math.Abs(float64(v)-ref[i]) > 1e-6*mag[i] {
			errs = append(errs, fmt.Errorf("element %d is %v, float64 sum %v", i, v, ref[i]))
			break
		}
	}
	return errors.Join(errs...)
}

// checksum is FNV-1a of the float bits.
func checksum(x []float32) uint64 {
	h := fnv.New64a()
	var b [4]byte
	for _, v := range x {
		u := math.Float32bits(v)
		b[0], b[1], b[2], b[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
		h.Write(b[:])
	}
	return h.Sum64()
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

func checkOtherThread(c Comm) error {
	done := make(chan error)
	go func() {
		runtime.LockOSThread() // a fresh thread, never the MPI one
		defer runtime.UnlockOSThread()
		done <- errors.Join(checkSum32(c, 1000), c.Barrier())
	}()
	return <-done
}

// checkSignals: Go turns a nil dereference (SIGSEGV) into a panic only if
// its signal handler is still installed after MPI_Init; Open MPI installs
// handlers of its own for some signals.
func checkSignals(Comm) (err error) {
	defer func() {
		r := recover()
		if re, ok := r.(runtime.Error); !ok || !bytes.Contains([]byte(re.Error()), []byte("nil pointer")) {
			err = fmt.Errorf("recovered %v, want a nil pointer runtime error", r)
		}
	}()
	var p *int
	*p = 1
	return nil
}

func checkOpenAgain(c Comm) error {
	c2, err := Open()
	if err != nil || c2 != c {
		return fmt.Errorf("Open again = %v, %v; want the same Comm", c2, err)
	}
	return nil
}
