package main

import (
	"fmt"
	"os"

	"github.com/rltrain/rltrain/dist"
)

func init() {
	register("bench allreduce", "all-reduce time and bandwidth for 1K, 1M and 10M floats (run under mpirun -np N)", runBenchAllReduce)
}

// benchAllReduceConfig is the flags of `rltrain bench allreduce`.
type benchAllReduceConfig struct {
	// Sizes are the float32 counts per rank. Default 1024, 1048576, 10485760.
	Sizes []int `json:"sizes"`
	// Reps is the number of timed all-reduces per size. Default 20.
	Reps int `json:"reps"`
	// Fit prints the link (bandwidth, latency) of the ring all-reduce cost
	// model that passes through the smallest and the largest size's median
	// times (dist.FitLink), for `bench scaling --link-gbs --link-latency-us`.
	Fit bool `json:"fit"`
}

func runBenchAllReduce(args []string) error {
	cfg := benchAllReduceConfig{Sizes: []int{1 << 10, 1 << 20, 10 << 20}, Reps: 20}
	fs := newFlagSet("bench allreduce")
	bindStruct(fs, &cfg, "", "benchAllReduceConfig", nil)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Reps < 1 || len(cfg.Sizes) == 0 {
		return fmt.Errorf("--reps %d and --sizes %v: need reps ≥ 1 and at least one size", cfg.Reps, cfg.Sizes)
	}
	c, err := dist.Open()
	if err != nil {
		return err
	}
	defer c.Close()
	defer dist.Guard(c)
	if c.Rank() == 0 {
		fmt.Printf("# bench allreduce: %d rank(s), %d reps per size (mean, then the fastest); bus bandwidth = alg × 2(p−1)/p\n", c.Size(), cfg.Reps)
	}
	var timings []dist.AllReduceTiming
	for _, n := range cfg.Sizes {
		if n < 0 {
			c.Abort(2)
		}
		tm, err := dist.BenchAllReduce(c, n, cfg.Reps)
		if err != nil {
			fmt.Fprintf(os.Stderr, "rank %d: %v\n", c.Rank(), err)
			c.Abort(1)
		}
		if c.Rank() == 0 {
			fmt.Println(tm)
		}
		timings = append(timings, tm)
	}
	if cfg.Fit && c.Rank() == 0 {
		lo, hi := timings[0], timings[0]
		for _, tm := range timings {
			if tm.Floats < lo.Floats {
				lo = tm
			}
			if tm.Floats > hi.Floats {
				hi = tm
			}
		}
		lo.Seconds, hi.Seconds = lo.Median, hi.Median // the median is the least disturbed by other work on the machine
		l, err := dist.FitLink(lo, hi)
		if err != nil {
			fmt.Printf("fit: not possible (%v): repeat with more --reps on a quieter machine\n", err)
			return nil
		}
		fmt.Printf("fit: T_ring = 2(p-1)/p*4n/B + 2(p-1)*latency through the median times of %d and %d floats on %d ranks: B = %.3f GB/s, latency = %.2f µs\n",
			lo.Floats, hi.Floats, c.Size(), l.Bandwidth/1e9, l.Latency*1e6)
	}
	return nil
}
