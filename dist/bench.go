package dist

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// AllReduceTiming is one all-reduce measurement of BenchAllReduce.
type AllReduceTiming struct {
	Floats  int     // float32 values per rank
	Ranks   int     // Comm size
	Reps    int     // timed all-reduces
	Seconds float64 // mean seconds per all-reduce
	Best    float64 // seconds of this rank's fastest all-reduce: on a shared machine, the least disturbed
	Median  float64 // seconds of this rank's median all-reduce: robust to a few disturbed ones
}

// AlgBandwidth is the bytes of one rank's buffer reduced per second: what
// the caller sees, comparable across methods but not across rank counts.
func (t AllReduceTiming) AlgBandwidth() float64 {
	if t.Seconds <= 0 {
		return 0
	}
	return 4 * float64(t.Floats) / t.Seconds
}

// BusBandwidth is AlgBandwidth times 2(p-1)/p, the share of the buffer each
// rank must send and receive in a bandwidth-optimal all-reduce (NCCL's "bus
// bandwidth"): it reads against the link speed, whatever the rank count. It
// is 0 for one rank, which moves nothing.
func (t AllReduceTiming) BusBandwidth() float64 {
	if t.Ranks < 2 {
		return 0
	}
	return t.AlgBandwidth() * 2 * float64(t.Ranks-1) / float64(t.Ranks)
}

// String formats the timing as one line for a benchmark table: mean time
// and bandwidths, then the fastest all-reduce's.
func (t AllReduceTiming) String() string {
	best := t
	best.Seconds = t.Best
	return fmt.Sprintf("allreduce %9d floats  %d ranks  mean %10.1f µs  alg %6.3f GB/s  bus %6.3f GB/s  (best %10.1f µs, bus %6.3f GB/s; median %10.1f µs)",
		t.Floats, t.Ranks, t.Seconds*1e6, t.AlgBandwidth()/1e9, t.BusBandwidth()/1e9, t.Best*1e6, best.BusBandwidth()/1e9, t.Median*1e6)
}

// BenchAllReduce times reps all-reduces of floats float32 values on every
// rank of c. It is collective: call it on all ranks with the same arguments.
// An untimed first all-reduce sets up connections and buffers and checks the
// sum (a benchmark of wrong results measures nothing); the timed ones reduce
// zeros, whose sums stay put however many reps run. An untimed barrier
// before each makes it start with every rank present, as the trainer's
// gradient all-reduce does (rl/trainer.go), so the two measure the same
// thing; Seconds is the mean of the timed spans.
func BenchAllReduce(c Comm, floats, reps int) (AllReduceTiming, error) {
	if floats < 0 || reps < 1 {
		return AllReduceTiming{}, errors.New("dist: BenchAllReduce needs floats >= 0 and reps >= 1")
	}
	buf := make([]float32, floats)
	for i := range buf {
		buf[i] = float32(c.Rank() + 1)
	}
	if err := c.AllReduceSum(buf); err != nil {
		return AllReduceTiming{}, err
	}
	if err := checkAll(buf, float32(c.Size()*(c.Size()+1)/2)); err != nil {
		return AllReduceTiming{}, err
	}
	clear(buf)
	times := make([]float64, reps)
	sum := 0.0
	for i := range reps {
		if err := c.Barrier(); err != nil {
			return AllReduceTiming{}, err
		}
		t0 := time.Now()
		if err := c.AllReduceSum(buf); err != nil {
			return AllReduceTiming{}, err
		}
		times[i] = time.Since(t0).Seconds()
		sum += times[i]
	}
	sort.Float64s(times)
	best, median := times[0], times[reps/2]
	if reps%2 == 0 {
		median = (times[reps/2-1] + times[reps/2]) / 2
	}
	if err := checkAll(buf, 0); err != nil {
		return AllReduceTiming{}, err
	}
	return AllReduceTiming{Floats: floats, Ranks: c.Size(), Reps: reps, Seconds: sum / float64(reps), Best: best, Median: median}, nil
}

// checkAll returns an error unless every element of buf is want.
func checkAll(buf []float32, want float32) error {
	for i, v := range buf {
		if v != want {
			return fmt.Errorf("dist: BenchAllReduce: element %d is %v, want %v", i, v, want)
		}
	}
	return nil
}
